/**
 * JSON readers for the catalogers that read JSON records: npm, Composer
 * and .NET. They never assign by a key the file chose, so `__proto__`,
 * `constructor` and `prototype` stay data.
 *
 * `JSON.parse` itself is iterative in V8, so deep nesting costs time
 * linear in the text; callers that recurse over the result bound their
 * own depth.
 */

/** Parses JSON text that must hold an object; undefined otherwise. */
export function parseJsonObject(
  text: string,
): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(stripBom(text));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(
  value: unknown,
): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a string with something besides blanks. */
export function nonEmptyString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** An own property of a parsed JSON object, never an inherited one. */
export function ownField(
  object: Readonly<Record<string, unknown>>,
  key: string,
): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
