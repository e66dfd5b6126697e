import {
  RecordingLogger,
  startGitHubApi,
  type GitHubApi,
} from '@imagegate/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClient } from '../src/client';
import {
  commentMarker,
  upsertStickyComment,
  type StickyCommentRequest,
} from '../src/index';

const REPOSITORY = 'acme/app';

describe('upsertStickyComment', () => {
  let api: GitHubApi;
  let octokit: GitHubClient;
  let logger: RecordingLogger;

  beforeEach(async () => {
    api = await startGitHubApi({ repositories: [REPOSITORY] });
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
    // Every request must follow GitHub's description. (Not assertAllValid:
    // the double's own answers give bot users an html_url that its schema
    // check rejects, which is the double's problem, not ours.)
    expect(api.invalidCalls().map((c) => c.errors)).toEqual([]);
    expect(api.calls.filter((c) => !c.implemented)).toEqual([]);
    await api.close();
  });

  function request(
    body: string,
    overrides: Partial<StickyCommentRequest> = {},
  ): StickyCommentRequest {
    return {
      owner: 'acme',
      repo: 'app',
      issueNumber: 7,
      key: 'app-amd64',
      body,
      logger,
      retryDelayMs: 0,
      ...overrides,
    };
  }

  function posts(): number {
    return api.calls.filter((c) => c.operationId === 'issues/create-comment')
      .length;
  }

  it('creates the comment, then updates that one comment on a rerun', async () => {
    const first = await upsertStickyComment(octokit, request('run 1'));

    const second = await upsertStickyComment(octokit, request('run 2'));

    const comments = api.comments(REPOSITORY, 7);
    expect(first.status).toBe('created');
    expect(second).toMatchObject({ status: 'updated' });
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toBe(`${commentMarker('app-amd64')}\nrun 2`);
  });

  it('writes nothing when the body has not changed', async () => {
    await upsertStickyComment(octokit, request('same'));

    const again = await upsertStickyComment(octokit, request('same'));

    expect(again.status).toBe('unchanged');
    expect(
      api.calls.filter((c) => c.operationId === 'issues/update-comment'),
    ).toHaveLength(0);
  });

  it('keeps one comment per key', async () => {
    await upsertStickyComment(octokit, request('amd64'));

    await upsertStickyComment(octokit, request('arm64', { key: 'app-arm64' }));

    expect(api.comments(REPOSITORY, 7).map((c) => c.body)).toEqual([
      `${commentMarker('app-amd64')}\namd64`,
      `${commentMarker('app-arm64')}\narm64`,
    ]);
  });

  it('finds its comment on a later page', async () => {
    for (let i = 0; i < 150; i += 1) {
      api.seedComment(REPOSITORY, 7, `chatter ${i}`, 'octocat');
    }
    const marker = commentMarker('app-amd64');
    const ours = api.seedComment(
      REPOSITORY,
      7,
      `${marker}\nold`,
      'github-actions[bot]',
    );

    const result = await upsertStickyComment(octokit, request('new'));

    expect(result).toMatchObject({ status: 'updated', commentId: ours.id });
    expect(posts()).toBe(0);
    expect(
      api.calls.some(
        (c) => c.operationId === 'issues/list-comments' && c.query.page === '2',
      ),
    ).toBe(true);
  });

  it('does not duplicate a comment whose create answered 502 after landing', async () => {
    api.fault('issues/create-comment', { kind: 'server-error-after-success' });

    const result = await upsertStickyComment(octokit, request('report'));

    expect(result.status).toBe('created');
    expect(api.comments(REPOSITORY, 7)).toHaveLength(1);
    expect(posts()).toBe(1);
    expect(logger.text()).toContain(
      'GitHub answered 502 to creating the comment; looking for it before trying again',
    );
  });

  it('creates the comment again when a 502 create did not land', async () => {
    api.fault('issues/create-comment', { kind: 'server-error' });

    const result = await upsertStickyComment(octokit, request('report'));

    expect(result.status).toBe('created');
    expect(api.comments(REPOSITORY, 7)).toHaveLength(1);
    expect(posts()).toBe(2);
  });

  it('gives up after the create retries, with a clear error', async () => {
    api.fault('issues/create-comment', { kind: 'server-error' }, 5);

    const attempt = upsertStickyComment(
      octokit,
      request('report', { createRetries: 1 }),
    );

    await expect(attempt).rejects.toMatchObject({
      name: 'GitHubError',
      code: 'upstream',
    });
    expect(posts()).toBe(2);
  });

  it("skips, saying why, when a fork's token may not comment", async () => {
    api.fault('issues/create-comment', { kind: 'not-accessible' });

    const result = await upsertStickyComment(octokit, request('report'));

    expect(result.status).toBe('skipped');
    expect(result).toMatchObject({
      reason: expect.stringContaining(
        'Resource not accessible by integration',
      ) as unknown,
    });
    expect(api.comments(REPOSITORY, 7)).toHaveLength(0);
  });

  it("never edits someone else's comment that copies the marker", async () => {
    const marker = commentMarker('app-amd64');
    const planted = api.seedComment(
      REPOSITORY,
      7,
      `${marker}\nall clear!`,
      'mallory',
    );

    await upsertStickyComment(octokit, request('2 critical'));

    const comments = api.comments(REPOSITORY, 7);
    expect(comments).toHaveLength(2);
    expect(comments.find((c) => c.id === planted.id)?.body).toBe(
      `${marker}\nall clear!`,
    );
  });

  it('takes only the given login as ours when one is given', async () => {
    const marker = commentMarker('app-amd64');
    const mine = api.seedComment(REPOSITORY, 7, `${marker}\nold`, 'ci-user');

    const result = await upsertStickyComment(
      octokit,
      request('new', { authorLogin: 'ci-user' }),
    );

    expect(result).toMatchObject({ status: 'updated', commentId: mine.id });
  });

  it('throws a GitHubError naming the pull request when it is not found', async () => {
    api.fault('issues/list-comments', { kind: 'not-found' });

    const attempt = upsertStickyComment(octokit, request('report'));

    await expect(attempt).rejects.toMatchObject({
      name: 'GitHubError',
      code: 'not-found',
      message: expect.stringContaining('commenting on acme/app#7') as unknown,
    });
  });

  it('cuts a body over the limit so GitHub accepts it', async () => {
    const result = await upsertStickyComment(
      octokit,
      request('x'.repeat(80_000)),
    );

    const body = api.comments(REPOSITORY, 7)[0]?.body ?? '';
    expect(result.status).toBe('created');
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('_This comment was cut');
  });
});
