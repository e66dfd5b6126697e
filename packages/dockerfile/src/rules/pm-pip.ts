import type { Dockerfile, Instruction } from '../model';
import type { LintRule } from '../rule';
import type { ShellCommand } from '../shell';
import {
  eachRun,
  grammar,
  hasOption,
  isUnknowable,
  listWords,
  readCommandLine,
  scratchMounts,
  type CommandLine,
} from './pm-shell';
import { stageSetting } from './pm-stages';

/** pip and pipx options that take a value (`-r file`, `--index-url url`). */
const PIP_OPTIONS = grammar([
  'abi',
  'b',
  'build',
  'c',
  'constraint',
  'C',
  'config-settings',
  'cache-dir',
  'cert',
  'client-cert',
  'e',
  'editable',
  'exists-action',
  'extra-index-url',
  'f',
  'find-links',
  'global-option',
  'i',
  'index-url',
  'implementation',
  'keyring-provider',
  'log',
  'no-binary',
  'only-binary',
  'pip-args',
  'platform',
  'prefix',
  'progress-bar',
  'proxy',
  'python',
  'python-version',
  'r',
  'requirement',
  'report',
  'retries',
  'root',
  'root-user-action',
  'src',
  'suffix',
  't',
  'target',
  'timeout',
  'trusted-host',
  'upgrade-strategy',
]);

/** An install by pip or pipx. */
interface PipInstall {
  /** As the user would type it: `pip3`, `python -m pip`, `pipx`. */
  tool: string;
  line: CommandLine;
  packages: string[];
}

/** The words pip itself reads, or undefined when it is not pip. */
function pipWords(
  command: ShellCommand,
  withPipx: boolean,
): { tool: string; args: string[] } | undefined {
  const { name, args } = command;
  if (/^pip\d*(\.\d+)?$/.test(name) || (withPipx && name === 'pipx')) {
    return { tool: name, args };
  }
  if (!name.startsWith('python')) return undefined;
  const module = args.findIndex(
    (arg, index) => arg === '-m' && args[index + 1] === 'pip',
  );
  if (module === -1) return undefined;
  return { tool: `${name} -m pip`, args: args.slice(module + 2) };
}

function pipInstalls(
  commands: readonly ShellCommand[],
  withPipx: boolean,
): (PipInstall & { command: ShellCommand; position: number })[] {
  return commands.flatMap((command, position) => {
    const words = pipWords(command, withPipx);
    if (words === undefined) return [];
    const line = readCommandLine(words.args, PIP_OPTIONS);
    const [action, ...packages] = line.operands;
    if (action !== 'install') return [];
    return [{ tool: words.tool, line, packages, command, position }];
  });
}

const VCS_URL = /^(git|hg|svn|bzr)(\+[a-z-]+)?:\/\//;

/** True when a VCS requirement names a ref: `git+https://host/x.git@v1`. */
function hasVcsRef(requirement: string): boolean {
  const location = requirement.split('#')[0] as string;
  const path = location.slice(location.indexOf('://') + 3);
  return path.slice(Math.max(path.indexOf('/'), 0)).includes('@');
}

function isPipPinned(requirement: string): boolean {
  if (VCS_URL.test(requirement)) return hasVcsRef(requirement);
  return (
    ['==', '<', '>', '!=', '~='].some((sign) => requirement.includes(sign)) ||
    ['.whl', '.tar.gz', '.zip'].some((end) => requirement.endsWith(end)) ||
    requirement.includes('/') ||
    requirement.startsWith('.') ||
    isUnknowable(requirement)
  );
}

/** DL3013: every pip or pipx requirement names its version. */
export const pipPinVersions: LintRule = {
  id: 'pip-pin-versions',
  title: 'pip install without pinned versions',
  severity: 'medium',
  rationale:
    'An unpinned `pip install` takes the newest release on PyPI at build time. A new release, or a hijacked one, lands in the next build without review, and builds of the same Dockerfile stop being comparable.',
  fix: 'Pin each requirement (`pip install flask==3.0.3`), or install from a requirements or constraints file that pins them: `pip install -r requirements.txt`.',
  aliases: ['DL3013'],
  tags: ['package-manager', 'reproducibility', 'supply-chain'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const installs = pipInstalls(commands, true).filter(
        (install) => !hasOption(install.line, 'c', 'constraint'),
      );
      const install = installs.find((i) => i.packages.some(isUnpinned));
      if (install === undefined) return undefined;
      const unpinned = installs.flatMap((i) => i.packages.filter(isUnpinned));
      return `${install.tool} install leaves ${listWords(unpinned)} unpinned; write '${pinned(unpinned[0] as string)}'`;
    }),
};

/** The requirement as a pinned one would read. */
function pinned(requirement: string): string {
  if (!VCS_URL.test(requirement)) return `${requirement}==<version>`;
  const [location, fragment] = requirement.split('#');
  const suffix = fragment === undefined ? '' : `#${fragment}`;
  return `${location as string}@<tag or commit>${suffix}`;
}

function isUnpinned(requirement: string): boolean {
  return !isPipPinned(requirement);
}

const TRUTHY = new Set(['1', 'true', 'on', 'yes']);

/** True when a `PIP_NO_CACHE_DIR=value` word turns pip's cache off. */
function turnsCacheOff(assignment: string): boolean {
  const prefix = 'PIP_NO_CACHE_DIR=';
  if (!assignment.startsWith(prefix)) return false;
  const value = assignment.slice(prefix.length).replace(/^["']|["']$/g, '');
  return TRUTHY.has(value.toLowerCase());
}

/** The `NAME=value` pairs an ENV instruction sets. */
function envPairs(instruction: Instruction): string[] {
  const words = instruction.args.map((arg) => arg.value);
  const [first, ...rest] = words;
  if (first === undefined || first.includes('=')) return words;
  return [`${first}=${rest.join(' ')}`];
}

/** For each instruction, whether an ENV has turned pip's cache off. */
function envCacheOff(dockerfile: Dockerfile): Map<Instruction, boolean> {
  return stageSetting(dockerfile, (instruction, current) => {
    if (instruction.keyword !== 'ENV') return current;
    const values = envPairs(instruction).filter((pair) =>
      pair.startsWith('PIP_NO_CACHE_DIR='),
    );
    const last = values.at(-1);
    return last === undefined ? current : turnsCacheOff(last);
  });
}

/** True when a cache or tmpfs mount holds pip's cache (`~/.cache/pip`). */
function mountsPipCache(instruction: Instruction): boolean {
  return scratchMounts(instruction).some(
    (target) => target.endsWith('/.cache/pip') || target.endsWith('/.cache'),
  );
}

/** Where the RUN first exports `PIP_NO_CACHE_DIR=1`; Infinity if never. */
function exportPosition(commands: readonly ShellCommand[]): number {
  const position = commands.findIndex(
    (command) => command.name === 'export' && command.args.some(turnsCacheOff),
  );
  return position === -1 ? Infinity : position;
}

/** DL3042: pip installs keep no download cache in the layer. */
export const pipNoCacheDir: LintRule = {
  id: 'pip-no-cache-dir',
  title: 'pip install keeps its download cache',
  severity: 'medium',
  rationale:
    'pip saves every wheel it downloads under ~/.cache/pip. In an image build that cache is never used again, yet the layer stores it, often doubling the size of what was installed.',
  fix: 'Add `--no-cache-dir` (`pip install --no-cache-dir -r requirements.txt`), set `ENV PIP_NO_CACHE_DIR=1`, or mount the cache: `RUN --mount=type=cache,target=/root/.cache/pip pip install ...`.',
  aliases: ['DL3042'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) => {
    const cacheOff = envCacheOff(dockerfile);
    return eachRun(dockerfile, ({ instruction, commands }) => {
      if (cacheOff.get(instruction) === true) return undefined;
      if (mountsPipCache(instruction)) return undefined;
      const exported = exportPosition(commands);
      const install = pipInstalls(commands, false).find(
        (i) =>
          !hasOption(i.line, 'no-cache-dir') &&
          !i.command.assignments.some(turnsCacheOff) &&
          i.position < exported,
      );
      if (install === undefined) return undefined;
      return `${install.tool} install runs without --no-cache-dir and stores its download cache in the layer`;
    });
  },
};

/** Rules for Python's pip. */
export const PIP_RULES: LintRule[] = [pipPinVersions, pipNoCacheDir];
