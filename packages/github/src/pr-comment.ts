import type { Logger } from '@imagegate/findings';
import type { Octokit } from '@octokit/rest';
import { toGitHubError } from './client';
import { commentMarker, cutComment } from './pr-view';

/** Where the sticky comment goes and what it says. */
export interface StickyCommentRequest {
  owner: string;
  repo: string;
  /** The pull request (or issue) number. */
  issueNumber: number;
  /** Keeps comments of several images or jobs apart. */
  key: string;
  /** The body; the key's marker is added when it is missing. */
  body: string;
  logger: Logger;
  /**
   * The login the token acts as. Given, only its comments are taken as
   * ours; otherwise only comments by bots (`github-actions[bot]`, apps).
   * Pass it with a personal access token.
   */
  authorLogin?: string;
  /** Create attempts after a server error; 2. */
  createRetries?: number;
  /** Wait before looking for a comment a failed create may have made. */
  retryDelayMs?: number;
}

/** What became of the sticky comment. */
export type StickyCommentResult =
  | {
      status: 'created' | 'updated' | 'unchanged';
      commentId: number;
      url: string;
    }
  /** The token may not comment, as on a pull request from a fork. */
  | { status: 'skipped'; reason: string };

/** An issue comment as far as the sticky comment needs it. */
interface IssueComment {
  id: number;
  body?: string | undefined;
  html_url: string;
  user: { login: string; type: string } | null;
}

/**
 * Creates or updates the one comment of `key` on a pull request. The
 * comments are listed (every page) and the one carrying the key's marker
 * is updated in place, or left alone when its body is the same. Else a
 * comment is created; when the create fails with a server error or no
 * answer, the comments are listed again before retrying, so a create that
 * did land is not repeated. A 403 (a fork's read-only token) gives
 * `skipped` with the reason; other failures throw a GitHubError.
 *
 * Limitation: with a personal access token and no `authorLogin`, the
 * token's own comments are not recognised (they are not by a bot), so
 * every run adds a comment. Where several marked comments of ours exist
 * (from older versions), the oldest is updated and the rest are left.
 */
export async function upsertStickyComment(
  octokit: Octokit,
  request: StickyCommentRequest,
): Promise<StickyCommentResult> {
  const marker = commentMarker(request.key);
  const body = cutComment(withMarker(request.body, marker));
  const where = `${request.owner}/${request.repo}#${request.issueNumber}`;
  try {
    const result = await upsert(octokit, request, marker, body);
    request.logger.info(`pull request comment ${result.status}: ${result.url}`);
    return result;
  } catch (error) {
    const failure = toGitHubError(error, `commenting on ${where}`);
    if (failure.code !== 'forbidden') throw failure;
    request.logger.warning(`${failure.message}; no comment was written`);
    return { status: 'skipped', reason: failure.message };
  }
}

type Written = Exclude<StickyCommentResult, { status: 'skipped' }>;

async function upsert(
  octokit: Octokit,
  request: StickyCommentRequest,
  marker: string,
  body: string,
): Promise<Written> {
  const existing = await findOwnComment(octokit, request, marker);
  if (existing !== undefined) {
    const updated = await updateComment(octokit, request, existing, body);
    if (updated !== undefined) return updated;
  }
  return createComment(octokit, request, marker, body);
}

function withMarker(body: string, marker: string): string {
  return body.includes(marker) ? body : `${marker}\n${body}`;
}

/** The oldest comment of ours that carries the marker. */
async function findOwnComment(
  octokit: Octokit,
  request: StickyCommentRequest,
  marker: string,
): Promise<IssueComment | undefined> {
  const comments: IssueComment[] = await octokit.paginate(
    octokit.rest.issues.listComments,
    {
      owner: request.owner,
      repo: request.repo,
      issue_number: request.issueNumber,
      per_page: 100,
    },
  );
  const ours = comments.filter(
    (comment) =>
      (comment.body ?? '').includes(marker) &&
      isOwnComment(comment.user, request.authorLogin),
  );
  if (ours.length > 1) {
    request.logger.debug(
      `${ours.length} comments carry ${marker}; updating the oldest`,
    );
  }
  return ours[0];
}

/**
 * Whether a comment was written by imagegate's account: by `authorLogin`
 * when given, else by a bot. Someone else's comment that copies the
 * marker is never edited, so no one can have the report shown under
 * their name and then change it.
 */
export function isOwnComment(
  user: { login: string; type: string } | null | undefined,
  authorLogin: string | undefined,
): boolean {
  if (user === null || user === undefined) return false;
  if (authorLogin !== undefined) return user.login === authorLogin;
  return user.type === 'Bot';
}

/** Updates in place; undefined when the comment was deleted meanwhile. */
async function updateComment(
  octokit: Octokit,
  request: StickyCommentRequest,
  existing: IssueComment,
  body: string,
): Promise<Written | undefined> {
  if (existing.body === body) {
    return {
      status: 'unchanged',
      commentId: existing.id,
      url: existing.html_url,
    };
  }
  try {
    const { data } = await octokit.rest.issues.updateComment({
      owner: request.owner,
      repo: request.repo,
      comment_id: existing.id,
      body,
    });
    return { status: 'updated', commentId: data.id, url: data.html_url };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

async function createComment(
  octokit: Octokit,
  request: StickyCommentRequest,
  marker: string,
  body: string,
): Promise<Written> {
  const retries = request.createRetries ?? 2;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { data } = await octokit.rest.issues.createComment({
        owner: request.owner,
        repo: request.repo,
        issue_number: request.issueNumber,
        body,
        // A retried create could duplicate the comment; see below.
        request: { retries: 0 },
      });
      return { status: 'created', commentId: data.id, url: data.html_url };
    } catch (error) {
      if (!mayHaveLanded(error) || attempt >= retries) throw error;
      const landed = await afterFailedCreate(octokit, request, marker, error);
      if (landed !== undefined) return landed;
    }
  }
}

/** Looks for the comment a failed create may have made anyway. */
async function afterFailedCreate(
  octokit: Octokit,
  request: StickyCommentRequest,
  marker: string,
  error: unknown,
): Promise<Written | undefined> {
  const status = statusOf(error);
  request.logger.warning(
    `GitHub answered ${status ?? 'nothing'} to creating the comment; ` +
      'looking for it before trying again',
  );
  await sleep(request.retryDelayMs ?? 2000);
  const landed = await findOwnComment(octokit, request, marker);
  if (landed === undefined) return undefined;
  return { status: 'created', commentId: landed.id, url: landed.html_url };
}

/** A server error or no answer: the write may or may not have happened. */
export function mayHaveLanded(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/** The HTTP status of an Octokit error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status } = error as { status?: unknown };
  return typeof status === 'number' ? status : undefined;
}

/** Waits `ms` milliseconds; not at all for 0. */
export function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
