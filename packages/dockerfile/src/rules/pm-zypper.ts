import type { LintRule } from '../rule';
import type { ShellCommand } from '../shell';
import {
  eachRun,
  grammar,
  hasOption,
  isMounted,
  isUnknowable,
  lastPosition,
  listWords,
  optionValues,
  removesPath,
  toolCall,
  toolCalls,
  type ToolCall,
} from './pm-shell';

/** zypper options that take a value (`--repo oss`, `-t pattern`). */
export const ZYPPER_OPTIONS = grammar([
  'r',
  'repo',
  'from',
  't',
  'type',
  'R',
  'root',
  'c',
  'config',
  'cache-dir',
  'reposd-dir',
  'D',
]);

/** Actions that download packages into the cache. */
const FETCHING = new Set([
  'install',
  'in',
  'update',
  'up',
  'patch',
  'dist-upgrade',
  'dup',
  'source-install',
  'si',
]);

/** Actions that ask for confirmation. */
const PROMPTING = new Set([...FETCHING, 'remove', 'rm']);

const DIST_UPGRADE = new Set(['dist-upgrade', 'dup']);
const CACHE = '/var/cache/zypp';

function zypperCalls(commands: readonly ShellCommand[]): ToolCall[] {
  return toolCalls(commands, ['zypper'], ZYPPER_OPTIONS);
}

function isNonInteractive(call: ToolCall): boolean {
  return hasOption(call.line, 'n', 'non-interactive', 'y', 'no-confirm');
}

/** DL3034: zypper actions that would prompt run non-interactively. */
export const zypperNonInteractive: LintRule = {
  id: 'zypper-non-interactive',
  title: 'zypper without a non-interactive switch',
  severity: 'medium',
  rationale:
    'A build cannot answer zypper\'s "Continue? [y/n]" prompt, so without a non-interactive switch the install stops and the build fails.',
  fix: 'Pass `-n` before the command or `-y` after it: `zypper -n install tomcat=9.0.39`.',
  aliases: ['DL3034'],
  tags: ['package-manager', 'best-practice'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const call = zypperCalls(commands).find(
        (c) => PROMPTING.has(c.action ?? '') && !isNonInteractive(c),
      );
      if (call === undefined) return undefined;
      return `'zypper ${call.action as string}' runs without -n or -y, so it stops at the confirmation prompt`;
    }),
};

/** DL3035: no `zypper dist-upgrade` in a build. */
export const zypperNoDistUpgrade: LintRule = {
  id: 'zypper-no-dist-upgrade',
  title: 'zypper dist-upgrade in a build',
  severity: 'medium',
  rationale:
    '`zypper dist-upgrade` may replace, remove and add packages across the distribution, so the image drifts away from its base in ways nobody reviewed. A newer base image is the way to get a newer distribution.',
  fix: 'Rebuild on a newer base image tag, or update only what you need with `zypper -n update <package>`.',
  aliases: ['DL3035'],
  tags: ['package-manager', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const call = zypperCalls(commands).find((c) =>
        DIST_UPGRADE.has(c.action ?? ''),
      );
      if (call === undefined) return undefined;
      return `'zypper ${call.action as string}' upgrades the whole distribution inside the image`;
    }),
};

/** True for zypper downloading packages. */
export function isZypperFetch(command: ShellCommand): boolean {
  const call = toolCall(command, ['zypper'], ZYPPER_OPTIONS);
  return FETCHING.has(call?.action ?? '');
}

function isZypperClean(command: ShellCommand): boolean {
  const call = toolCall(command, ['zypper'], ZYPPER_OPTIONS);
  if (call?.action === 'clean' || call?.action === 'cc') return true;
  return removesPath(command, CACHE);
}

/** DL3036: zypper installs are followed by `zypper clean`. */
export const zypperClean: LintRule = {
  id: 'zypper-clean',
  title: 'zypper install without zypper clean',
  severity: 'medium',
  rationale:
    'zypper keeps repository metadata and downloaded packages in /var/cache/zypp. Unless the same RUN cleans up after its last install, the layer stores that cache for good.',
  fix: 'End the RUN with `zypper clean --all`, or mount the cache: `RUN --mount=type=cache,target=/var/cache/zypp zypper -n install ...`.',
  aliases: ['DL3036'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ instruction, commands }) => {
      if (isMounted(instruction, CACHE)) return undefined;
      const fetch = lastPosition(commands, isZypperFetch);
      if (fetch === -1) return undefined;
      if (lastPosition(commands, isZypperClean) > fetch) return undefined;
      return "zypper downloads packages in this RUN and no 'zypper clean' follows; the cache stays in the layer";
    }),
};

function isZypperPinned(spec: string): boolean {
  return (
    /[=<>]/.test(spec) ||
    spec.endsWith('.rpm') ||
    spec.includes('/') ||
    isUnknowable(spec)
  );
}

/** Packages of `zypper install`; patterns and patches have no versions. */
function zypperPackages(call: ToolCall): string[] {
  if (call.action !== 'install' && call.action !== 'in') return [];
  const types = optionValues(call.line, 't', 'type');
  return types.every((type) => type === 'package') ? call.targets : [];
}

/** DL3037: every `zypper install` package names its version. */
export const zypperPinVersions: LintRule = {
  id: 'zypper-pin-versions',
  title: 'zypper install without pinned versions',
  severity: 'medium',
  rationale:
    'An unpinned `zypper install` takes whatever the repositories hold at build time, so rebuilding the same Dockerfile can produce a different image.',
  fix: 'Name the version or a range: `zypper -n install tomcat=9.0.39` or `zypper -n install "tomcat>=9.0"`.',
  aliases: ['DL3037'],
  tags: ['package-manager', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const unpinned = zypperCalls(commands)
        .flatMap(zypperPackages)
        .filter((spec) => !isZypperPinned(spec));
      if (unpinned.length === 0) return undefined;
      return `zypper install leaves ${listWords(unpinned)} unpinned; write '${unpinned[0] as string}=<version>'`;
    }),
};

/** Rules for SUSE's zypper. */
export const ZYPPER_RULES: LintRule[] = [
  zypperNonInteractive,
  zypperNoDistUpgrade,
  zypperClean,
  zypperPinVersions,
];
