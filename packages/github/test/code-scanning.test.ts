import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { Severity } from '@imagegate/findings';
import { describe, expect, it } from 'vitest';
import {
  buildSarif,
  resolveCommitAndRef,
  uploadSarif,
  type SarifLog,
  type UploadSarifRequest,
} from '../src/index';
import { CANARY_TOKEN, gitHubFailure, useGitHubApi } from './api-context';
import { finding, findingAt, rule } from './fixtures';

const SHA = 'c0ffee'.padEnd(40, '0');

const github = useGitHubApi(['octo/app']);

function sarifOf(severities: readonly Severity[]): SarifLog {
  return buildSarif([
    {
      tool: { name: 'imagegate-lint', version: '0.1.0' },
      rules: [rule()],
      findings: severities.map((severity, i) => findingAt(i + 1, severity)),
      category: 'lint/Dockerfile',
    },
  ]);
}

function request(
  overrides: Partial<UploadSarifRequest> = {},
): UploadSarifRequest {
  return {
    owner: 'octo',
    repo: 'app',
    commitSha: SHA,
    ref: 'refs/heads/main',
    sarif: sarifOf(['high', 'low']),
    pollTimeoutMs: 2000,
    pollIntervalMs: 5,
    logger: github.logger,
    ...overrides,
  };
}

describe('uploadSarif', () => {
  it('uploads the log gzipped and base64-encoded, and waits until complete', async () => {
    const sarif = sarifOf(['critical', 'medium']);
    github.api.setSarifProcessing({ pendingPolls: 2 });

    const result = await uploadSarif(github.client, request({ sarif }));

    expect(result).toEqual({
      sarifId: github.api.sarifUploads[0]?.id,
      status: 'complete',
      errors: [],
      droppedResults: 0,
      gzipBytes: github.api.sarifUploads[0]?.gzipBytes,
    });
    expect(github.api.sarifUploads[0]).toMatchObject({
      sarif,
      commitSha: SHA,
      ref: 'refs/heads/main',
      toolName: 'imagegate-lint',
    });
    expect(
      github.api.calls.map((c) => `${c.operationId ?? ''} ${c.status}`),
    ).toEqual([
      'code-scanning/upload-sarif 202',
      'code-scanning/get-sarif 200',
      'code-scanning/get-sarif 200',
      'code-scanning/get-sarif 200',
    ]);
  });

  it('takes the log as JSON text, and passes checkout URI and tool names', async () => {
    const sarif = sarifOf(['high']);

    await uploadSarif(
      github.client,
      request({
        sarif: JSON.stringify(sarif),
        checkoutUri: 'file:///github/workspace/',
        toolNames: ['imagegate'],
      }),
    );

    expect(github.api.sarifUploads[0]?.sarif).toEqual(sarif);
    expect(github.api.calls[0]?.body).toMatchObject({
      checkout_uri: 'file:///github/workspace/',
      tool_name: 'imagegate',
    });
  });

  it('treats a 404 while polling as not processed yet', async () => {
    github.api.fault('code-scanning/get-sarif', { kind: 'not-found' });

    const result = await uploadSarif(github.client, request());

    expect(result.status).toBe('complete');
  });

  it("fails with GitHub's errors when processing failed, and logs each", async () => {
    github.api.setSarifProcessing({
      pendingPolls: 1,
      errors: ['locationFromSarifResult: expected artifact location', 'second'],
    });

    const error = await gitHubFailure(uploadSarif(github.client, request()));

    expect(error.code).toBe('processing-failed');
    expect(error.message).toMatch(
      /^code scanning could not process SARIF upload [0-9a-f-]+ for octo\/app: locationFromSarifResult: expected artifact location; second$/,
    );
    expect(error.details).toEqual([
      'locationFromSarifResult: expected artifact location',
      'second',
    ]);
    expect(github.logger.lines.filter((l) => l.level === 'error')).toEqual([
      {
        level: 'error',
        message:
          'code scanning: locationFromSarifResult: expected artifact location',
      },
      { level: 'error', message: 'code scanning: second' },
    ]);
  });

  it('returns pending with a warning when processing outlasts the timeout', async () => {
    github.api.setSarifProcessing({ pendingPolls: Infinity });

    const result = await uploadSarif(
      github.client,
      request({ pollTimeoutMs: 60, pollIntervalMs: 10 }),
    );

    expect(result.status).toBe('pending');
    expect(github.logger.text()).toMatch(
      /warning: code scanning: SARIF upload .* was still being processed after 0 s/,
    );
    expect(
      github.api.calls.filter(
        (c) => c.operationId === 'code-scanning/get-sarif',
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('ends the wait with a warning when the status cannot be read', async () => {
    github.api.fault('code-scanning/get-sarif', { kind: 'not-accessible' });

    const result = await uploadSarif(github.client, request());

    expect(result.status).toBe('pending');
    expect(github.logger.text()).toMatch(
      /warning: checking SARIF upload \S+: the token lacks 'security-events: read'.*the upload went through, but its processing result is unknown/,
    );
  });

  it.each([
    ['advanced-security', /Advanced Security must be enabled/],
    ['not-enabled', /Code scanning is not enabled/],
  ] as const)(
    'explains that code scanning is off (%s)',
    async (wording, githubWording) => {
      github.api.fault('code-scanning/upload-sarif', {
        kind: 'code-scanning-disabled',
        wording,
      });

      const error = await gitHubFailure(uploadSarif(github.client, request()));

      expect(error.code).toBe('code-scanning-disabled');
      expect(error.message).toMatch(
        /^uploading SARIF to code scanning of octo\/app: code scanning is not enabled for this repository/,
      );
      expect(error.message).toMatch(githubWording);
    },
  );

  it('explains a token without security-events: write (a fork pull request)', async () => {
    github.api.fault('code-scanning/upload-sarif', { kind: 'not-accessible' });

    const error = await gitHubFailure(uploadSarif(github.client, request()));

    expect(error.code).toBe('forbidden');
    expect(error.message).toContain("the token lacks 'security-events: write'");
    expect(error.message).toContain('fork');
    expect(inspect(error, { depth: 10 })).not.toContain(CANARY_TOKEN);
  });

  it('names the repository when it does not exist', async () => {
    const error = await gitHubFailure(
      uploadSarif(github.client, request({ repo: 'gone' })),
    );

    expect(error.code).toBe('not-found');
    expect(error.message).toContain('repository octo/gone was not found');
  });

  it('retries a 5xx on the upload', async () => {
    github.api.fault('code-scanning/upload-sarif', {
      kind: 'server-error',
      status: 500,
    });

    const result = await uploadSarif(github.client, request());

    expect(result.status).toBe('complete');
    expect(github.api.sarifUploads).toHaveLength(1);
  });

  it('waits out a secondary rate limit on the upload', async () => {
    github.api.fault('code-scanning/upload-sarif', {
      kind: 'secondary-rate-limit',
      retryAfter: 30,
    });

    const result = await uploadSarif(github.client, request());

    expect(result.status).toBe('complete');
    expect(github.logger.text()).toContain('waiting 30 s as GitHub asks');
  });

  it.each([
    ['not JSON', '{"runs": ', /not JSON/],
    [
      'not SARIF 2.1.0',
      { version: '2.0.0', runs: [] },
      /not a SARIF 2.1.0 log/,
    ],
  ])('refuses a log that is %s', async (_, sarif, message) => {
    const error = await gitHubFailure(
      uploadSarif(github.client, request({ sarif })),
    );

    expect(error.code).toBe('bad-input');
    expect(error.message).toMatch(message);
    expect(github.api.calls).toEqual([]);
  });

  it('refuses more than 20 runs and says to split them', async () => {
    const one = sarifOf(['high']);
    const sarif = {
      ...one,
      runs: Array.from({ length: 21 }, () => one.runs[0]),
    };

    const error = await gitHubFailure(
      uploadSarif(github.client, request({ sarif })),
    );

    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(/21 runs.*split it by category/);
    expect(github.api.calls).toEqual([]);
  });
});

describe('uploadSarif over GitHub limits', () => {
  function noisyFinding(
    i: number,
    severity: Severity,
  ): ReturnType<typeof finding> {
    return finding({
      severity,
      fingerprint: `fp-${i}`,
      message: randomBytes(300).toString('base64'),
      location: { path: 'Dockerfile', line: i + 1 },
    });
  }

  function noisySarif(
    count: number,
    severityOf: (i: number) => Severity,
  ): SarifLog {
    return buildSarif([
      {
        tool: { name: 'imagegate-scan', version: '0.1.0' },
        rules: [rule()],
        findings: Array.from({ length: count }, (_, i) =>
          noisyFinding(i, severityOf(i)),
        ),
        category: 'scan/app',
      },
    ]);
  }

  it('drops the least severe results to fit a small size limit', async () => {
    const severities: Severity[] = ['critical', 'high', 'medium', 'low'];
    const sarif = noisySarif(200, (i) => severities[i % 4] ?? 'low');

    const result = await uploadSarif(
      github.client,
      request({ sarif, maxGzipBytes: 40_000 }),
    );

    const uploaded = github.api.sarifUploads[0]?.sarif as SarifLog;
    const kept = uploaded.runs[0]?.results ?? [];
    const keptSeverities = kept.map((r) => r.properties.severity);
    expect(result.gzipBytes).toBeLessThanOrEqual(40_000);
    expect(result.droppedResults).toBe(200 - kept.length);
    expect(keptSeverities).toContain('critical');
    expect(keptSeverities.filter((s) => s === 'critical')).toHaveLength(50);
    expect(keptSeverities).not.toContain('low');
    expect(github.logger.text()).toMatch(
      /over GitHub's 0\.0 MB gzipped limit; dropped the \d+ least severe of 200 results/,
    );
  });

  /** A third-party log: 30,000 results with incompressible messages. */
  function hugeLog(): unknown {
    const results = Array.from({ length: 30_000 }, (_, i) => ({
      ruleId: 'r',
      level: i % 10 === 0 ? 'error' : 'note',
      message: { text: randomBytes(500).toString('base64') },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'Dockerfile' },
            region: { startLine: i + 1 },
          },
        },
      ],
    }));
    return {
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'other-scanner' } }, results }],
    };
  }

  it('fits 30,000 results and 15 MB gzipped within 25,000 results and 10 MB, never meeting a 413', async () => {
    const sarif = hugeLog();

    const result = await uploadSarif(github.client, request({ sarif }));

    const uploaded = github.api.sarifUploads[0]?.sarif as {
      runs: { results: { level: string }[] }[];
    };
    const kept = uploaded.runs[0]?.results ?? [];
    expect(github.api.calls[0]?.status).toBe(202);
    expect(result.gzipBytes).toBeLessThanOrEqual(10_000_000);
    expect(result.gzipBytes).toBeGreaterThan(9_000_000);
    expect(kept.length).toBeLessThanOrEqual(25_000);
    expect(kept.filter((r) => r.level === 'error')).toHaveLength(3000);
    expect(result.droppedResults).toBe(30_000 - kept.length);
    expect(github.logger.text()).toContain(
      "over GitHub's 25000 results per run",
    );
    expect(github.logger.text()).toContain(
      "over GitHub's 10.0 MB gzipped limit",
    );
  }, 60_000);
});

describe('resolveCommitAndRef', () => {
  const head = 'b'.repeat(40);

  it.each([
    [
      'a push',
      {
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: SHA,
        GITHUB_REF: 'refs/heads/main',
      },
      undefined,
      { commitSha: SHA, ref: 'refs/heads/main' },
    ],
    [
      'a tag',
      {
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: SHA,
        GITHUB_REF: 'refs/tags/v1',
      },
      undefined,
      { commitSha: SHA, ref: 'refs/tags/v1' },
    ],
    [
      'a pull request',
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_SHA: SHA,
        GITHUB_REF: 'refs/pull/42/merge',
      },
      { pull_request: { number: 42, head: { sha: head } } },
      { commitSha: head, ref: 'refs/pull/42/head' },
    ],
    [
      'a pull_request_target',
      {
        GITHUB_EVENT_NAME: 'pull_request_target',
        GITHUB_SHA: SHA,
        GITHUB_REF: 'refs/heads/main',
      },
      { pull_request: { number: 7, head: { sha: head.toUpperCase() } } },
      { commitSha: head, ref: 'refs/pull/7/head' },
    ],
  ])('resolves %s', (_, env, event, expected) => {
    expect(resolveCommitAndRef(env, event)).toEqual(expected);
  });

  it.each([
    [
      'no GITHUB_SHA',
      { GITHUB_REF: 'refs/heads/main' },
      /GITHUB_SHA and GITHUB_REF are not set/,
    ],
    [
      'a short sha',
      { GITHUB_SHA: 'abc', GITHUB_REF: 'refs/heads/main' },
      /not a full commit SHA/,
    ],
    [
      'a bare branch name',
      { GITHUB_SHA: SHA, GITHUB_REF: 'main' },
      /is not refs\/heads/,
    ],
  ])('refuses %s', (_, env, message) => {
    expect(() => resolveCommitAndRef(env)).toThrow(message);
  });
});
