import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  findingsToJson,
  type Finding,
  type Severity,
} from '@imagegate/findings';
import {
  COMMENT_MAX_CHARACTERS,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  type SarifLog,
} from '@imagegate/github';
import {
  corpusAvailable,
  repoRoot,
  runActionBundle,
  sarifSchemaCheck,
  startGitHubApi,
  type ActionRun,
  type DoubleReply,
  type GitHubApi,
  type GitHubApiOptions,
  type WorkflowCommand,
} from '@imagegate/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const REPOSITORY = 'acme/app';
const PULL = 7;
const HEAD_SHA = 'b'.repeat(40);
const TOKEN = `igcanary-token-${randomBytes(12).toString('hex')}`;
const WEBHOOK_SECRET = `igcanary-whsec-${randomBytes(12).toString('hex')}`;
const WEBHOOK_PATH_TOKEN = `igcanary-path-${randomBytes(8).toString('hex')}`;
const CANARIES = [TOKEN, WEBHOOK_SECRET, WEBHOOK_PATH_TOKEN];

/** The Dockerfile change of the pull request: lines 3 and 4 are new. */
const DOCKERFILE_PATCH = [
  '@@ -1,3 +1,5 @@',
  ' FROM alpine:latest',
  ' RUN apk add curl',
  '+RUN apk add git',
  '+USER root',
  ' CMD ["app"]',
].join('\n');

// The committed bundles, run as the Actions runner runs them;
// dist-fresh.test.ts keeps them equal to a fresh build.
const buildRoot = repoRoot;
const scratch: string[] = [];
let api: GitHubApi | undefined;

afterEach(async () => {
  api?.assertAllValid();
  expect(api?.maxMutationsInFlight() ?? 0).toBeLessThanOrEqual(1);
  await api?.close();
  api = undefined;
});

afterAll(async () => {
  for (const dir of scratch) {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Starts the GitHub double with the canary token and the pull's files. */
async function startApi(
  options: GitHubApiOptions = {},
  processingPolls = 0,
): Promise<GitHubApi> {
  const started = await startGitHubApi({
    token: TOKEN,
    repositories: [REPOSITORY],
    ...options,
  });
  started.setPullFiles(
    REPOSITORY,
    PULL,
    [{ filename: 'Dockerfile', patch: DOCKERFILE_PATCH }],
    HEAD_SHA,
  );
  // Limitation of the double: it holds reviews but does not list their
  // comments, so the test answers that from what it holds.
  started.handle('pulls/list-review-comments', () =>
    listReviewComments(started),
  );
  started.setSarifProcessing({ pendingPolls: processingPolls });
  api = started;
  return started;
}

/** A lint finding on a Dockerfile line. */
function lint(
  line: number,
  severity: Severity,
  extra: Partial<Finding> = {},
): Finding {
  return {
    tool: 'imagegate-lint',
    ruleId: 'no-root-user',
    ruleAliases: [],
    severity,
    title: 'The image runs as root',
    message: `line ${line} runs as root`,
    fingerprint: `fp-${line}`,
    location: { path: 'Dockerfile', line },
    ...extra,
  };
}

function pullRequestEvent(fork = false): unknown {
  const head = fork ? 'mallory/app' : REPOSITORY;
  return {
    action: 'synchronize',
    number: PULL,
    pull_request: {
      number: PULL,
      head: { sha: HEAD_SHA, repo: { full_name: head, fork } },
      base: { sha: 'c'.repeat(40), repo: { full_name: REPOSITORY } },
    },
    repository: { full_name: REPOSITORY },
  };
}

interface ReportRun extends ActionRun {
  workspace: string;
  sarif: string;
}

interface ReportOptions {
  results: Finding[];
  baseline?: Finding[];
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  event?: unknown;
}

/** Runs the report action against the double in a fresh workspace. */
async function report(
  github: GitHubApi,
  options: ReportOptions,
): Promise<ReportRun> {
  const workspace = await mkdtemp(join(tmpdir(), 'imagegate-workspace-'));
  scratch.push(workspace);
  await writeFiles(workspace, {
    'out/results.json': findingsToJson(options.results),
    ...(options.baseline === undefined
      ? {}
      : { 'base/results.json': findingsToJson(options.baseline) }),
  });
  const result = await runActionBundle({
    actionDir: join(buildRoot, 'actions/report'),
    workspace,
    inputs: {
      results: 'out/*.json',
      'github-token': github.token,
      ...(options.baseline === undefined
        ? {}
        : { baseline: 'base/results.json' }),
      ...options.inputs,
    },
    event: options.event ?? pullRequestEvent(),
    env: {
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_REF: `refs/pull/${PULL}/merge`,
      GITHUB_RUN_ID: '42',
      ...options.env,
    },
    timeoutMs: 50_000,
  });
  const sarifPath = result.outputs['sarif-file'];
  const sarif =
    sarifPath === undefined ? '' : await readFile(sarifPath, 'utf8');
  const done = { ...result, workspace, sarif };
  expectNoCanary(done, github);
  return done;
}

async function writeFiles(
  root: string,
  files: Record<string, string>,
): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/**
 * No canary in any sink: the log (but for the runner's own `add-mask`
 * commands, which is how a secret is masked), the summary, the outputs,
 * the SARIF file, and every request the double recorded.
 */
function expectNoCanary(result: ReportRun, github: GitHubApi): void {
  const log = (result.stdout + result.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const sinks = [
    log,
    result.summary,
    JSON.stringify(result.outputs),
    result.sarif,
    JSON.stringify(github.calls),
  ];
  for (const sink of sinks)
    for (const canary of CANARIES) expect(sink).not.toContain(canary);
  const masked = result.commands
    .filter((c) => c.name === 'add-mask')
    .map((c) => c.message);
  expect(masked).toContain(TOKEN);
}

function annotations(commands: readonly WorkflowCommand[]): WorkflowCommand[] {
  return commands.filter(
    (c) =>
      ['error', 'warning', 'notice'].includes(c.name) &&
      c.properties.file !== undefined,
  );
}

function failures(commands: readonly WorkflowCommand[]): string[] {
  return commands
    .filter((c) => c.name === 'error' && c.properties.file === undefined)
    .map((c) => c.message);
}

function callsOf(github: GitHubApi, operationId: string) {
  return github.calls.filter((call) => call.operationId === operationId);
}

describe('the report action', () => {
  it('reports a first run everywhere and compares with the baseline', async () => {
    const github = await startApi({}, 1);
    const kept = lint(1, 'high');
    const fixed = lint(9, 'critical', { fingerprint: 'fp-gone' });

    const result = await report(github, {
      results: [kept, lint(3, 'high'), lint(4, 'medium')],
      baseline: [kept, fixed],
      inputs: { 'fail-on-new': 'critical' },
    });

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({
      'new-count': '2',
      'fixed-count': '1',
      'findings-count': '3',
      'sarif-id': github.sarifUploads[0]?.id,
      'sarif-file': join(result.workspace, 'imagegate-report.sarif'),
      passed: 'true',
    });
    const upload = github.sarifUploads[0];
    expect(github.sarifUploads).toHaveLength(1);
    expect(upload).toMatchObject({
      ref: `refs/pull/${PULL}/head`,
      commitSha: HEAD_SHA,
    });
    const sarif = upload?.sarif as SarifLog;
    expect(sarif.runs.map((r) => r.results.length)).toEqual([3]);
    if (corpusAvailable()) expect(sarifSchemaCheck()(sarif)).toEqual([]);
    const comments = github.comments(REPOSITORY, PULL);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('**2 new**, **1 fixed**');
    expect(github.reviews).toHaveLength(1);
    expect(github.reviews[0]?.comments.map((c) => c.line)).toEqual([3, 4]);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({
      headSha: HEAD_SHA,
      status: 'completed',
      conclusion: 'success',
    });
    expect(github.checkRuns[0]?.annotations.map((a) => a.start_line)).toEqual([
      3, 4,
    ]);
    expect(annotations(result.commands)).toEqual([]);
    expect(result.summary).toMatch(/^## imagegate report\n/);
    expect(result.summary).toContain(
      '**Passed**: no new finding at or above `critical`.',
    );
    expect(result.summary).toContain('### imagegate-lint · repository files');
  });

  it('updates its comment on a re-run and adds no second review', async () => {
    const github = await startApi();
    const results = [lint(3, 'high'), lint(4, 'low')];

    await report(github, { results });
    const again = await report(github, {
      results,
      env: { GITHUB_RUN_ID: '43' },
    });

    expect(again.exitCode).toBe(1);
    const comments = github.comments(REPOSITORY, PULL);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('/actions/runs/43');
    expect(callsOf(github, 'issues/update-comment')).toHaveLength(1);
    expect(github.reviews).toHaveLength(1);
    expect(callsOf(github, 'pulls/create-review')).toHaveLength(1);
    expect(failures(again.commands)).toEqual([
      '1 new unsuppressed finding at or above high; see the job summary',
    ]);
  });

  it('sends 200 annotations in check-run batches of at most 50', async () => {
    const github = await startApi();
    const many = manyFindings(200);

    const result = await report(github, {
      results: many,
      inputs: quiet({ annotations: 'true', 'fail-on-new': 'none' }),
    });

    expect(result.exitCode).toBe(0);
    const updates = callsOf(github, 'checks/update').map(
      (call) =>
        (
          (call.body as { output?: { annotations?: unknown[] } }).output
            ?.annotations ?? []
        ).length,
    );
    expect(updates).toEqual([50, 50, 50, 50]);
    expect(github.checkRuns[0]?.annotations).toHaveLength(200);
    expect(annotations(result.commands)).toEqual([]);
  });

  it('falls back to ten workflow annotations per level when check runs are refused', async () => {
    const github = await startApi();
    github.fault('checks/create', { kind: 'not-accessible' });

    const result = await report(github, {
      results: manyFindings(200),
      inputs: quiet({ annotations: 'true', 'fail-on-new': 'none' }),
    });

    expect(result.exitCode).toBe(0);
    const levels = annotations(result.commands).map((c) => c.name);
    expect(levels.filter((l) => l === 'error')).toHaveLength(10);
    expect(levels.filter((l) => l === 'warning')).toHaveLength(10);
    expect(levels.filter((l) => l === 'notice')).toHaveLength(10);
    expect(result.stdout).toContain('170 more findings');
    expect(result.summary).toContain('**Check run skipped**');
  });

  it('cuts an over-long comment and the summary, linking the run', async () => {
    const github = await startApi();
    const long = '😀 overflow '.repeat(60);
    const results = Array.from({ length: 3000 }, (_, i) =>
      lint(i + 1, 'high', { message: `${long}${i}`, title: long }),
    );

    const result = await report(github, {
      results,
      inputs: quiet({ 'pr-comment': 'true', 'fail-on-new': 'none' }),
    });

    expect(result.exitCode).toBe(0);
    const body = github.comments(REPOSITORY, PULL)[0]?.body ?? '';
    expect(body.length).toBeLessThan(COMMENT_MAX_CHARACTERS);
    expect(body).toContain(
      '[full report](https://github.com/acme/app/actions/runs/42)',
    );
    expect(Buffer.byteLength(result.summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(result.summary).toMatch(/more findings are not shown/);
  });

  it('waits out a secondary rate limit as GitHub asks', async () => {
    const github = await startApi();
    github.fault('code-scanning/upload-sarif', {
      kind: 'secondary-rate-limit',
      retryAfter: 1,
    });

    const result = await report(github, {
      results: [lint(3, 'low')],
      inputs: quiet({ 'upload-sarif': 'true' }),
    });

    expect(result.exitCode).toBe(0);
    expect(
      callsOf(github, 'code-scanning/upload-sarif').map((c) => c.status),
    ).toEqual([403, 202]);
    expect(result.outputs['sarif-id']).toBe(github.sarifUploads[0]?.id);
  });

  it('gives up on a rate limit that lasts, with one clear error', async () => {
    const github = await startApi();
    github.fault(
      'code-scanning/upload-sarif',
      { kind: 'secondary-rate-limit', status: 429, retryAfter: 1 },
      10,
    );

    const result = await report(github, {
      results: [lint(3, 'low')],
      inputs: quiet({ 'upload-sarif': 'true' }),
    });

    expect(result.exitCode).toBe(1);
    expect(callsOf(github, 'code-scanning/upload-sarif')).toHaveLength(4);
    expect(failures(result.commands).at(-1)).toMatch(
      /^SARIF upload failed: uploading SARIF to code scanning of acme\/app: GitHub's secondary rate limit still applied after the allowed retries \(429\)/,
    );
    expect(result.outputs['sarif-id']).toBe('');
    expect(result.summary).toContain('**SARIF upload failed**');
  });

  it('says code scanning is off and lets fail-on-new decide the step', async () => {
    const github = await startApi();
    github.fault('code-scanning/upload-sarif', {
      kind: 'code-scanning-disabled',
    });

    const result = await report(github, {
      results: [lint(3, 'high')],
      inputs: quiet({ 'upload-sarif': 'true', 'fail-on-new': 'high' }),
    });

    expect(result.exitCode).toBe(1);
    expect(failures(result.commands)).toEqual([
      '1 new unsuppressed finding at or above high; see the job summary',
    ]);
    expect(
      result.commands.filter((c) => c.name === 'warning')[0]?.message,
    ).toMatch(/^SARIF upload skipped: .*code scanning is not enabled/);
    expect(result.summary).toContain('**SARIF upload skipped**');
    expect(result.outputs.passed).toBe('false');
  });

  it('reports a fork’s pull request in the summary and says why', async () => {
    const github = await startApi({ basePath: '/api/v3' });
    for (const operation of [
      'code-scanning/upload-sarif',
      'checks/create',
      'issues/create-comment',
      'pulls/create-review',
    ])
      github.fault(operation, { kind: 'not-accessible' });

    const result = await report(github, {
      results: [lint(3, 'high')],
      inputs: { 'fail-on-new': 'critical' },
      event: pullRequestEvent(true),
    });

    expect(result.exitCode).toBe(0);
    expect(github.comments(REPOSITORY, PULL)).toEqual([]);
    expect(github.reviews).toEqual([]);
    expect(github.calls.every((c) => c.path.startsWith('/repos/'))).toBe(true);
    expect(result.summary).toMatch(
      /\*\*Pull request comment skipped\*\*: .*pull-requests: write.*This pull request comes from a fork/,
    );
    expect(result.summary).toContain('**Review comments skipped**');
    expect(result.summary).toMatch(/\*\*SARIF upload skipped\*\*: .*artifact/);
    expect(annotations(result.commands)).toHaveLength(1);
    expect(result.summary).toContain('| high | no-root-user | Dockerfile:3 |');
  });

  it('delivers a signed webhook and never shows its secrets', async () => {
    const github = await startApi();
    const receiver = await startReceiver();
    try {
      const result = await report(github, {
        results: [lint(3, 'critical'), lint(4, 'low')],
        inputs: quiet({
          webhook: receiver.url,
          'webhook-secret': WEBHOOK_SECRET,
          'fail-on-new': 'none',
        }),
      });

      expect(result.exitCode).toBe(0);
      expect(receiver.deliveries).toHaveLength(1);
      const delivery = receiver.deliveries[0];
      const signature = delivery?.headers[
        WEBHOOK_SIGNATURE_HEADER.toLowerCase()
      ] as string | undefined;
      expect(
        verifyWebhookSignature(
          delivery?.body ?? Buffer.alloc(0),
          WEBHOOK_SECRET,
          signature,
        ),
      ).toBe(true);
      const payload = JSON.parse(String(delivery?.body)) as {
        counts: Record<string, number>;
        subject: Record<string, string>;
      };
      expect(payload.counts).toMatchObject({ critical: 1, low: 1, total: 2 });
      expect(payload.subject.repository).toBe(REPOSITORY);
      for (const canary of CANARIES)
        expect(String(delivery?.body)).not.toContain(canary);
      const masked = result.commands
        .filter((c) => c.name === 'add-mask')
        .map((c) => c.message);
      expect(masked).toEqual(
        expect.arrayContaining([receiver.url, WEBHOOK_SECRET]),
      );
    } finally {
      await receiver.stop();
    }
  });
});

/** Inputs with every GitHub feature off but those given. */
function quiet(inputs: Record<string, string>): Record<string, string> {
  return {
    'upload-sarif': 'false',
    'pr-comment': 'false',
    'review-comments': 'false',
    annotations: 'false',
    ...inputs,
  };
}

/** `count` findings on distinct lines, a third each error, warning, notice. */
function manyFindings(count: number): Finding[] {
  const severities: Severity[] = ['high', 'medium', 'low'];
  return Array.from({ length: count }, (_, i) =>
    lint(i + 1, severities[i % 3] ?? 'low'),
  );
}

interface Receiver {
  url: string;
  deliveries: { headers: IncomingHttpHeaders; body: Buffer }[];
  stop(): Promise<void>;
}

/** A webhook receiver on loopback, whose path holds a canary token. */
async function startReceiver(): Promise<Receiver> {
  const deliveries: Receiver['deliveries'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/${WEBHOOK_PATH_TOKEN}`,
    deliveries,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The review comments the double holds, as GitHub lists them. */
function listReviewComments(github: GitHubApi): DoubleReply {
  const comments = github.reviews.flatMap((review) =>
    review.comments.map((comment, index) =>
      reviewComment(review.id * 100 + index, String(comment.body)),
    ),
  );
  return { status: 200, body: comments };
}

function reviewComment(id: number, body: string): object {
  const root = `https://api.github.com/repos/${REPOSITORY}`;
  const html = `https://github.com/${REPOSITORY}/pull/${PULL}#discussion_r${id}`;
  const user = 'https://api.github.com/users/github-actions%5Bbot%5D';
  return {
    url: `${root}/pulls/comments/${id}`,
    id,
    node_id: `PRRC_${id}`,
    pull_request_review_id: 1,
    diff_hunk: '@@ -1,3 +1,5 @@',
    path: 'Dockerfile',
    commit_id: HEAD_SHA,
    original_commit_id: HEAD_SHA,
    user: {
      login: 'github-actions[bot]',
      id: 41898282,
      node_id: 'U_1',
      avatar_url: 'https://avatars.githubusercontent.com/u/41898282',
      gravatar_id: '',
      url: user,
      html_url: 'https://github.com/apps/github-actions',
      followers_url: `${user}/followers`,
      following_url: `${user}/following{/other_user}`,
      gists_url: `${user}/gists{/gist_id}`,
      starred_url: `${user}/starred{/owner}{/repo}`,
      subscriptions_url: `${user}/subscriptions`,
      organizations_url: `${user}/orgs`,
      repos_url: `${user}/repos`,
      events_url: `${user}/events{/privacy}`,
      received_events_url: `${user}/received_events`,
      type: 'Bot',
      site_admin: false,
    },
    body,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    html_url: html,
    pull_request_url: `${root}/pulls/${PULL}`,
    author_association: 'NONE',
    _links: {
      self: { href: `${root}/pulls/comments/${id}` },
      html: { href: html },
      pull_request: { href: `${root}/pulls/${PULL}` },
    },
  };
}
