import { SPDX_EXCEPTION_IDS, SPDX_LICENSE_IDS } from './in-spdx-ids';

/** True for an absolute URL with a scheme, as WHATWG URL parses it. */
export function isUrl(value: string): boolean {
  return URL.canParse(value);
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** True for an RFC 3339 timestamp such as `2024-05-01T12:00:00Z`. */
export function isRfc3339(value: string): boolean {
  const match = RFC3339.exec(value);
  if (match === null) return false;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map((part: string | undefined) => Number(part ?? 0));
  const [offsetHour = 0, offsetMinute = 0] = match
    .slice(7)
    .map((part: string | undefined) => Number(part ?? 0));
  return (
    isCalendarDay(year, month, day) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** True for an abbreviated or full SHA-1, or a full SHA-256, commit id. */
export function isGitHash(value: string): boolean {
  return /^[0-9a-f]{7,40}$/.test(value) || /^[0-9a-f]{64}$/.test(value);
}

const NUMERIC = /^(?:0|[1-9]\d*)$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;

/** True for a Semantic Versioning 2.0.0 version such as `1.2.3-rc.1`. */
export function isSemver(value: string): boolean {
  const plus = value.indexOf('+');
  const withoutBuild = plus === -1 ? value : value.slice(0, plus);
  const build = plus === -1 ? undefined : value.slice(plus + 1);
  const dash = withoutBuild.indexOf('-');
  const core = dash === -1 ? withoutBuild : withoutBuild.slice(0, dash);
  const prerelease = dash === -1 ? undefined : withoutBuild.slice(dash + 1);
  const parts = core.split('.');
  return (
    parts.length === 3 &&
    parts.every((part) => NUMERIC.test(part)) &&
    (prerelease === undefined || isPrerelease(prerelease)) &&
    (build === undefined || build.split('.').every((id) => IDENTIFIER.test(id)))
  );
}

function isPrerelease(text: string): boolean {
  return text
    .split('.')
    .every(
      (id) => IDENTIFIER.test(id) && (!/^\d+$/.test(id) || NUMERIC.test(id)),
    );
}

const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * True for an address such as `team@example.com` (RFC 5322 addr-spec).
 * Limitation: comments, folding white space and obsolete forms are
 * rejected, as mail tools would not accept them in a label either.
 */
export function isEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return isLocalPart(local) && isDomain(domain);
}

function isLocalPart(local: string): boolean {
  if (local.length > 64) return false;
  if (/^"[^"\\\r\n]*"$/.test(local)) return true;
  return local.split('.').every((atom) => LOCAL_ATOM.test(atom));
}

function isDomain(domain: string): boolean {
  if (domain.startsWith('[') && domain.endsWith(']')) {
    return /^\[[^[\]\\\s]+\]$/.test(domain);
  }
  const labels = domain.split('.');
  return (
    domain.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => DOMAIN_LABEL.test(label))
  );
}

const MAX_SPDX_DEPTH = 32;

/**
 * True for an SPDX licence expression: `MIT`, `Apache-2.0 OR MIT`,
 * `GPL-2.0-or-later WITH Classpath-exception-2.0`, `LicenseRef-x`.
 * Licence and exception ids are checked against the SPDX list.
 */
export function isSpdxExpression(value: string): boolean {
  const tokens = value.match(/[()]|[^\s()]+/g) ?? [];
  const parser = { tokens, next: 0, depth: 0 };
  return tokens.length > 0 && readOr(parser) && parser.next === tokens.length;
}

interface SpdxParser {
  tokens: string[];
  next: number;
  depth: number;
}

function readOr(parser: SpdxParser): boolean {
  if (!readTerm(parser)) return false;
  while (isOperator(parser.tokens[parser.next], 'and', 'or')) {
    parser.next += 1;
    if (!readTerm(parser)) return false;
  }
  return true;
}

function readTerm(parser: SpdxParser): boolean {
  const token = parser.tokens[parser.next];
  if (token === '(') {
    parser.next += 1;
    parser.depth += 1;
    const isValid = parser.depth <= MAX_SPDX_DEPTH && readOr(parser);
    parser.depth -= 1;
    if (!isValid || parser.tokens[parser.next] !== ')') return false;
    parser.next += 1;
    return true;
  }
  if (token === undefined || !isLicense(token)) return false;
  parser.next += 1;
  if (!isOperator(parser.tokens[parser.next], 'with')) return true;
  const exception = parser.tokens[parser.next + 1];
  parser.next += 2;
  return exception !== undefined && isException(exception);
}

function isOperator(token: string | undefined, ...names: string[]): boolean {
  return (
    token !== undefined &&
    (token === token.toUpperCase() || token === token.toLowerCase()) &&
    names.includes(token.toLowerCase())
  );
}

function isLicense(token: string): boolean {
  if (
    /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(token)
  ) {
    return true;
  }
  const id = token.endsWith('+') ? token.slice(0, -1) : token;
  return SPDX_LICENSE_IDS.has(id.toLowerCase());
}

function isException(token: string): boolean {
  return (
    SPDX_EXCEPTION_IDS.has(token.toLowerCase()) ||
    /^(?:DocumentRef-[A-Za-z0-9.-]+:)?AdditionRef-[A-Za-z0-9.-]+$/.test(token)
  );
}
