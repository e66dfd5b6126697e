import type { Dockerfile, Instruction, Range, Stage } from '../model';
import { finalStage } from '../rule';

/**
 * The stages an image's content comes from, oldest first: the stage
 * itself and each earlier stage it is built `FROM`, back to the one that
 * starts from a real image or scratch.
 */
export function stageChain(dockerfile: Dockerfile, stage: Stage): Stage[] {
  const parents = stageParents(dockerfile.stages);
  const newestFirst = [stage];
  let parent = parents[stage.index];
  while (parent !== undefined) {
    newestFirst.push(parent);
    parent = parents[parent.index];
  }
  return newestFirst.reverse();
}

/**
 * The stage each stage is built FROM, by index: the latest earlier stage
 * of that name, as BuildKit resolves it. One pass over the stages.
 */
function stageParents(stages: readonly Stage[]): (Stage | undefined)[] {
  const latest = new Map<string, Stage>();
  return stages.map((stage) => {
    const parent = stage.from.isStage
      ? latest.get(stage.from.resolved.toLowerCase())
      : undefined;
    if (stage.name !== undefined) latest.set(stage.name, stage);
    return parent;
  });
}

/** The image the built image is made of: the final stage and its parents. */
export interface FinalImage {
  /** The final stage and the stages it is built FROM, oldest first. */
  chain: Stage[];
  /** The stage whose FROM names a real image or scratch. */
  root: Stage;
  /** The final stage, whose FROM line findings about the image point at. */
  final: Stage;
  /** The chain's own instructions in order; ONBUILD triggers left out. */
  instructions: Instruction[];
}

/**
 * The final image of a Dockerfile, or undefined when it has no stage.
 * Limitation: ONBUILD triggers are left out because they run in images
 * built from this one, not in it; triggers the base image carries are
 * unknown to a Dockerfile linter.
 */
export function finalImage(dockerfile: Dockerfile): FinalImage | undefined {
  const final = finalStage(dockerfile);
  if (final === undefined) return undefined;
  const chain = stageChain(dockerfile, final);
  const instructions = chain
    .flatMap((stage) => stage.instructions)
    .filter((instruction) => !instruction.onbuild);
  return { chain, root: chain[0] ?? final, final, instructions };
}

/** The last path component of a repository: `library/node` → `node`. */
export function imageBaseName(repository: string): string {
  const slash = repository.lastIndexOf('/');
  return repository.slice(slash + 1).toLowerCase();
}

/** A range covering one whole line, for hits on comments. */
export function lineRange(line: number, text: string): Range {
  return {
    start: { line, column: 1 },
    end: { line, column: text.length + 1 },
  };
}

/** The program a command runs, without its directory. */
export function programName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1).toLowerCase();
}
