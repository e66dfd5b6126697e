import { gzipSync } from 'node:zlib';
import {
  parseSeverity,
  securitySeverityScore,
  type Logger,
} from '@imagegate/findings';
import {
  GitHubError,
  oneLine,
  toGitHubError,
  type GitHubClient,
} from './client';
import { SARIF_LIMITS } from './sarif';

/**
 * GitHub's limit on an upload's gzipped SARIF: "10 MB". Decimal
 * megabytes, the smaller reading, so an upload never meets a 413.
 */
export const SARIF_MAX_GZIP_BYTES = 10_000_000;

/** What to upload, where, and how long to wait for processing. */
export interface UploadSarifRequest {
  owner: string;
  repo: string;
  /** The commit the analysis is about (40 or 64 hex digits). */
  commitSha: string;
  /** `refs/heads/...`, `refs/tags/...` or `refs/pull/N/head`. */
  ref: string;
  /** The SARIF log, as an object or as JSON text. */
  sarif: unknown;
  /** The analysed checkout as a `file://` URI, when paths are absolute. */
  checkoutUri?: string;
  /** Tool names for the analysis; the runs' drivers by default. */
  toolNames?: readonly string[];
  /** How long to wait for GitHub to process the upload. */
  pollTimeoutMs: number;
  /** First wait between status checks, doubled up to 15 s; 2,000 ms. */
  pollIntervalMs?: number;
  /** The gzipped size limit; {@link SARIF_MAX_GZIP_BYTES}. */
  maxGzipBytes?: number;
  logger: Logger;
}

/** How an upload ended. */
export interface UploadSarifResult {
  sarifId: string;
  /** `pending` when processing outlasted `pollTimeoutMs` (a warning). */
  status: 'complete' | 'pending';
  /**
   * Errors GitHub listed on a complete upload (logged as warnings);
   * failed processing throws instead.
   */
  errors: string[];
  /** Results left out to fit GitHub's limits, least severe first. */
  droppedResults: number;
  gzipBytes: number;
}

/**
 * Uploads a SARIF log to code scanning: checks GitHub's limits first
 * (over 25,000 results in a run, or over 10 MB gzipped, the least severe
 * results are dropped with a warning; over 20 runs fails), then posts it
 * gzipped and base64-encoded and waits for processing with growing
 * pauses. Failed processing throws a GitHubError listing GitHub's errors;
 * a timeout returns `pending` with a warning.
 */
export async function uploadSarif(
  client: GitHubClient,
  request: UploadSarifRequest,
): Promise<UploadSarifResult> {
  const log = readSarif(request.sarif);
  const fitted = fitSarif(log, request);
  const sarifId = await postSarif(client, request, log, fitted.gzip);
  const size = formatBytes(fitted.gzip.length);
  request.logger.info(
    `code scanning: uploaded SARIF ${sarifId} (${size} gzipped) for ${request.ref}`,
  );
  const outcome = await waitForProcessing(client, request, sarifId);
  return {
    sarifId,
    ...outcome,
    droppedResults: fitted.dropped,
    gzipBytes: fitted.gzip.length,
  };
}

// ---------------------------------------------------------------------------
// Reading and fitting the log
// ---------------------------------------------------------------------------

type Json = Record<string, unknown>;

interface SarifDocument extends Json {
  runs: Json[];
}

function readSarif(sarif: unknown): SarifDocument {
  let log = sarif;
  if (typeof sarif === 'string') {
    try {
      log = JSON.parse(sarif) as unknown;
    } catch (error) {
      throw new GitHubError('bad-input', 'the SARIF to upload is not JSON', {
        cause: error,
      });
    }
  }
  if (!isRecord(log) || log.version !== '2.1.0' || !Array.isArray(log.runs))
    throw new GitHubError(
      'bad-input',
      "the SARIF to upload is not a SARIF 2.1.0 log (no version '2.1.0' and runs)",
    );
  if (!log.runs.every(isRecord))
    throw new GitHubError(
      'bad-input',
      'the SARIF to upload has a run that is not an object',
    );
  return log as SarifDocument;
}

interface Fitted {
  gzip: Buffer;
  dropped: number;
}

/**
 * The log within GitHub's limits, gzipped.
 * Limitation: a log of more than 20 runs fails instead of being split
 * into several uploads; imagegate's own logs merge runs by category.
 */
function fitSarif(log: SarifDocument, request: UploadSarifRequest): Fitted {
  const max = request.maxGzipBytes ?? SARIF_MAX_GZIP_BYTES;
  if (log.runs.length > SARIF_LIMITS.runsPerFile)
    throw new GitHubError(
      'too-large',
      `the SARIF log has ${log.runs.length} runs; code scanning takes ` +
        `${SARIF_LIMITS.runsPerFile} per upload: split it by category into several uploads`,
    );
  const entries = rankedResults(log);
  const counted = keepPerRunLimit(entries, request.logger);
  let gzip = gzipLog(log, counted);
  if (gzip.length <= max)
    return { gzip, dropped: entries.length - counted.size };
  const kept = cutToSize(log, entries, counted, gzip.length, max);
  gzip = kept.gzip;
  const dropped = entries.length - kept.keep.size;
  warnDropped(request.logger, entries, kept.keep, max);
  return { gzip, dropped };
}

interface RankedResult {
  run: number;
  index: number;
  weight: number;
  bytes: number;
  result: unknown;
}

/** Every result with its severity weight, most severe first. */
function rankedResults(log: SarifDocument): RankedResult[] {
  const entries: RankedResult[] = [];
  log.runs.forEach((run, runIndex) => {
    const results = Array.isArray(run.results)
      ? (run.results as unknown[])
      : [];
    const rules = ruleScores(run);
    results.forEach((result, index) => {
      entries.push({
        run: runIndex,
        index,
        weight: resultWeight(result, rules),
        bytes: JSON.stringify(result).length,
        result,
      });
    });
  });
  return entries.sort(
    (a, b) => b.weight - a.weight || a.run - b.run || a.index - b.index,
  );
}

/** `security-severity` of each rule, by index and by id. */
function ruleScores(run: Json): Map<string | number, number> {
  const scores = new Map<string | number, number>();
  const tool =
    isRecord(run.tool) && isRecord(run.tool.driver) ? run.tool.driver : {};
  const rules = Array.isArray(tool.rules) ? (tool.rules as unknown[]) : [];
  rules.forEach((rule, index) => {
    if (!isRecord(rule) || !isRecord(rule.properties)) return;
    const score = Number(rule.properties['security-severity']);
    if (!Number.isFinite(score)) return;
    scores.set(index, score);
    if (typeof rule.id === 'string') scores.set(rule.id, score);
  });
  return scores;
}

const LEVEL_WEIGHTS: Record<string, number> = {
  error: 8,
  warning: 5.5,
  note: 2,
  none: 0,
};

/**
 * How severe a result is, on the `security-severity` scale: imagegate's
 * own severity, else the rule's score, else the SARIF level.
 */
function resultWeight(
  result: unknown,
  rules: Map<string | number, number>,
): number {
  if (!isRecord(result)) return 0;
  const properties = isRecord(result.properties) ? result.properties : {};
  const severity =
    typeof properties.severity === 'string'
      ? parseSeverity(properties.severity)
      : undefined;
  if (severity !== undefined) return securitySeverityScore(severity);
  const byRule =
    (typeof result.ruleIndex === 'number'
      ? rules.get(result.ruleIndex)
      : undefined) ??
    (typeof result.ruleId === 'string' ? rules.get(result.ruleId) : undefined);
  if (byRule !== undefined) return byRule;
  const level = typeof result.level === 'string' ? result.level : 'warning';
  return LEVEL_WEIGHTS[level] ?? 0;
}

/** The results kept under the per-run count limit, as a set. */
function keepPerRunLimit(
  entries: readonly RankedResult[],
  logger: Logger,
): Set<RankedResult> {
  const perRun = new Map<number, number>();
  const kept = new Set<RankedResult>();
  for (const entry of entries) {
    const count = perRun.get(entry.run) ?? 0;
    if (count >= SARIF_LIMITS.resultsPerRun) continue;
    perRun.set(entry.run, count + 1);
    kept.add(entry);
  }
  const dropped = entries.length - kept.size;
  if (dropped > 0)
    logger.warning(
      `SARIF: dropped the ${dropped} least severe results over GitHub's ` +
        `${SARIF_LIMITS.resultsPerRun} results per run`,
    );
  return kept;
}

/**
 * Keeps the most severe results that fit in `max` gzipped bytes. The
 * compression ratio of the first try estimates the budget; each retry
 * shrinks it by how far the last one missed.
 * Limitation: only results are dropped; rules, artifacts and other run
 * data stay whole, so a log that is too large without its results fails.
 * Among results of equal severity, the later ones go first.
 */
function cutToSize(
  log: SarifDocument,
  entries: readonly RankedResult[],
  allowed: ReadonlySet<RankedResult>,
  gzipBytes: number,
  max: number,
): { gzip: Buffer; keep: Set<RankedResult> } {
  const candidates = entries.filter((entry) => allowed.has(entry));
  const resultBytes = candidates.reduce((sum, entry) => sum + entry.bytes, 0);
  const fixed = JSON.stringify({
    ...log,
    runs: log.runs.map(withoutResults),
  }).length;
  let ratio = gzipBytes / (fixed + resultBytes);
  for (let attempt = 0; attempt < 12; attempt += 1) {
    const budget = (max * 0.97) / ratio - fixed;
    const keep = takeWithin(candidates, budget);
    const gzip = gzipLog(log, keep);
    if (gzip.length <= max) return { gzip, keep };
    if (keep.size === 0) break;
    ratio *= (gzip.length / max) * 1.02;
  }
  throw new GitHubError(
    'too-large',
    `the SARIF log is over GitHub's ${formatBytes(max)} gzipped limit even ` +
      'without its results; reduce its rules or runs',
  );
}

function takeWithin(
  candidates: readonly RankedResult[],
  budget: number,
): Set<RankedResult> {
  const keep = new Set<RankedResult>();
  let used = 0;
  for (const entry of candidates) {
    used += entry.bytes + 1;
    if (used > budget) break;
    keep.add(entry);
  }
  return keep;
}

function withoutResults(run: Json): Json {
  return { ...run, results: [] };
}

/** The log with only the kept results, in their original order, gzipped. */
function gzipLog(log: SarifDocument, keep: ReadonlySet<RankedResult>): Buffer {
  const byRun = new Map<number, RankedResult[]>();
  for (const entry of keep) {
    const list = byRun.get(entry.run) ?? [];
    list.push(entry);
    byRun.set(entry.run, list);
  }
  const runs = log.runs.map((run, index) => {
    if (!Array.isArray(run.results)) return run;
    const kept = (byRun.get(index) ?? []).sort((a, b) => a.index - b.index);
    return { ...run, results: kept.map((entry) => entry.result) };
  });
  return gzipSync(JSON.stringify({ ...log, runs }));
}

function warnDropped(
  logger: Logger,
  entries: readonly RankedResult[],
  keep: ReadonlySet<RankedResult>,
  max: number,
): void {
  const dropped = entries.filter((entry) => !keep.has(entry));
  const worst = dropped[0]?.weight ?? 0;
  logger.warning(
    `SARIF: the log is over GitHub's ${formatBytes(max)} gzipped limit; ` +
      `dropped the ${dropped.length} least severe of ${entries.length} results ` +
      `(the most severe dropped scores ${worst.toFixed(1)})`,
  );
}

// ---------------------------------------------------------------------------
// Uploading and waiting
// ---------------------------------------------------------------------------

async function postSarif(
  client: GitHubClient,
  request: UploadSarifRequest,
  log: SarifDocument,
  gzip: Buffer,
): Promise<string> {
  const toolNames = request.toolNames ?? driverNames(log);
  try {
    const response = await client.rest.codeScanning.uploadSarif({
      owner: request.owner,
      repo: request.repo,
      commit_sha: request.commitSha,
      ref: request.ref,
      sarif: gzip.toString('base64'),
      ...(request.checkoutUri === undefined
        ? {}
        : { checkout_uri: request.checkoutUri }),
      ...(toolNames.length === 0 ? {} : { tool_name: toolNames.join(', ') }),
    });
    const id = response.data.id;
    if (typeof id !== 'string' || id === '')
      throw new GitHubError(
        'upstream',
        'code scanning accepted the SARIF but returned no upload id',
      );
    return id;
  } catch (error) {
    throw toGitHubError(
      error,
      `uploading SARIF to code scanning of ${request.owner}/${request.repo}`,
    );
  }
}

/**
 * The runs' tool names, for the upload's single `tool_name`.
 * Limitation: several tools in one log are joined into one name there;
 * alerts still carry each run's own driver name.
 */
function driverNames(log: SarifDocument): string[] {
  const names = log.runs.map((run) =>
    isRecord(run.tool) && isRecord(run.tool.driver)
      ? run.tool.driver.name
      : undefined,
  );
  return [
    ...new Set(
      names.filter((name): name is string => typeof name === 'string'),
    ),
  ];
}

const MAX_POLL_INTERVAL_MS = 15_000;

type Outcome = { status: 'complete' | 'pending'; errors: string[] };

/**
 * Polls the upload's status with doubling pauses until GitHub says
 * complete or failed, or the time is up. A status check that fails
 * (other than GitHub not knowing the id yet) ends the wait with a
 * warning: the upload itself went through.
 */
async function waitForProcessing(
  client: GitHubClient,
  request: UploadSarifRequest,
  sarifId: string,
): Promise<Outcome> {
  const deadline = Date.now() + request.pollTimeoutMs;
  let interval = request.pollIntervalMs ?? 2000;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return timedOut(request, sarifId);
    await sleep(Math.min(interval, remaining));
    interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
    const status = await processingStatus(client, request, sarifId);
    if (status instanceof GitHubError) return unknownStatus(request, status);
    if (status?.processing_status === 'complete')
      return completed(request, status);
    if (status?.processing_status === 'failed')
      failProcessing(request, sarifId, status.errors);
  }
}

function completed(
  request: UploadSarifRequest,
  status: ProcessingStatus,
): Outcome {
  const errors = [...(status.errors ?? [])];
  for (const error of errors.slice(0, 20))
    request.logger.warning(`code scanning: ${oneLine(error, 500)}`);
  return { status: 'complete', errors };
}

function unknownStatus(
  request: UploadSarifRequest,
  error: GitHubError,
): Outcome {
  request.logger.warning(
    `${error.message}; the upload went through, but its processing ` +
      'result is unknown',
  );
  return { status: 'pending', errors: [] };
}

interface ProcessingStatus {
  processing_status?: 'pending' | 'complete' | 'failed';
  errors?: readonly string[] | null;
}

/**
 * The upload's status; undefined while GitHub does not know the id yet,
 * the error when the check failed.
 */
async function processingStatus(
  client: GitHubClient,
  request: UploadSarifRequest,
  sarifId: string,
): Promise<ProcessingStatus | GitHubError | undefined> {
  try {
    const response = await client.rest.codeScanning.getSarif({
      owner: request.owner,
      repo: request.repo,
      sarif_id: sarifId,
    });
    request.logger.debug(
      `code scanning: upload ${sarifId} is ${response.data.processing_status ?? 'unknown'}`,
    );
    return response.data;
  } catch (error) {
    const failure = toGitHubError(error, `checking SARIF upload ${sarifId}`);
    // Right after the upload GitHub may not know the id yet.
    return failure.code === 'not-found' ? undefined : failure;
  }
}

function failProcessing(
  request: UploadSarifRequest,
  sarifId: string,
  errors: readonly string[] | null | undefined,
): never {
  const list = errors ?? [];
  for (const error of list.slice(0, 20))
    request.logger.error(`code scanning: ${oneLine(error, 500)}`);
  if (list.length > 20)
    request.logger.error(
      `code scanning: ... and ${list.length - 20} more errors`,
    );
  const shown =
    list.length === 0 ? 'no reason given' : oneLine(list.join('; '), 1000);
  throw new GitHubError(
    'processing-failed',
    `code scanning could not process SARIF upload ${sarifId} for ` +
      `${request.owner}/${request.repo}: ${shown}`,
    { details: [...list] },
  );
}

function timedOut(request: UploadSarifRequest, sarifId: string): Outcome {
  request.logger.warning(
    `code scanning: SARIF upload ${sarifId} was still being processed after ` +
      `${Math.round(request.pollTimeoutMs / 1000)} s; its results will appear ` +
      'when GitHub finishes, and processing errors, if any, are not reported here',
  );
  return { status: 'pending', errors: [] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Commit and ref
// ---------------------------------------------------------------------------

/** The commit and ref an upload is about. */
export interface CommitAndRef {
  commitSha: string;
  ref: string;
}

/**
 * The commit and ref to upload SARIF for, from the Actions environment
 * and event payload: on `pull_request` and `pull_request_target`, the
 * pull request's head commit and `refs/pull/N/head` (one of the two refs
 * GitHub documents for pull requests, and the one whose lines match the
 * author's code); otherwise `GITHUB_SHA` and `GITHUB_REF`.
 * Limitation: on `workflow_run` (the usual way to report on fork pull
 * requests) GITHUB_SHA and GITHUB_REF are the default branch's; pass the
 * pull request's commit and ref explicitly there.
 * Limitation: actions/checkout checks out the merge commit on a
 * pull_request event by default; when the base branch changed the
 * Dockerfile too, lines found in the merge commit may be off by the
 * base's changes in the head commit's view.
 */
export function resolveCommitAndRef(
  env: Readonly<Record<string, string | undefined>>,
  event?: unknown,
): CommitAndRef {
  const name = env.GITHUB_EVENT_NAME ?? '';
  if (name === 'pull_request' || name === 'pull_request_target') {
    const pull = pullRequestOf(event);
    if (pull !== undefined)
      return {
        commitSha: checkSha(pull.sha, 'the pull request head'),
        ref: `refs/pull/${pull.number}/head`,
      };
  }
  const sha = env.GITHUB_SHA;
  const ref = env.GITHUB_REF;
  if (sha === undefined || sha === '' || ref === undefined || ref === '')
    throw new GitHubError(
      'bad-input',
      'GITHUB_SHA and GITHUB_REF are not set; outside GitHub Actions pass the commit and ref explicitly',
    );
  return { commitSha: checkSha(sha, 'GITHUB_SHA'), ref: checkRef(ref) };
}

function pullRequestOf(
  event: unknown,
): { number: number; sha: string } | undefined {
  if (!isRecord(event) || !isRecord(event.pull_request)) return undefined;
  const { number, head } = event.pull_request;
  const sha = isRecord(head) ? head.sha : undefined;
  if (typeof number !== 'number' || typeof sha !== 'string') return undefined;
  return { number, sha };
}

function checkSha(sha: string, where: string): string {
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(sha)) return sha.toLowerCase();
  throw new GitHubError(
    'bad-input',
    `${where} is not a full commit SHA (40 or 64 hex digits)`,
  );
}

function checkRef(ref: string): string {
  if (/^refs\/(heads|tags|pull)\/.+/.test(ref)) return ref;
  throw new GitHubError(
    'bad-input',
    `GITHUB_REF '${oneLine(ref, 100)}' is not refs/heads/..., refs/tags/... or refs/pull/...`,
  );
}
