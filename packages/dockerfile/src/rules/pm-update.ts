import type { Instruction } from '../model';
import type { LintRule } from '../rule';
import type { ShellCommand } from '../shell';
import { isApkInstall, APK_OPTIONS } from './pm-apk';
import { APT_OPTIONS, APT_TOOLS, isAptInstall } from './pm-apt';
import { isRpmFetch, RPM_CACHES, RPM_OPTIONS, RPM_TOOLS } from './pm-rpm';
import {
  eachRun,
  isMounted,
  removesPath,
  toolCall,
  type OptionGrammar,
} from './pm-shell';
import { isZypperFetch, ZYPPER_OPTIONS } from './pm-zypper';

/** A package manager's index refresh and where it stores the index. */
interface IndexRefresh {
  tools: readonly string[];
  options: OptionGrammar;
  actions: readonly string[];
  paths: readonly string[];
}

/**
 * Commands that only refresh an index. `yum update` and `dnf update` are
 * not among them: they upgrade packages; `makecache` is their refresh.
 */
const REFRESHES: IndexRefresh[] = [
  {
    tools: APT_TOOLS,
    options: APT_OPTIONS,
    actions: ['update'],
    paths: ['/var/lib/apt/lists'],
  },
  {
    tools: ['apk'],
    options: APK_OPTIONS,
    actions: ['update'],
    paths: ['/var/cache/apk'],
  },
  {
    tools: RPM_TOOLS,
    options: RPM_OPTIONS,
    actions: ['makecache'],
    paths: RPM_CACHES,
  },
  {
    tools: ['zypper'],
    options: ZYPPER_OPTIONS,
    actions: ['refresh', 'ref'],
    paths: ['/var/cache/zypp'],
  },
];

function installs(command: ShellCommand): boolean {
  return (
    isAptInstall(command) ||
    isApkInstall(command) ||
    isRpmFetch(command) ||
    isZypperFetch(command)
  );
}

/** The refresh a command runs, shown as written, if it is one. */
function refreshOf(
  command: ShellCommand,
): { shown: string; refresh: IndexRefresh } | undefined {
  for (const refresh of REFRESHES) {
    const call = toolCall(command, refresh.tools, refresh.options);
    if (call?.action !== undefined && refresh.actions.includes(call.action)) {
      return { shown: `${call.tool} ${call.action}`, refresh };
    }
  }
  return undefined;
}

/** True when the index never reaches the layer: mounted or deleted. */
function isIndexDropped(
  instruction: Instruction,
  commands: readonly ShellCommand[],
  paths: readonly string[],
): boolean {
  return (
    isMounted(instruction, ...paths) ||
    commands.some((command) => removesPath(command, ...paths))
  );
}

/**
 * CIS-DI-0007: a RUN that refreshes a package index also installs.
 */
export const noUpdateAlone: LintRule = {
  id: 'no-update-alone',
  title: 'Package index refreshed in a RUN that installs nothing',
  severity: 'medium',
  rationale:
    'A RUN that only refreshes the package index (`apt-get update`, `apk update`) stores that index in its own layer. The build cache then reuses the layer for months, so a later RUN that installs packages works from a stale index and may install old, vulnerable versions or fail on packages the mirror has dropped.',
  fix: 'Refresh and install in the same RUN: `RUN apt-get update && apt-get install -y --no-install-recommends curl=... && rm -rf /var/lib/apt/lists/*`.',
  aliases: ['CIS-DI-0007'],
  tags: ['package-manager', 'best-practice'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ instruction, commands }) => {
      // Limitation: installs done by a script (`./install-deps.sh`) are not
      // seen, so a RUN that refreshes and then runs one is reported.
      if (commands.some(installs)) return undefined;
      const found = commands
        .map(refreshOf)
        .find((refresh) => refresh !== undefined);
      if (found === undefined) return undefined;
      const { paths } = found.refresh;
      if (isIndexDropped(instruction, commands, paths)) return undefined;
      return `'${found.shown}' runs in a RUN that installs nothing, so the index is cached in this layer and goes stale; install in the same RUN`;
    }),
};
