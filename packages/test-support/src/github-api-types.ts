/** The public shapes of the GitHub API double. */

/** The descriptions `@octokit/openapi` ships: github.com, GHEC, GHES. */
export type GitHubDescriptionName =
  'api.github.com' | 'ghec' | 'ghes-3.17' | 'ghes-3.18' | 'ghes-3.19';

/** What loading a description cost, for the start-up budget. */

export interface DescriptionLoad {
  name: GitHubDescriptionName;
  /** Read, parse and index time of the first load in this process. */
  loadMs: number;
  /** Paths and operations in the description. */
  paths: number;
  operations: number;
}

export type Json = Record<string, unknown>;

/** One request the double received, for assertions. */
export interface RecordedCall {
  seq: number;
  method: string;
  /** The path below the base path, such as `/repos/o/r/check-runs`. */
  path: string;
  /** The matched OpenAPI path template, such as `/repos/{owner}/{repo}/check-runs`. */
  route: string | undefined;
  operationId: string | undefined;
  query: Record<string, string>;
  /** Request headers, lower-case; Authorization keeps only its scheme. */
  headers: Record<string, string>;
  /** The parsed JSON body, or the text when it was not JSON. */
  body: unknown;
  /** False when the request broke GitHub's OpenAPI description. */
  valid: boolean;
  errors: string[];
  status: number;
  /** Where the double's answer broke the description: a bug in the double. */
  responseErrors: string[];
  /** The scripted fault that answered, if any. */
  fault: GitHubFault['kind'] | undefined;
  /** False when the operation is valid but the double has no handler. */
  implemented: boolean;
}

/** A scripted failure, answered the way GitHub answers it. */

export type GitHubFault =
  | { kind: 'not-accessible' }
  | {
      kind: 'code-scanning-disabled';
      wording?: 'advanced-security' | 'not-enabled';
    }
  | { kind: 'secondary-rate-limit'; status?: 403 | 429; retryAfter?: number }
  | { kind: 'rate-limit-exhausted'; resetInSeconds: number }
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504 }
  | { kind: 'server-error-after-success'; status?: 500 | 502 | 503 | 504 }
  | { kind: 'not-found' }
  | {
      kind: 'response';
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
    };

/** A request as a custom handler sees it. */
export interface DoubleRequest {
  operationId: string;
  repository: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

/** An answer from a handler. */

export interface DoubleReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** How SARIF uploads are processed from now on. */
export interface SarifProcessing {
  /** Status polls answered `pending` before the outcome; Infinity never ends. */
  pendingPolls: number;
  /** Errors to fail processing with; none means `complete`. */
  errors?: string[];
}

/** A SARIF upload as the double decoded it. */

export interface SarifUpload {
  id: string;
  repository: string;
  commitSha: string;
  ref: string;
  /** The SARIF log, un-base64-ed, gunzipped and parsed. */
  sarif: unknown;
  gzipBytes: number;
  checkoutUri: string | undefined;
  toolName: string | undefined;
  polls: number;
  pendingPolls: number;
  errors: string[];
}

/** An issue or pull request comment the double holds. */
export interface StoredComment {
  id: number;
  repository: string;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

/** A check run the double holds, with every annotation sent to it. */

export interface StoredCheckRun {
  id: number;
  repository: string;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: Json[];
  updates: number;
}

/** A pull request review the double holds. */
export interface StoredReview {
  id: number;
  repository: string;
  pull: number;
  commitId: string;
  body: string;
  event: string | undefined;
  comments: Json[];
}

/** A changed file of a pull request, as a test seeds it. */

export interface PullFile {
  filename: string;
  status?:
    | 'added'
    | 'removed'
    | 'modified'
    | 'renamed'
    | 'copied'
    | 'changed'
    | 'unchanged';
  /** A unified diff of the file, as GitHub's `patch` field. */
  patch?: string;
  previousFilename?: string;
}

/** How to start the double. */
export interface GitHubApiOptions {
  /** The token requests must carry; a canary in secret-hygiene tests. */
  token?: string;
  /** `/api/v3` to look like GHES; empty for github.com. */
  basePath?: string;
  description?: GitHubDescriptionName;
  /** Repositories that exist as `owner/repo`; any when not given. */
  repositories?: string[];
  /** Delay before each answer, to make concurrency observable. */
  latencyMs?: number;
  /** Largest request body accepted; 64 MiB. */
  maxBodyBytes?: number;
}

/** A running GitHub API double. */

export interface GitHubApi {
  /** The API root to pass as `GITHUB_API_URL`. */
  url: string;
  token: string;
  /** What loading the description cost (cached after the first start). */
  startup: DescriptionLoad;
  calls: RecordedCall[];
  sarifUploads: SarifUpload[];
  checkRuns: StoredCheckRun[];
  reviews: StoredReview[];
  /** The most mutations (non-GET requests) that were ever in flight at once. */
  maxMutationsInFlight(): number;
  /** Calls that broke the description; tests expect none. */
  invalidCalls(): RecordedCall[];
  /** Throws, listing them, if any call was invalid or answered wrongly. */
  assertAllValid(): void;
  /**
   * Answers the next `times` (1) valid requests for `operation` with
   * `fault`: an operationId such as `issues/create-comment`, a method and
   * path template such as `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`,
   * or `*` for any.
   */
  fault(operation: string, fault: GitHubFault, times?: number): void;
  /** Answers `operationId` with a custom handler. */
  handle(
    operationId: string,
    handler: (request: DoubleRequest) => DoubleReply,
  ): void;
  setSarifProcessing(processing: SarifProcessing): void;
  seedComment(
    repository: string,
    issue: number,
    body: string,
    user?: string,
  ): StoredComment;
  comments(repository: string, issue: number): StoredComment[];
  setPullFiles(
    repository: string,
    pull: number,
    files: PullFile[],
    headSha?: string,
  ): void;
  close(): Promise<void>;
}
