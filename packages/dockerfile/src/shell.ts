import { parse, type ParseEntry } from 'shell-quote';
import type { Instruction } from './model';

/** One simple command of a shell script: the program and its words. */
export interface ShellCommand {
  /** The program, after leading `VAR=value` assignments. */
  name: string;
  args: string[];
  /** `VAR=value` words written before the program. */
  assignments: string[];
  /** True when the command reads from a pipe (`a | b`: true for `b`). */
  isPipedInto: boolean;
  /** True when the command writes into a pipe (`a | b`: true for `a`). */
  isPipedFrom: boolean;
}

const CONTROL_OPERATORS = new Set([
  ';',
  '&&',
  '||',
  '&',
  '|',
  '(',
  ')',
  ';;',
  '|&',
]);
const REDIRECTS = new Set(['>', '>>', '<', '>&', '<&', '<(', '>|']);

/**
 * Splits a shell script into simple commands. It follows POSIX quoting,
 * keeps `$VAR` text as written and drops comments and redirection targets.
 * Limitation: control structures (`if`, `for`, `case`) and command
 * substitutions are flattened into the commands they contain, which is what
 * lint rules need and no more. A file-descriptor number written before a
 * redirection (`2>&1`) stays among the words, since the tokeniser does not
 * say whether it touched the operator.
 */
export function splitCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let pipedInto = false;
  const flush = (pipedFrom: boolean): void => {
    const command = toCommand(words, pipedInto, pipedFrom);
    if (command !== undefined) commands.push(command);
    words = [];
  };
  for (const line of logicalLines(script)) {
    const entries = parseLine(line);
    for (let index = 0; index < entries.length; index += 1) {
      const entry = entries[index] as ParseEntry;
      if (typeof entry === 'string') {
        words.push(entry);
      } else if ('op' in entry && entry.op === 'glob') {
        words.push(entry.pattern);
      } else if ('op' in entry && REDIRECTS.has(entry.op)) {
        index += 1;
      } else if ('op' in entry && CONTROL_OPERATORS.has(entry.op)) {
        const isPipe = entry.op === '|' || entry.op === '|&';
        flush(isPipe);
        pipedInto = isPipe;
      }
    }
    flush(false);
    pipedInto = false;
  }
  return commands;
}

function parseLine(line: string): ParseEntry[] {
  return parse(escapeInnerHashes(line), (name) => `$${name}`);
}
/**
 * Escapes each unquoted `#` inside a word (`pkg.git#v1.0`). The shell
 * starts a comment only at the start of a word, but the word splitter
 * underneath would drop the rest of the line there.
 */
function escapeInnerHashes(script: string): string {
  if (!script.includes('#')) return script;
  const parts: string[] = [];
  let quote = '';
  let copied = 0;
  for (let index = 0; index < script.length; index += 1) {
    const char = script[index] as string;
    if (char === '\\' && quote !== "'") {
      index += 1;
    } else if (quote === '' && (char === "'" || char === '"')) {
      quote = char;
    } else if (char === quote) {
      quote = '';
    } else if (char === '#' && quote === '' && isInWord(script, index)) {
      parts.push(script.slice(copied, index), '\\');
      copied = index;
    }
  }
  parts.push(script.slice(copied));
  return parts.join('');
}

const WORD_BREAKS = new Set([' ', '\t', '\n', '\r', ';', '&', '|', '(', ')']);

function isInWord(script: string, index: number): boolean {
  return index > 0 && !WORD_BREAKS.has(script[index - 1] as string);
}

/** Joins backslash continuations and splits on newlines. */
function logicalLines(script: string): string[] {
  return script.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
}

const KEYWORDS = new Set([
  'then',
  'do',
  'else',
  'elif',
  'if',
  'while',
  'until',
  '!',
  '{',
  '}',
  'fi',
  'done',
  'esac',
]);

function toCommand(
  words: string[],
  isPipedInto: boolean,
  isPipedFrom: boolean,
): ShellCommand | undefined {
  let start = 0;
  while (start < words.length && KEYWORDS.has(words[start] as string))
    start += 1;
  const assignments: string[] = [];
  while (
    start < words.length &&
    /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[start] as string)
  ) {
    assignments.push(words[start] as string);
    start += 1;
  }
  const name = words[start];
  if (name === undefined) return undefined;
  return {
    name,
    args: words.slice(start + 1),
    assignments,
    isPipedInto,
    isPipedFrom,
  };
}

/**
 * The shell script an instruction runs: the heredoc bodies, the exec-form
 * words, or the shell-form text. Undefined for non-RUN instructions.
 */
export function runScript(instruction: Instruction): string | undefined {
  if (instruction.keyword !== 'RUN') return undefined;
  if (instruction.heredocs.length > 0) {
    return instruction.heredocs.map((heredoc) => heredoc.body).join('\n');
  }
  if (instruction.execForm !== undefined) {
    return instruction.execForm.map(quoteWord).join(' ');
  }
  return instruction.text;
}

function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word)
    ? word
    : `'${word.replace(/'/g, `'\\''`)}'`;
}

const commandCache = new WeakMap<Instruction, ShellCommand[]>();

/**
 * The simple commands an instruction runs; empty for non-RUN ones. Split
 * once per instruction however many rules ask.
 */
export function runCommands(instruction: Instruction): ShellCommand[] {
  let commands = commandCache.get(instruction);
  if (commands === undefined) {
    const script = runScript(instruction);
    commands = script === undefined ? [] : splitCommands(script);
    commandCache.set(instruction, commands);
  }
  return commands;
}

/** Shells whose `-c SCRIPT` rules read as more commands. */
export const POSIX_SHELLS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'dash',
  'ash',
  'zsh',
  'ksh',
  'mksh',
]);

/**
 * The script of `sh -c SCRIPT` (also bundled, as in `-ec`), if the command
 * is a POSIX shell given one; `name` is the program's base name.
 */
export function inlineShellScript(
  name: string,
  args: readonly string[],
): string | undefined {
  if (!POSIX_SHELLS.has(name)) return undefined;
  const at = args.findIndex(
    (arg) => /^-[A-Za-z]+$/.test(arg) && arg.includes('c'),
  );
  return at === -1 ? undefined : args[at + 1];
}

/** True when the words include any of the given flags (`-y`, `--yes`...). */
export function hasFlag(args: readonly string[], ...flags: string[]): boolean {
  return args.some((arg) => {
    if (flags.includes(arg)) return true;
    if (arg.startsWith('--'))
      return flags.includes(arg.split('=')[0] as string);
    // Bundled short flags: `-qy` holds `-y`.
    if (/^-[A-Za-z]{2,}$/.test(arg)) {
      return flags.some(
        (flag) => /^-[A-Za-z]$/.test(flag) && arg.includes(flag[1] as string),
      );
    }
    return false;
  });
}

/** Words that are not flags: package names, paths, subcommands. */
export function positionalArgs(args: readonly string[]): string[] {
  return args.filter((arg) => !arg.startsWith('-'));
}
