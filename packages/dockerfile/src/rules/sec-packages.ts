import type { Instruction } from '../model';
import { positionalArgs } from '../shell';
import { effectiveCommands, type EffectiveCommand } from './sec-commands';

/** What one package manager command does to the installed set. */
interface PackageChange {
  action: 'install' | 'remove';
  /** Package names, lower case and without versions. */
  names: string[];
  /** apk's `--virtual NAME` group the installed names join. */
  group: string | undefined;
}

type Action = PackageChange['action'];

const APT: [string, Action][] = [
  ['install', 'install'],
  ['remove', 'remove'],
  ['purge', 'remove'],
];
const RPM: [string, Action][] = [
  ['install', 'install'],
  ['remove', 'remove'],
  ['erase', 'remove'],
];

/** Subcommands by package manager; a missing entry changes nothing. */
const SUBCOMMANDS = new Map<string, Map<string, Action>>([
  ['apt-get', new Map(APT)],
  ['apt', new Map(APT)],
  ['aptitude', new Map(APT)],
  [
    'apk',
    new Map([
      ['add', 'install'],
      ['del', 'remove'],
    ]),
  ],
  ['dnf', new Map(RPM)],
  ['yum', new Map(RPM)],
  ['microdnf', new Map(RPM)],
  ['tdnf', new Map(RPM)],
  [
    'zypper',
    new Map([
      ['install', 'install'],
      ['in', 'install'],
      ['remove', 'remove'],
      ['rm', 'remove'],
    ]),
  ],
]);

/** dnf and yum spell a group install as one word or two. */
const GROUP_INSTALLS = new Set(['groupinstall', 'group']);

/**
 * Reads a package manager command: which packages it installs or removes.
 * Limitation: options that take a separate value (`apt-get -t release`)
 * leave that value among the names; rules only look for names they know,
 * so a stray value does no harm.
 */
function packageChange(command: EffectiveCommand): PackageChange | undefined {
  const subcommands = SUBCOMMANDS.get(command.program);
  if (subcommands === undefined) return undefined;
  const words = positionalArgs(command.args);
  const at = words.findIndex(
    (word) => subcommands.has(word) || GROUP_INSTALLS.has(word),
  );
  const subcommand = words[at];
  if (subcommand === undefined) return undefined;
  const rest = words.slice(at + 1);
  if (GROUP_INSTALLS.has(subcommand)) {
    const names = subcommand === 'group' ? rest.slice(1) : rest;
    return { action: 'install', names: names.map(groupName), group: undefined };
  }
  return {
    action: subcommands.get(subcommand) as Action,
    names: rest.map(packageName),
    group: virtualGroup(command),
  };
}

/** `curl=7.88.1-10`, `musl-dev>1.2`, `libc6:amd64` → the bare name. */
function packageName(word: string): string {
  const end = word.search(/[=<>~:]/);
  return (end === -1 ? word : word.slice(0, end)).toLowerCase();
}

function groupName(word: string): string {
  return `@${word.replace(/^@/, '').toLowerCase()}`;
}

/** The name given to apk's `--virtual`/`-t`, whose packages it groups. */
function virtualGroup(command: EffectiveCommand): string | undefined {
  if (command.program !== 'apk') return undefined;
  const args = command.args;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === '--virtual' || arg === '-t') return args[index + 1];
    if (arg.startsWith('--virtual=')) return arg.slice('--virtual='.length);
  }
  return undefined;
}

/** A package still installed, and the instruction that installed it. */
export interface InstalledPackage {
  name: string;
  instruction: Instruction;
}

/**
 * The packages the instructions leave installed, in install order: each
 * install adds names, each later remove (of a name or of an apk virtual
 * group) takes them away again.
 * Limitation: packages that come with the base image, or arrive as
 * dependencies of named ones, are unknown here; so are installs by
 * scripts, language package managers and downloaded binaries.
 */
export function installedPackages(
  instructions: readonly Instruction[],
): InstalledPackage[] {
  const installed = new Map<string, Instruction>();
  const groups = new Map<string, string[]>();
  for (const instruction of instructions) {
    for (const command of effectiveCommands(instruction)) {
      const change = packageChange(command);
      if (change === undefined) continue;
      apply(change, instruction, installed, groups);
    }
  }
  return [...installed].map(([name, instruction]) => ({ name, instruction }));
}

function apply(
  change: PackageChange,
  instruction: Instruction,
  installed: Map<string, Instruction>,
  groups: Map<string, string[]>,
): void {
  if (change.action === 'install') {
    for (const name of change.names) installed.set(name, instruction);
    if (change.group !== undefined) groups.set(change.group, change.names);
    return;
  }
  for (const name of change.names) {
    for (const member of groups.get(name) ?? [name]) installed.delete(member);
  }
}

/** Installed packages that a predicate picks, grouped by instruction. */
export function packagesByInstruction(
  packages: readonly InstalledPackage[],
  isPicked: (name: string) => boolean,
): Map<Instruction, string[]> {
  const picked = new Map<Instruction, string[]>();
  for (const { name, instruction } of packages) {
    if (!isPicked(name)) continue;
    const names = picked.get(instruction);
    if (names === undefined) picked.set(instruction, [name]);
    else names.push(name);
  }
  return picked;
}
