import { IMAGEGATE_VERSION, type Logger } from '@imagegate/findings';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type BottleneckTypes from 'bottleneck';
// @ts-expect-error -- bottleneck/light.js ships no declarations; it is
// Bottleneck without Redis clustering, the build the throttling plugin
// itself uses, a third of the size in the action bundles.
import BottleneckLight from 'bottleneck/light.js';

/** What went wrong talking to GitHub, as a closed set callers can match. */
export type GitHubErrorCode =
  | 'bad-input'
  | 'bad-credentials'
  | 'forbidden'
  | 'code-scanning-disabled'
  | 'not-found'
  | 'rate-limited'
  | 'rejected'
  | 'too-large'
  | 'processing-failed'
  | 'upstream'
  | 'network'
  | 'webhook';

/**
 * A problem reporting to GitHub or a webhook. The message is one line
 * that says what failed and what to change; it never holds a token or a
 * secret. `cause` keeps the underlying error, tokens redacted.
 */
export class GitHubError extends Error {
  override readonly name = 'GitHubError';

  /** The HTTP status GitHub answered, when there was one. */
  readonly status: number | undefined;
  /** Further lines, such as GitHub's SARIF processing errors. */
  readonly details: string[];

  constructor(
    readonly code: GitHubErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; details?: string[] },
  ) {
    super(message, { cause: options?.cause });
    this.status = options?.status;
    this.details = options?.details ?? [];
  }
}

/** How to reach GitHub, and how patient to be with it. */
export interface GitHubClientOptions {
  /** A token with the permissions the calls need; never logged. */
  token: string;
  /** `GITHUB_API_URL`: `https://api.github.com`, or GHES's `/api/v3`. */
  apiUrl?: string;
  logger: Logger;
  /** Retries after the first attempt, for 5xx and rate limits; 3. */
  retries?: number;
  /** Added before Octokit's own user agent. */
  userAgent?: string;
  /** The longest rate-limit wait honoured, in seconds; 600. */
  maxWaitSeconds?: number;
  /** Time between mutations, as GitHub asks; 1000 ms (tests pass 0). */
  mutationIntervalMs?: number;
  /** How long one second of GitHub's waits lasts; 1000 (tests pass 1). */
  secondMs?: number;
  /** Per-request timeout; 60,000 ms. */
  requestTimeoutMs?: number;
}

const ImagegateOctokit = Octokit.plugin(retry, throttling);

/**
 * The Octokit imagegate's reporters use: `@octokit/rest` with retries and
 * rate-limit handling. Mutations are serialised, at most one in flight.
 * A create whose duplicate would hurt (a comment) should pass
 * `request: { retries: 0 }` and reconcile after a 5xx itself.
 */
export type GitHubClient = InstanceType<typeof ImagegateOctokit>;

/** The public GitHub API, when `GITHUB_API_URL` is not set. */
export const GITHUB_API_URL = 'https://api.github.com';

/**
 * Creates a GitHub client. 5xx answers and network errors are retried
 * with growing waits; primary and secondary rate limits wait as GitHub's
 * `retry-after` or reset header says, up to `maxWaitSeconds`, for at most
 * `retries` attempts, and then the error comes back to the caller (see
 * {@link describeGitHubError}).
 * Limitation: a mutation that times out or meets a 5xx is retried like a
 * read, though GitHub may have applied it; callers for whom a duplicate
 * matters pass `request: { retries: 0 }` and reconcile.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const baseUrl = checkApiUrl(options.apiUrl ?? GITHUB_API_URL);
  const token = checkToken(options.token);
  const settings = settingsOf(options);
  const client = new ImagegateOctokit({
    auth: token,
    baseUrl,
    userAgent: options.userAgent ?? `imagegate/${IMAGEGATE_VERSION}`,
    log: octokitLog(options.logger),
    request: { fetch: fetchWithTimeout(settings.requestTimeoutMs) },
    retry: {
      retries: settings.retries,
      retryAfterBaseValue: settings.secondMs,
      // Rate limits (403, 429) belong to the throttling plugin alone.
      doNotRetry: [400, 401, 403, 404, 410, 413, 422, 429, 451],
    },
    throttle: throttleOptions(settings, options.logger),
  });
  serialiseMutations(client);
  redactErrors(client, token);
  return client;
}

interface Settings {
  retries: number;
  maxWaitSeconds: number;
  mutationIntervalMs: number;
  secondMs: number;
  requestTimeoutMs: number;
}

function settingsOf(options: GitHubClientOptions): Settings {
  return {
    retries: options.retries ?? 3,
    maxWaitSeconds: options.maxWaitSeconds ?? 600,
    mutationIntervalMs: options.mutationIntervalMs ?? 1000,
    secondMs: options.secondMs ?? 1000,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
  };
}

function checkToken(token: string): string {
  if (token.trim() === '')
    throw new GitHubError(
      'bad-input',
      'no GitHub token: pass the github-token input or set GITHUB_TOKEN',
    );
  return token.trim();
}

/** The API root without a trailing slash; plain http only on loopback. */
function checkApiUrl(apiUrl: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new GitHubError(
      'bad-input',
      'GitHub API URL is not a URL; set GITHUB_API_URL to e.g. ' +
        'https://github.example.com/api/v3',
    );
  }
  if (url.protocol !== 'https:' && !isLoopbackUrl(url))
    throw new GitHubError(
      'bad-input',
      `GitHub API URL ${url.origin} is not https; imagegate sends the token ` +
        'over plain http only to loopback addresses',
    );
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** True for `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/**
 * Octokit's log, on the caller's logger. Only the first argument goes
 * through: Octokit passes whole request options, token included, after it.
 */
function octokitLog(logger: Logger): {
  debug: (message: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
} {
  const line = (message: unknown): string =>
    `GitHub API: ${redactTokens(String(message))}`;
  return {
    debug: (message) => {
      logger.debug(line(message));
    },
    info: (message) => {
      logger.debug(line(message));
    },
    warn: (message) => {
      logger.warning(line(message));
    },
    // Octokit logs every failed request here; the caller reports the
    // error that matters, so these stay at debug level.
    error: (message) => {
      logger.debug(line(message));
    },
  };
}

function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal =
      init?.signal == null ? timeout : AbortSignal.any([init.signal, timeout]);
    return fetch(input, { ...init, signal });
  };
}

type LimitHandler = (
  retryAfter: number,
  options: { method: string; url: string },
  octokit: unknown,
  retryCount: number,
) => boolean;

function throttleOptions(
  settings: Settings,
  logger: Logger,
): {
  onRateLimit: LimitHandler;
  onSecondaryRateLimit: LimitHandler;
  retryAfterBaseValue: number;
  write: BottleneckTypes.Group;
  notifications: BottleneckTypes.Group;
} {
  const handler =
    (kind: string): LimitHandler =>
    (retryAfter, request, _octokit, retryCount) => {
      const what = `${request.method} ${request.url}`;
      if (retryCount >= settings.retries) {
        logger.warning(
          `GitHub ${kind} on ${what}: giving up after ${retryCount} retries`,
        );
        return false;
      }
      if (retryAfter > settings.maxWaitSeconds) {
        logger.warning(
          `GitHub ${kind} on ${what}: the wait of ${retryAfter} s is longer ` +
            `than ${settings.maxWaitSeconds} s; giving up`,
        );
        return false;
      }
      logger.warning(
        `GitHub ${kind} on ${what}: waiting ${retryAfter} s as GitHub asks ` +
          `(retry ${retryCount + 1} of ${settings.retries})`,
      );
      return true;
    };
  return {
    onRateLimit: handler('rate limit'),
    onSecondaryRateLimit: handler('secondary rate limit'),
    retryAfterBaseValue: settings.secondMs,
    write: writeGroup('imagegate-write', settings.mutationIntervalMs),
    notifications: writeGroup(
      'imagegate-notifications',
      settings.mutationIntervalMs * 3,
    ),
  };
}

const Bottleneck = BottleneckLight as typeof BottleneckTypes;

/** GitHub asks for a second between mutations, three if they notify. */
function writeGroup(id: string, minTime: number): BottleneckTypes.Group {
  return new Bottleneck.Group({ id, maxConcurrent: 1, minTime });
}

/**
 * Holds each mutation (and its retries) until the one before it is done,
 * so a client never has two writes in flight: GitHub's secondary limits
 * punish concurrent mutations.
 * Limitation: the queue is per client; two clients, or two processes
 * such as parallel matrix jobs, still mutate concurrently.
 */
function serialiseMutations(client: GitHubClient): void {
  let previous: Promise<unknown> = Promise.resolve();
  client.hook.wrap('request', (request, options) => {
    const method = options.method.toUpperCase();
    if (method === 'GET' || method === 'HEAD') return request(options);
    const turn = previous.then(() => request(options));
    previous = turn.catch(() => undefined);
    return turn;
  });
}

/** Takes the token out of anything an error carries, in case GitHub echoed it. */
function redactErrors(client: GitHubClient, token: string): void {
  client.hook.error('request', (error) => {
    throw redactDeep(error, token, 0);
  });
}

function redactDeep<T>(value: T, token: string, depth: number): T {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  for (const [key, inner] of Object.entries(value)) {
    const record = value as Record<string, unknown>;
    if (typeof inner === 'string' && inner.includes(token))
      record[key] = inner.split(token).join('[REDACTED]');
    else if (typeof inner === 'object') redactDeep(inner, token, depth + 1);
  }
  if (value instanceof Error) {
    if (value.message.includes(token))
      value.message = value.message.split(token).join('[REDACTED]');
    redactDeep(value.cause, token, depth + 1);
  }
  return value;
}

const TOKEN_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/\bgh[pousr]_[A-Za-z0-9_]{16,}/g, '[REDACTED]'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, '[REDACTED]'],
  [/\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{16,}/gi, '$1 [REDACTED]'],
  [/([?&](?:access_token|token|client_secret)=)[^&\s]+/gi, '$1[REDACTED]'],
];

/** Replaces anything shaped like a GitHub token or credential. */
export function redactTokens(text: string): string {
  return TOKEN_PATTERNS.reduce(
    (result, [pattern, replacement]) => result.replace(pattern, replacement),
    text,
  );
}

/** What a failed Octokit request tells us, read defensively. */
interface HttpFailure {
  status: number;
  message: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  retryCount: number;
}

function httpFailureOf(error: unknown): HttpFailure | undefined {
  if (!(error instanceof Error) || !('status' in error)) return undefined;
  const { status } = error as { status: unknown };
  if (typeof status !== 'number') return undefined;
  // Octokit reports a network failure as a 500 without a response.
  if (!('response' in error) || error.response === undefined) return undefined;
  const request = recordOf((error as { request?: unknown }).request);
  const response = recordOf(error.response);
  const inner = recordOf(request.request);
  return {
    status,
    message: gitHubMessage(response.data, error.message),
    method: typeof request.method === 'string' ? request.method : 'GET',
    path: pathOf(request.url),
    headers: stringRecord(response.headers),
    retryCount: typeof inner.retryCount === 'number' ? inner.retryCount : 0,
  };
}

function recordOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object'
    ? (value as Record<string, unknown>)
    : {};
}

function stringRecord(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, inner] of Object.entries(recordOf(value)))
    if (typeof inner === 'string') result[key.toLowerCase()] = inner;
  return result;
}

/** GitHub's `message`, with the `errors` it lists, on one line. */
function gitHubMessage(data: unknown, fallback: string): string {
  const { message, errors } = recordOf(data);
  const text = typeof message === 'string' ? message : fallback;
  const details = Array.isArray(errors) ? errors.map(errorText) : [];
  const joined = details.length === 0 ? text : `${text}: ${details.join('; ')}`;
  return oneLine(redactTokens(joined), 300);
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  const { message, code, field } = recordOf(error);
  if (typeof message === 'string') return message;
  return [field, code].filter((part) => typeof part === 'string').join(' ');
}

function pathOf(url: unknown): string {
  if (typeof url !== 'string') return '';
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** Text on one line, cut to `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * Turns any error from a GitHub call into a {@link GitHubError} whose
 * message is one clear line starting with `what`, such as
 * `uploading SARIF to code scanning: the token lacks 'security-events:
 * write' ...`. A GitHubError passes through unchanged.
 */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const failure = httpFailureOf(error);
  if (failure === undefined) return networkError(error, what);
  const [code, reason] = explain(failure);
  return new GitHubError(code, `${what}: ${reason}`, {
    cause: error,
    status: failure.status,
  });
}

/** One line saying what failed and what to change; never the token. */
export function describeGitHubError(error: unknown, what: string): string {
  return toGitHubError(error, what).message;
}

function networkError(error: unknown, what: string): GitHubError {
  const detail = error instanceof Error ? error.message : String(error);
  const reason = isTimeout(error)
    ? 'GitHub did not answer in time'
    : `could not reach GitHub (${oneLine(redactTokens(detail), 200)})`;
  return new GitHubError('network', `${what}: ${reason}`, { cause: error });
}

function isTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError') return true;
  return (
    /aborted due to timeout/i.test(error.message) || isTimeout(error.cause)
  );
}

function explain(failure: HttpFailure): [GitHubErrorCode, string] {
  const { status, message } = failure;
  if (status === 401)
    return [
      'bad-credentials',
      'GitHub rejected the token (401 Bad credentials); check the ' +
        'github-token input, or whether the token expired',
    ];
  if (isRateLimited(failure)) return ['rate-limited', rateLimitReason(failure)];
  if (status === 403) return explainForbidden(failure);
  if (status === 404) return ['not-found', notFoundReason(failure)];
  if (status === 413)
    return ['too-large', `GitHub refused the request as too large (413)`];
  if (status === 400 || status === 422)
    return ['rejected', `GitHub rejected the request (${status}): ${message}`];
  if (status >= 500) {
    const attempts = failure.retryCount + 1;
    return [
      'upstream',
      `GitHub answered ${status} (${message}) after ${attempts} ` +
        `${attempts === 1 ? 'attempt' : 'attempts'}; GitHub may be ` +
        'degraded, retry later',
    ];
  }
  return ['upstream', `GitHub answered ${status}: ${message}`];
}

function isRateLimited(failure: HttpFailure): boolean {
  if (failure.status !== 403 && failure.status !== 429) return false;
  return (
    failure.status === 429 ||
    /rate limit/i.test(failure.message) ||
    failure.headers['x-ratelimit-remaining'] === '0'
  );
}

function rateLimitReason(failure: HttpFailure): string {
  const reset = Number(failure.headers['x-ratelimit-reset']);
  const primary =
    failure.headers['x-ratelimit-remaining'] === '0' &&
    !/secondary/i.test(failure.message);
  if (primary && Number.isFinite(reset) && reset > 0)
    return (
      'the GitHub API rate limit of this token is used up until ' +
      `${new Date(reset * 1000).toISOString()}; retry after that`
    );
  return (
    `GitHub's secondary rate limit still applied after the allowed ` +
    `retries (${failure.status}); run fewer jobs against GitHub at once, ` +
    'or retry later'
  );
}

/**
 * Limitation: GitHub answers a fork's read-only token and a workflow
 * without the permission alike, so the message names both causes.
 */
function explainForbidden(failure: HttpFailure): [GitHubErrorCode, string] {
  if (isCodeScanningOff(failure.message))
    return [
      'code-scanning-disabled',
      `code scanning is not enabled for this repository (GitHub: ` +
        `'${failure.message}'); enable GitHub Code Security in the ` +
        "repository's settings, or turn the SARIF upload off",
    ];
  const permission = permissionFor(failure.method, failure.path);
  if (
    /not accessible by (integration|personal access token)/i.test(
      failure.message,
    )
  )
    return [
      'forbidden',
      `the token lacks '${permission}' (GitHub: '${failure.message}'); ` +
        `add it under 'permissions:' in the workflow. A pull request from a ` +
        'fork always gets a read-only token: keep the report as an artifact there',
    ];
  return [
    'forbidden',
    `GitHub refused (403: ${failure.message}); the token may lack ` +
      `'${permission}'`,
  ];
}

const CODE_SCANNING_OFF: readonly RegExp[] = [
  /advanced security must be enabled/i,
  /code security .*must be enabled/i,
  /code (scanning|security) is not enabled/i,
];

/** GitHub's wordings for a repository without code scanning. */
export function isCodeScanningOff(message: string): boolean {
  return CODE_SCANNING_OFF.some((pattern) => pattern.test(message));
}

/**
 * The workflow permission a REST path needs, by its area.
 * Limitation: only the areas imagegate calls are named (code scanning,
 * check runs, issues and pulls); other paths get a generic wording.
 */
function permissionFor(method: string, path: string): string {
  const level = method.toUpperCase() === 'GET' ? 'read' : 'write';
  if (path.includes('/code-scanning/')) return `security-events: ${level}`;
  if (path.includes('/check-runs')) return `checks: ${level}`;
  if (/\/(pulls|issues)\//.test(path)) return `pull-requests: ${level}`;
  return `the permission this call needs (${method} ${path})`;
}

function notFoundReason(failure: HttpFailure): string {
  const match = /\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(failure.path);
  if (match === null)
    return `GitHub answered 404 for ${failure.method} ${failure.path}`;
  const repository = `${safeDecode(match[1] ?? '')}/${safeDecode(match[2] ?? '')}`;
  const rest = match[3] ?? '';
  // A path ending in an id names one resource: that is what is missing.
  if (/\/(\d+|[0-9a-f-]{36})$/i.test(rest))
    return (
      `GitHub answered 404 for ${rest.slice(1)} in ${repository}: it does ` +
      'not exist (any more), or the token cannot see the repository'
    );
  return (
    `repository ${repository} was not found, or the token cannot see it ` +
    `(404); check the repository name and the token's access`
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
