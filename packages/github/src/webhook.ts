import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  countBySeverity,
  failingFindings,
  IMAGEGATE_VERSION,
  sortFindings,
  type Finding,
  type Logger,
  type Severity,
} from '@imagegate/findings';
import { GitHubError, isLoopbackUrl } from './client';

/** The header that carries the body's HMAC-SHA256, as `sha256=<hex>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-Imagegate-Signature-256';

/** Where to send a report and how hard to try. */
export interface WebhookRequest {
  /** https, or plain http to a loopback address. */
  url: string;
  /** Signs the body when given; never sent, logged or put in an error. */
  secret?: string;
  payload: unknown;
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts after the first, on 5xx, timeouts and network errors. */
  retries: number;
  /** The first backoff, doubled per retry up to 30 s, with full jitter; 1,000 ms. */
  backoffMs?: number;
  logger: Logger;
}

/** How a delivery ended. */
export interface WebhookResult {
  status: number;
  attempts: number;
  /** The `X-Imagegate-Delivery` id, the same on every attempt. */
  deliveryId: string;
}

/** The signature header's value for a body: `sha256=<hex HMAC>`. */
export function signWebhookBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `signature` is the body's signature under `secret`. */
export function verifyWebhookSignature(
  body: string | Buffer,
  secret: string,
  signature: string | undefined,
): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const actual = Buffer.from(signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * POSTs the payload as JSON, signed with the secret when there is one.
 * 5xx answers, timeouts and network errors are retried with exponential
 * backoff and full jitter; 3xx and 4xx are not (redirects are not
 * followed). Logs and errors name only the URL's origin: webhook paths
 * and queries often hold tokens.
 * Limitation: a 429 is not retried, as other 4xx are not, even with a
 * Retry-After header.
 */
export async function sendWebhook(
  request: WebhookRequest,
): Promise<WebhookResult> {
  const url = checkWebhookUrl(request.url);
  const body = JSON.stringify(request.payload);
  if (
    request.secret !== undefined &&
    request.secret !== '' &&
    body.includes(request.secret)
  )
    throw new GitHubError(
      'bad-input',
      'the webhook payload contains the webhook secret; refusing to send it',
    );
  const deliveryId = randomUUID();
  const headers = webhookHeaders(body, request.secret, deliveryId);
  const attempts = request.retries + 1;
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptDelivery(
      url,
      body,
      headers,
      request.timeoutMs,
    );
    if (outcome.ok) {
      request.logger.info(
        `webhook ${url.origin}: delivered (${outcome.status})`,
      );
      return { status: outcome.status, attempts: attempt, deliveryId };
    }
    if (!outcome.retryable || attempt >= attempts)
      throw deliveryError(url, outcome, attempt);
    const delay = backoff(request.backoffMs ?? 1000, attempt);
    request.logger.warning(
      `webhook ${url.origin}: attempt ${attempt} of ${attempts} failed (${outcome.reason}); ` +
        `retrying in ${delay} ms`,
    );
    await sleep(delay);
  }
}

function checkWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The URL itself stays out of the message: it may hold a token.
    throw new GitHubError('bad-input', 'the webhook URL is not a valid URL');
  }
  if (url.username !== '' || url.password !== '')
    throw new GitHubError(
      'bad-input',
      `the webhook URL for ${url.host} holds credentials; pass a webhook secret instead`,
    );
  if (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && isLoopbackUrl(url))
  )
    return url;
  throw new GitHubError(
    'bad-input',
    `the webhook URL for ${url.host} must use https (plain http only to loopback addresses)`,
  );
}

function webhookHeaders(
  body: string,
  secret: string | undefined,
  deliveryId: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `imagegate/${IMAGEGATE_VERSION}`,
    'x-imagegate-event': 'report',
    'x-imagegate-delivery': deliveryId,
  };
  if (secret !== undefined && secret !== '')
    headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()] = signWebhookBody(
      body,
      secret,
    );
  return headers;
}

type Outcome =
  | { ok: true; status: number }
  | {
      ok: false;
      retryable: boolean;
      reason: string;
      status?: number;
      cause?: unknown;
    };

async function attemptDelivery(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return networkOutcome(error, timeoutMs);
  }
  await response.body?.cancel();
  const { status } = response;
  if (status >= 200 && status < 300) return { ok: true, status };
  return { ok: false, retryable: status >= 500, reason: `${status}`, status };
}

function networkOutcome(error: unknown, timeoutMs: number): Outcome {
  const timedOut =
    error instanceof Error &&
    (error.name === 'TimeoutError' || error.name === 'AbortError');
  if (timedOut)
    return {
      ok: false,
      retryable: true,
      reason: `no answer within ${timeoutMs} ms`,
      cause: error,
    };
  const cause =
    error instanceof Error && error.cause instanceof Error
      ? error.cause
      : error;
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code : 'network error';
  return { ok: false, retryable: true, reason, cause };
}

function deliveryError(
  url: URL,
  outcome: Extract<Outcome, { ok: false }>,
  attempts: number,
): GitHubError {
  const status = outcome.status;
  if (status !== undefined && status >= 300 && status < 400)
    return new GitHubError(
      'webhook',
      `webhook ${url.origin} answered a redirect (${status}); imagegate does not follow webhook redirects`,
      { status },
    );
  if (status !== undefined && status < 500)
    return new GitHubError(
      'webhook',
      `webhook ${url.origin} refused the report (${status}); check the receiver and the secret`,
      { status },
    );
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return new GitHubError(
    'webhook',
    `webhook ${url.origin} failed after ${tries} (last: ${outcome.reason})`,
    {
      ...(status === undefined ? {} : { status }),
      cause: outcome.cause,
    },
  );
}

/** Full jitter: a random wait up to the doubled backoff, at most 30 s. */
function backoff(baseMs: number, attempt: number): number {
  const ceiling = Math.min(30_000, baseMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * ceiling);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// The payload
// ---------------------------------------------------------------------------

/** What the report is about; every field optional but the threshold. */
export interface WebhookMeta {
  threshold: Severity;
  /** The gate's verdict; computed from the findings when not given. */
  passed?: boolean;
  tool?: string;
  image?: string;
  digest?: string;
  repository?: string;
  ref?: string;
  commitSha?: string;
  runUrl?: string;
  /** Findings listed in full; 10. */
  maxFindings?: number;
}

/** One finding as the webhook lists it: plain, escaped, bounded text. */
export interface WebhookFinding {
  severity: Severity;
  ruleId: string;
  title: string;
  message: string;
  location: string;
  fingerprint: string;
  vulnerabilityId?: string;
  fixedVersion?: string;
}

/** The JSON a webhook receives. */
export interface WebhookPayload {
  schema: 'imagegate.report/v1';
  imagegateVersion: string;
  passed: boolean;
  threshold: Severity;
  counts: Record<Severity, number> & {
    total: number;
    failing: number;
    suppressed: number;
  };
  subject: Partial<
    Record<
      | 'tool'
      | 'image'
      | 'digest'
      | 'repository'
      | 'ref'
      | 'commitSha'
      | 'runUrl',
      string
    >
  >;
  topFindings: WebhookFinding[];
  omittedFindings: number;
}

const MAX_LISTED = 25;

/**
 * A report for a webhook: counts by severity, the verdict, and the most
 * severe findings. Text from findings is plain: control and bidi
 * characters dropped, `&`, `<` and `>` escaped (chat tools read them as
 * markup), each field cut, at most 25 findings listed: the JSON stays
 * under 64 KB whatever the findings hold.
 */
export function webhookPayload(
  findings: readonly Finding[],
  meta: WebhookMeta,
): WebhookPayload {
  const open = sortFindings(findings).filter(
    (f) => f.suppression === undefined,
  );
  const failing = failingFindings(findings, meta.threshold).length;
  const listed = Math.min(Math.max(meta.maxFindings ?? 10, 0), MAX_LISTED);
  return {
    schema: 'imagegate.report/v1',
    imagegateVersion: IMAGEGATE_VERSION,
    passed: meta.passed ?? failing === 0,
    threshold: meta.threshold,
    counts: {
      ...countBySeverity(findings),
      total: open.length,
      failing,
      suppressed: findings.length - open.length,
    },
    subject: subjectOf(meta),
    topFindings: open.slice(0, listed).map(webhookFinding),
    omittedFindings: Math.max(open.length - listed, 0),
  };
}

const SUBJECT_KEYS = [
  'tool',
  'image',
  'digest',
  'repository',
  'ref',
  'commitSha',
  'runUrl',
] as const;

function subjectOf(meta: WebhookMeta): WebhookPayload['subject'] {
  const subject: WebhookPayload['subject'] = {};
  for (const key of SUBJECT_KEYS) {
    const value = meta[key];
    if (value !== undefined) subject[key] = plainText(value, 300);
  }
  return subject;
}

function webhookFinding(finding: Finding): WebhookFinding {
  const entry: WebhookFinding = {
    severity: finding.severity,
    ruleId: plainText(finding.ruleId, 100),
    title: plainText(finding.title, 160),
    message: plainText(finding.message, 300),
    location: plainText(locationText(finding), 200),
    fingerprint: plainText(finding.fingerprint, 80),
  };
  const vulnerability = finding.vulnerability;
  if (vulnerability !== undefined) {
    entry.vulnerabilityId = plainText(vulnerability.id, 80);
    if (vulnerability.fixedVersion !== undefined)
      entry.fixedVersion = plainText(vulnerability.fixedVersion, 80);
  }
  return entry;
}

function locationText(finding: Finding): string {
  const { path, line, image, packageName } = finding.location;
  if (path !== undefined) return line === undefined ? path : `${path}:${line}`;
  const where = image ?? 'image';
  return packageName === undefined ? where : `${where} (${packageName})`;
}

/** Control characters (C0, C1) and the bidi overrides and isolates. */
const UNSAFE_CHARACTERS = new RegExp(
  // eslint-disable-next-line no-control-regex -- matching them is the point
  '[\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]+',
  'g',
);

/**
 * Text safe to show anywhere as plain text: no control or bidi
 * characters, whitespace runs as one space, `&`, `<` and `>` escaped, at
 * most `max` characters after escaping (an entity is never split).
 */
export function plainText(text: string, max: number): string {
  // Escaping only lengthens text, so a long input's tail cannot matter.
  const escaped = text
    .slice(0, max * 8)
    .replace(UNSAFE_CHARACTERS, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  const characters = Array.from(escaped);
  if (characters.length <= max) return escaped;
  const cut = characters.slice(0, Math.max(max - 1, 0)).join('');
  return `${cut.replace(/&[a-z]*$/, '')}…`;
}
