/**
 * Parsers of the files that name an image's distribution. Each takes the
 * file's text and returns what it states, or undefined when it states
 * nothing usable. They never throw and run in time linear in the text.
 */

/** What one release file says about the distribution. */
export interface ReleaseFacts {
  id: string | undefined;
  versionId: string | undefined;
  codename: string | undefined;
  prettyName: string | undefined;
  idLike: string[];
}

/** Values rejected by the checks below, named for a diagnostic. */
export interface ReleaseParse {
  facts: ReleaseFacts | undefined;
  /** Fields that were present but not well-formed. */
  rejected: string[];
}

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._~+-]{0,63}$/;
const NUMERIC_VERSION = /^\d{1,9}(?:\.\d{1,9}){0,4}$/;
const MAX_PRETTY_NAME = 256;

/**
 * The `KEY=value` assignments of an os-release or lsb-release file, with
 * shell quoting undone as os-release(5) describes. Later keys win.
 */
export function parseAssignments(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    values.set(match[1], unquote(match[2]));
  }
  return values;
}

/** `/etc/os-release` or `/usr/lib/os-release`. */
export function parseOsRelease(text: string): ReleaseParse {
  const values = parseAssignments(text);
  const rejected: string[] = [];
  const id = checked(values.get('ID')?.toLowerCase(), ID, 'ID', rejected);
  const facts: ReleaseFacts = {
    id,
    versionId: checked(
      values.get('VERSION_ID'),
      VERSION,
      'VERSION_ID',
      rejected,
    ),
    codename: checked(
      values.get('VERSION_CODENAME')?.toLowerCase(),
      ID,
      'VERSION_CODENAME',
      rejected,
    ),
    prettyName: capped(values.get('PRETTY_NAME') ?? values.get('NAME')),
    idLike: splitIdLike(values.get('ID_LIKE')),
  };
  return { facts: id === undefined ? undefined : facts, rejected };
}

/** `/etc/lsb-release`, as older Ubuntu releases carry it. */
export function parseLsbRelease(text: string): ReleaseParse {
  const values = parseAssignments(text);
  const rejected: string[] = [];
  const id = checked(
    values.get('DISTRIB_ID')?.toLowerCase(),
    ID,
    'DISTRIB_ID',
    rejected,
  );
  const versionId = checked(
    values.get('DISTRIB_RELEASE'),
    VERSION,
    'DISTRIB_RELEASE',
    rejected,
  );
  const facts: ReleaseFacts = {
    id,
    versionId,
    codename: checked(
      values.get('DISTRIB_CODENAME')?.toLowerCase(),
      ID,
      'DISTRIB_CODENAME',
      rejected,
    ),
    prettyName: capped(values.get('DISTRIB_DESCRIPTION')),
    idLike: [],
  };
  const usable = id !== undefined && versionId !== undefined;
  return { facts: usable ? facts : undefined, rejected };
}

/** `/etc/alpine-release`: one line, the release (`3.20.3`). */
export function parseAlpineRelease(text: string): ReleaseParse {
  const line = firstLine(text);
  if (!/^\d+\.\d+(?:\.\d+)?(?:_[a-z]+\d*)?$/.test(line)) {
    return { facts: undefined, rejected: ['the release line'] };
  }
  return { facts: facts('alpine', line), rejected: [] };
}

/**
 * `/etc/debian_version`: a point release (`12.5`) or, on testing and
 * unstable, `<codename>/sid`. The version kept is the release series,
 * the major number, as os-release's `VERSION_ID` names it.
 *
 * Limitation: the point release itself is dropped (OsInfo has no field
 * for it), so the distro qualifier reads `debian-12` where trivy and
 * syft write `debian-12.5`.
 */
export function parseDebianVersion(text: string): ReleaseParse {
  const line = firstLine(text);
  if (NUMERIC_VERSION.test(line)) {
    return { facts: facts('debian', line.split('.')[0]), rejected: [] };
  }
  const codename = /^([a-z]+)\/sid$/.exec(line)?.[1];
  if (codename === undefined) {
    return { facts: undefined, rejected: ['the release line'] };
  }
  const result = facts('debian', undefined);
  result.codename = codename;
  result.prettyName = `Debian GNU/Linux ${line}`;
  return { facts: result, rejected: [] };
}

/** Names in the first line of a Red Hat style release file, in order. */
const RELEASE_NAMES: readonly (readonly [RegExp, string])[] = [
  [/^Red Hat (?:Enterprise )?Linux\b/, 'rhel'],
  [/^CentOS\b/, 'centos'],
  [/^(?:Oracle|Enterprise) Linux\b/, 'ol'],
  [/^Rocky Linux\b/, 'rocky'],
  [/^AlmaLinux\b/, 'almalinux'],
  [/^Fedora\b/, 'fedora'],
  [/^Scientific Linux\b/, 'scientific'],
  [/^Amazon Linux\b/, 'amzn'],
];

/**
 * `/etc/redhat-release` and its relatives (`centos-release`,
 * `oracle-release`, `system-release`...):
 * `<name> release <version> (<codename>)`.
 */
export function parseRedHatRelease(text: string): ReleaseParse {
  const line = firstLine(text);
  const match = /^(.{1,100}?) release (\d{1,9}(?:\.\d{1,9}){0,3})\b/.exec(line);
  const id = RELEASE_NAMES.find(([name]) => name.test(line))?.[1];
  if (match?.[2] === undefined || id === undefined) {
    return { facts: undefined, rejected: ['the release line'] };
  }
  const result = facts(id, match[2]);
  result.prettyName = capped(line);
  return { facts: result, rejected: [] };
}

/** Vendor and product of a system CPE, mapped to os-release IDs. */
const CPE_PRODUCTS: ReadonlyMap<string, string> = new Map([
  ['centos:centos', 'centos'],
  ['centos:linux', 'centos'],
  ['redhat:enterprise_linux', 'rhel'],
  ['oracle:linux', 'ol'],
  ['amazon:linux', 'amzn'],
  ['amazon:amazon_linux', 'amzn'],
  ['fedoraproject:fedora', 'fedora'],
  ['rocky:rocky', 'rocky'],
  ['almalinux:almalinux', 'almalinux'],
]);

/** `/etc/system-release-cpe`: `cpe:/o:<vendor>:<product>:<version>`. */
export function parseSystemReleaseCpe(text: string): ReleaseParse {
  const line = firstLine(text);
  const parts = line.startsWith('cpe:2.3:')
    ? line.slice('cpe:2.3:'.length).split(':')
    : line.startsWith('cpe:/')
      ? line.slice('cpe:/'.length).split(':')
      : [];
  const [part, vendor, product, version] = parts;
  const id = CPE_PRODUCTS.get(`${vendor ?? ''}:${product ?? ''}`);
  const usable =
    part === 'o' && id !== undefined && NUMERIC_VERSION.test(version ?? '');
  if (!usable) return { facts: undefined, rejected: ['the CPE'] };
  return { facts: facts(id, version), rejected: [] };
}

function facts(id: string, versionId: string | undefined): ReleaseFacts {
  return {
    id,
    versionId,
    codename: undefined,
    prettyName: undefined,
    idLike: [],
  };
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return (end === -1 ? text : text.slice(0, end)).trim();
}

function checked(
  value: string | undefined,
  pattern: RegExp,
  field: string,
  rejected: string[],
): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (pattern.test(value)) return value;
  rejected.push(field);
  return undefined;
}

function capped(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.length > MAX_PRETTY_NAME
    ? value.slice(0, MAX_PRETTY_NAME)
    : value;
}

function splitIdLike(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .toLowerCase()
    .split(/\s+/)
    .filter((id) => ID.test(id));
}

/** A shell-quoted value: `"..."` with backslash escapes, `'...'`, or bare. */
function unquote(raw: string): string {
  const quote = raw.charAt(0);
  if (quote === "'") {
    const end = raw.indexOf("'", 1);
    return end === -1 ? raw.slice(1) : raw.slice(1, end);
  }
  if (quote !== '"') return raw.trim();
  let value = '';
  for (let i = 1; i < raw.length; i++) {
    const char = raw.charAt(i);
    if (char === '"') break;
    if (char === '\\' && i + 1 < raw.length) {
      i += 1;
      value += raw.charAt(i);
    } else {
      value += char;
    }
  }
  return value;
}
