import { sortFindings, type Finding, type Logger } from '@imagegate/findings';
import type { Octokit } from '@octokit/rest';
import { toGitHubError } from './client';
import {
  isOwnComment,
  mayHaveLanded,
  sleep,
  statusOf,
  upsertStickyComment,
  type StickyCommentResult,
} from './pr-comment';
import {
  cell,
  findingName,
  locationText,
  markerSafe,
  packageText,
  reportLink,
} from './pr-view';

/** Which pull request to review, and with what. */
export interface ReviewRequest {
  owner: string;
  repo: string;
  pullNumber: number;
  /** The head commit the findings are for; GitHub's latest when omitted. */
  commitId?: string;
  /** Keeps the fallback notes of several images or jobs apart. */
  key: string;
  /** Findings with a file and line; the others are ignored. */
  findings: readonly Finding[];
  logger: Logger;
  /** See {@link StickyCommentRequest.authorLogin}. */
  authorLogin?: string;
  /** At most this many comments in one review; 30. */
  maxComments?: number;
  /** The full report, linked when comments are left out. */
  reportUrl?: string;
  /** Wait before looking for a review a failed create may have made. */
  retryDelayMs?: number;
}

/** How many findings were not commented on, and why. */
export interface ReviewCounts {
  /** Open findings on lines the pull request does not change. */
  offDiff: number;
  /** Findings commented on by an earlier run. */
  alreadyCommented: number;
  /** Findings over `maxComments`. */
  leftOut: number;
}

/** What became of the review. */
export type ReviewResult =
  | ({ status: 'reviewed'; comments: number } & ReviewCounts)
  | ({ status: 'nothing-new' } & ReviewCounts)
  /** GitHub refused the review (422); one top-level note instead. */
  | ({
      status: 'fallback';
      reason: string;
      comment: StickyCommentResult;
    } & ReviewCounts)
  /** The token may not review, as on a pull request from a fork. */
  | { status: 'skipped'; reason: string };

/** One comment of the review. */
interface PlannedComment {
  finding: Finding;
  path: string;
  line: number;
  body: string;
}

interface ReviewPlan extends ReviewCounts {
  comments: PlannedComment[];
}

const FINDING_MARKER = /<!-- imagegate:finding:([A-Za-z0-9._:/-]+) -->/g;

/**
 * Comments on the lines a pull request changes, one review for all.
 *
 * The pull request's files are listed (every page) and each patch's hunks
 * read for the lines it adds; only findings on those lines are commented
 * on. Each comment carries a marker with the finding's fingerprint, and
 * fingerprints an earlier run commented on are skipped. A 422 from GitHub
 * turns the review into one top-level note; a 403 (a fork's read-only
 * token) gives `skipped`; other failures throw a GitHubError.
 *
 * Limitation: GitHub lists at most 3,000 files of a pull request, and no
 * patch for very large or binary files; findings there are off the diff.
 * Limitation: finding paths must be repository-relative, as GitHub names
 * the files. A fingerprint is commented on once per pull request: when a
 * later push moves or fixes the finding, the old comment stays as GitHub
 * left it (outdated), and no new one is written.
 * Limitation: on a 422 the whole review becomes the note, even when only
 * one comment was refused.
 */
export async function postReviewComments(
  octokit: Octokit,
  request: ReviewRequest,
): Promise<ReviewResult> {
  const where = `${request.owner}/${request.repo}#${request.pullNumber}`;
  try {
    const plan = await planReview(octokit, request);
    if (plan.comments.length === 0) {
      request.logger.info(`no new review comments for ${where}`);
      return { status: 'nothing-new', ...countsOf(plan) };
    }
    return await submitReview(octokit, request, plan);
  } catch (error) {
    const failure = toGitHubError(error, `reviewing ${where}`);
    if (failure.code !== 'forbidden') throw failure;
    request.logger.warning(`${failure.message}; no review was written`);
    return { status: 'skipped', reason: failure.message };
  }
}

function countsOf(plan: ReviewCounts): ReviewCounts {
  const { offDiff, alreadyCommented, leftOut } = plan;
  return { offDiff, alreadyCommented, leftOut };
}

async function planReview(
  octokit: Octokit,
  request: ReviewRequest,
): Promise<ReviewPlan> {
  const added = await addedLinesByFile(octokit, request);
  const commented = await commentedFingerprints(octokit, request);
  const plan: ReviewPlan = {
    comments: [],
    offDiff: 0,
    alreadyCommented: 0,
    leftOut: 0,
  };
  const seen = new Set<string>();
  const max = request.maxComments ?? 30;
  for (const finding of sortFindings(request.findings)) {
    const place = placeOnDiff(finding, added);
    if (place === 'no-line' || seen.has(finding.fingerprint)) continue;
    seen.add(finding.fingerprint);
    if (place === undefined) plan.offDiff += 1;
    else if (commented.has(markerSafe(finding.fingerprint)))
      plan.alreadyCommented += 1;
    else if (plan.comments.length >= max) plan.leftOut += 1;
    else plan.comments.push({ finding, ...place, body: commentBody(finding) });
  }
  return plan;
}

/**
 * Where on the diff a finding goes: the first line of its range that the
 * pull request adds; undefined when none is; `no-line` when the finding
 * has no open file line at all.
 */
function placeOnDiff(
  finding: Finding,
  added: ReadonlyMap<string, ReadonlySet<number>>,
): { path: string; line: number } | undefined | 'no-line' {
  const { path, line, endLine } = finding.location;
  if (finding.suppression !== undefined) return 'no-line';
  if (path === undefined || line === undefined) return 'no-line';
  const file = repositoryPath(path);
  const lines = added.get(file);
  if (lines === undefined) return undefined;
  for (let at = line; at <= Math.max(line, endLine ?? line); at += 1) {
    if (lines.has(at)) return { path: file, line: at };
  }
  return undefined;
}

function repositoryPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

async function addedLinesByFile(
  octokit: Octokit,
  request: ReviewRequest,
): Promise<Map<string, Set<number>>> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: request.owner,
    repo: request.repo,
    pull_number: request.pullNumber,
    per_page: 100,
  });
  const added = new Map<string, Set<number>>();
  for (const file of files) {
    if (file.patch !== undefined)
      added.set(file.filename, addedLines(file.patch));
  }
  return added;
}

/**
 * The right-side lines a unified-diff patch adds, as GitHub's `patch`
 * field gives them: hunks from `@@ -a,b +c,d @@`, then context (` `),
 * added (`+`) and removed (`-`) lines.
 */
export function addedLines(patch: string): Set<number> {
  const added = new Set<number>();
  let line = 0;
  let inHunk = false;
  for (const text of patch.split(/\r?\n/)) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk !== null) {
      line = Number(hunk[1]);
      inHunk = true;
    } else if (!inHunk || text.startsWith('-') || text.startsWith('\\')) {
      continue;
    } else {
      if (text.startsWith('+')) added.add(line);
      line += 1;
    }
  }
  return added;
}

/** Fingerprints our earlier review comments on this pull request carry. */
async function commentedFingerprints(
  octokit: Octokit,
  request: ReviewRequest,
): Promise<Set<string>> {
  const comments = await octokit.paginate(
    octokit.rest.pulls.listReviewComments,
    {
      owner: request.owner,
      repo: request.repo,
      pull_number: request.pullNumber,
      per_page: 100,
    },
  );
  const fingerprints = new Set<string>();
  for (const comment of comments) {
    if (!isOwnComment(comment.user, request.authorLogin)) continue;
    for (const match of comment.body.matchAll(FINDING_MARKER)) {
      fingerprints.add(match[1] as string);
    }
  }
  return fingerprints;
}

/** The marker a review comment carries for its finding. */
export function findingMarker(fingerprint: string): string {
  return `<!-- imagegate:finding:${markerSafe(fingerprint)} -->`;
}

function commentBody(finding: Finding): string {
  const fixedIn = finding.vulnerability?.fixedVersion;
  const pkg = packageText(finding);
  const facts = [
    pkg === '' ? undefined : `Package: ${cell(pkg, 100)}`,
    fixedIn === undefined ? undefined : `fixed in ${cell(fixedIn, 60)}`,
  ].filter((fact) => fact !== undefined);
  return [
    findingMarker(finding.fingerprint),
    `**${finding.severity}**: ${cell(findingName(finding), 200)}`,
    '',
    cell(finding.message, 1000),
    ...(facts.length === 0 ? [] : ['', facts.join(', ')]),
  ].join('\n');
}

async function submitReview(
  octokit: Octokit,
  request: ReviewRequest,
  plan: ReviewPlan,
): Promise<ReviewResult> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await createReview(octokit, request, plan);
      request.logger.info(
        `review with ${plan.comments.length} comments on ` +
          `${request.owner}/${request.repo}#${request.pullNumber}`,
      );
      return {
        status: 'reviewed',
        comments: plan.comments.length,
        ...countsOf(plan),
      };
    } catch (error) {
      if (statusOf(error) === 422)
        return fallback(octokit, request, plan, error);
      if (!mayHaveLanded(error) || attempt >= 2) throw error;
      if (await reviewLanded(octokit, request, plan)) {
        return {
          status: 'reviewed',
          comments: plan.comments.length,
          ...countsOf(plan),
        };
      }
    }
  }
}

async function createReview(
  octokit: Octokit,
  request: ReviewRequest,
  plan: ReviewPlan,
): Promise<void> {
  await octokit.rest.pulls.createReview({
    owner: request.owner,
    repo: request.repo,
    pull_number: request.pullNumber,
    ...(request.commitId === undefined ? {} : { commit_id: request.commitId }),
    event: 'COMMENT',
    body: reviewBody(plan, request.reportUrl),
    comments: plan.comments.map(({ path, line, body }) => ({
      path,
      line,
      side: 'RIGHT',
      body,
    })),
    // A retried create could duplicate the review; see reviewLanded.
    request: { retries: 0 },
  });
}

function reviewBody(plan: ReviewPlan, reportUrl: string | undefined): string {
  const count = plan.comments.length;
  const lines = [
    `imagegate found ${count} ${count === 1 ? 'problem' : 'problems'} ` +
      'on lines this pull request changes.',
  ];
  if (plan.leftOut > 0) {
    const link = reportLink(reportUrl);
    const where = link === undefined ? 'the job summary' : `the ${link}`;
    lines.push(
      `${plan.leftOut} more are not commented on; ${where} lists them.`,
    );
  }
  return lines.join(' ');
}

/** After a server error: whether the review's comments exist anyway. */
async function reviewLanded(
  octokit: Octokit,
  request: ReviewRequest,
  plan: ReviewPlan,
): Promise<boolean> {
  request.logger.warning(
    'GitHub gave no clear answer to the review; looking for it before trying again',
  );
  await sleep(request.retryDelayMs ?? 2000);
  const commented = await commentedFingerprints(octokit, request);
  return plan.comments.every(({ finding }) =>
    commented.has(markerSafe(finding.fingerprint)),
  );
}

/** GitHub refused the review: the comments go into one top-level note. */
async function fallback(
  octokit: Octokit,
  request: ReviewRequest,
  plan: ReviewPlan,
  error: unknown,
): Promise<ReviewResult> {
  const reason = toGitHubError(error, 'creating the review').message;
  request.logger.warning(`${reason}; writing one pull request comment instead`);
  const comment = await upsertStickyComment(octokit, {
    owner: request.owner,
    repo: request.repo,
    issueNumber: request.pullNumber,
    key: `${request.key}:review`,
    body: fallbackBody(plan),
    logger: request.logger,
    ...(request.authorLogin === undefined
      ? {}
      : { authorLogin: request.authorLogin }),
    ...(request.retryDelayMs === undefined
      ? {}
      : { retryDelayMs: request.retryDelayMs }),
  });
  return { status: 'fallback', reason, comment, ...countsOf(plan) };
}

function fallbackBody(plan: ReviewPlan): string {
  const items = plan.comments.map(
    ({ finding }) =>
      `- **${finding.severity}** ${cell(locationText(finding), 120)}: ` +
      cell(findingName(finding), 200),
  );
  return [
    '#### imagegate: findings on changed lines',
    'GitHub did not accept these as review comments, so they are listed here.',
    items.join('\n'),
  ].join('\n\n');
}
