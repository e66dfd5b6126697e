import type { Dockerfile, Instruction, Stage } from '../model';
import { stripQuotes } from './in-words';

/** How a message names a stage: by its name, or by number and image. */
export function stageLabel(stage: Stage): string {
  return stage.name === undefined
    ? `stage ${stage.index} (FROM ${stage.from.raw})`
    : `stage '${stage.name}'`;
}

const stageNames = new WeakMap<Dockerfile, Map<string, number[]>>();

/** Stage indexes by name, built once per file. */
function indexesByName(dockerfile: Dockerfile): Map<string, number[]> {
  let names = stageNames.get(dockerfile);
  if (names === undefined) {
    names = new Map();
    for (const stage of dockerfile.stages) {
      if (stage.name === undefined) continue;
      const indexes = names.get(stage.name) ?? [];
      indexes.push(stage.index);
      names.set(stage.name, indexes);
    }
    stageNames.set(dockerfile, names);
  }
  return names;
}

/**
 * The stage that `reference` (a stage name or number) names, looking only
 * at stages that start before `beforeIndex`, as the builder does.
 */
export function findStage(
  dockerfile: Dockerfile,
  reference: string,
  beforeIndex: number,
): Stage | undefined {
  const wanted = stripQuotes(reference).toLowerCase();
  if (/^\d+$/.test(wanted)) {
    const index = Number(wanted);
    return index < beforeIndex ? dockerfile.stages[index] : undefined;
  }
  const indexes = indexesByName(dockerfile).get(wanted) ?? [];
  const index = indexes[lastBelow(indexes, beforeIndex)];
  return index === undefined ? undefined : dockerfile.stages[index];
}

/** Position of the last value below `limit` in a sorted list, or -1. */
function lastBelow(sorted: readonly number[], limit: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < limit) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/** The earlier stage a stage is built FROM, if it names one. */
export function parentStage(
  dockerfile: Dockerfile,
  stage: Stage,
): Stage | undefined {
  if (!stage.from.isStage) return undefined;
  return findStage(dockerfile, stage.from.resolved, stage.index);
}

/** The value of `--from` on a COPY or ADD, quotes removed. */
export function copySource(instruction: Instruction): string | undefined {
  const flag = instruction.flags.find((f) => f.name === 'from');
  return flag?.value === undefined ? undefined : stripQuotes(flag.value);
}

/** The `from=` sources of a RUN's `--mount` flags. */
export function mountSources(instruction: Instruction): string[] {
  return instruction.flags
    .filter((flag) => flag.name === 'mount' && flag.value !== undefined)
    .flatMap((flag) =>
      stripQuotes(flag.value ?? '')
        .split(',')
        .filter((option) => option.startsWith('from='))
        .map((option) => stripQuotes(option.slice('from='.length))),
    );
}

/**
 * Indexes of the stages a later stage uses: as its base, through
 * `COPY --from` or through `RUN --mount=from=`.
 */
export function usedStageIndexes(dockerfile: Dockerfile): Set<number> {
  const used = new Set<number>();
  for (const stage of dockerfile.stages) {
    const parent = parentStage(dockerfile, stage);
    if (parent !== undefined) used.add(parent.index);
  }
  for (const instruction of dockerfile.instructions) {
    if (instruction.onbuild || instruction.stageIndex < 0) continue;
    const references = [copySource(instruction), ...mountSources(instruction)];
    for (const reference of references) {
      if (reference === undefined) continue;
      const stage = findStage(dockerfile, reference, instruction.stageIndex);
      if (stage !== undefined) used.add(stage.index);
    }
  }
  return used;
}

/**
 * The stages that end up as images: the final stage, and every stage that
 * no later stage uses, since it is only there to be built with `--target`.
 */
export function imageStages(dockerfile: Dockerfile): Stage[] {
  const used = usedStageIndexes(dockerfile);
  return dockerfile.stages.filter((stage) => !used.has(stage.index));
}

/**
 * Folds each stage's own instructions over what it inherits from its
 * parent stage, in file order, so a value is computed once per stage.
 */
export function foldStages<T>(
  dockerfile: Dockerfile,
  initial: T,
  step: (inherited: T, stage: Stage) => T,
): T[] {
  const results: T[] = [];
  for (const stage of dockerfile.stages) {
    const parent = parentStage(dockerfile, stage);
    const inherited =
      parent === undefined ? initial : (results[parent.index] as T);
    results.push(step(inherited, stage));
  }
  return results;
}

/**
 * Instructions grouped by stage, in file order, with each stage's ONBUILD
 * triggers in a group of their own: they run in a different build.
 */
export function byStageAndTrigger(
  instructions: readonly Instruction[],
): Instruction[][] {
  const groups = new Map<string, Instruction[]>();
  for (const instruction of instructions) {
    const key = `${instruction.stageIndex}:${instruction.onbuild}`;
    const group = groups.get(key) ?? [];
    group.push(instruction);
    groups.set(key, group);
  }
  return [...groups.values()];
}
