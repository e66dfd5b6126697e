/**
 * The module information text of a Go binary, as `go version -m` prints
 * it: tab-separated lines `path`, `mod`, `dep`, `=>` (a replacement of the
 * line before) and `build` (a build setting, its value quoted when it
 * holds spaces or quotes).
 */

/** A module as the build recorded it. */
export interface GoModule {
  path: string;
  version: string;
  /** The module that replaced it, when a `replace` directive applied. */
  replace?: GoModule;
}

/** The parsed module information. */
export interface GoModInfo {
  /** The main package's import path. */
  path: string | undefined;
  /** The main module, absent for a binary built outside a module. */
  main: GoModule | undefined;
  deps: GoModule[];
  /** Build settings (`GOARCH`, `-ldflags`, `vcs.revision`...). */
  settings: Map<string, string>;
}

/** Parses the module text; unknown lines are ignored. */
export function parseModInfo(text: string): GoModInfo {
  const info: GoModInfo = {
    path: undefined,
    main: undefined,
    deps: [],
    settings: new Map(),
  };
  // The module a `=>` line replaces: the `mod` or `dep` line before it.
  let replaceable: GoModule | undefined;
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.split('\t');
    const recorded =
      kind === 'mod' || kind === 'dep' ? moduleOf(fields) : undefined;
    if (kind === 'path') info.path = fields[0];
    if (kind === 'mod') info.main = recorded;
    if (kind === 'dep' && recorded !== undefined) info.deps.push(recorded);
    if (kind === '=>' && replaceable !== undefined) {
      replaceable.replace = moduleOf(fields);
    }
    if (kind === 'build') addSetting(info.settings, fields.join('\t'));
    replaceable = recorded;
  }
  return info;
}

function moduleOf(fields: readonly string[]): GoModule {
  return { path: fields[0] ?? '', version: fields[1] ?? '' };
}

function addSetting(settings: Map<string, string>, text: string): void {
  const at = text.indexOf('=');
  if (at <= 0) return;
  const key = text.slice(0, at);
  const raw = text.slice(at + 1);
  settings.set(key, raw.startsWith('"') ? (unquoteGo(raw) ?? raw) : raw);
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['a', '\x07'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['v', '\v'],
  ['\\', '\\'],
  ['"', '"'],
  ["'", "'"],
]);
const HEX_ESCAPE_DIGITS: ReadonlyMap<string, number> = new Map([
  ['x', 2],
  ['u', 4],
  ['U', 8],
]);

/**
 * A Go double-quoted string literal's value (strconv.Unquote), or
 * undefined when the text is not one.
 */
export function unquoteGo(text: string): string | undefined {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) {
    return undefined;
  }
  let out = '';
  for (let i = 1; i < text.length - 1; i++) {
    const char = text.charAt(i);
    if (char !== '\\') {
      out += char;
      continue;
    }
    const escape = goEscape(text, i + 1);
    if (escape === undefined) return undefined;
    out += escape.value;
    i += escape.length;
  }
  return out;
}

function goEscape(
  text: string,
  at: number,
): { value: string; length: number } | undefined {
  const char = text.charAt(at);
  const simple = SIMPLE_ESCAPES.get(char);
  if (simple !== undefined) return { value: simple, length: 1 };
  const hexLength = HEX_ESCAPE_DIGITS.get(char);
  if (hexLength !== undefined) {
    const digits = text.slice(at + 1, at + 1 + hexLength);
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hexLength) {
      return undefined;
    }
    const code = Number.parseInt(digits, 16);
    if (code > 0x10ffff) return undefined;
    return { value: String.fromCodePoint(code), length: 1 + hexLength };
  }
  const octal = text.slice(at, at + 3);
  if (/^[0-7]{3}$/.test(octal)) {
    return { value: String.fromCharCode(Number.parseInt(octal, 8)), length: 3 };
  }
  return undefined;
}

/**
 * The arguments of a flags string the way `go build` splits `-ldflags`:
 * on spaces, with `'...'` or `"..."` grouping a whole argument.
 */
export function splitFlags(text: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (/\s/.test(text.charAt(i))) i++;
    if (i >= text.length) break;
    const quote = text.charAt(i);
    if (quote === '"' || quote === "'") {
      const end = text.indexOf(quote, i + 1);
      const stop = end < 0 ? text.length : end;
      args.push(text.slice(i + 1, stop));
      i = stop + 1;
    } else {
      let end = i;
      while (end < text.length && !/\s/.test(text.charAt(end))) end++;
      args.push(text.slice(i, end));
      i = end;
    }
  }
  return args;
}

/** Package names whose `version` variable usually holds the release. */
const DEFAULT_PREFIXES = new Set(['main', 'common', 'version', 'cmd']);

/**
 * The main module's version set with `-X <pkg>.version=...` in the
 * `-ldflags` of the build, as trivy reads it: a key ending in `.version`
 * or `.ver`, under `<module>/cmd/` first, then in a package named `main`,
 * `common`, `version` or `cmd`, then anywhere; two different values at the
 * first level that has any make the answer unknown ('').
 */
export function versionFromLdflags(
  modulePath: string,
  flags: readonly string[],
): string {
  const levels: Set<string>[] = [new Set(), new Set(), new Set()];
  for (const assignment of xAssignments(flags)) {
    const at = assignment.indexOf('=');
    const key = assignment.slice(0, at);
    const value = assignment.slice(at + 1);
    if (at <= 0 || value === '' || !isVersionKey(key)) continue;
    levels[versionLevel(modulePath, key)]?.add(value);
  }
  const level = levels.find((values) => values.size > 0);
  if (level?.size !== 1) return '';
  return [...level][0] ?? '';
}

/** The `key=value` arguments of every `-X` flag. */
function xAssignments(flags: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] ?? '';
    let value: string | undefined;
    if (flag === '-X' || flag === '--X') value = flags[++i];
    else if (/^--?X=/.test(flag)) value = flag.slice(flag.indexOf('=') + 1);
    if (value !== undefined) found.push(stripQuotes(value));
  }
  return found;
}

function stripQuotes(text: string): string {
  const quote = text.charAt(0);
  const isQuoted =
    text.length >= 2 &&
    (quote === '"' || quote === "'") &&
    text.endsWith(quote);
  return isQuoted ? text.slice(1, -1) : text;
}

function isVersionKey(key: string): boolean {
  const variable = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return variable === 'version' || variable === 'ver';
}

function versionLevel(modulePath: string, key: string): number {
  if (key.startsWith(`${modulePath}/cmd/`)) return 0;
  const packagePath = key.slice(0, key.lastIndexOf('.'));
  const packageName = packagePath.slice(packagePath.lastIndexOf('/') + 1);
  return DEFAULT_PREFIXES.has(packageName.toLowerCase()) ? 1 : 2;
}

// vX.Y.Z-[pre.]yyyymmddhhmmss-abcdefabcdef[+incompatible]
const PSEUDO_VERSION =
  /^v\d+\.\d+\.\d+-(?:[0-9A-Za-z.]*\.)?\d{14}-[0-9a-f]{12}(?:\+incompatible)?$/;

/**
 * A Go pseudo-version (`v0.0.0-20210121094942-22b2f8951d46`,
 * `v1.0.1-0.20220426205730-d0a4cdb22955`): a commit, not a release.
 */
export function isPseudoVersion(version: string): boolean {
  return version.length <= 256 && PSEUDO_VERSION.test(version);
}

/**
 * The version to report for the main module: the recorded one, unless it
 * says nothing (`(devel)`, empty, a pseudo-version) and the build's
 * ldflags name a release.
 */
export function mainModuleVersion(
  recorded: string,
  ldflagsVersion: string,
): string {
  const isUninformative =
    recorded === '' || recorded === '(devel)' || isPseudoVersion(recorded);
  if (isUninformative && ldflagsVersion !== '') return ldflagsVersion;
  return recorded === '(devel)' ? '' : recorded;
}
