import type { Dockerfile, Instruction } from '../model';

/** For each stage, the index of the earlier stage its FROM builds on. */
function parentStages(dockerfile: Dockerfile): (number | undefined)[] {
  const byName = new Map<string, number>();
  return dockerfile.stages.map((stage) => {
    const parent = stage.from.isStage
      ? byName.get(stage.from.resolved.toLowerCase())
      : undefined;
    if (stage.name !== undefined) byName.set(stage.name, stage.index);
    return parent;
  });
}

/**
 * A test of whether what an instruction leaves in its layer reaches an
 * image: true in the last stage, in a stage a later FROM builds on, before
 * any FROM, and for ONBUILD triggers, which run in images built later.
 */
export function reachesImage(
  dockerfile: Dockerfile,
): (instruction: Instruction) => boolean {
  // Limitation: a stage built on its own with `--target` counts only when a
  // later FROM names it.
  const layered = new Set<number>([dockerfile.stages.length - 1]);
  for (const parent of parentStages(dockerfile)) {
    if (parent !== undefined) layered.add(parent);
  }
  return (instruction) =>
    instruction.onbuild ||
    instruction.stageIndex < 0 ||
    layered.has(instruction.stageIndex);
}

/**
 * Carries a per-stage yes/no setting through the file in order: a stage
 * starts with its parent stage's value (false for other images) and
 * `update` gives the value after each instruction. Returns the value in
 * force before each instruction. ONBUILD triggers see the stage's value
 * and keep their own changes apart, as they run in a later build.
 */
export function stageSetting(
  dockerfile: Dockerfile,
  update: (instruction: Instruction, current: boolean) => boolean,
): Map<Instruction, boolean> {
  const parents = parentStages(dockerfile);
  const own = new Map<number, boolean>();
  const triggers = new Map<number, boolean>();
  const before = new Map<Instruction, boolean>();
  for (const instruction of dockerfile.instructions) {
    const stage = instruction.stageIndex;
    if (instruction.keyword === 'FROM' && !instruction.onbuild) {
      const parent = parents[stage];
      own.set(stage, parent === undefined ? false : own.get(parent) === true);
    }
    const current = own.get(stage) === true;
    if (instruction.onbuild) {
      const inTrigger = current || triggers.get(stage) === true;
      before.set(instruction, inTrigger);
      triggers.set(stage, update(instruction, inTrigger));
    } else {
      before.set(instruction, current);
      own.set(stage, update(instruction, current));
    }
  }
  return before;
}
