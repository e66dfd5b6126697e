import type { LintRule } from '../rule';
import type { ShellCommand } from '../shell';
import {
  eachRun,
  grammar,
  hasOption,
  isMounted,
  isUnknowable,
  listWords,
  toolCall,
  toolCalls,
  type ToolCall,
} from './pm-shell';

/** apk options that take a value (`--virtual .build-deps`, `-X url`). */
export const APK_OPTIONS = grammar([
  't',
  'virtual',
  'X',
  'repository',
  'p',
  'root',
  'repositories-file',
  'keys-dir',
  'cache-dir',
  'cache-max-age',
  'arch',
  'timeout',
  'progress-fd',
]);

function apkAdds(commands: readonly ShellCommand[]): ToolCall[] {
  return toolCalls(commands, ['apk'], APK_OPTIONS).filter(
    (call) => call.action === 'add',
  );
}

/** True for `apk add`, `apk upgrade` and `apk fix`. */
export function isApkInstall(command: ShellCommand): boolean {
  const call = toolCall(command, ['apk'], APK_OPTIONS);
  return ['add', 'upgrade', 'fix'].includes(call?.action ?? '');
}

/** `=`, `~`, `<` and `>` all constrain an apk package's version. */
function isApkPinned(name: string): boolean {
  return (
    /[=~<>]/.test(name) ||
    name.endsWith('.apk') ||
    name.includes('/') ||
    isUnknowable(name)
  );
}

/** DL3018: every `apk add` package names its version. */
export const apkPinVersions: LintRule = {
  id: 'apk-pin-versions',
  title: 'apk add without pinned versions',
  severity: 'medium',
  rationale:
    'An unpinned `apk add` installs whatever the Alpine repository holds at build time, so rebuilding the same Dockerfile can produce a different image with different vulnerabilities.',
  fix: 'Pin each package: `apk add --no-cache curl=8.9.1-r2`, or allow patch releases only with `curl~8.9`.',
  aliases: ['DL3018'],
  tags: ['package-manager', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const unpinned = apkAdds(commands).flatMap((call) =>
        call.targets.filter((name) => !isApkPinned(name)),
      );
      if (unpinned.length === 0) return undefined;
      return `apk add leaves ${listWords(unpinned)} unpinned; write '${unpinned[0] as string}=<version>'`;
    }),
};

/** DL3019: `apk add` keeps no index in the layer. */
export const apkNoCache: LintRule = {
  id: 'apk-no-cache',
  title: 'apk add without --no-cache',
  severity: 'low',
  rationale:
    'Without `--no-cache`, apk keeps the package index it fetched in /var/cache/apk, and the layer keeps it for good. `--no-cache` fetches a fresh index and stores nothing, which also makes a separate `apk update` unnecessary.',
  fix: 'Write `apk add --no-cache <package>=<version>`, or mount the cache: `RUN --mount=type=cache,target=/var/cache/apk apk add ...`.',
  aliases: ['DL3019', 'DKL-DI-0004'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ instruction, commands }) => {
      if (isMounted(instruction, '/var/cache/apk')) return undefined;
      const call = apkAdds(commands).find(
        (add) => !hasOption(add.line, 'no-cache'),
      );
      if (call === undefined) return undefined;
      const what =
        call.targets.length > 0 ? ` of ${listWords(call.targets)}` : '';
      return `apk add${what} runs without --no-cache and leaves the index in /var/cache/apk`;
    }),
};

/** Rules for Alpine's apk. */
export const APK_RULES: LintRule[] = [apkPinVersions, apkNoCache];
