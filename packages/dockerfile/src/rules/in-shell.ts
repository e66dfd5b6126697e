import type { Dockerfile, Instruction } from '../model';
import { hitOn, instructionsOf, type LintRule, type RuleHit } from '../rule';
import {
  hasFlag,
  positionalArgs,
  runCommands,
  type ShellCommand,
} from '../shell';
import { isArchive } from './in-instructions';
import {
  byStageAndTrigger,
  copySource,
  foldStages,
  parentStage,
} from './in-stage-graph';
import { basename, copyPaths, shorten } from './in-words';

/** A hit on each RUN for which `check` finds a command worth a message. */
function eachRun(
  dockerfile: Dockerfile,
  check: (command: ShellCommand) => string | undefined,
): RuleHit[] {
  return instructionsOf(dockerfile, 'RUN').flatMap((run) => {
    for (const command of runCommands(run)) {
      const message = check(command);
      if (message !== undefined) return [hitOn(run, message)];
    }
    return [];
  });
}

function describeCommand(command: ShellCommand): string {
  return shorten([command.name, ...command.args].join(' '), 50);
}

const POINTLESS_COMMANDS = new Map([
  ['ssh', 'a build cannot answer host-key or password prompts'],
  ['vim', 'nobody is there to type into an editor'],
  ['shutdown', 'a build container has no system to shut down'],
  ['service', 'services started during a build stop with its step'],
  ['ps', 'the build step is the only process running'],
  ['free', 'the memory of the build machine says nothing about the image'],
  ['top', 'it waits for a terminal and hangs the build'],
  ['kill', 'nothing started in an earlier step is still running'],
  ['mount', 'mounts made in a step vanish with it; use RUN --mount'],
  ['ifconfig', 'the build network is not the one the container will get'],
]);

export const noPointlessCommands: LintRule = {
  id: 'no-pointless-commands',
  title: 'RUN uses a command that makes no sense in a build',
  severity: 'low',
  rationale:
    'Interactive and system-management commands such as `vim`, `ssh`, `service`, `top` or `shutdown` either hang the build waiting for a terminal or act on a throwaway build container whose state is gone at the end of the step.',
  fix: 'Remove the command; start services from the container entrypoint and configure files with `COPY` or non-interactive tools.',
  aliases: ['DL3001'],
  tags: ['correctness', 'shell'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, (command) => {
      const reason = POINTLESS_COMMANDS.get(command.name);
      return reason === undefined
        ? undefined
        : `'${describeCommand(command)}' is pointless in a build: ${reason}`;
    }),
};

export const useWorkdir: LintRule = {
  id: 'use-workdir',
  title: 'RUN cd instead of WORKDIR',
  severity: 'medium',
  rationale:
    'A `cd` lasts only until the end of its RUN, so the next instruction silently runs in the old directory. WORKDIR changes the directory for every later instruction and documents it.',
  fix: 'Use `WORKDIR /path` before the RUN; for a one-off directory, many tools take a flag (`make -C dir`, `git -C dir`).',
  aliases: ['DL3003'],
  tags: ['maintainability', 'shell'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, (command) =>
      command.name === 'cd'
        ? `'${describeCommand(command)}' only lasts for this RUN; use WORKDIR ${command.args[0] ?? '/path'} instead`
        : undefined,
    ),
};

export const noSudo: LintRule = {
  id: 'no-sudo',
  title: 'RUN uses sudo',
  severity: 'high',
  rationale:
    'Build steps already run as the current USER, so sudo only matters if the image ships it and grants rights through it, which leaves a privilege-escalation path in the final image. Its TTY and signal handling also behave unpredictably in containers.',
  fix: 'Switch with `USER root` for the steps that need it and back to a non-root USER after; at run time use a tool like gosu or su-exec.',
  aliases: ['DL3004', 'DKL-DI-0001'],
  tags: ['security', 'shell'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, (command) =>
      command.name === 'sudo'
        ? `'${describeCommand(command)}' uses sudo; switch with USER root for this step instead`
        : undefined,
    ),
};

const MAX_SHORT_UID_DIGITS = 5;

export const useraddLogInit: LintRule = {
  id: 'useradd-high-uid-log-init',
  title: 'useradd with a high UID and without -l',
  severity: 'medium',
  rationale:
    'useradd records every user in `/var/log/lastlog` and `/var/log/faillog`, sparse files indexed by UID. With a UID of six digits or more the files grow to gigabytes, and since image layers do not keep sparseness they bloat the image.',
  fix: 'Add `-l` (`--no-log-init`): `useradd -l -u 123456 app`.',
  aliases: ['DL3046'],
  tags: ['image-size', 'shell'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, (command) => {
      if (command.name !== 'useradd') return undefined;
      if (hasFlag(command.args, '-l', '--no-log-init')) return undefined;
      const uid = useraddUid(command.args);
      if (uid === undefined || uid.length <= MAX_SHORT_UID_DIGITS) {
        return undefined;
      }
      return `useradd -u ${uid} without -l fills /var/log/lastlog and faillog up to UID ${uid}, which can add gigabytes; add -l`;
    }),
};

/**
 * The numeric `-u`/`--uid` of a useradd.
 * Limitation: a UID held in a variable (`-u $UID`) cannot be judged.
 */
function useraddUid(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    let value: string | undefined;
    if (arg === '--uid' || /^-[A-Za-z]*u$/.test(arg)) value = args[index + 1];
    else if (arg.startsWith('--uid=')) value = arg.slice('--uid='.length);
    else if (/^-u\d/.test(arg)) value = arg.slice(2);
    if (value !== undefined && /^\d+$/.test(value)) return value;
  }
  return undefined;
}

/** wget short options that take a value: letters after them are its value. */
const WGET_VALUE_OPTIONS = new Set('OPetTwUQiBlARDXI');

/** True when a short option bundle such as `-qO-` holds one of `letters`. */
function hasShortOption(args: readonly string[], letters: string): boolean {
  return args.some((arg) => {
    if (!/^-[A-Za-z]/.test(arg)) return false;
    for (const letter of arg.slice(1)) {
      if (letters.includes(letter)) return true;
      if (!/[A-Za-z]/.test(letter) || WGET_VALUE_OPTIONS.has(letter)) break;
    }
    return false;
  });
}

function isQuietWget(args: readonly string[]): boolean {
  return (
    hasFlag(
      args,
      '--progress',
      '--quiet',
      '--no-verbose',
      '--output-file',
      '--append-output',
      '-nv',
    ) || hasShortOption(args, 'qoa')
  );
}

export const wgetProgress: LintRule = {
  id: 'wget-progress',
  title: 'wget without --progress',
  severity: 'low',
  rationale:
    "wget's default progress bar redraws many times a second; in a build log that is not a terminal every redraw becomes a line, so downloading a large file buries the useful output under thousands of lines.",
  fix: 'Add `--progress=dot:giga`, or `-nv` / `-q` to print less.',
  aliases: ['DL3047'],
  tags: ['build-logs', 'shell'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, (command) =>
      command.name === 'wget' && !isQuietWget(command.args)
        ? `'${describeCommand(command)}' floods the build log with progress lines; add --progress=dot:giga or -nv`
        : undefined,
    ),
};

export const shellInstructionForSh: LintRule = {
  id: 'use-shell-instruction',
  title: 'RUN ln replaces /bin/sh',
  severity: 'medium',
  rationale:
    'Linking another shell over `/bin/sh` changes the shell of every later RUN without saying so, and of every program in the image that calls `system()`. The SHELL instruction changes only the build shell, visibly.',
  fix: 'Use `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` instead of relinking /bin/sh.',
  aliases: ['DL4005'],
  tags: ['maintainability', 'shell'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, (command) => {
      if (command.name !== 'ln') return undefined;
      const link = positionalArgs(command.args).at(-1);
      return link === '/bin/sh' || link === '/usr/bin/sh'
        ? `'${describeCommand(command)}' replaces ${link} for every later step and program; use the SHELL instruction instead`
        : undefined;
    }),
};

export const combineConsecutiveRuns: LintRule = {
  id: 'combine-consecutive-runs',
  title: 'Consecutive single-command RUN instructions',
  severity: 'low',
  rationale:
    'Each RUN makes a layer. Two RUNs in a row that each run one command, with the same flags, usually belong together: merged, they make one layer and let a cleanup in the same step actually shrink the image.',
  fix: 'Join them with `&&` in one RUN (use `\\` to continue the line).',
  aliases: ['DL3059'],
  tags: ['image-size', 'build-performance'],
  check: ({ dockerfile }) => {
    const hits: RuleHit[] = [];
    let previous: Instruction | undefined;
    for (const instruction of dockerfile.instructions) {
      if (previous !== undefined && isMergeable(previous, instruction)) {
        hits.push(
          hitOn(
            instruction,
            `this RUN and the one on line ${previous.range.start.line} each run one command; merge them with && into one layer`,
          ),
        );
      }
      previous = instruction;
    }
    return hits;
  },
};

function isMergeable(previous: Instruction, current: Instruction): boolean {
  return (
    previous.keyword === 'RUN' &&
    current.keyword === 'RUN' &&
    previous.stageIndex === current.stageIndex &&
    previous.onbuild === current.onbuild &&
    flagText(previous) === flagText(current) &&
    runCommands(previous).length <= 1 &&
    runCommands(current).length <= 1
  );
}

function flagText(instruction: Instruction): string {
  return instruction.flags.map((f) => `${f.name}=${f.value ?? ''}`).join(' ');
}

// Limitation: only the plain names count; `busybox wget` or a downloader
// called through a variable is not recognised.
const DOWNLOADERS = ['curl', 'wget'];

export const oneDownloadTool: LintRule = {
  id: 'one-download-tool',
  title: 'Both curl and wget used in one stage',
  severity: 'medium',
  rationale:
    'Using curl in one step and wget in another means both must be installed, and their differing defaults for redirects, retries and TLS make the steps behave differently. One tool is less to install and to reason about.',
  fix: 'Pick one (`curl -fsSL` or `wget -q`) for every download in the stage.',
  aliases: ['DL4001'],
  tags: ['image-size', 'maintainability'],
  check: ({ dockerfile }) =>
    byStageAndTrigger(dockerfile.instructions).flatMap((group) =>
      mixedDownloads(group),
    ),
};

function mixedDownloads(group: readonly Instruction[]): RuleHit[] {
  const firstUse = new Map<string, Instruction>();
  for (const run of group) {
    if (run.keyword !== 'RUN') continue;
    const used = runCommands(run)
      .map((command) => command.name)
      .filter((name) => DOWNLOADERS.includes(name));
    for (const name of used) if (!firstUse.has(name)) firstUse.set(name, run);
    if (used.length > 0 && firstUse.size === DOWNLOADERS.length) {
      const [curl, wget] = DOWNLOADERS.map((n) => firstUse.get(n)?.range);
      return [
        hitOn(
          run,
          `this stage uses both curl (line ${curl?.start.line ?? 0}) and wget (line ${wget?.start.line ?? 0}); use one of them throughout`,
        ),
      ];
    }
  }
  return [];
}

type ShellKind = 'pipefail' | 'non-posix' | 'plain';

const NON_POSIX_SHELLS = new Set(['pwsh', 'powershell', 'cmd']);
const PIPEFAIL_SHELLS = new Set(['bash', 'zsh', 'ash', 'ksh', 'mksh']);

function shellKind(shell: Instruction): ShellKind {
  const [program = '', ...args] = shell.execForm ?? [];
  const name = basename(program)
    .toLowerCase()
    .replace(/\.exe$/, '');
  if (NON_POSIX_SHELLS.has(name)) return 'non-posix';
  return PIPEFAIL_SHELLS.has(name) && setsPipefail(args) ? 'pipefail' : 'plain';
}

/** True for `-o pipefail`, also bundled as in `-eo pipefail`. */
function setsPipefail(args: readonly string[]): boolean {
  return args.some(
    (arg, index) =>
      arg === 'pipefail' && /^-[A-Za-z]*o$/.test(args[index - 1] ?? ''),
  );
}

export const pipefail: LintRule = {
  id: 'pipefail-before-pipe',
  title: 'RUN with a pipe but without pipefail',
  severity: 'medium',
  rationale:
    'A pipeline fails only if its last command fails, so in `wget -O - URL | tar x` a failed download is hidden and the build goes on with an empty or partial result. `pipefail` makes any failing command fail the step.',
  fix: 'Set `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the RUN, or begin the RUN with `set -o pipefail &&` in a shell that supports it.',
  aliases: ['DL4006'],
  tags: ['correctness', 'shell'],
  // Limitation: a SHELL set by an external base image is unknown; its
  // stages are assumed to start with the default `/bin/sh -c`.
  check: ({ dockerfile }) => {
    const stageShells = foldStages<ShellKind>(
      dockerfile,
      'plain',
      (inherited, stage) => {
        const shells = stage.instructions.filter(
          (i) => i.keyword === 'SHELL' && !i.onbuild,
        );
        const last = shells.at(-1);
        return last === undefined ? inherited : shellKind(last);
      },
    );
    return byStageAndTrigger(dockerfile.instructions).flatMap((group) =>
      unsafePipes(dockerfile, group, stageShells),
    );
  },
};

function unsafePipes(
  dockerfile: Dockerfile,
  group: readonly Instruction[],
  stageShells: ShellKind[],
): RuleHit[] {
  const first = group[0];
  if (first === undefined) return [];
  let shell = startingShell(dockerfile, first, stageShells);
  const hits: RuleHit[] = [];
  for (const instruction of group) {
    if (instruction.keyword === 'SHELL') shell = shellKind(instruction);
    if (instruction.keyword !== 'RUN' || shell !== 'plain') continue;
    const piped = pipeWithoutPipefail(runCommands(instruction));
    if (piped !== undefined) {
      hits.push(
        hitOn(
          instruction,
          `'${describeCommand(piped)}' pipes into another command without pipefail, so its failure is hidden; set SHELL ["/bin/bash", "-o", "pipefail", "-c"] first`,
        ),
      );
    }
  }
  return hits;
}

/** The shell in force when a group of a stage starts. */
function startingShell(
  dockerfile: Dockerfile,
  first: Instruction,
  stageShells: ShellKind[],
): ShellKind {
  // A trigger runs in the child, under the shell this stage ends with.
  if (first.onbuild) return stageShells[first.stageIndex] ?? 'plain';
  const stage = dockerfile.stages[first.stageIndex];
  const parent =
    stage === undefined ? undefined : parentStage(dockerfile, stage);
  return parent === undefined
    ? 'plain'
    : (stageShells[parent.index] ?? 'plain');
}

/**
 * The first command writing into a pipe before any `set -o pipefail`.
 * Limitation: exec-form RUNs are skipped, since SHELL does not apply to
 * them, even when they call a shell themselves (`["sh", "-c", "a | b"]`).
 */
function pipeWithoutPipefail(
  commands: readonly ShellCommand[],
): ShellCommand | undefined {
  for (const command of commands) {
    if (command.name === 'set' && setsPipefail(command.args)) return undefined;
    if (command.isPipedFrom) return command;
  }
  return undefined;
}

const EXTRACTORS = new Set([
  'unzip',
  'gunzip',
  'bunzip2',
  'unlzma',
  'unxz',
  'zgz',
  'uncompress',
  'zcat',
  'gzcat',
]);

function isExtraction(command: ShellCommand): boolean {
  if (EXTRACTORS.has(command.name)) return true;
  if (command.name !== 'tar') return false;
  const [first = ''] = command.args;
  const oldStyle = /^[A-Za-z]+$/.test(first) && first.includes('x');
  return (
    oldStyle ||
    command.args.some(
      (arg) =>
        arg === '--extract' ||
        arg === '--get' ||
        (/^-[A-Za-z]+$/.test(arg) && arg.includes('x')),
    )
  );
}

export const addForArchives: LintRule = {
  id: 'add-to-extract-archives',
  title: 'Archive copied in and then unpacked by RUN',
  severity: 'low',
  rationale:
    'COPY of a local tar archive followed by a RUN that unpacks it stores the archive in one layer and its contents in another, so the image carries the data twice. ADD unpacks a local tar archive as it copies it, in a single layer.',
  fix: 'Replace the COPY and the unpacking with `ADD app.tar.gz /opt/app/`.',
  aliases: ['DL3010'],
  tags: ['image-size'],
  check: ({ dockerfile }) =>
    byStageAndTrigger(dockerfile.instructions).flatMap((group) =>
      unpackedCopies(group, dockerfile.escapeChar),
    ),
};

function unpackedCopies(
  group: readonly Instruction[],
  escapeChar: string,
): RuleHit[] {
  const copied = new Map<string, Instruction>();
  const reported = new Set<Instruction>();
  const hits: RuleHit[] = [];
  for (const instruction of group) {
    if (instruction.keyword === 'COPY') {
      for (const name of copiedArchives(instruction, escapeChar)) {
        copied.set(name, instruction);
      }
    } else if (instruction.keyword === 'RUN' && copied.size > 0) {
      for (const name of extractedNames(instruction)) {
        const copy = copied.get(name);
        if (copy === undefined || reported.has(copy)) continue;
        reported.add(copy);
        hits.push(
          hitOn(
            copy,
            `'${shorten(name)}' is copied here and unpacked by the RUN on line ${instruction.range.start.line}; ADD unpacks it in one layer without keeping the archive`,
          ),
        );
      }
    }
  }
  return hits;
}

/**
 * Archive file names a COPY puts in the image (its own files only).
 * Limitation: names are compared literally; an archive matched by a glob
 * or named through a variable is not followed into the RUN.
 */
function copiedArchives(copy: Instruction, escapeChar: string): string[] {
  if (copySource(copy) !== undefined) return [];
  const { sources, destination } = copyPaths(copy, escapeChar);
  if (destination === undefined) return [];
  if (isArchive(destination.value)) return [basename(destination.value)];
  return sources
    .map((source) => basename(source.value))
    .filter((name) => isArchive(name));
}

function extractedNames(run: Instruction): string[] {
  return runCommands(run)
    .filter(isExtraction)
    .flatMap((command) => positionalArgs(command.args).map(basename));
}

export const SHELL_RULES: LintRule[] = [
  noPointlessCommands,
  useWorkdir,
  noSudo,
  addForArchives,
  useraddLogInit,
  wgetProgress,
  combineConsecutiveRuns,
  oneDownloadTool,
  shellInstructionForSh,
  pipefail,
];
