import type { Instruction } from '../model';
import { parseJsonWords } from '../parse';
import {
  inlineShellScript,
  runCommands,
  splitCommands,
  type ShellCommand,
} from '../shell';
import { programName } from './sec-stages';

/** A command with wrappers such as `sudo` and `env` taken off. */
export interface EffectiveCommand {
  /** The program, lower case, without its directory. */
  program: string;
  args: string[];
  /** The simple command it came from, for pipe positions. */
  command: ShellCommand;
}

/** Wrapper options that take the next word as their value. */
const VALUE_OPTIONS = new Map<string, readonly string[]>([
  ['sudo', ['-u', '-g', '-p', '-C', '-D', '-r', '-t', '-U', '-h']],
  ['doas', ['-u', '-C']],
  ['env', ['-u', '-C', '-S']],
  ['busybox', []],
  ['command', []],
  ['exec', ['-a']],
  ['nice', ['-n']],
]);

/**
 * What a command really runs: `sudo -E bash -` runs `bash -`.
 * Limitation: only the wrappers listed in VALUE_OPTIONS are unwrapped, and
 * only their short options that take a value are skipped correctly.
 */
export function effectiveCommand(command: ShellCommand): EffectiveCommand {
  let program = programName(command.name);
  let args = command.args;
  for (let depth = 0; depth < 4; depth += 1) {
    const valueOptions = VALUE_OPTIONS.get(program);
    if (valueOptions === undefined) break;
    const start = firstWordIndex(args, valueOptions);
    const next = args[start];
    if (next === undefined) break;
    program = programName(next);
    args = args.slice(start + 1);
  }
  return { program, args, command };
}

/** The index of the first word that is neither an option nor `A=b`. */
function firstWordIndex(
  args: readonly string[],
  valueOptions: readonly string[],
): number {
  let index = 0;
  while (index < args.length) {
    const arg = args[index] as string;
    if (valueOptions.includes(arg)) index += 2;
    else if (arg.startsWith('-') || /^[A-Za-z_]\w*=/.test(arg)) index += 1;
    else break;
  }
  return index;
}

/** Commands already read, so rules sharing an instruction split it once. */
const commandCache = new WeakMap<Instruction, EffectiveCommand[]>();

/** The commands a RUN instruction runs, wrappers taken off. */
export function effectiveCommands(
  instruction: Instruction,
): EffectiveCommand[] {
  const cached = commandCache.get(instruction);
  if (cached !== undefined) return cached;
  const commands = runCommands(instruction).map(effectiveCommand);
  const all = withInlineScripts(commands, 0);
  commandCache.set(instruction, all);
  return all;
}

/** Nested `sh -c` scripts are read at most this deep. */
const MAX_SCRIPT_DEPTH = 3;

/**
 * Adds, after each `sh -c 'script'`, the commands of that script, so an
 * exec-form `["sh", "-c", "..."]` is read like shell form.
 */
function withInlineScripts(
  commands: EffectiveCommand[],
  depth: number,
): EffectiveCommand[] {
  if (depth >= MAX_SCRIPT_DEPTH) return commands;
  return commands.flatMap((command) => {
    const script = inlineShellScript(command.program, command.args);
    if (script === undefined) return [command];
    const nested = splitCommands(script).map(effectiveCommand);
    return [command, ...withInlineScripts(nested, depth + 1)];
  });
}

/**
 * The sources of a COPY or ADD: every word but the destination, in shell
 * or JSON form. Heredoc sources (`<<EOF`) and their bodies are left out.
 */
export function copySources(instruction: Instruction): string[] {
  const words = parseJsonWords(instruction.text) ?? headerWords(instruction);
  return words.slice(0, -1).filter((word) => !word.startsWith('<<'));
}

/** The words on an instruction's first line when heredoc bodies follow. */
function headerWords(instruction: Instruction): string[] {
  const firstLine = instruction.range.start.line;
  return instruction.args
    .filter(
      (arg) =>
        instruction.heredocs.length === 0 || arg.range.start.line === firstLine,
    )
    .map((arg) => arg.value);
}
