/** A `META-INF/MANIFEST.MF`: the main section and the named ones. */
export interface JavaManifest {
  /** Attributes of the main section, keyed by lower-cased name. */
  main: ReadonlyMap<string, string>;
  /** Attributes of the later sections, in order. */
  sections: readonly ReadonlyMap<string, string>[];
}

/**
 * Reads a jar manifest: `Name: value` lines, values continued on lines
 * that start with one space (the space removed, as the JAR specification
 * says), sections separated by blank lines. Lines without a colon are
 * ignored. Names are case-insensitive, so they are
 * lower-cased; the first value of a repeated name wins.
 */
export function parseJavaManifest(text: string): JavaManifest {
  const sections: Map<string, string>[] = [new Map<string, string>()];
  let lastKey: string | null | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const current = sections[sections.length - 1] ?? new Map<string, string>();
    if (line.trim() === '') {
      if (current.size > 0) sections.push(new Map<string, string>());
      lastKey = undefined;
    } else if (line.startsWith(' ')) {
      if (typeof lastKey === 'string') {
        current.set(lastKey, `${current.get(lastKey) ?? ''}${line.slice(1)}`);
      }
    } else {
      lastKey = readAttribute(current, line) ?? lastKey;
    }
  }
  const [main = new Map<string, string>(), ...rest] = sections;
  return { main, sections: rest.filter((section) => section.size > 0) };
}

/**
 * Stores one `Name: value` line; returns the name a continuation line
 * would extend, `null` for a repeated name (its continuations are
 * dropped with it), undefined for a line without a colon, which is
 * ignored as though absent.
 */
function readAttribute(
  section: Map<string, string>,
  line: string,
): string | null | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const key = line.slice(0, colon).trim().toLowerCase();
  if (section.has(key)) return null;
  section.set(key, line.slice(colon + 1).trim());
  return key;
}

/**
 * The value of the first attribute, in the order given, that some section
 * holds: every section is searched for one name before the next name is
 * tried, the main section first.
 */
export function manifestValue(
  manifest: JavaManifest,
  ...names: readonly string[]
): string | undefined {
  for (const name of names) {
    for (const section of [manifest.main, ...manifest.sections]) {
      const value = section.get(name.toLowerCase())?.trim();
      if (value !== undefined && value !== '') return value;
    }
  }
  return undefined;
}

/**
 * Reads a Java properties file (`pom.properties`): `key=value`,
 * `key: value` or `key value`, the key ending at the first unescaped `=`,
 * `:` or blank; `#` and `!` comments; a trailing backslash continues the
 * line; `\uXXXX` and the usual escapes decoded. Keys stay as written.
 */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) {
      continue;
    }
    const { key, value } = splitProperty(trimmed);
    if (!properties.has(key)) properties.set(key, value);
  }
  return properties;
}

/** Joins lines that end with an odd number of backslashes. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = pending === '' ? raw : raw.trimStart();
    if (trailingBackslashes(line) % 2 === 1) {
      pending += line.slice(0, -1);
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending !== '') lines.push(pending);
  return lines;
}

function trailingBackslashes(line: string): number {
  let count = 0;
  while (line.charAt(line.length - 1 - count) === '\\') count += 1;
  return count;
}

function splitProperty(line: string): { key: string; value: string } {
  let end = 0;
  while (end < line.length) {
    const char = line.charAt(end);
    if (char === '\\') end += 2;
    else if (char === '=' || char === ':' || /\s/.test(char)) break;
    else end += 1;
  }
  let rest = line.slice(end).trimStart();
  if (/\s/.test(line.charAt(end)) && /^[=:]/.test(rest)) {
    rest = rest.slice(1).trimStart();
  } else if (line.charAt(end) === '=' || line.charAt(end) === ':') {
    rest = line.slice(end + 1).trimStart();
  }
  return { key: unescape(line.slice(0, end)), value: unescape(rest).trim() };
}

const ESCAPES: Readonly<Record<string, string>> = {
  t: '\t',
  n: '\n',
  r: '\r',
  f: '\f',
};

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_match, code: string) => {
    if (code.length === 5)
      return String.fromCharCode(parseInt(code.slice(1), 16));
    return Object.hasOwn(ESCAPES, code) ? (ESCAPES[code] ?? code) : code;
  });
}

/** Most licences taken from one `pom.xml`. */
const MAX_POM_LICENSES = 32;

/**
 * Licence names a `pom.xml` declares: the `<name>` of each `<license>`
 * inside `<licenses>`, entities decoded. A scan with `indexOf`, linear in
 * the text; no XML parser, no entity expansion beyond the five
 * predefined ones and numeric references.
 *
 * Limitation: licences a parent POM declares are not seen; only the
 * `pom.xml` inside the archive is read.
 */
export function pomLicenses(xml: string): string[] {
  const block = between(xml, '<licenses>', '</licenses>', 0);
  if (block === undefined) return [];
  const names: string[] = [];
  let at = 0;
  while (names.length < MAX_POM_LICENSES) {
    const license = between(block.text, '<license>', '</license>', at);
    if (license === undefined) break;
    const name = between(license.text, '<name>', '</name>', 0);
    const text = name === undefined ? '' : decodeXmlText(name.text).trim();
    if (text !== '') names.push(text);
    at = license.end;
  }
  return names;
}

function between(
  text: string,
  open: string,
  close: string,
  from: number,
): { text: string; end: number } | undefined {
  const start = text.indexOf(open, from);
  if (start === -1) return undefined;
  const end = text.indexOf(close, start + open.length);
  if (end === -1) return undefined;
  return {
    text: text.slice(start + open.length, end),
    end: end + close.length,
  };
}

const XML_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function decodeXmlText(text: string): string {
  const withoutCdata = text.replace(/<!\[CDATA\[([^\]]*)\]\]>/g, '$1');
  return withoutCdata.replace(
    /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g,
    (match, ref: string) => {
      if (ref.startsWith('#x'))
        return codePoint(parseInt(ref.slice(2), 16), match);
      if (ref.startsWith('#'))
        return codePoint(parseInt(ref.slice(1), 10), match);
      return Object.hasOwn(XML_ENTITIES, ref)
        ? (XML_ENTITIES[ref] ?? match)
        : match;
    },
  );
}

function codePoint(value: number, fallback: string): string {
  return value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}
