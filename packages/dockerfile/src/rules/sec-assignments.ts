import type { Instruction } from '../model';

/** One `NAME=value` (or bare `NAME`) of an ENV or ARG instruction. */
export interface Assignment {
  name: string;
  /** The value with quotes and escapes removed; undefined for `ARG NAME`. */
  value: string | undefined;
  /** The value exactly as written, quotes included. */
  raw: string | undefined;
}

/** A word of instruction text, with quotes and escapes resolved. */
interface Word {
  raw: string;
  value: string;
  start: number;
}

/**
 * The assignments of an ENV or ARG instruction, in the order written. The
 * legacy `ENV NAME some words` form yields one assignment whose value is
 * the rest of the text.
 */
export function readAssignments(
  instruction: Instruction,
  escapeChar: string,
): Assignment[] {
  const text = instruction.text;
  const words = splitWords(text, escapeChar);
  const [first, ...rest] = words;
  if (first === undefined) return [];
  if (instruction.keyword === 'ENV' && !first.value.includes('=')) {
    const raw = rest[0] === undefined ? '' : text.slice(rest[0].start).trim();
    const value = rest.map((word) => word.value).join(' ');
    return [{ name: first.value, value, raw }];
  }
  return words.map(toAssignment);
}

function toAssignment(word: Word): Assignment {
  const equals = word.value.indexOf('=');
  if (equals === -1)
    return { name: word.value, value: undefined, raw: undefined };
  const rawEquals = word.raw.indexOf('=');
  return {
    name: word.value.slice(0, equals),
    value: word.value.slice(equals + 1),
    raw: word.raw.slice(rawEquals + 1),
  };
}

function isSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

/**
 * Splits text into words the way the Dockerfile frontend reads ENV and
 * ARG: whitespace separates words outside quotes, the escape character
 * protects the next character except inside single quotes. One pass.
 */
function splitWords(text: string, escapeChar: string): Word[] {
  const words: Word[] = [];
  let index = 0;
  while (index < text.length) {
    if (isSpace(text[index] as string)) {
      index += 1;
      continue;
    }
    const word = readWord(text, index, escapeChar);
    words.push(word);
    index = word.start + word.raw.length;
  }
  return words;
}

function readWord(text: string, start: number, escapeChar: string): Word {
  let value = '';
  let quote: string | undefined;
  let index = start;
  while (index < text.length) {
    const char = text[index] as string;
    if (quote === undefined && isSpace(char)) break;
    if (char === escapeChar && quote !== "'" && index + 1 < text.length) {
      value += text[index + 1] as string;
      index += 2;
    } else if (quote === undefined && (char === '"' || char === "'")) {
      quote = char;
      index += 1;
    } else if (char === quote) {
      quote = undefined;
      index += 1;
    } else {
      value += char;
      index += 1;
    }
  }
  return { raw: text.slice(start, index), value, start };
}
