import deprecatedExceptions from 'spdx-exceptions/deprecated.json' with { type: 'json' };
import exceptions from 'spdx-exceptions/index.json' with { type: 'json' };
import deprecatedLicenses from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import licenses from 'spdx-license-ids/index.json' with { type: 'json' };

/**
 * One licence string of a package, read as SPDX reads it: a single
 * licence id of the SPDX License List, a valid licence expression, or
 * free text that is neither (`GPL-2+`, `BSD-like`, a Debian copyright
 * name).
 */
export type LicenseValue =
  | { kind: 'id'; id: string }
  | { kind: 'expression'; expression: string }
  | { kind: 'text'; text: string };

/** Lower-cased id → the list's spelling; SPDX ids ignore case. */
const LICENSE_IDS = canonical([...licenses, ...deprecatedLicenses]);
const EXCEPTION_IDS = canonical([...exceptions, ...deprecatedExceptions]);

/** Longest licence string parsed as an expression; longer is free text. */
const MAX_EXPRESSION_LENGTH = 1024;

/**
 * Classifies a licence string. Ids and operators are matched without
 * regard to case and written as the list spells them, so `mit` is the id
 * `MIT` and `mit or apache-2.0` the expression `MIT OR Apache-2.0`.
 *
 * Limitation: an expression naming `LicenseRef-` or `DocumentRef-` is
 * kept as free text, because imagegate has no text to define such a
 * reference with in an SPDX document.
 */
export function classifyLicense(value: string): LicenseValue {
  const text = value.trim();
  const parsed = parseExpression(text);
  if (parsed === undefined) return { kind: 'text', text };
  if (parsed.simple) return { kind: 'id', id: parsed.expression };
  return { kind: 'expression', expression: parsed.expression };
}

/** The distinct, non-empty licence strings of a package, classified. */
export function classifyLicenses(values: readonly string[]): LicenseValue[] {
  const seen = new Set<string>();
  const out: LicenseValue[] = [];
  for (const value of values) {
    const license = classifyLicense(value);
    const key = licenseText(license);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(license);
  }
  return out;
}

/** The text a classified licence stands for. */
export function licenseText(license: LicenseValue): string {
  switch (license.kind) {
    case 'id':
      return license.id;
    case 'expression':
      return license.expression;
    case 'text':
      return license.text;
  }
}

/** Expressions and ids as one expression: each grouped, joined by `AND`. */
export function allOf(parts: readonly string[]): string {
  return parts.length === 1
    ? (parts[0] ?? '')
    : parts.map(grouped).join(' AND ');
}

/**
 * Parenthesises a compound expression so it can be joined with `AND`:
 * `MIT OR Apache-2.0` becomes `(MIT OR Apache-2.0)`; an id, or an
 * expression already wrapped whole, is kept as it is.
 */
export function grouped(expression: string): string {
  if (!expression.includes(' ') || isWrapped(expression)) return expression;
  return `(${expression})`;
}

/** True for `(A OR B)`, false for `(A OR B) AND (C OR D)`. */
function isWrapped(expression: string): boolean {
  if (!expression.startsWith('(')) return false;
  let depth = 0;
  for (let i = 0; i < expression.length; i++) {
    const char = expression.charAt(i);
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (depth === 0) return i === expression.length - 1;
  }
  return false;
}

interface Parsed {
  expression: string;
  /** One licence id, without `+` or `WITH`. */
  simple: boolean;
}

/**
 * A recursive-descent reader of the SPDX 2.3 licence expression grammar
 * (Annex D): `OR` binds looser than `AND`, which binds looser than `WITH`.
 * Returns the normalised expression, or undefined for anything else.
 */
function parseExpression(text: string): Parsed | undefined {
  if (text === '' || text.length > MAX_EXPRESSION_LENGTH) return undefined;
  const tokens = text
    .replace(/[()]/g, ' $& ')
    .split(/\s+/)
    .filter((token) => token !== '');
  const reader = new ExpressionReader(tokens);
  const expression = reader.orExpression();
  if (expression === undefined || !reader.atEnd) return undefined;
  return { expression, simple: tokens.length === 1 && isPlainId(expression) };
}

function isPlainId(expression: string): boolean {
  return LICENSE_IDS.get(expression.toLowerCase()) === expression;
}

class ExpressionReader {
  private at = 0;

  constructor(private readonly tokens: readonly string[]) {}

  get atEnd(): boolean {
    return this.at === this.tokens.length;
  }

  orExpression(): string | undefined {
    return this.joined('OR', () => this.andExpression());
  }

  private andExpression(): string | undefined {
    return this.joined('AND', () => this.withExpression());
  }

  private joined(
    operator: 'AND' | 'OR',
    operand: () => string | undefined,
  ): string | undefined {
    const parts = [operand()];
    while (this.peekOperator() === operator) {
      this.at++;
      parts.push(operand());
    }
    if (parts.some((part) => part === undefined)) return undefined;
    return parts.join(` ${operator} `);
  }

  private withExpression(): string | undefined {
    const license = this.primary();
    if (license === undefined || this.peekOperator() !== 'WITH') {
      return license;
    }
    this.at++;
    const exception = EXCEPTION_IDS.get(this.next()?.toLowerCase() ?? '');
    return exception === undefined ? undefined : `${license} WITH ${exception}`;
  }

  private primary(): string | undefined {
    const token = this.next();
    if (token === undefined) return undefined;
    if (token === '(') {
      const inner = this.orExpression();
      return inner !== undefined && this.next() === ')'
        ? `(${inner})`
        : undefined;
    }
    return licenseId(token);
  }

  private peekOperator(): string | undefined {
    const token = this.tokens[this.at];
    return token === undefined ? undefined : OPERATORS.get(token);
  }

  private next(): string | undefined {
    return this.tokens[this.at++];
  }
}

/** SPDX 2.3 allows the operators in upper or lower case, not mixed. */
const OPERATORS: ReadonlyMap<string, string> = new Map([
  ['AND', 'AND'],
  ['and', 'AND'],
  ['OR', 'OR'],
  ['or', 'OR'],
  ['WITH', 'WITH'],
  ['with', 'WITH'],
]);

/** A licence id, or an id followed by `+` ("or any later version"). */
function licenseId(token: string): string | undefined {
  const exact = LICENSE_IDS.get(token.toLowerCase());
  if (exact !== undefined) return exact;
  if (!token.endsWith('+')) return undefined;
  const base = LICENSE_IDS.get(token.slice(0, -1).toLowerCase());
  return base === undefined ? undefined : `${base}+`;
}

function canonical(ids: readonly string[]): ReadonlyMap<string, string> {
  return new Map(ids.map((id) => [id.toLowerCase(), id]));
}
