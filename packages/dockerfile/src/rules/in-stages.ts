import { splitImageName } from '../image-name';
import type { Dockerfile, Instruction, Stage } from '../model';
import { hitOn, instructionsOf, type LintRule, type RuleHit } from '../rule';
import { didYouMean } from '../suggest';
import {
  byStageAndTrigger,
  copySource,
  findStage,
  foldStages,
  imageStages,
  mountSources,
  parentStage,
  stageLabel,
} from './in-stage-graph';
import { copyPaths, isAbsolutePath, shorten, stripQuotes } from './in-words';

/** Hits on every instruction of a keyword that a later one overrides. */
function overridden(
  dockerfile: Dockerfile,
  keyword: string,
  effect: string,
): RuleHit[] {
  return byStageAndTrigger(instructionsOf(dockerfile, keyword)).flatMap(
    (group) => {
      const last = group.at(-1) as Instruction;
      return group
        .slice(0, -1)
        .map((instruction) =>
          hitOn(
            instruction,
            `this ${keyword} has no effect: the ${keyword} on line ${last.range.start.line} replaces it, ${effect}`,
          ),
        );
    },
  );
}

export const singleHealthcheck: LintRule = {
  id: 'single-healthcheck',
  title: 'Several HEALTHCHECK instructions in one stage',
  severity: 'high',
  rationale:
    'Only the last HEALTHCHECK of a stage takes effect. Earlier ones are dead code that a reader may take for the check the container really runs.',
  fix: 'Keep one HEALTHCHECK per stage, the one you mean.',
  aliases: ['DL3012'],
  tags: ['correctness', 'maintainability'],
  check: ({ dockerfile }) =>
    overridden(dockerfile, 'HEALTHCHECK', 'as only the last one counts'),
};

export const singleCmd: LintRule = {
  id: 'single-cmd',
  title: 'Several CMD instructions in one stage',
  severity: 'medium',
  rationale:
    'Only the last CMD of a stage is kept in the image. Earlier ones never run, yet they read as if they did.',
  fix: 'Keep one CMD per stage; chain steps in a script if you need several.',
  aliases: ['DL4003'],
  tags: ['correctness', 'maintainability'],
  check: ({ dockerfile }) =>
    overridden(dockerfile, 'CMD', 'as only the last one counts'),
};

export const singleEntrypoint: LintRule = {
  id: 'single-entrypoint',
  title: 'Several ENTRYPOINT instructions in one stage',
  severity: 'high',
  rationale:
    'Only the last ENTRYPOINT of a stage is kept in the image. Earlier ones never run, and a reader may debug the wrong one.',
  fix: 'Keep one ENTRYPOINT per stage.',
  aliases: ['DL4004'],
  tags: ['correctness', 'maintainability'],
  check: ({ dockerfile }) =>
    overridden(dockerfile, 'ENTRYPOINT', 'as only the last one counts'),
};

function isRootUser(user: string): boolean {
  const [name] = stripQuotes(user.trim()).split(':');
  return name === 'root' || name === '0';
}

export const lastUserNotRoot: LintRule = {
  id: 'last-user-not-root',
  title: 'Image ends with USER root',
  severity: 'medium',
  rationale:
    'The last USER of a stage is the user its containers run as. Switching to root for installation is fine, but when no non-root USER follows, a process that is compromised has root inside the container, which makes escaping it far easier.',
  fix: 'Switch back once root work is done: `USER app` or `USER 10001`.',
  aliases: ['DL3002'],
  tags: ['security'],
  // Limitation: the base image's own USER is unknown, so an image that runs
  // as root only because its base does, with no USER line, is not reported.
  check: ({ dockerfile }) => {
    const lastUsers = foldStages<Instruction | undefined>(
      dockerfile,
      undefined,
      (inherited, stage) => ownInstructions(stage, 'USER').at(-1) ?? inherited,
    );
    return imageStages(dockerfile).flatMap((stage) => {
      const user = lastUsers[stage.index];
      if (user === undefined || !isRootUser(user.text)) return [];
      const own = user.stageIndex === stage.index;
      const where = own ? '' : `, inherited from line ${user.range.start.line}`;
      return [
        hitOn(
          user,
          `${stageLabel(stage)} ends as USER ${stripQuotes(user.text.trim())}${where}, so its containers run as root; add a non-root USER at its end`,
        ),
      ];
    });
  },
};

/** A stage's own instructions of a keyword, ONBUILD triggers left out. */
function ownInstructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter(
    (instruction) => instruction.keyword === keyword && !instruction.onbuild,
  );
}

/** True when `--from` names an image rather than a stage. */
function isImageReference(reference: string): boolean {
  return /[:/@]/.test(reference);
}

const MAX_SUGGESTIONS = 100;

export const copyFromKnownStage: LintRule = {
  id: 'copy-from-known-stage',
  title: 'COPY --from names no earlier stage',
  severity: 'medium',
  rationale:
    'A `--from` that matches no earlier stage is taken as an image name, so a typo in a stage name makes the build pull an unrelated image from a registry, or fail. Stages must also be defined before they are copied from.',
  fix: 'Use the name or number of a stage defined above, or a full image reference with a tag (`--from=nginx:1.27`) when you mean an image.',
  aliases: ['DL3022'],
  tags: ['correctness', 'multi-stage'],
  check: ({ dockerfile }) =>
    copiesFrom(dockerfile).flatMap(({ copy, reference }) => {
      // Limitation: a --from set through a variable is not expanded.
      if (isImageReference(reference) || reference.includes('$')) return [];
      const known = findStage(dockerfile, reference, copy.stageIndex + 1);
      if (known !== undefined) return [];
      return [hitOn(copy, unknownStageMessage(dockerfile, copy, reference))];
    }),
};

function unknownStageMessage(
  dockerfile: Dockerfile,
  copy: Instruction,
  reference: string,
): string {
  const earlier = copy.stageIndex + 1;
  if (/^\d+$/.test(reference)) {
    return `--from=${reference} names stage ${reference}, but only ${earlier} stage(s) start before this line`;
  }
  const later = findStage(dockerfile, reference, dockerfile.stages.length);
  if (later !== undefined) {
    return `--from=${reference} names a stage defined later, on line ${later.fromInstruction.range.start.line}; move that stage above this one`;
  }
  // Suggestions cost a comparison per stage: skip them in huge files.
  const names =
    earlier > MAX_SUGGESTIONS
      ? []
      : dockerfile.stages
          .slice(0, earlier)
          .flatMap((stage) => stage.name ?? []);
  return `--from=${reference} names no stage defined before it, so it would be pulled as an image${didYouMean(reference, names)}`;
}

/**
 * Each non-trigger COPY with a `--from`, and what it names.
 * Limitation: `RUN --mount=from=` is not checked, because there a name
 * that is no stage is an image just as often as a typo.
 */
function copiesFrom(
  dockerfile: Dockerfile,
): { copy: Instruction; reference: string }[] {
  return instructionsOf(dockerfile, 'COPY').flatMap((copy) => {
    const reference = copySource(copy);
    // Limitation: a trigger's --from names a stage of the child build.
    if (copy.onbuild || reference === undefined || reference === '') return [];
    return [{ copy, reference }];
  });
}

export const copyFromOtherStage: LintRule = {
  id: 'copy-from-other-stage',
  title: 'COPY --from names its own stage',
  severity: 'high',
  rationale:
    'A stage cannot copy from itself: its files do not exist as a finished stage until it ends. The builder rejects the reference or, worse, resolves it to an image of the same name.',
  fix: 'Copy from an earlier stage, or use plain `COPY` / `RUN cp` within the stage.',
  aliases: ['DL3023'],
  tags: ['correctness', 'multi-stage'],
  check: ({ dockerfile }) =>
    copiesFrom(dockerfile).flatMap(({ copy, reference }) => {
      const stage = dockerfile.stages[copy.stageIndex];
      if (stage === undefined) return [];
      const wanted = reference.toLowerCase();
      const isSelf = wanted === stage.name || wanted === String(stage.index);
      return isSelf
        ? [
            hitOn(
              copy,
              `COPY --from=${reference} is inside ${stageLabel(stage)} itself; copy from an earlier stage`,
            ),
          ]
        : [];
    }),
};

export const uniqueStageNames: LintRule = {
  id: 'unique-stage-names',
  title: 'Two stages share a name',
  severity: 'high',
  rationale:
    'Stage names are how `--from`, `FROM <stage>` and `--target` find a stage. With two stages of one name, which one is meant depends on position, and the builder rejects the file.',
  fix: 'Give each stage its own name: `FROM node:22 AS build-web`, `FROM golang:1.23 AS build-api`.',
  aliases: ['DL3024'],
  tags: ['correctness', 'multi-stage'],
  check: ({ dockerfile }) => {
    const seen = new Map<string, Stage>();
    return dockerfile.stages.flatMap((stage) => {
      if (stage.name === undefined) return [];
      const first = seen.get(stage.name);
      if (first === undefined) {
        seen.set(stage.name, stage);
        return [];
      }
      return [
        hitOn(
          stage.fromInstruction,
          `stage name '${stage.name}' is already used by the stage on line ${first.fromInstruction.range.start.line}`,
        ),
      ];
    });
  },
};

const RESERVED_STAGE_NAMES = new Set(['scratch', 'context']);

export const stageNameNotReserved: LintRule = {
  id: 'stage-name-not-reserved',
  title: 'Stage name is a reserved word',
  severity: 'medium',
  rationale:
    '`scratch` means the empty image and `context` the build context, so a stage of either name cannot be referred to: `FROM scratch` or `--from=context` still mean the built-in ones.',
  fix: 'Rename the stage: `FROM alpine:3.20 AS base`.',
  aliases: ['DL3063'],
  tags: ['correctness', 'multi-stage'],
  check: ({ dockerfile }) =>
    dockerfile.stages.flatMap((stage) =>
      stage.name !== undefined && RESERVED_STAGE_NAMES.has(stage.name)
        ? [
            hitOn(
              stage.fromInstruction,
              `'${stage.name}' is reserved and cannot name a stage; pick another name`,
            ),
          ]
        : [],
    ),
};

export const noPlatformFlag: LintRule = {
  id: 'no-fixed-platform',
  title: 'FROM pins a fixed --platform',
  severity: 'medium',
  rationale:
    'A literal `--platform` ties the stage to one architecture: on other machines it runs under emulation or builds an image for the wrong platform. Multi-platform builds choose the platform per build.',
  fix: 'Drop the flag, or use the build arguments: `FROM --platform=$BUILDPLATFORM golang:1.23 AS build`.',
  aliases: ['DL3029'],
  tags: ['portability'],
  check: ({ dockerfile }) =>
    dockerfile.stages.flatMap((stage) => {
      const platform = stripQuotes(stage.from.platform ?? '');
      if (platform === '' || platform.includes('$')) return [];
      return [
        hitOn(
          stage.fromInstruction,
          `--platform=${platform} fixes ${stageLabel(stage)} to one platform; drop it or use $BUILDPLATFORM / $TARGETPLATFORM`,
        ),
      ];
    }),
};

export const allowedRegistry: LintRule = {
  id: 'allowed-registry',
  title: 'Image from a registry that is not allowed',
  severity: 'high',
  rationale:
    'Teams restrict base images to registries they trust and mirror, so that what goes into an image has been vetted and stays available. An image from elsewhere bypasses that review.',
  fix: 'Pull the image from an allowed registry (mirror it there if needed), or add the registry to `lint.allowed-registries`.',
  aliases: ['DL3026'],
  tags: ['security', 'supply-chain'],
  check: ({ dockerfile, options }) => {
    const allowed = options.allowedRegistries.map((p) => p.toLowerCase());
    if (allowed.length === 0) return [];
    return imageReferences(dockerfile).flatMap(({ instruction, image }) => {
      const registry = registryOf(image);
      if (allowed.some((pattern) => matchesRegistry(pattern, registry))) {
        return [];
      }
      return [
        hitOn(
          instruction,
          `'${shorten(image)}' comes from ${registry}, which is not in allowed-registries (${allowed.join(', ')})`,
        ),
      ];
    });
  },
};

/** Every image (not stage) a FROM, COPY --from or RUN --mount pulls. */
function imageReferences(
  dockerfile: Dockerfile,
): { instruction: Instruction; image: string }[] {
  const fromLines = dockerfile.stages.flatMap((stage) => {
    const { from } = stage;
    // Limitation: a FROM whose ARGs stay unresolved cannot be judged.
    if (from.isStage || from.isScratch || from.hasUnresolvedVariable) return [];
    return [{ instruction: stage.fromInstruction, image: from.resolved }];
  });
  const pulls = dockerfile.instructions.flatMap((instruction) => {
    const references = [copySource(instruction), ...mountSources(instruction)];
    return references.flatMap((reference) =>
      reference !== undefined &&
      isPulledImage(dockerfile, instruction, reference)
        ? [{ instruction, image: reference }]
        : [],
    );
  });
  return [...fromLines, ...pulls];
}

function isPulledImage(
  dockerfile: Dockerfile,
  instruction: Instruction,
  reference: string,
): boolean {
  if (reference === '' || /^\d+$/.test(reference)) return false;
  if (reference.includes('$') || reference.toLowerCase() === 'scratch') {
    return false;
  }
  const before = instruction.onbuild
    ? dockerfile.stages.length
    : instruction.stageIndex + 1;
  return findStage(dockerfile, reference, before) === undefined;
}

const DOCKER_HUB = 'docker.io';

function registryOf(image: string): string {
  const registry = splitImageName(image).registry?.toLowerCase();
  return registry === undefined || registry === 'index.docker.io'
    ? DOCKER_HUB
    : registry;
}

/** `*` allows all, `*.corp.com` a suffix, `corp*` a prefix. */
function matchesRegistry(pattern: string, registry: string): boolean {
  if (pattern === '*') return true;
  if (registry === DOCKER_HUB && pattern === 'hub.docker.com') return true;
  if (pattern.startsWith('*')) return registry.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return registry.startsWith(pattern.slice(0, -1));
  return registry === pattern;
}

export const copyRelativeNeedsWorkdir: LintRule = {
  id: 'copy-relative-needs-workdir',
  title: 'COPY or ADD to a relative path before any WORKDIR',
  severity: 'medium',
  rationale:
    'A relative destination is resolved against the working directory, which without a WORKDIR in the stage (or a stage it is built FROM) is whatever the base image chose, often `/`. Files then land somewhere that changes when the base image does.',
  fix: 'Set `WORKDIR /app` before the COPY, or give an absolute destination.',
  aliases: ['DL3045'],
  tags: ['correctness', 'reproducibility'],
  // Limitation: a WORKDIR set by an external base image is unknown, so a
  // relative COPY that relies on it is reported.
  check: ({ dockerfile }) => {
    const hasWorkdir = foldStages(
      dockerfile,
      false,
      (inherited, stage) =>
        inherited || ownInstructions(stage, 'WORKDIR').length > 0,
    );
    return workdirGroups(dockerfile, hasWorkdir).flatMap((group) =>
      relativeCopies(group, dockerfile.escapeChar),
    );
  },
};

/** A stage's instructions and what it knows of WORKDIR. */
interface WorkdirGroup {
  instructions: Instruction[];
  /** A stage it is built FROM set a WORKDIR. */
  inheritsWorkdir: boolean;
  /** A WORKDIR is set once the stage ends, as its triggers will see. */
  endsWithWorkdir: boolean;
}

/** One group per stage, plus one for what comes before the first FROM. */
function workdirGroups(
  dockerfile: Dockerfile,
  hasWorkdir: boolean[],
): WorkdirGroup[] {
  const preamble = dockerfile.instructions.filter((i) => i.stageIndex < 0);
  const preambleGroup = {
    instructions: preamble,
    inheritsWorkdir: false,
    endsWithWorkdir: preamble.some(
      (i) => i.keyword === 'WORKDIR' && !i.onbuild,
    ),
  };
  const stageGroups = dockerfile.stages.map((stage) => {
    const parent = parentStage(dockerfile, stage);
    return {
      instructions: stage.instructions,
      inheritsWorkdir:
        parent !== undefined && hasWorkdir[parent.index] === true,
      endsWithWorkdir: hasWorkdir[stage.index] === true,
    };
  });
  return [preambleGroup, ...stageGroups];
}

function relativeCopies(group: WorkdirGroup, escapeChar: string): RuleHit[] {
  let hasWorkdir = group.inheritsWorkdir;
  let hasTriggerWorkdir = false;
  const hits: RuleHit[] = [];
  for (const instruction of group.instructions) {
    if (instruction.keyword === 'WORKDIR') {
      if (instruction.onbuild) hasTriggerWorkdir = true;
      else hasWorkdir = true;
      continue;
    }
    // A trigger runs in the child, after this whole stage's WORKDIRs.
    const covered = instruction.onbuild
      ? hasTriggerWorkdir || group.endsWithWorkdir
      : hasWorkdir;
    const hit = covered ? undefined : relativeCopyHit(instruction, escapeChar);
    if (hit !== undefined) hits.push(hit);
  }
  return hits;
}

function relativeCopyHit(
  copy: Instruction,
  escapeChar: string,
): RuleHit | undefined {
  if (copy.keyword !== 'COPY' && copy.keyword !== 'ADD') return undefined;
  const target = relativeTarget(copy, escapeChar);
  if (target === undefined) return undefined;
  return hitOn(
    copy,
    `${copy.keyword} to relative '${shorten(target)}' with no WORKDIR set, so it lands relative to the base image's working directory; set WORKDIR first or use an absolute path`,
  );
}

function relativeTarget(
  copy: Instruction,
  escapeChar: string,
): string | undefined {
  const destination = copyPaths(copy, escapeChar).destination;
  if (destination === undefined) return undefined;
  const target = stripQuotes(destination.raw);
  if (target.startsWith('$') || isAbsolutePath(target)) return undefined;
  return target;
}

export const STAGE_RULES: LintRule[] = [
  lastUserNotRoot,
  singleHealthcheck,
  copyFromKnownStage,
  copyFromOtherStage,
  uniqueStageNames,
  allowedRegistry,
  noPlatformFlag,
  copyRelativeNeedsWorkdir,
  stageNameNotReserved,
  singleCmd,
  singleEntrypoint,
];
