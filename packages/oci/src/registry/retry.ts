import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '@imagegate/findings';
import { OciError } from '../errors';
import { discard, header } from './body';
import type { Clock } from './clock';
import type { RetryPolicy } from './options';
import { abortError, type WireResponse } from './transport';

/** What a retry loop needs. */
export interface RetryContext {
  policy: RetryPolicy;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  /** Whether repeating the request cannot repeat a side effect. */
  idempotent: boolean;
  /** `GET registry.example/v2/...`, for log lines. */
  describe: string;
}

/** Statuses that say "not now" without anything having happened. */
const NOT_PROCESSED = new Set([429]);
/** Statuses worth repeating when the request is idempotent. */
const TRANSIENT = new Set([408, 500, 502, 503, 504]);
/** Errors worth repeating when the request is idempotent. */
const RETRYABLE_CODES = new Set(['network', 'timeout', 'truncated']);

/**
 * Sends a request until it gets an answer worth returning: 429 is retried
 * after `Retry-After` (failing at once when that exceeds the cap), and
 * for idempotent requests 5xx answers and connection failures are retried
 * with exponential backoff and jitter. The last answer is returned, or the
 * last error thrown.
 */
export async function withRetries(
  attempt: () => Promise<WireResponse>,
  context: RetryContext,
): Promise<WireResponse> {
  for (let n = 1; ; n += 1) {
    const last = n >= context.policy.attempts;
    const res = await attemptOrThrow(attempt, context, last);
    if (res === undefined) {
      await pause(backoff(n, context), context, 'the connection failed');
      continue;
    }
    const wait = last ? undefined : retryDelay(res, n, context);
    if (wait === undefined) return res;
    await discard(res.body);
    await pause(wait, context, `it answered ${res.status}`);
  }
}

async function attemptOrThrow(
  attempt: () => Promise<WireResponse>,
  context: RetryContext,
  last: boolean,
): Promise<WireResponse | undefined> {
  try {
    return await attempt();
  } catch (error) {
    if (last || !isRetryable(error, context)) throw error;
    return undefined;
  }
}

/** Whether an error from an attempt is worth another attempt. */
export function isRetryable(error: unknown, context: RetryContext): boolean {
  return (
    context.idempotent &&
    !context.signal.aborted &&
    error instanceof OciError &&
    RETRYABLE_CODES.has(error.code)
  );
}

function retryDelay(
  res: WireResponse,
  n: number,
  context: RetryContext,
): number | undefined {
  const retryable =
    NOT_PROCESSED.has(res.status) ||
    (context.idempotent && TRANSIENT.has(res.status));
  if (!retryable) return undefined;
  const asked = retryAfterMs(res.headers, context.clock.now());
  if (asked === undefined) return backoff(n, context);
  if (asked > context.policy.maxRetryAfterMs) return undefined;
  return asked + context.clock.random() * Math.min(1000, asked / 10);
}

// Limitation: a Retry-After longer than the cap fails the call at once
// rather than waiting the cap and trying again.
/**
 * The wait `Retry-After` asks for, in ms: delay-seconds or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(
  headers: IncomingHttpHeaders,
  now: number,
): number | undefined {
  const text = header(headers, 'retry-after')?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with jitter: between half and all of the step. */
export function backoff(n: number, context: RetryContext): number {
  const { baseDelayMs, maxDelayMs } = context.policy;
  const step = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
  return step / 2 + (context.clock.random() * step) / 2;
}

/** Logs why, then waits before the next attempt (abortable). */
export async function pause(
  ms: number,
  context: RetryContext,
  why: string,
): Promise<void> {
  const seconds = (ms / 1000).toFixed(1);
  context.logger.warning(
    `${context.describe}: ${why}; retrying in ${seconds} s`,
  );
  try {
    await context.clock.sleep(ms, context.signal);
  } catch {
    throw abortError(context.signal, context.describe);
  }
}
