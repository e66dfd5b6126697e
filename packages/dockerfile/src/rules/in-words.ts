import type { Dockerfile, Instruction, Range } from '../model';

/** One word of an instruction's arguments. */
export interface Word {
  /** As written, quotes included. */
  raw: string;
  /** With quotes removed and escaped quotes or blanks resolved. */
  value: string;
}

/** One `key=value` of a LABEL or ENV. */
export interface KeyValue {
  key: string;
  value: string;
  /** The value as written, quotes included. */
  rawValue: string;
}

/** The words of a COPY or ADD: what it copies and where to. */
export interface CopyPaths {
  sources: Word[];
  destination: Word | undefined;
}

interface WordState {
  raw: string;
  value: string;
  quote: string;
  inWord: boolean;
}

/**
 * Splits instruction arguments into words as the Dockerfile frontend does:
 * blanks separate words unless quoted. The escape character keeps its
 * backslash before ordinary characters, so Windows paths stay readable.
 * Limitation: variables are not expanded, and an escape before anything but
 * a quote, a blank or itself is kept as written.
 */
export function splitWords(text: string, escapeChar = '\\'): Word[] {
  const words: Word[] = [];
  const state: WordState = { raw: '', value: '', quote: '', inWord: false };
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (state.quote === "'") {
      state.raw += char;
      if (char === "'") state.quote = '';
      else state.value += char;
    } else if (char === escapeChar && index + 1 < text.length) {
      escapeNext(state, char, text[index + 1] as string);
      index += 1;
    } else if (state.quote === '"') {
      state.raw += char;
      if (char === '"') state.quote = '';
      else state.value += char;
    } else if (/\s/.test(char)) {
      if (state.inWord) words.push({ raw: state.raw, value: state.value });
      Object.assign(state, { raw: '', value: '', inWord: false });
    } else {
      readPlain(state, char);
    }
    index += 1;
  }
  if (state.inWord) words.push({ raw: state.raw, value: state.value });
  return words;
}

function escapeNext(state: WordState, escape: string, next: string): void {
  state.raw += escape + next;
  state.inWord = true;
  const isSpecial =
    next === '"' || next === "'" || next === escape || /\s/.test(next);
  state.value += isSpecial ? next : escape + next;
}

function readPlain(state: WordState, char: string): void {
  state.raw += char;
  state.inWord = true;
  if (char === '"' || char === "'") state.quote = char;
  else state.value += char;
}

/** The argument text of an instruction, heredoc bodies left out. */
export function argumentText(instruction: Instruction): string {
  if (instruction.heredocs.length === 0) return instruction.text;
  const newline = instruction.text.indexOf('\n');
  return newline === -1 ? instruction.text : instruction.text.slice(0, newline);
}

/** The words of an instruction, reading a JSON array when it is one. */
export function instructionWords(
  instruction: Instruction,
  escapeChar = '\\',
): Word[] {
  const text = argumentText(instruction).trim();
  const json = text.startsWith('[') ? readJsonArray(text) : undefined;
  if (json !== undefined) {
    return json.map((value) => ({ raw: value, value }));
  }
  return splitWords(text, escapeChar);
}

/** A JSON array of strings, or undefined when the text is not one. */
export function readJsonArray(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const isStrings =
      Array.isArray(parsed) && parsed.every((item) => typeof item === 'string');
    return isStrings ? parsed : undefined;
  } catch {
    // Not JSON: the frontend treats the text as plain words.
    return undefined;
  }
}

/** The sources and destination of a COPY or ADD. */
export function copyPaths(
  instruction: Instruction,
  escapeChar = '\\',
): CopyPaths {
  const words = instructionWords(instruction, escapeChar);
  return { sources: words.slice(0, -1), destination: words.at(-1) };
}

/**
 * The `key=value` pairs of a LABEL or ENV. The old one-pair form
 * (`ENV KEY value with blanks`) gives one pair whose value is the rest.
 */
export function keyValues(
  instruction: Instruction,
  escapeChar = '\\',
): KeyValue[] {
  const words = splitWords(argumentText(instruction), escapeChar);
  const [first, ...rest] = words;
  if (first === undefined) return [];
  if (!first.raw.includes('=')) {
    return [
      {
        key: first.value,
        value: rest.map((word) => word.value).join(' '),
        rawValue: rest.map((word) => word.raw).join(' '),
      },
    ];
  }
  return words.flatMap((word) => {
    const valueAt = word.value.indexOf('=');
    if (valueAt === -1) return [];
    const rawAt = word.raw.indexOf('=');
    return [
      {
        key: word.value.slice(0, valueAt),
        value: word.value.slice(valueAt + 1),
        rawValue: word.raw.slice(rawAt + 1),
      },
    ];
  });
}

/** Drops every quote at either end of a word, as hadolint compares paths. */
export function stripQuotes(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isQuote(text[start])) start += 1;
  while (end > start && isQuote(text[end - 1])) end -= 1;
  return text.slice(start, end);
}

function isQuote(char: string | undefined): boolean {
  return char === '"' || char === "'";
}

/** True for `/x`, `C:\x` and `C:/x`. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
}

/** The last component of a Unix or Windows path. */
export function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(cut + 1);
}

/**
 * The variable names a value expands (`$NAME`, `${NAME}`, `${NAME:-x}`),
 * skipping single-quoted text and escaped dollars. One pass, linear time.
 */
export function referencedVariables(
  rawValue: string,
  escapeChar = '\\',
): string[] {
  const names: string[] = [];
  let inSingle = false;
  let inDouble = false;
  for (let index = 0; index < rawValue.length; index += 1) {
    const char = rawValue[index];
    if (inSingle) {
      inSingle = char !== "'";
    } else if (char === escapeChar) {
      index += 1;
    } else if (char === "'" && !inDouble) {
      inSingle = true;
    } else if (char === '"') {
      inDouble = !inDouble;
    } else if (char === '$') {
      const name = variableAt(rawValue, index + 1);
      if (name !== undefined) names.push(name);
    }
  }
  return names;
}

const VARIABLE_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

function variableAt(text: string, start: number): string | undefined {
  const braced = text[start] === '{';
  VARIABLE_NAME.lastIndex = braced ? start + 1 : start;
  const match = VARIABLE_NAME.exec(text);
  return match === null ? undefined : match[0];
}

/** The range of a whole source line, for findings on comments. */
export function lineRange(dockerfile: Dockerfile, line: number): Range {
  const length = dockerfile.lines[line - 1]?.length ?? 0;
  return {
    start: { line, column: 1 },
    end: { line, column: length + 1 },
  };
}

/** A value short enough to quote in a message. */
export function shorten(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
