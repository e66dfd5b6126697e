import * as core from '@actions/core';
import { InputError } from './errors';

/** An input that must be set; the runner has applied the defaults. */
export function readRequired(name: string): string {
  const value = core.getInput(name);
  if (value === '') {
    throw new InputError(`input '${name}' is required; set it under 'with:'`);
  }
  return value;
}

/** An input that may be empty; empty reads as undefined. */
export function readOptional(name: string): string | undefined {
  const value = core.getInput(name);
  return value === '' ? undefined : value;
}

const TRUE_SPELLINGS = ['true', 'True', 'TRUE'];
const FALSE_SPELLINGS = ['false', 'False', 'FALSE'];

/**
 * A boolean input, spelt as YAML 1.2's core schema and `@actions/core`
 * accept it: `true`, `True`, `TRUE`, `false`, `False` or `FALSE`.
 */
export function readBoolean(name: string): boolean {
  const value = readRequired(name);
  if (TRUE_SPELLINGS.includes(value)) return true;
  if (FALSE_SPELLINGS.includes(value)) return false;
  throw new InputError(`input '${name}' is '${value}'; use true or false`);
}

/** A list input: items on separate lines or between commas, blanks dropped. */
export function readList(name: string): string[] {
  return core
    .getInput(name)
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Bounds a number input must keep. */
export interface NumberRange {
  min?: number;
  max?: number;
  integer?: boolean;
}

/** A number input, checked against its range. */
export function readNumber(name: string, range: NumberRange = {}): number {
  const text = readRequired(name);
  const value = Number(text);
  const { min = -Infinity, max = Infinity, integer = false } = range;
  const fits =
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value));
  if (!fits) {
    throw new InputError(
      `input '${name}' is '${text}'; use ${describeRange(min, max, integer)}`,
    );
  }
  return value;
}

function describeRange(min: number, max: number, integer: boolean): string {
  const kind = integer ? 'a whole number' : 'a number';
  if (min === -Infinity && max === Infinity) return kind;
  if (max === Infinity) return `${kind} of at least ${min}`;
  if (min === -Infinity) return `${kind} of at most ${max}`;
  return `${kind} from ${min} to ${max}`;
}

/**
 * An input with a closed set of values, matched without regard to case;
 * the error names every allowed value.
 */
export function readEnum<const T extends string>(
  name: string,
  allowed: readonly T[],
): T {
  const value = readRequired(name);
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (match === undefined) {
    throw new InputError(
      `input '${name}' is '${value}'; use one of ${allowed.join(', ')}`,
    );
  }
  return match;
}

/**
 * A credential input, masked before anything else sees it: the value,
 * each of its lines (a PEM key spans several) and its base64 form.
 */
export function readSecret(name: string): string | undefined {
  const value = core.getInput(name, { trimWhitespace: false });
  if (value.trim() === '') return undefined;
  maskSecret(value);
  return value;
}

/**
 * Registers a secret with the runner, with the forms it may be printed
 * in: each line, base64 and URL-encoded.
 * Limitation: the runner masks whole strings only; a secret printed split
 * across lines or in another encoding (hex, base64 of a `user:` prefix)
 * shows unless the caller masks that form too.
 */
export function maskSecret(value: string): void {
  core.setSecret(value);
  for (const line of value.split(/\r?\n/)) {
    if (line.trim() !== '') core.setSecret(line.trim());
  }
  core.setSecret(Buffer.from(value).toString('base64'));
  const encoded = encodeURIComponent(value);
  if (encoded !== value) core.setSecret(encoded);
}
