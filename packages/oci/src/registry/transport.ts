import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { OciError } from '../errors';
import { safeCause, type SecretSet } from './redact';

/** A request body that can be sent again: bytes, or a stream factory. */
export type BodySource = Uint8Array | (() => Readable);

/** The HTTP methods the registry API uses. */
export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** One HTTP exchange to make. */
export interface WireRequest {
  method: Method;
  url: URL;
  headers: Record<string, string>;
  body?: BodySource;
  signal: AbortSignal;
}

/** An answer, its body not yet read. */
export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
  /** The URL that answered, after any redirects. */
  url: URL;
}

/** What an exchange needs beyond the request. */
export interface ExchangeContext {
  dispatcher: Dispatcher;
  timeoutMs: number;
  secrets: SecretSet;
}

// Limitation: the per-request deadline bounds waiting (for headers, and
// between body chunks), not total transfer time; a body that trickles in
// is bounded only by the overall deadline.
/**
 * Makes one HTTP exchange. The per-request deadline bounds the wait for
 * headers and each pause in the body; the request's signal carries the
 * overall deadline. Failures become `OciError`s naming the host.
 */
export async function exchange(
  req: WireRequest,
  context: ExchangeContext,
): Promise<WireResponse> {
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: bodyOf(req.body),
      dispatcher: context.dispatcher,
      signal: req.signal,
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
    return {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      url: req.url,
    };
  } catch (error) {
    throw transportError(error, req.url.host, req.signal, context.secrets);
  }
}

function bodyOf(body: BodySource | undefined): Uint8Array | Readable | null {
  if (body === undefined) return null;
  return typeof body === 'function' ? body() : body;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * Turns a failure to talk to a host into an `OciError`: `aborted` or
 * `timeout` when a deadline or the caller stopped it, `tls` for
 * certificate problems, else `network`.
 */
export function transportError(
  error: unknown,
  host: string,
  signal: AbortSignal,
  secrets: SecretSet,
): OciError {
  if (error instanceof OciError) return error;
  const cause = safeCause(error, secrets);
  if (signal.aborted) return abortError(signal, host, cause);
  const code = codeOf(error);
  if (TIMEOUT_CODES.has(code)) {
    return new OciError('timeout', `${host} did not answer in time`, {
      cause,
    });
  }
  if (isTlsCode(code)) {
    return new OciError(
      'tls',
      `TLS with ${host} failed (${code}); if it uses a private CA, pass its certificate as the CA file`,
      { cause },
    );
  }
  return new OciError(
    'network',
    `cannot reach ${host}: ${cause.message} (${code || 'no code'})`,
    { cause },
  );
}

/** The error for a stopped call: the overall deadline, or the caller. */
export function abortError(
  signal: AbortSignal,
  host: string,
  cause?: Error,
): OciError {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return timedOut
    ? new OciError('timeout', `talking to ${host} took too long`, { cause })
    : new OciError('aborted', `the call to ${host} was cancelled`, { cause });
}

/** The `code` of an error or of its cause. */
export function codeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return '';
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'EPROTO'
  );
}
