import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadGitHubDescription,
  startGitHubApi,
  type GitHubApi,
} from '../src/index';

const REPO = '/repos/octo/app';
const SHA = 'a'.repeat(40);

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(
  api: GitHubApi,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = {
    method,
    headers: {
      authorization: `token ${api.token}`,
      'user-agent': 'imagegate-test',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`${api.url}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

function sarifField(log: unknown): string {
  return gzipSync(JSON.stringify(log)).toString('base64');
}

const SARIF = {
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'imagegate' } }, results: [] }],
};

describe('loadGitHubDescription', () => {
  it('loads and indexes the description once per process, within budget', () => {
    const first = loadGitHubDescription();

    const second = loadGitHubDescription();

    expect(second).toBe(first);
    expect(first.operations).toBeGreaterThan(1000);
    expect(first.paths).toBeGreaterThan(700);
    // About 0.3 s on a laptop; the budget leaves room for a busy CI host.
    expect(first.loadMs).toBeLessThan(3000);
  });
});

describe('startGitHubApi', () => {
  let api: GitHubApi;

  beforeEach(async () => {
    api = await startGitHubApi();
  });

  afterEach(async () => {
    await api.close();
  });

  describe('validation', () => {
    it('accepts a request that matches the description and records it', async () => {
      const answer = await call(api, 'POST', `${REPO}/issues/7/comments`, {
        body: 'hello',
      });

      expect(answer.status).toBe(201);
      expect(api.calls).toHaveLength(1);
      expect(api.calls[0]).toMatchObject({
        method: 'POST',
        path: '/repos/octo/app/issues/7/comments',
        route: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
        operationId: 'issues/create-comment',
        body: { body: 'hello' },
        valid: true,
        errors: [],
        responseErrors: [],
        status: 201,
      });
      api.assertAllValid();
    });

    it.each([
      [
        'an unknown path',
        'GET',
        '/repos/octo/app/nonsense/1',
        undefined,
        /no path/,
      ],
      [
        'a method the path lacks',
        'PUT',
        `${REPO}/issues/7/comments`,
        { body: 'x' },
        /no PUT/,
      ],
      [
        'a non-integer path parameter',
        'GET',
        `${REPO}/issues/seven/comments`,
        undefined,
        /path\.issue_number must be integer/,
      ],
      [
        'an unknown query parameter',
        'GET',
        `${REPO}/issues/7/comments?perpage=5`,
        undefined,
        /perpage/,
      ],
      [
        'a query parameter of the wrong type',
        'GET',
        `${REPO}/issues/7/comments?per_page=many`,
        undefined,
        /query\.per_page must be integer/,
      ],
      [
        'a missing required property',
        'POST',
        `${REPO}/issues/7/comments`,
        {},
        /required property 'body'/,
      ],
      [
        'a misspelt property',
        'POST',
        `${REPO}/issues/7/comments`,
        { body: 'x', bdy: 'y' },
        /body\/bdy is not a property/,
      ],
      [
        'a value outside an enum',
        'POST',
        `${REPO}/check-runs`,
        { name: 'n', head_sha: SHA, status: 'done' },
        /must be equal to one of the allowed values/,
      ],
      [
        'a commit sha that is not one',
        'POST',
        `${REPO}/code-scanning/sarifs`,
        { commit_sha: 'abc', ref: 'refs/heads/main', sarif: 'x' },
        /commit_sha/,
      ],
      [
        'a body on an operation without one',
        'DELETE',
        `${REPO}/issues/comments/1`,
        { x: 1 },
        /takes no request body/,
      ],
    ])(
      'answers 400 and records %s as invalid',
      async (_, method, path, body, error) => {
        const answer = await call(api, method, path, body);

        expect(answer.status).toBe(400);
        expect(api.invalidCalls()).toHaveLength(1);
        expect(api.invalidCalls()[0]?.errors.join('\n')).toMatch(error);
        expect(() => {
          api.assertAllValid();
        }).toThrow(/1 bad call/);
      },
    );

    it('answers a body that is not JSON as GitHub does', async () => {
      const response = await fetch(`${api.url}${REPO}/issues/7/comments`, {
        method: 'POST',
        headers: {
          authorization: `token ${api.token}`,
          'user-agent': 'x',
          'content-type': 'application/json',
        },
        body: '{"body": ',
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        message: 'Problems parsing JSON',
      });
      expect(api.invalidCalls()).toHaveLength(1);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no token', {}, 'Requires authentication'],
      ['a wrong token', { authorization: 'token nope' }, 'Bad credentials'],
    ])('answers 401 to %s', async (_, headers, message) => {
      const response = await fetch(`${api.url}${REPO}/issues/7/comments`, {
        headers: { 'user-agent': 'x', ...headers },
      });

      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ message });
    });

    it('records the Authorization scheme but never the token', async () => {
      await call(api, 'GET', `${REPO}/issues/7/comments`);

      expect(api.calls[0]?.headers.authorization).toBe('token [REDACTED]');
      expect(JSON.stringify(api.calls)).not.toContain(api.token);
    });
  });

  describe('issue comments', () => {
    it('paginates 75 comments with Link headers as GitHub does', async () => {
      for (let i = 1; i <= 75; i += 1) api.seedComment('octo/app', 7, `c${i}`);

      const first = await call(
        api,
        'GET',
        `${REPO}/issues/7/comments?per_page=30`,
      );
      const last = await call(
        api,
        'GET',
        `${REPO}/issues/7/comments?per_page=30&page=3`,
      );

      expect((first.body as unknown[]).length).toBe(30);
      expect(first.headers.get('link')).toContain('page=2>; rel="next"');
      expect(first.headers.get('link')).toContain('page=3>; rel="last"');
      expect((last.body as { body: string }[]).map((c) => c.body)).toEqual(
        Array.from({ length: 15 }, (_, i) => `c${i + 61}`),
      );
      expect(last.headers.get('link')).not.toContain('rel="next"');
      api.assertAllValid();
    });

    it('updates a comment in place', async () => {
      const seeded = api.seedComment('octo/app', 7, 'old');

      const answer = await call(
        api,
        'PATCH',
        `${REPO}/issues/comments/${seeded.id}`,
        { body: 'new' },
      );

      expect(answer.status).toBe(200);
      expect(api.comments('octo/app', 7).map((c) => c.body)).toEqual(['new']);
      api.assertAllValid();
    });

    it('answers 422 to a body over 65,536 characters', async () => {
      const answer = await call(api, 'POST', `${REPO}/issues/7/comments`, {
        body: 'x'.repeat(65_537),
      });

      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ message: 'Validation Failed' });
      expect(api.comments('octo/app', 7)).toEqual([]);
      api.assertAllValid();
    });
  });

  describe('code scanning', () => {
    it('decodes the upload and reports pending, then complete', async () => {
      const upload = await call(api, 'POST', `${REPO}/code-scanning/sarifs`, {
        commit_sha: SHA,
        ref: 'refs/heads/main',
        sarif: sarifField(SARIF),
      });
      const { id } = upload.body as { id: string; url: string };

      const polls = [
        await call(api, 'GET', `${REPO}/code-scanning/sarifs/${id}`),
        await call(api, 'GET', `${REPO}/code-scanning/sarifs/${id}`),
      ];

      expect(upload.status).toBe(202);
      expect(upload.body).toEqual({
        id,
        url: `${api.url}${REPO}/code-scanning/sarifs/${id}`,
      });
      expect(api.sarifUploads[0]?.sarif).toEqual(SARIF);
      expect(
        polls.map(
          (p) => (p.body as { processing_status: string }).processing_status,
        ),
      ).toEqual(['pending', 'complete']);
      api.assertAllValid();
    });

    it('fails processing with the scripted errors, and with GitHub limits', async () => {
      api.setSarifProcessing({ pendingPolls: 0, errors: ['bad location'] });
      const doubled = {
        version: '2.1.0',
        runs: [SARIF.runs[0], SARIF.runs[0]],
      };

      const upload = await call(api, 'POST', `${REPO}/code-scanning/sarifs`, {
        commit_sha: SHA,
        ref: 'refs/pull/3/head',
        sarif: sarifField(doubled),
      });
      const { id } = upload.body as { id: string };
      const status = await call(
        api,
        'GET',
        `${REPO}/code-scanning/sarifs/${id}`,
      );

      expect(status.body).toEqual({
        processing_status: 'failed',
        analyses_url: null,
        errors: [
          'A delivery cannot contain multiple runs with the same category',
          'bad location',
        ],
      });
      api.assertAllValid();
    });

    it('answers 400 to a sarif field that is not gzip', async () => {
      const answer = await call(api, 'POST', `${REPO}/code-scanning/sarifs`, {
        commit_sha: SHA,
        ref: 'refs/heads/main',
        sarif: Buffer.from('plain').toString('base64'),
      });

      expect(answer.status).toBe(400);
      expect(api.sarifUploads).toEqual([]);
    });

    it('answers 404 for an unknown upload id', async () => {
      const answer = await call(
        api,
        'GET',
        `${REPO}/code-scanning/sarifs/nope`,
      );

      expect(answer.status).toBe(404);
    });
  });

  describe('check runs', () => {
    it('creates a run and appends annotations per update', async () => {
      const created = await call(api, 'POST', `${REPO}/check-runs`, {
        name: 'imagegate',
        head_sha: SHA,
        status: 'in_progress',
      });
      const id = (created.body as { id: number }).id;
      const annotation = {
        path: 'Dockerfile',
        start_line: 1,
        end_line: 1,
        annotation_level: 'failure',
        message: 'm',
      };

      await call(api, 'PATCH', `${REPO}/check-runs/${id}`, {
        output: {
          title: 't',
          summary: 's',
          annotations: [annotation, annotation],
        },
      });
      const done = await call(api, 'PATCH', `${REPO}/check-runs/${id}`, {
        conclusion: 'failure',
        output: { title: 't', summary: 's', annotations: [annotation] },
      });

      expect(created.status).toBe(201);
      expect(done.body).toMatchObject({
        status: 'completed',
        conclusion: 'failure',
        output: { annotations_count: 3 },
      });
      expect(api.checkRuns[0]?.annotations).toHaveLength(3);
      api.assertAllValid();
    });

    it('answers 422 to 51 annotations, as GitHub does, and flags the call', async () => {
      const annotation = {
        path: 'a',
        start_line: 1,
        end_line: 1,
        annotation_level: 'notice',
        message: 'm',
      };

      const answer = await call(api, 'POST', `${REPO}/check-runs`, {
        name: 'n',
        head_sha: SHA,
        output: {
          title: 't',
          summary: 's',
          annotations: Array(51).fill(annotation),
        },
      });

      expect(answer.status).toBe(422);
      expect(api.invalidCalls()[0]?.errors.join()).toMatch(
        /more than 50 items/,
      );
    });
  });

  describe('pull requests', () => {
    const patch = '@@ -1,2 +1,3 @@\n FROM alpine\n+RUN apk add curl\n USER app';

    beforeEach(() => {
      api.setPullFiles('octo/app', 3, [{ filename: 'Dockerfile', patch }]);
    });

    it('lists the files of a pull request', async () => {
      const answer = await call(api, 'GET', `${REPO}/pulls/3/files`);

      expect(answer.body).toMatchObject([
        { filename: 'Dockerfile', additions: 1, deletions: 0, patch },
      ]);
      api.assertAllValid();
    });

    it.each([
      [
        'a line on the diff',
        { path: 'Dockerfile', line: 2, side: 'RIGHT', body: 'b' },
        200,
        undefined,
      ],
      [
        'a line off the diff',
        { path: 'Dockerfile', line: 9, body: 'b' },
        422,
        'Line could not be resolved',
      ],
      [
        'a file not in the pull request',
        { path: 'x', line: 1, body: 'b' },
        422,
        'Path could not be resolved',
      ],
    ])('answers a review comment on %s', async (_, comment, status, error) => {
      const answer = await call(api, 'POST', `${REPO}/pulls/3/reviews`, {
        event: 'COMMENT',
        body: 'review',
        comments: [comment],
      });

      expect(answer.status).toBe(status);
      if (error !== undefined)
        expect(answer.body).toMatchObject({ errors: [error] });
      api.assertAllValid();
    });
  });

  describe('faults', () => {
    it.each([
      [
        'not-accessible',
        { kind: 'not-accessible' } as const,
        403,
        /Resource not accessible by integration/,
      ],
      [
        'code scanning off',
        { kind: 'code-scanning-disabled' } as const,
        403,
        /Advanced Security must be enabled/,
      ],
      [
        'code scanning not enabled',
        { kind: 'code-scanning-disabled', wording: 'not-enabled' } as const,
        403,
        /Code scanning is not enabled/,
      ],
      [
        'secondary rate limit',
        { kind: 'secondary-rate-limit', retryAfter: 60 } as const,
        403,
        /secondary rate limit/,
      ],
      [
        'secondary rate limit 429',
        { kind: 'secondary-rate-limit', status: 429 } as const,
        429,
        /secondary rate limit/,
      ],
      [
        'rate limit exhausted',
        { kind: 'rate-limit-exhausted', resetInSeconds: 30 } as const,
        403,
        /API rate limit exceeded/,
      ],
      ['server error', { kind: 'server-error' } as const, 502, /Bad Gateway/],
    ])('answers %s once, then normally', async (_, fault, status, message) => {
      api.fault('issues/list-comments', fault);

      const faulted = await call(api, 'GET', `${REPO}/issues/7/comments`);
      const after = await call(api, 'GET', `${REPO}/issues/7/comments`);

      expect(faulted.status).toBe(status);
      expect(JSON.stringify(faulted.body)).toMatch(message);
      expect(after.status).toBe(200);
      expect(api.calls.map((c) => c.fault)).toEqual([fault.kind, undefined]);
      api.assertAllValid();
    });

    it('sends retry-after and rate-limit headers', async () => {
      api.fault('*', { kind: 'secondary-rate-limit', retryAfter: 60 });
      api.fault('*', { kind: 'rate-limit-exhausted', resetInSeconds: 30 });

      const secondary = await call(api, 'GET', `${REPO}/issues/7/comments`);
      const primary = await call(api, 'GET', `${REPO}/issues/7/comments`);

      expect(secondary.headers.get('retry-after')).toBe('60');
      expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(primary.headers.get('x-ratelimit-reset'))).toBeGreaterThan(
        Date.now() / 1000,
      );
    });

    it('creates the comment and still answers 502 after success', async () => {
      api.fault('issues/create-comment', {
        kind: 'server-error-after-success',
      });

      const answer = await call(api, 'POST', `${REPO}/issues/7/comments`, {
        body: 'once',
      });

      expect(answer.status).toBe(502);
      expect(api.comments('octo/app', 7).map((c) => c.body)).toEqual(['once']);
    });

    it('matches a fault by method and path template', async () => {
      api.fault('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        kind: 'not-found',
      });

      const answer = await call(api, 'GET', `${REPO}/pulls/1/files`);

      expect(answer.status).toBe(404);
    });
  });

  it('counts the mutations in flight at once', async () => {
    await api.close();
    api = await startGitHubApi({ latencyMs: 30 });

    await Promise.all(
      [1, 2, 3].map((n) =>
        call(api, 'POST', `${REPO}/issues/${n}/comments`, { body: 'x' }),
      ),
    );

    expect(api.maxMutationsInFlight()).toBe(3);
  });

  it('answers 404 for a repository it does not know', async () => {
    await api.close();
    api = await startGitHubApi({ repositories: ['octo/app'] });

    const answer = await call(
      api,
      'GET',
      '/repos/octo/other/issues/1/comments',
    );

    expect(answer.status).toBe(404);
    api.assertAllValid();
  });

  it('answers 413 to a body over the limit and records it as invalid', async () => {
    await api.close();
    api = await startGitHubApi({ maxBodyBytes: 1000 });

    const answer = await call(api, 'POST', `${REPO}/issues/7/comments`, {
      body: 'x'.repeat(2000),
    });

    expect(answer.status).toBe(413);
    expect(api.invalidCalls()).toMatchObject([
      { method: 'POST', status: 413, valid: false },
    ]);
  });

  it('answers 501 to a valid operation it does not implement', async () => {
    const answer = await call(api, 'GET', '/repos/octo/app/releases');

    expect(answer.status).toBe(501);
    expect(api.calls[0]).toMatchObject({ valid: true, implemented: false });
  });
});

describe('startGitHubApi for GitHub Enterprise Server', () => {
  it('serves below /api/v3 and validates against the GHES description', async () => {
    const api = await startGitHubApi({
      basePath: '/api/v3',
      description: 'ghes-3.19',
    });

    try {
      const answer = await call(api, 'POST', `${REPO}/issues/1/comments`, {
        body: 'x',
      });

      expect(api.url).toMatch(/\/api\/v3$/);
      expect(answer.status).toBe(201);
      expect((answer.body as { url: string }).url).toContain(
        '/api/v3/repos/octo/app/issues/comments/',
      );
      api.assertAllValid();
    } finally {
      await api.close();
    }
  });
});
