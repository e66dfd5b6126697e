/** Looks up a variable; undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

/** The result of expanding `$VAR` and `${VAR...}` in a word. */
export interface Expansion {
  value: string;
  /** Names that were referenced but not set. */
  unresolved: string[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Expands variables the way the Dockerfile frontend does for FROM and
 * other instructions: `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME:+word}`.
 * One left-to-right pass, so it runs in linear time and never loops.
 */
export function substitute(
  text: string,
  lookup: Lookup,
  escapeChar = '\\',
): Expansion {
  const unresolved: string[] = [];
  let value = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === escapeChar && text[index + 1] === '$') {
      value += '$';
      index += 2;
    } else if (char === '$') {
      const expanded = expandAt(text, index, lookup, unresolved);
      value += expanded.value;
      index = expanded.next;
    } else {
      value += char;
      index += 1;
    }
  }
  return { value, unresolved };
}

function expandAt(
  text: string,
  dollar: number,
  lookup: Lookup,
  unresolved: string[],
): { value: string; next: number } {
  if (text[dollar + 1] === '{')
    return expandBraced(text, dollar, lookup, unresolved);
  NAME.lastIndex = dollar + 1;
  const match = NAME.exec(text);
  if (match === null) return { value: '$', next: dollar + 1 };
  return {
    value: resolve(match[0], lookup, unresolved),
    next: dollar + 1 + match[0].length,
  };
}

function expandBraced(
  text: string,
  dollar: number,
  lookup: Lookup,
  unresolved: string[],
): { value: string; next: number } {
  const close = text.indexOf('}', dollar + 2);
  if (close === -1) return { value: text.slice(dollar), next: text.length };
  const body = text.slice(dollar + 2, close);
  const operator = /^([A-Za-z_][A-Za-z0-9_]*)(:[-+])?(.*)$/s.exec(body);
  if (operator === null)
    return { value: text.slice(dollar, close + 1), next: close + 1 };
  const [, name = '', modifier, word = ''] = operator;
  const current = lookup(name);
  let value: string;
  if (modifier === ':-') value = current ? current : word;
  else if (modifier === ':+') value = current ? word : '';
  else value = resolve(name, lookup, unresolved);
  return { value, next: close + 1 };
}

function resolve(name: string, lookup: Lookup, unresolved: string[]): string {
  const value = lookup(name);
  if (value === undefined) {
    unresolved.push(name);
    return '';
  }
  return value;
}

/** The names a word references, for cycle detection. */
export function referencedNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    names.push(match[1] as string);
  }
  return names;
}
