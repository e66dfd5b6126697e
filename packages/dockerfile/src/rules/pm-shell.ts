import type { Dockerfile, Instruction } from '../model';
import { hitOn, type RuleHit } from '../rule';
import {
  inlineShellScript,
  runCommands,
  splitCommands,
  type ShellCommand,
} from '../shell';

/** A RUN instruction with the simple commands it runs. */
export interface RunStep {
  instruction: Instruction;
  commands: readonly ShellCommand[];
}

const commandCache = new WeakMap<Instruction, ShellCommand[]>();

/**
 * The simple commands of a RUN, with program names reduced to their base
 * name (`/usr/bin/apt-get` is `apt-get`) and `sh -c 'script'` opened up.
 * Results are cached per instruction, as every package rule asks again.
 */
export function packageCommands(instruction: Instruction): ShellCommand[] {
  let commands = commandCache.get(instruction);
  if (commands === undefined) {
    commands = runCommands(instruction).flatMap((c) => openShell(c, 2));
    commandCache.set(instruction, commands);
  }
  return commands;
}

function openShell(command: ShellCommand, depth: number): ShellCommand[] {
  // Limitation: commands behind `sudo`, `env` or `xargs` keep that wrapper
  // as their name, so the package rules do not look at them, as in hadolint.
  const named = { ...command, name: baseName(command.name) };
  const script =
    depth > 0 ? inlineShellScript(named.name, named.args) : undefined;
  if (script === undefined) return [named];
  return splitCommands(script).flatMap((c) => openShell(c, depth - 1));
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const stepCache = new WeakMap<Dockerfile, RunStep[]>();

/** Every RUN instruction, ONBUILD triggers included, with its commands. */
function runSteps(dockerfile: Dockerfile): RunStep[] {
  let steps = stepCache.get(dockerfile);
  if (steps === undefined) {
    steps = dockerfile.instructions
      .filter((instruction) => instruction.keyword === 'RUN')
      .map((instruction) => ({
        instruction,
        commands: packageCommands(instruction),
      }));
    stepCache.set(dockerfile, steps);
  }
  return steps;
}

/**
 * Runs `check` on every RUN; each message it returns becomes one hit on
 * that RUN. Credentials inside URLs in a message are reported as secrets,
 * so outputs mask them.
 */
export function eachRun(
  dockerfile: Dockerfile,
  check: (step: RunStep) => string | undefined,
): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const step of runSteps(dockerfile)) {
    const message = check(step);
    if (message === undefined) continue;
    const secrets = urlCredentials(message);
    hits.push(
      hitOn(
        step.instruction,
        message,
        secrets.length > 0 ? secrets : undefined,
      ),
    );
  }
  return hits;
}

/** The `user:password` parts of URLs written in a text. */
function urlCredentials(text: string): string[] {
  const found: string[] = [];
  let from = text.indexOf('://');
  while (from !== -1) {
    const start = from + 3;
    let end = start;
    while (end < text.length && !AUTHORITY_ENDS.has(text[end] as string)) {
      end += 1;
    }
    if (text[end] === '@') found.push(text.slice(start, end));
    from = text.indexOf('://', Math.max(end - 1, start));
  }
  return found;
}

const AUTHORITY_ENDS = new Set(['@', '/', ' ', "'"]);

/** How a program reads its options. */
export interface OptionGrammar {
  /** Options that take a value: long names without dashes, short letters. */
  valued: ReadonlySet<string>;
  /** Long options known to take no value, when unknown ones take one. */
  switches: ReadonlySet<string>;
  /** Whether an unknown `--name` takes the next word as its value. */
  unknownLongTakesValue: boolean;
}

/** Builds an option grammar from plain lists. */
export function grammar(
  valued: readonly string[],
  options: {
    switches?: readonly string[];
    unknownLongTakesValue?: boolean;
  } = {},
): OptionGrammar {
  return {
    valued: new Set(valued),
    switches: new Set(options.switches ?? []),
    unknownLongTakesValue: options.unknownLongTakesValue ?? false,
  };
}

/** A command's words split into options and operands. */
export interface CommandLine {
  /** Words that are neither options nor option values, in order. */
  operands: string[];
  /**
   * Options by name (long ones without dashes, short ones letter by
   * letter), each with its values; an option without a value has `''`.
   */
  options: Map<string, string[]>;
  /** Words after `--`. */
  rest: string[];
}

/** Splits a command's words into options and operands. */
export function readCommandLine(
  args: readonly string[],
  optionGrammar: OptionGrammar,
): CommandLine {
  const line: CommandLine = { operands: [], options: new Map(), rest: [] };
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index] as string;
    const next = args[index + 1];
    if (word === '--') {
      line.rest = args.slice(index + 1);
      break;
    }
    let usedNext = false;
    if (word.startsWith('--')) {
      usedNext = readLong(word.slice(2), next, optionGrammar, line);
    } else if (word.startsWith('-') && word.length > 1) {
      usedNext = readShort(word.slice(1), next, optionGrammar, line);
    } else {
      line.operands.push(word);
    }
    if (usedNext) index += 1;
  }
  return line;
}

/** Records `--name[=value]`; true when it took the next word as value. */
function readLong(
  body: string,
  next: string | undefined,
  optionGrammar: OptionGrammar,
  line: CommandLine,
): boolean {
  const equals = body.indexOf('=');
  if (equals !== -1) {
    addOption(line, body.slice(0, equals), body.slice(equals + 1));
    return false;
  }
  if (next !== undefined && takesValue(body, next, optionGrammar)) {
    addOption(line, body, next);
    return true;
  }
  addOption(line, body, '');
  return false;
}

function takesValue(
  name: string,
  next: string,
  optionGrammar: OptionGrammar,
): boolean {
  if (optionGrammar.valued.has(name)) return true;
  return (
    optionGrammar.unknownLongTakesValue &&
    !optionGrammar.switches.has(name) &&
    !name.startsWith('no-') &&
    !next.startsWith('-')
  );
}

/** Records bundled short options (`-yq`, `-tvalue`, `-q=2`). */
function readShort(
  letters: string,
  next: string | undefined,
  optionGrammar: OptionGrammar,
  line: CommandLine,
): boolean {
  for (let index = 0; index < letters.length; index += 1) {
    const letter = letters[index] as string;
    if (letters[index + 1] === '=') {
      addOption(line, letter, letters.slice(index + 2));
      return false;
    }
    if (!optionGrammar.valued.has(letter)) {
      addOption(line, letter, '');
      continue;
    }
    const attached = letters.slice(index + 1);
    if (attached !== '' || next === undefined) {
      addOption(line, letter, attached);
      return false;
    }
    addOption(line, letter, next);
    return true;
  }
  return false;
}

function addOption(line: CommandLine, name: string, value: string): void {
  const values = line.options.get(name);
  if (values === undefined) line.options.set(name, [value]);
  else values.push(value);
}

/** True when the command line has any of the named options. */
export function hasOption(line: CommandLine, ...names: string[]): boolean {
  return names.some((name) => line.options.has(name));
}

/** The values given to any of the named options. */
export function optionValues(line: CommandLine, ...names: string[]): string[] {
  return names.flatMap((name) => line.options.get(name) ?? []);
}

/** A package manager call: the tool, its action and the words after it. */
export interface ToolCall {
  tool: string;
  /** The first operand (`install`, `add`, ...), if any. */
  action: string | undefined;
  /** The operands after the action: packages, mostly. */
  targets: string[];
  line: CommandLine;
}

/** Reads a command as a call of one of the tools, or undefined. */
export function toolCall(
  command: ShellCommand,
  tools: readonly string[],
  optionGrammar: OptionGrammar,
): ToolCall | undefined {
  if (!tools.includes(command.name)) return undefined;
  const line = readCommandLine(command.args, optionGrammar);
  const [action, ...targets] = line.operands;
  return { tool: command.name, action, targets, line };
}

/** The tool calls among commands, each with the command's position. */
export function toolCalls(
  commands: readonly ShellCommand[],
  tools: readonly string[],
  optionGrammar: OptionGrammar,
): (ToolCall & { position: number })[] {
  return commands.flatMap((command, position) => {
    const call = toolCall(command, tools, optionGrammar);
    return call === undefined ? [] : [{ ...call, position }];
  });
}

/** True when a word's value is only known at build time (`$PKG`). */
export function isUnknowable(word: string): boolean {
  // Limitation: the pinning rules take such words as pinned, so packages
  // listed in a variable (`apt-get install -y $BUILD_DEPS`) are not checked.
  return word.includes('$') || word.includes('`');
}

/** Quotes up to three words for a message: `'a', 'b' and 2 more`. */
export function listWords(words: readonly string[]): string {
  const shown = words.slice(0, 3).map((word) => `'${word}'`);
  const more = words.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown.at(-1) as string}`;
}

/** A path without trailing `/` or `*` (`/var/cache/apk/*` is the dir). */
function trimPath(path: string): string {
  let end = path.length;
  while (end > 1 && (path[end - 1] === '/' || path[end - 1] === '*')) {
    end -= 1;
  }
  return path.slice(0, end);
}

/** True when `outer` is `path` or one of its parent directories. */
function isWithin(path: string, outer: string): boolean {
  return outer === '/' || path === outer || path.startsWith(`${outer}/`);
}

/** Targets of the RUN's cache and tmpfs mounts: not stored in the layer. */
export function scratchMounts(instruction: Instruction): string[] {
  return instruction.flags
    .filter((flag) => flag.name === 'mount' && flag.value !== undefined)
    .flatMap((flag) => {
      const fields = mountFields(flag.value as string);
      const type = fields.get('type') ?? 'bind';
      const target =
        fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
      const isScratch = type === 'cache' || type === 'tmpfs';
      return isScratch && target !== undefined ? [trimPath(target)] : [];
    });
}

function mountFields(value: string): Map<string, string> {
  return new Map(
    value.split(',').map((field) => {
      const equals = field.indexOf('=');
      const key = equals === -1 ? field : field.slice(0, equals);
      const raw = equals === -1 ? '' : field.slice(equals + 1);
      return [key.trim().toLowerCase(), raw.replace(/^["']|["']$/g, '')];
    }),
  );
}

/** True when a cache or tmpfs mount of the RUN holds any of the paths. */
export function isMounted(
  instruction: Instruction,
  ...paths: string[]
): boolean {
  const mounts = scratchMounts(instruction);
  return paths.some((path) => mounts.some((mount) => isWithin(path, mount)));
}

/** True when the command is an `rm` that deletes any of the paths. */
export function removesPath(
  command: ShellCommand,
  ...paths: string[]
): boolean {
  if (command.name !== 'rm') return false;
  return command.args
    .filter((arg) => !arg.startsWith('-'))
    .some((arg) => paths.some((path) => isWithin(path, trimPath(arg))));
}

/** The position of the last command that matches, or -1. */
export function lastPosition(
  commands: readonly ShellCommand[],
  matches: (command: ShellCommand) => boolean,
): number {
  for (let index = commands.length - 1; index >= 0; index -= 1) {
    if (matches(commands[index] as ShellCommand)) return index;
  }
  return -1;
}
