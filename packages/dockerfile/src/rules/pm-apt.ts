import type { Instruction } from '../model';
import type { LintRule } from '../rule';
import type { ShellCommand } from '../shell';
import {
  eachRun,
  grammar,
  isMounted,
  isUnknowable,
  listWords,
  optionValues,
  packageCommands,
  removesPath,
  toolCall,
  toolCalls,
  type ToolCall,
} from './pm-shell';
import { reachesImage, stageSetting } from './pm-stages';

/** The apt front ends. */
export const APT_TOOLS = ['apt-get', 'apt', 'aptitude'];

/** apt-get options that take a value (`-o Foo=bar`, `-t bookworm`). */
export const APT_OPTIONS = grammar([
  'o',
  'option',
  'c',
  'config-file',
  't',
  'target-release',
  'default-release',
  'a',
  'host-architecture',
  'P',
  'build-profiles',
]);

/** Actions that download and install packages. */
const INSTALLING = new Set([
  'install',
  'upgrade',
  'dist-upgrade',
  'full-upgrade',
  'safe-upgrade',
  'reinstall',
  'build-dep',
]);

/** Actions that ask for confirmation before changing packages. */
const PROMPTING = new Set([
  ...INSTALLING,
  'remove',
  'purge',
  'autoremove',
  'autopurge',
]);

const LISTS = '/var/lib/apt/lists';
const ARCHIVES = '/var/cache/apt/archives';

function aptGetCalls(commands: readonly ShellCommand[]): ToolCall[] {
  return toolCalls(commands, ['apt-get'], APT_OPTIONS);
}

/**
 * True when an apt-get package names a version (`curl=8.5.0`), a local
 * `.deb` file, or a target release (`curl/bookworm-backports`), which
 * hadolint accepts too.
 */
function isAptPinned(name: string): boolean {
  return (
    name.includes('=') ||
    name.includes('/') ||
    name.endsWith('.deb') ||
    isUnknowable(name)
  );
}

/** DL3008: every `apt-get install` package names its version. */
export const aptPinVersions: LintRule = {
  id: 'apt-pin-versions',
  title: 'apt-get install without pinned versions',
  severity: 'medium',
  rationale:
    'An unpinned `apt-get install` takes whatever version the mirror serves on the day of the build, so two builds of the same Dockerfile can ship different packages, and a scan of one says little about the other.',
  fix: 'Pin each package to the version you tested: `apt-get install -y curl=8.5.0-2ubuntu10.6`. Packages installed from a local `.deb` file are fine as they are.',
  aliases: ['DL3008'],
  tags: ['package-manager', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const unpinned = aptGetCalls(commands)
        .filter((call) => call.action === 'install')
        .flatMap((call) => call.targets.filter((name) => !isAptPinned(name)));
      if (unpinned.length === 0) return undefined;
      return `apt-get install leaves ${listWords(unpinned)} unpinned; write '${unpinned[0] as string}=<version>'`;
    }),
};

function isDockerCleanOff(command: ShellCommand): boolean {
  if (removesPath(command, '/etc/apt/apt.conf.d/docker-clean')) return true;
  return (
    command.name === 'echo' &&
    command.args.some(
      (arg) => arg.includes('Keep-Downloaded-Packages') && arg.includes('true'),
    )
  );
}

function isAptCall(command: ShellCommand, actions: Set<string>): boolean {
  const call = toolCall(command, APT_TOOLS, APT_OPTIONS);
  return call?.action !== undefined && actions.has(call.action);
}

const UPDATE = new Set(['update']);

/** True for apt-get, apt or aptitude installing or upgrading packages. */
export function isAptInstall(command: ShellCommand): boolean {
  return isAptCall(command, INSTALLING);
}

/** What an apt RUN leaves in its layer, or undefined when it is clean. */
function aptLeftovers(
  instruction: Instruction,
  commands: readonly ShellCommand[],
  isCleanOff: boolean,
): string | undefined {
  const update = commands.find((command) => isAptCall(command, UPDATE));
  if (update === undefined) return undefined;
  const keepsLists =
    !commands.some((command) => removesPath(command, LISTS)) &&
    !isMounted(instruction, LISTS);
  if (keepsLists) {
    return `'${update.name} update' leaves the package lists in the layer; end this RUN with 'rm -rf ${LISTS}/*'`;
  }
  // Limitation: the base image is assumed to ship Debian's docker-clean hook
  // unless this Dockerfile removes it, so on a base without the hook the
  // leftover .deb files are not reported.
  const keepsArchives =
    (isCleanOff || commands.some(isDockerCleanOff)) &&
    commands.some((command) => isAptCall(command, INSTALLING)) &&
    !commands.some(isAptClean) &&
    !commands.some((command) => removesPath(command, ARCHIVES)) &&
    !isMounted(instruction, ARCHIVES);
  if (!keepsArchives) return undefined;
  return `docker-clean is turned off, so the downloaded .deb files stay in ${ARCHIVES}; run 'apt-get clean' or mount /var/cache/apt as a cache`;
}

const CLEAN = new Set(['clean']);

function isAptClean(command: ShellCommand): boolean {
  return isAptCall(command, CLEAN);
}

/**
 * DL3009: a RUN that runs `apt update` leaves no lists, and no .deb files
 * once docker-clean is off, in a layer that reaches an image.
 */
export const aptCleanLists: LintRule = {
  id: 'apt-clean-lists',
  title: 'apt lists left in the image',
  severity: 'low',
  rationale:
    "`apt-get update` downloads package lists of tens of megabytes into /var/lib/apt/lists. Unless the same RUN deletes them they are stored in the layer for good, making the image larger and keeping a stale index that later RUNs would trust. When Debian's docker-clean hook is turned off, downloaded .deb files pile up in /var/cache/apt the same way.",
  fix: 'Finish the RUN that updates with `rm -rf /var/lib/apt/lists/*`, or mount the apt directories as caches: `RUN --mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install ...`.',
  aliases: ['DL3009', 'DKL-DI-0005'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) => {
    const reaches = reachesImage(dockerfile);
    const cleanOff = stageSetting(
      dockerfile,
      (instruction, current) =>
        current ||
        (instruction.keyword === 'RUN' &&
          packageCommands(instruction).some(isDockerCleanOff)),
    );
    return eachRun(dockerfile, ({ instruction, commands }) =>
      reaches(instruction)
        ? aptLeftovers(
            instruction,
            commands,
            cleanOff.get(instruction) === true,
          )
        : undefined,
    );
  },
};

function quietLevel(call: ToolCall): number {
  return optionValues(call.line, 'q', 'quiet').reduce(
    (level, value) => level + (/^\d+$/.test(value) ? Number(value) : 1),
    0,
  );
}

function assumesYes(call: ToolCall): boolean {
  const answers = optionValues(call.line, 'y', 'yes', 'assume-yes');
  const forced = optionValues(call.line, 'force-yes');
  const configured = optionValues(call.line, 'o', 'option').some((value) =>
    /^APT::Get::Assume-Yes=["']?(true|1|yes)/i.test(value),
  );
  return (
    answers.length + forced.length > 0 || configured || quietLevel(call) >= 2
  );
}

/** DL3014: apt-get actions that would prompt run with `-y`. */
export const aptAssumeYes: LintRule = {
  id: 'apt-assume-yes',
  title: 'apt-get without -y',
  severity: 'medium',
  rationale:
    'A build has nobody to answer apt-get\'s "Do you want to continue?" prompt. Without `-y` apt-get reads end of input, aborts, and the build fails, often only once the package list grows large enough to ask.',
  fix: 'Pass `-y` (or `--yes`, or `-qq`, which implies it): `apt-get install -y --no-install-recommends curl=...`.',
  aliases: ['DL3014'],
  tags: ['package-manager', 'best-practice'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const asking = aptGetCalls(commands).find(
        (c) => PROMPTING.has(c.action ?? '') && !assumesYes(c),
      );
      if (asking === undefined) return undefined;
      return `'apt-get ${asking.action as string}' runs without -y, so it stops at the confirmation prompt`;
    }),
};

function skipsRecommends(call: ToolCall): boolean {
  if (call.line.options.has('no-install-recommends')) return true;
  return optionValues(call.line, 'o', 'option').some((value) =>
    /^APT::Install-Recommends=["']?(false|0|no)/i.test(value),
  );
}

/** DL3015: `apt-get install` skips recommended packages. */
export const aptNoRecommends: LintRule = {
  id: 'apt-no-recommends',
  title: 'apt-get install pulls in recommended packages',
  severity: 'low',
  rationale:
    'By default apt-get installs the packages a package merely recommends. They are rarely needed in a container, add size, and bring more code for scanners to flag and attackers to use.',
  fix: 'Add `--no-install-recommends` to every `apt-get install`, and name any recommended package you do need.',
  aliases: ['DL3015'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const call = aptGetCalls(commands).find(
        (c) => c.action === 'install' && !skipsRecommends(c),
      );
      if (call === undefined) return undefined;
      const what =
        call.targets.length > 0 ? ` for ${listWords(call.targets)}` : '';
      return `apt-get install also installs recommended packages${what}; add --no-install-recommends`;
    }),
};

/** DL3027: scripts use apt-get, not apt. */
export const useAptGet: LintRule = {
  id: 'use-apt-get',
  title: 'apt used in a script',
  severity: 'medium',
  rationale:
    '`apt` is the command for people at a terminal: its output and behaviour may change between releases and it warns that its interface is not stable for scripts. `apt-get` and `apt-cache` are the stable tools for automation.',
  fix: 'Replace `apt` with `apt-get` (or `apt-cache` for searches): `apt-get install -y --no-install-recommends ...`.',
  aliases: ['DL3027'],
  tags: ['package-manager', 'best-practice'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const apt = commands.find((command) => command.name === 'apt');
      if (apt === undefined) return undefined;
      const action = apt.args.find((arg) => !arg.startsWith('-'));
      const shown = action === undefined ? 'apt' : `apt ${action}`;
      return `'${shown}' uses apt, which is meant for people, not scripts; use apt-get`;
    }),
};

const DIST_UPGRADE = new Set(['dist-upgrade', 'full-upgrade']);

/** DKL-DI-0003: no `dist-upgrade` or `full-upgrade` in a build. */
export const aptNoDistUpgrade: LintRule = {
  id: 'apt-no-dist-upgrade',
  title: 'apt dist-upgrade in a build',
  severity: 'medium',
  rationale:
    '`dist-upgrade` may remove packages and pull in new ones to satisfy changed dependencies, so the image drifts away from its base in ways nobody reviewed. Security updates belong in a newer base image.',
  fix: 'Rebuild on a newer base image tag, or upgrade only the packages you need with `apt-get install -y --only-upgrade <package>`.',
  aliases: ['DKL-DI-0003'],
  tags: ['package-manager', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const upgrade = commands
        .map((command) => toolCall(command, APT_TOOLS, APT_OPTIONS))
        .find((call) => DIST_UPGRADE.has(call?.action ?? ''));
      if (upgrade === undefined) return undefined;
      return `'${upgrade.tool} ${upgrade.action as string}' upgrades the whole distribution inside the image`;
    }),
};

/** Rules for Debian and Ubuntu's apt. */
export const APT_RULES: LintRule[] = [
  aptPinVersions,
  aptCleanLists,
  aptAssumeYes,
  aptNoRecommends,
  useAptGet,
  aptNoDistUpgrade,
];
