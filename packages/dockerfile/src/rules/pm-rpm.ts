import type { Instruction } from '../model';
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
  removesPath,
  toolCall,
  type ToolCall,
} from './pm-shell';

/** yum and dnf options that take a value (`--enablerepo epel`). */
export const RPM_OPTIONS = grammar([
  'c',
  'config',
  'd',
  'debuglevel',
  'e',
  'errorlevel',
  'installroot',
  'enablerepo',
  'disablerepo',
  'repo',
  'repoid',
  'repofrompath',
  'x',
  'exclude',
  'releasever',
  'setopt',
  'downloaddir',
  'destdir',
  'forcearch',
  'color',
  'rpmverbosity',
  'R',
  'randomwait',
]);

const YUM = ['yum'];
const DNF = ['dnf', 'microdnf'];

/** The rpm front ends. */
export const RPM_TOOLS = [...YUM, ...DNF];

/** Actions that download packages into the cache. */
const FETCHING = new Set([
  'install',
  'in',
  'groupinstall',
  'localinstall',
  'reinstall',
  'rei',
  'update',
  'upgrade',
  'up',
  'upgrade-minimal',
  'up-min',
  'downgrade',
  'distro-sync',
  'swap',
]);

/** Actions that ask for confirmation. */
const PROMPTING = new Set([...FETCHING, 'remove', 'rm', 'erase', 'autoremove']);

/** Sub-commands whose own action comes next: `dnf module install`. */
const GROUPS = new Set(['module', 'group', 'groups']);

/** An rpm tool call with `module install` and `group install` unfolded. */
interface RpmCall extends ToolCall {
  /** `module` or `group`, when the action belongs to one. */
  scope: string | undefined;
}

function rpmCall(
  command: ShellCommand,
  tools: readonly string[],
): RpmCall | undefined {
  const call = toolCall(command, tools, RPM_OPTIONS);
  if (call === undefined) return undefined;
  if (call.action === undefined || !GROUPS.has(call.action)) {
    return { ...call, scope: undefined };
  }
  const [action, ...targets] = call.targets;
  return { ...call, scope: call.action, action, targets };
}

function rpmCalls(
  commands: readonly ShellCommand[],
  tools: readonly string[],
): RpmCall[] {
  return commands.flatMap((command) => {
    const call = rpmCall(command, tools);
    return call === undefined ? [] : [call];
  });
}

function shown(call: RpmCall): string {
  const scope = call.scope === undefined ? '' : ` ${call.scope}`;
  return `${call.tool}${scope} ${call.action ?? ''}`.trim();
}

function assumeYesMessage(
  commands: readonly ShellCommand[],
  tools: readonly string[],
): string | undefined {
  const call = rpmCalls(commands, tools).find(
    (c) =>
      PROMPTING.has(c.action ?? '') && !hasOption(c.line, 'y', 'assumeyes'),
  );
  if (call === undefined) return undefined;
  return `'${shown(call)}' runs without -y, so it stops at the confirmation prompt`;
}

/** True for yum, dnf or microdnf downloading packages. */
export function isRpmFetch(command: ShellCommand): boolean {
  return FETCHING.has(rpmCall(command, RPM_TOOLS)?.action ?? '');
}

/** Where yum and dnf keep their metadata and packages. */
export const RPM_CACHES = [
  '/var/cache/yum',
  '/var/cache/dnf',
  '/var/cache/libdnf5',
];

function isFetch(command: ShellCommand, tool: string): boolean {
  return FETCHING.has(rpmCall(command, [tool])?.action ?? '');
}

function isClean(command: ShellCommand, tool: string): boolean {
  const call = toolCall(command, [tool], RPM_OPTIONS);
  if (call?.action === 'clean' && call.targets.includes('all')) return true;
  return removesPath(command, ...RPM_CACHES);
}

/** The first tool whose last download is not followed by its clean-up. */
function uncleanedTool(
  instruction: Instruction,
  commands: readonly ShellCommand[],
  tools: readonly string[],
): string | undefined {
  if (isMounted(instruction, ...RPM_CACHES)) return undefined;
  return tools.find((tool) => {
    const fetch = lastPosition(commands, (c) => isFetch(c, tool));
    return (
      fetch !== -1 && lastPosition(commands, (c) => isClean(c, tool)) < fetch
    );
  });
}

/**
 * True when an rpm package spec names a version: a last dash-separated
 * part that starts with a digit (`httpd-2.4.6`, `openssl-1:1.1.1k`), an
 * `.rpm` file, or a path or capability the name cannot be read from.
 */
function isRpmPinned(spec: string): boolean {
  // Limitation: this reads names only; a package whose name itself ends in
  // a digit-led part (`compat-libstdc++-33`) counts as pinned.
  if (spec.endsWith('.rpm') || spec.includes('/') || isUnknowable(spec)) {
    return true;
  }
  if (spec.startsWith('@') || spec.includes('(')) return true;
  const dash = spec.lastIndexOf('-');
  return dash > 0 && /^\d/.test(spec.slice(dash + 1));
}

/** An unpinned package or module, with how it would read pinned. */
interface Unpinned {
  spec: string;
  hint: string;
}

/** Packages installed without a version, module streams without `:`. */
function unpinnedSpecs(
  commands: readonly ShellCommand[],
  tools: readonly string[],
): Unpinned[] {
  return rpmCalls(commands, tools)
    .filter((call) => call.action === 'install' || call.action === 'in')
    .flatMap((call): Unpinned[] => {
      if (call.scope === 'module') {
        return call.targets
          .filter((spec) => !spec.includes(':'))
          .map((spec) => ({ spec, hint: `${spec}:<stream>` }));
      }
      if (call.scope !== undefined) return [];
      return call.targets
        .filter((spec) => !isRpmPinned(spec))
        .map((spec) => ({ spec, hint: `${spec}-<version>` }));
    });
}

function pinMessage(tool: string, unpinned: Unpinned[]): string | undefined {
  const first = unpinned[0];
  if (first === undefined) return undefined;
  const specs = listWords(unpinned.map((u) => u.spec));
  return `${tool} install leaves ${specs} unpinned; write '${first.hint}'`;
}

/** DL3030: yum actions that would prompt run with `-y`. */
export const yumAssumeYes: LintRule = {
  id: 'yum-assume-yes',
  title: 'yum without -y',
  severity: 'medium',
  rationale:
    'A build cannot answer yum\'s "Is this ok [y/N]" prompt: yum reads end of input, answers no, and the build fails.',
  fix: 'Pass `-y`: `yum install -y httpd-2.4.6`.',
  aliases: ['DL3030'],
  tags: ['package-manager', 'best-practice'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => assumeYesMessage(commands, YUM)),
};

/** DL3032: yum installs are followed by `yum clean all`. */
export const yumCleanAll: LintRule = {
  id: 'yum-clean-all',
  title: 'yum install without yum clean all',
  severity: 'medium',
  rationale:
    'yum keeps repository metadata and downloaded packages in /var/cache/yum. Unless the same RUN cleans up after its last install, the layer stores that cache for good.',
  fix: 'End the RUN with `yum clean all` (`yum install -y httpd-2.4.6 && yum clean all`), or mount /var/cache/yum as a cache.',
  aliases: ['DL3032'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ instruction, commands }) =>
      uncleanedTool(instruction, commands, YUM) === undefined
        ? undefined
        : "yum downloads packages in this RUN and no 'yum clean all' follows; the cache stays in the layer",
    ),
};

/** DL3033: every `yum install` package names its version. */
export const yumPinVersions: LintRule = {
  id: 'yum-pin-versions',
  title: 'yum install without pinned versions',
  severity: 'medium',
  rationale:
    'An unpinned `yum install` takes whatever the repositories hold at build time, so rebuilding the same Dockerfile can produce a different image. Module streams without `:stream` follow the default stream, which moves too.',
  fix: 'Name the version: `yum install -y httpd-2.4.6`, and give modules a stream: `yum module install -y nodejs:20`.',
  aliases: ['DL3033'],
  tags: ['package-manager', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) =>
      pinMessage('yum', unpinnedSpecs(commands, YUM)),
    ),
};

/** DL3038: dnf and microdnf actions that would prompt run with `-y`. */
export const dnfAssumeYes: LintRule = {
  id: 'dnf-assume-yes',
  title: 'dnf or microdnf without -y',
  severity: 'medium',
  rationale:
    'A build cannot answer dnf\'s "Is this ok [y/N]" prompt: dnf reads end of input, answers no, and the build fails.',
  fix: 'Pass `-y`: `dnf install -y httpd-2.4.57`.',
  aliases: ['DL3038'],
  tags: ['package-manager', 'best-practice'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => assumeYesMessage(commands, DNF)),
};

/** DL3040: dnf and microdnf installs are followed by `clean all`. */
export const dnfCleanAll: LintRule = {
  id: 'dnf-clean-all',
  title: 'dnf install without dnf clean all',
  severity: 'medium',
  rationale:
    'dnf and microdnf keep repository metadata and downloaded packages in /var/cache. Unless the same RUN cleans up after its last install, with the same tool, the layer stores that cache for good.',
  fix: 'End the RUN with `dnf clean all` (or `microdnf clean all` after microdnf), or mount the cache: `RUN --mount=type=cache,target=/var/cache/libdnf5 dnf install ...`.',
  aliases: ['DL3040'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ instruction, commands }) => {
      const tool = uncleanedTool(instruction, commands, DNF);
      if (tool === undefined) return undefined;
      return `${tool} downloads packages in this RUN and no '${tool} clean all' follows; the cache stays in the layer`;
    }),
};

/** DL3041: every `dnf install` package names its version. */
export const dnfPinVersions: LintRule = {
  id: 'dnf-pin-versions',
  title: 'dnf install without pinned versions',
  severity: 'medium',
  rationale:
    'An unpinned `dnf install` takes whatever the repositories hold at build time, so rebuilding the same Dockerfile can produce a different image. Module streams without `:stream` follow the default stream, which moves too.',
  fix: 'Name the version: `dnf install -y httpd-2.4.57`, and give modules a stream: `dnf module install -y nodejs:20`.',
  aliases: ['DL3041'],
  tags: ['package-manager', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const call = DNF.map((tool) => ({
        tool,
        unpinned: unpinnedSpecs(commands, [tool]),
      })).find((c) => c.unpinned.length > 0);
      return call === undefined
        ? undefined
        : pinMessage(call.tool, call.unpinned);
    }),
};

/** Rules for yum, dnf and microdnf. */
export const RPM_RULES: LintRule[] = [
  yumAssumeYes,
  yumCleanAll,
  yumPinVersions,
  dnfAssumeYes,
  dnfCleanAll,
  dnfPinVersions,
];
