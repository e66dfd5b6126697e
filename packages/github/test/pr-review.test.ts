import type { Finding } from '@imagegate/findings';
import {
  RecordingLogger,
  startGitHubApi,
  type DoubleReply,
  type GitHubApi,
} from '@imagegate/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClient } from '../src/client';
import {
  addedLines,
  commentMarker,
  findingMarker,
  postReviewComments,
  type ReviewRequest,
} from '../src/index';
import { finding } from './fixtures';

const REPOSITORY = 'acme/app';

/** A Dockerfile change: lines 3-4 replaced, line 9 added. */
const DOCKERFILE_PATCH = [
  '@@ -1,6 +1,6 @@',
  ' FROM alpine:3.19',
  ' ARG VERSION=1',
  '-RUN apk add curl',
  '-RUN apk add git',
  '+RUN apk add --no-cache curl \\',
  '+    git',
  ' WORKDIR /app',
  ' COPY . .',
  '@@ -10,2 +8,3 @@ COPY . .',
  ' USER app',
  '+HEALTHCHECK CMD wget -q localhost',
  ' CMD ["app"]',
  '\\ No newline at end of file',
].join('\n');

describe('addedLines', () => {
  it('reads the right-side lines each hunk adds', () => {
    expect([...addedLines(DOCKERFILE_PATCH)]).toEqual([3, 4, 9]);
  });

  it('reads hunks without counts and new files', () => {
    const patch = '@@ -0,0 +1 @@\n+FROM scratch';

    expect([...addedLines(patch)]).toEqual([1]);
  });

  it('finds nothing in a deletion', () => {
    expect([...addedLines('@@ -1,2 +0,0 @@\n-FROM a\n-RUN b')]).toEqual([]);
  });
});

/** A lint-like finding on `line` of the Dockerfile. */
function at(line: number, fingerprint: string, extra: Partial<Finding> = {}) {
  return finding({
    fingerprint,
    severity: 'high',
    message: `problem on line ${line}`,
    location: { path: 'Dockerfile', line },
    ...extra,
  });
}

describe('postReviewComments', () => {
  let api: GitHubApi;
  let octokit: GitHubClient;
  let logger: RecordingLogger;

  beforeEach(async () => {
    api = await startGitHubApi({ repositories: [REPOSITORY] });
    // Limitation of the double: it holds reviews but does not list their
    // comments, so this test answers that operation from what it holds.
    api.handle('pulls/list-review-comments', (request) =>
      listReviewComments(api, Number(request.params.pull_number)),
    );
    api.setPullFiles(REPOSITORY, 7, [
      { filename: 'README.md', patch: '@@ -1 +1 @@\n-a\n+b' },
      { filename: 'Dockerfile', patch: DOCKERFILE_PATCH },
    ]);
    logger = new RecordingLogger();
    octokit = createGitHubClient({
      token: api.token,
      apiUrl: api.url,
      logger,
      retries: 1,
      mutationIntervalMs: 0,
      secondMs: 1,
    });
  });

  afterEach(async () => {
    // See pr-comment.test.ts on why this is not assertAllValid.
    expect(api.invalidCalls().map((c) => c.errors)).toEqual([]);
    expect(api.calls.filter((c) => !c.implemented)).toEqual([]);
    await api.close();
  });

  function request(
    findings: Finding[],
    overrides: Partial<ReviewRequest> = {},
  ): ReviewRequest {
    return {
      owner: 'acme',
      repo: 'app',
      pullNumber: 7,
      key: 'app',
      findings,
      logger,
      retryDelayMs: 0,
      ...overrides,
    };
  }

  it('comments in one review on changed lines only', async () => {
    const findings = [
      at(3, 'fp-changed'),
      at(1, 'fp-context'),
      at(9, 'fp-suppressed', {
        suppression: { kind: 'config', justification: 'ok' },
      }),
      finding({ fingerprint: 'fp-image', location: { image: 'app' } }),
      finding({
        fingerprint: 'fp-other-file',
        location: { path: 'docker/Dockerfile.dev', line: 3 },
      }),
    ];

    const result = await postReviewComments(octokit, request(findings));

    expect(result).toEqual({
      status: 'reviewed',
      comments: 1,
      offDiff: 2,
      alreadyCommented: 0,
      leftOut: 0,
    });
    expect(api.reviews).toHaveLength(1);
    expect(api.reviews[0]?.event).toBe('COMMENT');
    expect(api.reviews[0]?.comments).toEqual([
      {
        path: 'Dockerfile',
        line: 3,
        side: 'RIGHT',
        body: [
          findingMarker('fp-changed'),
          "**high**: no-latest-tag: Base image uses the 'latest' tag",
          '',
          'problem on line 3',
        ].join('\n'),
      },
    ]);
  });

  it('puts a multi-line finding on its first changed line', async () => {
    const findings = [
      at(8, 'fp-range', {
        location: { path: './Dockerfile', line: 8, endLine: 9 },
      }),
    ];

    await postReviewComments(octokit, request(findings));

    expect(api.reviews[0]?.comments[0]).toMatchObject({ line: 9 });
  });

  it('does not comment again on a rerun', async () => {
    await postReviewComments(octokit, request([at(3, 'fp-a')]));

    const rerun = await postReviewComments(
      octokit,
      request([at(3, 'fp-a'), at(4, 'fp-b')]),
    );

    expect(rerun).toMatchObject({ status: 'reviewed', alreadyCommented: 1 });
    expect(api.reviews.map((r) => r.comments.length)).toEqual([1, 1]);
    const again = await postReviewComments(
      octokit,
      request([at(3, 'fp-a'), at(4, 'fp-b')]),
    );
    expect(again).toMatchObject({ status: 'nothing-new', alreadyCommented: 2 });
    expect(api.reviews).toHaveLength(2);
  });

  it('puts the most severe first and counts what it leaves out', async () => {
    const findings = [
      at(3, 'fp-low', { severity: 'low' }),
      at(4, 'fp-critical', { severity: 'critical' }),
      at(9, 'fp-medium', { severity: 'medium' }),
    ];

    const result = await postReviewComments(
      octokit,
      request(findings, {
        maxComments: 2,
        reportUrl: 'https://github.com/acme/app/actions/runs/1',
      }),
    );

    expect(result).toMatchObject({ comments: 2, leftOut: 1 });
    expect(api.reviews[0]?.comments.map((c) => c.line)).toEqual([4, 9]);
    expect(api.reviews[0]?.body).toBe(
      'imagegate found 2 problems on lines this pull request changes. ' +
        '1 more are not commented on; the [full report](https://github.com/acme/app/actions/runs/1) lists them.',
    );
  });

  it('falls back to one top-level note when GitHub answers 422', async () => {
    api.fault(
      'pulls/create-review',
      {
        kind: 'response',
        status: 422,
        body: {
          message: 'Unprocessable Entity',
          errors: ['Line could not be resolved'],
          documentation_url: 'https://docs.github.com/rest',
        },
      },
      2,
    );

    const result = await postReviewComments(octokit, request([at(3, 'fp-a')]));
    await postReviewComments(octokit, request([at(3, 'fp-a')]));

    expect(result).toMatchObject({
      status: 'fallback',
      reason: expect.stringContaining('Line could not be resolved') as unknown,
      comment: { status: 'created' },
    });
    const notes = api.comments(REPOSITORY, 7);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain(commentMarker('app:review'));
    expect(notes[0]?.body).toContain(
      "- **high** Dockerfile:3: no-latest-tag: Base image uses the 'latest' tag",
    );
    expect(api.reviews).toHaveLength(0);
  });

  it("skips, saying why, when a fork's token may not review", async () => {
    api.fault('pulls/create-review', { kind: 'not-accessible' });

    const result = await postReviewComments(octokit, request([at(3, 'fp-a')]));

    expect(result).toMatchObject({ status: 'skipped' });
    expect(api.reviews).toHaveLength(0);
  });

  it('does not post the review twice when a 502 followed its creation', async () => {
    api.fault('pulls/create-review', { kind: 'server-error-after-success' });

    const result = await postReviewComments(octokit, request([at(3, 'fp-a')]));

    expect(result).toMatchObject({ status: 'reviewed', comments: 1 });
    expect(api.reviews).toHaveLength(1);
  });

  it('reads every page of changed files', async () => {
    const files = Array.from({ length: 120 }, (_, i) => ({
      filename: `src/file-${i}.ts`,
      patch: '@@ -1 +1 @@\n-a\n+b',
    }));
    api.setPullFiles(REPOSITORY, 7, [
      ...files,
      { filename: 'Dockerfile', patch: DOCKERFILE_PATCH },
    ]);

    const result = await postReviewComments(octokit, request([at(3, 'fp-a')]));

    expect(result).toMatchObject({ status: 'reviewed', comments: 1 });
  });

  it('escapes hostile finding text in comments', async () => {
    const hostile = at(3, 'fp-a', {
      message: '::error::x @here <img src=https://evil.test/x.png>',
    });

    await postReviewComments(octokit, request([hostile]));

    const body = String(api.reviews[0]?.comments[0]?.body);
    expect(body).not.toMatch(/::error::|@here|<img/);
  });

  it('ignores markers in comments by other people', async () => {
    const planted = reviewComment(1, `${findingMarker('fp-a')} ok`, 'mallory');
    api.handle('pulls/list-review-comments', () => ({
      status: 200,
      body: [planted],
    }));

    const result = await postReviewComments(octokit, request([at(3, 'fp-a')]));

    expect(result).toMatchObject({ status: 'reviewed', alreadyCommented: 0 });
  });
});

/** The review comments the double holds, as GitHub lists them. */
function listReviewComments(api: GitHubApi, pull: number): DoubleReply {
  const comments = api.reviews
    .filter((review) => review.pull === pull)
    .flatMap((review) =>
      review.comments.map((comment, index) =>
        reviewComment(
          review.id * 100 + index,
          String(comment.body),
          'github-actions[bot]',
        ),
      ),
    );
  return { status: 200, body: comments };
}

function reviewComment(id: number, body: string, login: string): object {
  const api = 'https://api.github.com/repos/acme/app';
  const html = `https://github.com/acme/app/pull/7#discussion_r${id}`;
  return {
    url: `${api}/pulls/comments/${id}`,
    id,
    node_id: `PRRC_${id}`,
    pull_request_review_id: 1,
    diff_hunk: '@@ -1,6 +1,6 @@',
    path: 'Dockerfile',
    commit_id: 'f'.repeat(40),
    original_commit_id: 'f'.repeat(40),
    user: user(login),
    body,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    html_url: html,
    pull_request_url: `${api}/pulls/7`,
    author_association: 'NONE',
    _links: {
      self: { href: `${api}/pulls/comments/${id}` },
      html: { href: html },
      pull_request: { href: `${api}/pulls/7` },
    },
  };
}

function user(login: string): object {
  const isBot = login.endsWith('[bot]');
  const url = `https://api.github.com/users/${encodeURIComponent(login)}`;
  return {
    login,
    id: isBot ? 41898282 : 2,
    node_id: 'U_1',
    avatar_url: 'https://avatars.githubusercontent.com/u/1',
    gravatar_id: '',
    url,
    html_url: isBot
      ? 'https://github.com/apps/github-actions'
      : `https://github.com/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: isBot ? 'Bot' : 'User',
    site_admin: false,
  };
}
