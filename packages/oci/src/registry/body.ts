import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { OciError } from '../errors';
import type { SecretSet } from './redact';
import { abortError, codeOf } from './transport';

/** Reads and drops a body so the connection can be reused. */
export async function discard(body: Readable): Promise<void> {
  const dumpable = body as Readable & { dump?: () => Promise<void> };
  try {
    if (dumpable.dump) await dumpable.dump();
    else body.destroy();
  } catch {
    // The body is unwanted; a failure to drain it changes nothing.
  }
}

/** One header's value as a single string, if present. */
export function header(
  headers: IncomingHttpHeaders,
  name: string,
): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The declared `Content-Length`, if any. */
export function contentLength(
  headers: IncomingHttpHeaders,
): number | undefined {
  const text = header(headers, 'content-length');
  if (text === undefined || !/^[0-9]+$/.test(text)) return undefined;
  return Number(text);
}

/** The media type of `Content-Type`, parameters dropped, lowercased. */
export function contentType(headers: IncomingHttpHeaders): string | undefined {
  const text = header(headers, 'content-type');
  return text?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * Reads a whole body, refusing at once when `Content-Length` exceeds the
 * cap and aborting the read as soon as the bytes do, so an endless body is
 * never buffered. A body shorter than its `Content-Length` is `truncated`.
 */
export async function readCapped(
  res: { body: Readable; headers: IncomingHttpHeaders },
  cap: number,
  what: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const declared = contentLength(res.headers);
  if (declared !== undefined && declared > cap) {
    res.body.destroy();
    throw tooLarge(what, cap);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      if (total > cap) throw tooLarge(what, cap);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    res.body.destroy();
    throw bodyError(error, what, signal, `${total}${of(declared)}`);
  }
  return Buffer.concat(chunks);
}

function tooLarge(what: string, cap: number): OciError {
  return new OciError(
    'too-large',
    `${what} is larger than the ${cap}-byte limit; refusing to read it`,
  );
}

function of(declared: number | undefined): string {
  return declared === undefined ? '' : ` of ${declared}`;
}

/**
 * Classifies a failure while reading a body: a deadline, the caller
 * stopping, or else a body cut short (`truncated`).
 */
export function bodyError(
  error: unknown,
  what: string,
  signal: AbortSignal | undefined,
  received: string,
): OciError {
  if (error instanceof OciError) return error;
  if (signal?.aborted) return abortError(signal, what);
  if (codeOf(error) === 'UND_ERR_BODY_TIMEOUT') {
    return new OciError('timeout', `${what} stalled while being read`);
  }
  return new OciError(
    'truncated',
    `${what} was truncated: the connection ended after ${received} bytes`,
  );
}

/**
 * A short, redacted description of an error body: the registry's error
 * codes and messages, or the start of a text body.
 */
export async function errorSummary(
  body: Readable,
  secrets: SecretSet,
): Promise<string> {
  let text: string;
  try {
    text = (await readPrefix(body, 16 * 1024)).toString('utf8');
  } catch {
    return '';
  }
  return secrets.redact(summarize(text)).slice(0, 300);
}

async function readPrefix(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= limit) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, limit);
}

function summarize(text: string): string {
  const errors = registryErrors(text);
  if (errors !== undefined) return errors;
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function registryErrors(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return undefined;
    return parsed.errors
      .slice(0, 3)
      .map((entry: { code?: unknown; message?: unknown }) =>
        [entry.code, entry.message]
          .filter((part) => typeof part === 'string')
          .join(' '),
      )
      .join('; ');
  } catch {
    return undefined;
  }
}
