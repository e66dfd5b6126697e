import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  RecordingLogger,
  startGitHubApi,
  type GitHubApi,
} from '@imagegate/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createGitHubClient,
  describeGitHubError,
  GitHubError,
  toGitHubError,
  type GitHubClient,
  type GitHubClientOptions,
} from '../src/index';

const CANARY = `ghs_CANARY${randomBytes(16).toString('hex')}`;
const OWNER = 'octo';
const REPO = 'app';

let api: GitHubApi;
let logger: RecordingLogger;

function clientFor(overrides: Partial<GitHubClientOptions> = {}): GitHubClient {
  return createGitHubClient({
    token: api.token,
    apiUrl: api.url,
    logger,
    secondMs: 1,
    mutationIntervalMs: 0,
    ...overrides,
  });
}

function listComments(client: GitHubClient): Promise<unknown> {
  return client.rest.issues.listComments({
    owner: OWNER,
    repo: REPO,
    issue_number: 7,
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

beforeEach(async () => {
  api = await startGitHubApi({ token: CANARY, repositories: ['octo/app'] });
  logger = new RecordingLogger();
});

afterEach(async () => {
  api.assertAllValid();
  expect(JSON.stringify(api.calls)).not.toContain(CANARY);
  expect(logger.text()).not.toContain(CANARY);
  await api.close();
});

describe('createGitHubClient', () => {
  it('calls the API with the token and imagegate user agent', async () => {
    const client = clientFor();

    await listComments(client);

    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]?.headers.authorization).toBe('token [REDACTED]');
    expect(api.calls[0]?.headers['user-agent']).toMatch(/^imagegate\/\d/);
  });

  it('serves GHES below /api/v3', async () => {
    await api.close();
    api = await startGitHubApi({
      token: CANARY,
      basePath: '/api/v3',
      description: 'ghes-3.19',
    });
    const client = clientFor({ apiUrl: `${api.url}/` });

    await listComments(client);

    expect(api.calls.map((c) => c.route)).toEqual([
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    ]);
  });

  it.each([
    ['an empty token', { token: ' ' }, /no GitHub token/],
    ['a URL that is not one', { apiUrl: 'not a url' }, /not a URL/],
    [
      'plain http to another host',
      { apiUrl: 'http://github.example.com/api/v3' },
      /not https/,
    ],
  ])('refuses %s', (_, overrides, message) => {
    const create = (): unknown => clientFor(overrides);

    expect(create).toThrow(GitHubError);
    expect(create).toThrow(message);
  });

  it('accepts an https GHES URL', () => {
    const client = clientFor({ apiUrl: 'https://ghe.example.com/api/v3/' });

    expect(client.request.endpoint.DEFAULTS.baseUrl).toBe(
      'https://ghe.example.com/api/v3',
    );
  });
});

describe('rate limits', () => {
  it('waits out a secondary rate limit as retry-after says', async () => {
    api.fault('issues/list-comments', {
      kind: 'secondary-rate-limit',
      retryAfter: 60,
    });
    const client = clientFor({ secondMs: 2 });

    const started = Date.now();
    await listComments(client);
    const elapsed = Date.now() - started;

    expect(api.calls.map((c) => c.status)).toEqual([403, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(110);
    expect(logger.text()).toContain(
      'secondary rate limit on GET /repos/{owner}/{repo}/issues/{issue_number}/comments: waiting 60 s',
    );
  });

  it('waits out a 429 secondary rate limit', async () => {
    api.fault('issues/list-comments', {
      kind: 'secondary-rate-limit',
      status: 429,
      retryAfter: 5,
    });
    const client = clientFor();

    await listComments(client);

    expect(api.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('waits until the primary rate limit resets', async () => {
    api.fault('issues/list-comments', {
      kind: 'rate-limit-exhausted',
      resetInSeconds: 2,
    });
    const client = clientFor();

    await listComments(client);

    expect(api.calls.map((c) => c.status)).toEqual([403, 200]);
    expect(logger.text()).toMatch(/rate limit on GET .*: waiting [23] s/);
  });

  it('gives up after the allowed retries with a clear error', async () => {
    api.fault(
      'issues/list-comments',
      { kind: 'secondary-rate-limit', retryAfter: 1 },
      10,
    );
    const client = clientFor({ retries: 2 });

    const error = await failure(listComments(client));

    expect(api.calls).toHaveLength(3);
    expect(toGitHubError(error, 'listing comments')).toMatchObject({
      code: 'rate-limited',
      status: 403,
    });
    expect(describeGitHubError(error, 'listing comments')).toMatch(
      /^listing comments: GitHub's secondary rate limit still applied after the allowed retries \(403\)/,
    );
  });

  it('does not wait longer than maxWaitSeconds', async () => {
    api.fault('issues/list-comments', {
      kind: 'rate-limit-exhausted',
      resetInSeconds: 3600,
    });
    const client = clientFor({ maxWaitSeconds: 60 });

    const error = await failure(listComments(client));

    expect(api.calls).toHaveLength(1);
    expect(describeGitHubError(error, 'listing comments')).toMatch(
      /rate limit of this token is used up until \d{4}-/,
    );
    expect(logger.text()).toMatch(/longer than 60 s; giving up/);
  });
});

describe('server errors', () => {
  it('retries a 5xx and succeeds', async () => {
    api.fault('issues/list-comments', { kind: 'server-error', status: 502 });
    const client = clientFor();

    await listComments(client);

    expect(api.calls.map((c) => c.status)).toEqual([502, 200]);
  });

  it('gives up after retries + 1 attempts', async () => {
    api.fault('issues/list-comments', { kind: 'server-error', status: 503 }, 9);
    const client = clientFor({ retries: 3 });

    const error = await failure(listComments(client));

    expect(api.calls).toHaveLength(4);
    expect(describeGitHubError(error, 'listing comments')).toMatch(
      /^listing comments: GitHub answered 503 \(Service Unavailable\) after 4 attempts/,
    );
  });

  it('reports a request that timed out as a network error', async () => {
    await api.close();
    api = await startGitHubApi({ token: CANARY, latencyMs: 300 });
    const client = clientFor({ requestTimeoutMs: 30, retries: 0 });

    const error = await failure(listComments(client));

    expect(toGitHubError(error, 'listing comments')).toMatchObject({
      code: 'network',
      message: 'listing comments: GitHub did not answer in time',
    });
  });

  it('reports a host that cannot be reached', async () => {
    const client = clientFor({ apiUrl: 'http://127.0.0.1:9', retries: 0 });

    const error = await failure(listComments(client));

    expect(toGitHubError(error, 'listing comments').code).toBe('network');
  });
});

describe('mutations', () => {
  it('never has two mutations in flight at once', async () => {
    await api.close();
    api = await startGitHubApi({ token: CANARY, latencyMs: 20 });
    const client = clientFor();

    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        client.rest.issues.createComment({
          owner: OWNER,
          repo: REPO,
          issue_number: n,
          body: `comment ${n}`,
        }),
      ),
    );

    expect(api.calls).toHaveLength(5);
    expect(api.maxMutationsInFlight()).toBe(1);
  });

  it("keeps GitHub's interval between mutations", async () => {
    const client = clientFor({ mutationIntervalMs: 40 });

    const started = Date.now();
    for (const n of [1, 2, 3])
      await client.rest.checks.create({
        owner: OWNER,
        repo: REPO,
        name: `n${n}`,
        head_sha: 'a'.repeat(40),
      });

    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });
});

describe('describeGitHubError', () => {
  async function failWith(
    operation: string,
    fault: Parameters<GitHubApi['fault']>[1],
    run: (client: GitHubClient) => Promise<unknown>,
  ): Promise<GitHubError> {
    api.fault(operation, fault);
    const error = await failure(run(clientFor({ retries: 0 })));
    return toGitHubError(error, 'doing it');
  }

  const upload = (client: GitHubClient): Promise<unknown> =>
    client.rest.codeScanning.uploadSarif({
      owner: OWNER,
      repo: REPO,
      commit_sha: 'a'.repeat(40),
      ref: 'refs/heads/main',
      sarif: 'H4sIAAAAAAAAA6uuBQBDv6ajAgAAAA==',
    });

  it('names security-events: write and forks when code scanning is not accessible', async () => {
    const error = await failWith(
      'code-scanning/upload-sarif',
      { kind: 'not-accessible' },
      upload,
    );

    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(
      /^doing it: the token lacks 'security-events: write'.*fork/,
    );
  });

  it('names checks: write for check runs', async () => {
    const error = await failWith(
      'checks/create',
      { kind: 'not-accessible' },
      (client) =>
        client.rest.checks.create({
          owner: OWNER,
          repo: REPO,
          name: 'n',
          head_sha: 'a'.repeat(40),
        }),
    );

    expect(error.message).toContain("lacks 'checks: write'");
  });

  it.each(['advanced-security', 'not-enabled'] as const)(
    'says code scanning is off (%s)',
    async (wording) => {
      const error = await failWith(
        'code-scanning/upload-sarif',
        { kind: 'code-scanning-disabled', wording },
        upload,
      );

      expect(error.code).toBe('code-scanning-disabled');
      expect(error.message).toMatch(
        /^doing it: code scanning is not enabled for this repository/,
      );
    },
  );

  it('names the repository on a 404', async () => {
    const error = await failure(
      clientFor().rest.issues.listComments({
        owner: 'octo',
        repo: 'missing',
        issue_number: 1,
      }),
    );

    expect(toGitHubError(error, 'listing').message).toBe(
      "listing: repository octo/missing was not found, or the token cannot see it (404); check the repository name and the token's access",
    );
  });

  it('names the missing resource on a 404 for one', async () => {
    const error = await failure(
      clientFor().rest.issues.updateComment({
        owner: 'octo',
        repo: 'app',
        comment_id: 999,
        body: 'x',
      }),
    );

    expect(toGitHubError(error, 'updating').message).toBe(
      'updating: GitHub answered 404 for issues/comments/999 in octo/app: it does not exist (any more), or the token cannot see the repository',
    );
  });

  it('says the token was rejected on a 401', async () => {
    const client = clientFor({ token: 'ghs_wrongwrongwrongwrongwrong' });

    const error = await failure(listComments(client));

    expect(toGitHubError(error, 'listing')).toMatchObject({
      code: 'bad-credentials',
    });
  });

  it('describes a value that is not an error', () => {
    expect(describeGitHubError('boom', 'doing it')).toBe(
      'doing it: could not reach GitHub (boom)',
    );
  });
});

describe('secrets', () => {
  it('keeps the token out of logs, errors and their causes, even when GitHub echoes it', async () => {
    api.fault('issues/list-comments', {
      kind: 'response',
      status: 422,
      body: { message: `token ${CANARY} is odd`, documentation_url: 'x' },
    });
    const client = clientFor({ retries: 0 });

    const error = await failure(listComments(client));
    const described = toGitHubError(error, 'listing');

    expect(described.message).toContain('[REDACTED]');
    expect(described.message).not.toContain(CANARY);
    expect(inspect(described, { depth: 10 })).not.toContain(CANARY);
    expect(inspect(error, { depth: 10 })).not.toContain(CANARY);
    expect(logger.lines.length).toBeGreaterThan(0);
  });
});
