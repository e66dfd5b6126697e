import { inspect } from 'node:util';
import type { Severity } from '@imagegate/findings';
import { describe, expect, it } from 'vitest';
import {
  checkAnnotations,
  GitHubError,
  publishCheckRun,
  type CheckRunRequest,
} from '../src/index';
import { CANARY_TOKEN, useGitHubApi } from './api-context';
import { finding, findingAt } from './fixtures';

const SEVERITIES: Severity[] = ['low', 'critical', 'medium', 'high'];

const github = useGitHubApi();

function request(overrides: Partial<CheckRunRequest> = {}): CheckRunRequest {
  return {
    owner: 'octo',
    repo: 'app',
    headSha: 'a'.repeat(40),
    name: 'imagegate / lint',
    title: 'imagegate lint',
    summary: '**3** findings',
    conclusion: 'failure',
    findings: [],
    logger: github.logger,
    ...overrides,
  };
}

interface SentAnnotation {
  annotation_level: string;
  start_line: number;
}

function updates(): { annotations: SentAnnotation[]; conclusion?: string }[] {
  return github.api.calls
    .filter((c) => c.operationId === 'checks/update')
    .map((c) => {
      const body = c.body as {
        conclusion?: string;
        output: { annotations?: SentAnnotation[] };
      };
      return {
        annotations: body.output.annotations ?? [],
        ...(body.conclusion === undefined
          ? {}
          : { conclusion: body.conclusion }),
      };
    });
}

describe('publishCheckRun', () => {
  it('sends 173 annotations in 4 updates of at most 50, most severe first', async () => {
    const findings = Array.from({ length: 173 }, (_, i) =>
      findingAt(i + 1, SEVERITIES[i % 4] ?? 'low'),
    );

    const result = await publishCheckRun(github.client, request({ findings }));

    const sent = updates();
    expect(github.api.calls.map((c) => c.operationId)).toEqual([
      'checks/create',
      'checks/update',
      'checks/update',
      'checks/update',
      'checks/update',
    ]);
    expect(sent.map((u) => u.annotations.length)).toEqual([50, 50, 50, 23]);
    expect(sent.map((u) => u.conclusion)).toEqual([
      undefined,
      undefined,
      undefined,
      'failure',
    ]);
    const levels = sent.flatMap((u) =>
      u.annotations.map((a) => a.annotation_level),
    );
    expect(levels.indexOf('warning')).toBe(86);
    expect(levels.indexOf('notice')).toBe(129);
    expect(levels.slice(0, 86).every((l) => l === 'failure')).toBe(true);
    expect(result).toEqual({
      useWorkflowCommands: false,
      checkRunId: github.api.checkRuns[0]?.id,
      htmlUrl: expect.stringContaining('/octo/app/runs/') as string,
      annotated: 173,
      omitted: 0,
      updates: 4,
    });
    expect(github.api.checkRuns[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
    });
    expect(github.api.checkRuns[0]?.annotations).toHaveLength(173);
    expect(github.api.maxMutationsInFlight()).toBe(1);
  });

  it('completes a run without findings in one update', async () => {
    const result = await publishCheckRun(
      github.client,
      request({ conclusion: 'success' }),
    );

    expect(updates()).toEqual([{ annotations: [], conclusion: 'success' }]);
    expect(result.annotated).toBe(0);
  });

  it('falls back to workflow commands when the token cannot create check runs', async () => {
    github.api.fault('checks/create', { kind: 'not-accessible' });
    const findings = [findingAt(1, 'high'), findingAt(2, 'low')];

    const result = await publishCheckRun(github.client, request({ findings }));

    expect(result).toEqual({
      useWorkflowCommands: true,
      checkRunId: undefined,
      htmlUrl: undefined,
      annotated: 0,
      omitted: 2,
      updates: 0,
    });
    expect(github.api.calls).toHaveLength(1);
    expect(github.logger.text()).toContain(
      "warning: creating check run 'imagegate / lint': the token lacks 'checks: write'",
    );
  });

  it('throws other failures to create the run', async () => {
    github.api.fault('checks/create', { kind: 'not-found' });

    await expect(
      publishCheckRun(github.client, request()),
    ).rejects.toMatchObject({
      code: 'not-found',
    });
  });

  it('completes the run with a note when an update fails, then throws', async () => {
    github.api.fault('checks/update', {
      kind: 'response',
      status: 422,
      body: { message: 'Validation Failed', documentation_url: 'x' },
    });
    const findings = [findingAt(1, 'high')];

    const error: unknown = await publishCheckRun(
      github.client,
      request({ findings }),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GitHubError);
    expect(inspect(error, { depth: 10 })).not.toContain(CANARY_TOKEN);
    expect((error as GitHubError).message).toMatch(
      /^annotating check run 'imagegate \/ lint' \(update 1 of 1\): GitHub rejected the request \(422\)/,
    );
    expect(github.api.checkRuns[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
    });
    expect(github.api.checkRuns[0]?.output.summary).toContain(
      'Some annotations could not be sent',
    );
  });

  it('retries a 5xx on an update', async () => {
    github.api.fault('checks/update', { kind: 'server-error', status: 502 });

    await publishCheckRun(
      github.client,
      request({ findings: [findingAt(1, 'low')] }),
    );

    expect(github.api.checkRuns[0]?.annotations).toHaveLength(1);
  });
});

describe('checkAnnotations', () => {
  it('maps severities to levels and keeps columns on one-line findings only', () => {
    const findings = [
      finding({ severity: 'critical' }),
      finding({
        severity: 'medium',
        location: {
          path: 'a/Dockerfile',
          line: 3,
          endLine: 5,
          column: 2,
          endColumn: 4,
        },
      }),
      finding({ severity: 'negligible', location: { path: 'b' } }),
    ];

    const { annotations } = checkAnnotations(findings);

    expect(annotations).toEqual([
      {
        path: 'Dockerfile',
        start_line: 1,
        end_line: 1,
        start_column: 1,
        end_column: 19,
        annotation_level: 'failure',
        title: "critical: Base image uses the 'latest' tag (no-latest-tag)",
        message: "'alpine:latest' uses the moving 'latest' tag",
      },
      {
        path: 'a/Dockerfile',
        start_line: 3,
        end_line: 5,
        annotation_level: 'warning',
        title: "medium: Base image uses the 'latest' tag (no-latest-tag)",
        message: "'alpine:latest' uses the moving 'latest' tag",
      },
      {
        path: 'b',
        start_line: 1,
        end_line: 1,
        annotation_level: 'notice',
        title: "negligible: Base image uses the 'latest' tag (no-latest-tag)",
        message: "'alpine:latest' uses the moving 'latest' tag",
      },
    ]);
  });

  it('counts unsuppressed findings without a file, or over the cap, as omitted', () => {
    const findings = [
      findingAt(1, 'high'),
      findingAt(2, 'high'),
      finding({ location: { image: 'alpine' }, fingerprint: 'img' }),
      finding({ suppression: { kind: 'config', justification: '' } }),
    ];

    const chosen = checkAnnotations(findings, 1);

    expect(chosen.annotations.map((a) => a.start_line)).toEqual([1]);
    expect(chosen.omitted).toBe(2);
  });

  it('cuts titles to 255 characters and messages to 64 KB', () => {
    const long = finding({
      title: 'x'.repeat(400),
      message: '€'.repeat(30_000),
    });

    const [annotation] = checkAnnotations([long]).annotations;

    expect(Array.from(annotation?.title ?? '')).toHaveLength(255);
    expect(Buffer.byteLength(annotation?.message ?? '')).toBeLessThan(
      64 * 1024,
    );
  });
});
