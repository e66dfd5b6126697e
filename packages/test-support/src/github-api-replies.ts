import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { isRecord, textOf, type OperationSpec } from './github-api-openapi';
import type {
  DoubleReply,
  GitHubFault,
  Json,
  PullFile,
  StoredCheckRun,
} from './github-api-types';

// GitHub's answers: error bodies, scripted faults, and the limits GitHub
// enforces beyond its OpenAPI description.

export const DOCS = 'https://docs.github.com/rest';

/** The longest comment body GitHub accepts, in characters. */
export const MAX_COMMENT_CHARACTERS = 65_536;

export const MAX_ANNOTATIONS_PER_REQUEST = 50;

/** GitHub's limit on an upload's gzipped SARIF. */
export const MAX_SARIF_GZIP_BYTES = 10 * 1024 * 1024;

export const BOT_LOGIN = 'github-actions[bot]';

export function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function errorReply(
  status: number,
  message: string,
  extra: Json = {},
): DoubleReply {
  return {
    status,
    body: {
      message,
      documentation_url: DOCS,
      status: String(status),
      ...extra,
    },
  };
}

export function validationFailed(
  resource: string,
  field: string,
  message: string,
): DoubleReply {
  return errorReply(422, 'Validation Failed', {
    errors: [{ resource, code: 'custom', field, message }],
  });
}

export function faultReply(fault: GitHubFault): DoubleReply {
  switch (fault.kind) {
    case 'not-accessible':
      return errorReply(403, 'Resource not accessible by integration');
    case 'code-scanning-disabled':
      return errorReply(
        403,
        fault.wording === 'not-enabled'
          ? 'Code scanning is not enabled for this repository. Please enable code scanning in the repository settings.'
          : 'Advanced Security must be enabled for this repository to use code scanning.',
      );
    case 'secondary-rate-limit':
      return secondaryRateLimit(fault.status ?? 403, fault.retryAfter);
    case 'rate-limit-exhausted':
      return rateLimitExhausted(fault.resetInSeconds);
    case 'server-error':
    case 'server-error-after-success':
      return serverError(fault.status ?? 502);
    case 'not-found':
      return errorReply(404, 'Not Found');
    case 'response':
      return {
        status: fault.status,
        body: fault.body,
        headers: fault.headers ?? {},
      };
  }
}

export function secondaryRateLimit(
  status: number,
  retryAfter: number | undefined,
): DoubleReply {
  const reply = errorReply(
    status,
    'You have exceeded a secondary rate limit. Please wait a few minutes ' +
      'before you try again. If you reach out to GitHub Support for help, ' +
      `please include the request ID ${randomUUID()}.`,
  );
  if (retryAfter !== undefined)
    reply.headers = { 'retry-after': String(retryAfter) };
  return reply;
}

export function rateLimitExhausted(resetInSeconds: number): DoubleReply {
  const reply = errorReply(
    403,
    'API rate limit exceeded for installation ID 1.',
  );
  reply.headers = {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-used': '5000',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetInSeconds),
  };
  return reply;
}

export function serverError(status: number): DoubleReply {
  const names: Record<number, string> = {
    500: 'Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return { status, body: { message: names[status] ?? 'Server Error' } };
}

/** A SARIF `sarif` field decoded, or why GitHub would refuse it. */
export function decodeSarif(
  text: string,
): { sarif: unknown; gzipBytes: number } | { error: string; status: number } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    return {
      status: 400,
      error: 'The sarif field is not a valid base64 string',
    };
  const gzip = Buffer.from(text, 'base64');
  if (gzip.length > MAX_SARIF_GZIP_BYTES)
    return {
      status: 413,
      error: 'Payload Too Large: the gzipped SARIF exceeds 10 MB',
    };
  try {
    const json = gunzipSync(gzip, { maxOutputLength: 1024 * 1024 * 1024 });
    return { sarif: JSON.parse(json.toString('utf8')), gzipBytes: gzip.length };
  } catch {
    return {
      status: 400,
      error: 'The sarif field is not a gzip-compressed SARIF (JSON) file',
    };
  }
}

/** What GitHub's processing rejects, in its own words where known. */

export function sarifProcessingErrors(sarif: unknown): string[] {
  const runs = isRecord(sarif) ? sarif.runs : undefined;
  if (!Array.isArray(runs)) return ['rejecting SARIF, as it has no runs array'];
  const errors: string[] = [];
  if (runs.length > 20)
    errors.push(
      `rejecting SARIF, as there are more runs than allowed (${runs.length} > 20)`,
    );
  const categories = new Set<string>();
  for (const run of runs as unknown[]) {
    const results =
      isRecord(run) && Array.isArray(run.results) ? run.results.length : 0;
    if (results > 25_000)
      errors.push(
        `rejecting SARIF, as there are more results per run than allowed (${results} > 25000)`,
      );
    const key = runCategory(run);
    if (categories.has(key))
      errors.push(
        'A delivery cannot contain multiple runs with the same category',
      );
    categories.add(key);
  }
  return errors;
}

export function runCategory(run: unknown): string {
  if (!isRecord(run)) return '';
  const driver =
    isRecord(run.tool) && isRecord(run.tool.driver) ? run.tool.driver : {};
  const details = isRecord(run.automationDetails) ? run.automationDetails : {};
  return `${textOf(driver.name)}\u0000${textOf(details.id)}`;
}

/** Lines of a unified diff that a review comment can address, per side. */
export function diffLines(patch: string | undefined): {
  right: Set<number>;
  left: Set<number>;
  positions: number;
} {
  const right = new Set<number>();
  const left = new Set<number>();
  let positions = 0;
  let oldLine = 0;
  let newLine = 0;
  const lines = (patch ?? '').split('\n');
  lines.forEach((line, index) => {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (index > 0) positions += 1;
    if (hunk !== null) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      return;
    }
    if (line.startsWith('+')) right.add(newLine++);
    else if (line.startsWith('-')) left.add(oldLine++);
    else if (line.startsWith(' ')) {
      right.add(newLine++);
      left.add(oldLine++);
    }
  });
  return { right, left, positions };
}

export function diffCounts(patch: string | undefined): {
  additions: number;
  deletions: number;
} {
  const lines = (patch ?? '').split('\n');
  return {
    additions: lines.filter((l) => l.startsWith('+')).length,
    deletions: lines.filter((l) => l.startsWith('-')).length,
  };
}

export function commentTooLong(body: string): DoubleReply | undefined {
  const characters = Array.from(body).length;
  if (characters <= MAX_COMMENT_CHARACTERS) return undefined;
  return validationFailed(
    'IssueComment',
    'body',
    `body is too long (maximum is ${MAX_COMMENT_CHARACTERS} characters)`,
  );
}

/**
 * GitHub's 422s for a review: off-diff lines, unknown paths, long bodies.
 * Limitation: a pull request without seeded files resolves no path, and
 * GitHub's other review rules (a body for REQUEST_CHANGES, reviewing
 * one's own pull request) are not enforced.
 */
export function reviewProblem(
  comments: Json[],
  files: PullFile[],
  body: string,
): DoubleReply | undefined {
  const unresolved = (message: string): DoubleReply =>
    errorReply(422, 'Unprocessable Entity', { errors: [message] });
  if (Array.from(body).length > MAX_COMMENT_CHARACTERS)
    return unresolved('Body is too long (maximum is 65536 characters)');
  for (const comment of comments) {
    const file = files.find((f) => f.filename === comment.path);
    if (file === undefined) return unresolved('Path could not be resolved');
    if (!isOnDiff(comment, diffLines(file.patch)))
      return unresolved('Line could not be resolved');
    if (Array.from(String(comment.body)).length > MAX_COMMENT_CHARACTERS)
      return unresolved('Body is too long (maximum is 65536 characters)');
  }
  return undefined;
}

export function isOnDiff(
  comment: Json,
  diff: ReturnType<typeof diffLines>,
): boolean {
  if (typeof comment.position === 'number')
    return comment.position >= 1 && comment.position <= diff.positions;
  const side = (s: unknown): Set<number> =>
    s === 'LEFT' ? diff.left : diff.right;
  if (typeof comment.line !== 'number') return false;
  if (!side(comment.side).has(comment.line)) return false;
  if (typeof comment.start_line !== 'number') return true;
  return side(comment.start_side ?? comment.side).has(comment.start_line);
}

/** GitHub's 422s for a check run: too many annotations, bad columns. */
export function checkRunProblem(body: Json): DoubleReply | undefined {
  const output = isRecord(body.output) ? body.output : {};
  const annotations = Array.isArray(output.annotations)
    ? (output.annotations as Json[])
    : [];
  if (annotations.length > MAX_ANNOTATIONS_PER_REQUEST)
    return validationFailed(
      'CheckRun',
      'annotations',
      `only ${MAX_ANNOTATIONS_PER_REQUEST} annotations are allowed per request`,
    );
  // Limitation: GitHub documents columns as valid only on one-line
  // annotations; whether it answers 422 or ignores them is not verified.
  const badColumns = annotations.some(
    (a) =>
      a.start_line !== a.end_line &&
      (a.start_column !== undefined || a.end_column !== undefined),
  );
  if (badColumns)
    return validationFailed(
      'CheckRun',
      'annotations',
      'columns are only allowed when start_line equals end_line',
    );
  if (body.status === 'completed' && body.conclusion === undefined)
    return validationFailed(
      'CheckRun',
      'conclusion',
      'conclusion is required when status is completed',
    );
  return undefined;
}

export function applyCheckRunChanges(run: StoredCheckRun, body: Json): void {
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed';
    run.completedAt =
      typeof body.completed_at === 'string' ? body.completed_at : timestamp();
  }
  if (!isRecord(body.output)) return;
  const { title, summary, text, annotations } = body.output;
  if (typeof title === 'string') run.output.title = title;
  if (typeof summary === 'string') run.output.summary = summary;
  if (typeof text === 'string') run.output.text = text;
  if (Array.isArray(annotations))
    run.annotations.push(...(annotations as Json[]));
}

/** GitHub's own limits, answered 422 even where the schema also forbids. */
export function gitHubLimit(
  operation: OperationSpec,
  body: unknown,
): DoubleReply | undefined {
  if (!isRecord(body)) return undefined;
  if (operation.id === 'checks/create' || operation.id === 'checks/update')
    return checkRunProblem(body);
  if (
    operation.id === 'issues/create-comment' ||
    operation.id === 'issues/update-comment'
  )
    return typeof body.body === 'string'
      ? commentTooLong(body.body)
      : undefined;
  return undefined;
}
