import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findingsToJson, type Finding } from '@imagegate/findings';
import {
  buildSarif,
  findingsToRuns,
  sarifToJson,
  type SarifLog,
} from '@imagegate/github';
import type { WorkflowCommand } from '@imagegate/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  runReportStage,
  type ReportStageInputs,
  type ReportStageResult,
} from '../index';
import { capture } from './capture';

let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'imagegate-report-stage-'));
});

afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(workspace, path)), { recursive: true });
    await writeFile(join(workspace, path), text);
  }
}

function imageFinding(image: string, index: number): Finding {
  return {
    tool: 'imagegate-scan',
    ruleId: `CVE-2024-${1000 + index}`,
    ruleAliases: [],
    severity: index % 2 === 0 ? 'high' : 'low',
    title: 'a vulnerable package',
    message: `package-${index} is vulnerable ${'x'.repeat(200)}`,
    fingerprint: `${image}-${index}`,
    location: { image, packageName: `package-${index}` },
  };
}

function lintFinding(line: number): Finding {
  return {
    tool: 'imagegate-lint',
    ruleId: 'no-root-user',
    ruleAliases: [],
    severity: 'medium',
    title: 'The image runs as root',
    message: `line ${line}`,
    fingerprint: `lint-${line}`,
    location: { path: 'Dockerfile', line },
  };
}

function inputs(overrides: Partial<ReportStageInputs>): ReportStageInputs {
  return {
    results: ['results.json'],
    baseline: undefined,
    uploadSarif: false,
    prComment: false,
    reviewComments: false,
    annotations: false,
    webhook: undefined,
    webhookSecret: undefined,
    failOnNew: 'high',
    githubToken: undefined,
    categoryPrefix: '',
    sarifFile: 'out/report.sarif',
    ...overrides,
  };
}

async function stage(
  overrides: Partial<ReportStageInputs>,
  summaryMaxBytes?: number,
): Promise<ReportStageResult & { commands: WorkflowCommand[] }> {
  let result: ReportStageResult | undefined;
  const { commands } = await capture(async () => {
    result = await runReportStage(inputs(overrides), {
      workspace,
      env: {},
      ...(summaryMaxBytes === undefined ? {} : { summaryMaxBytes }),
    });
  });
  if (result === undefined) throw new Error('the stage returned nothing');
  return { ...result, commands };
}

describe('runReportStage', () => {
  it('reads globs of JSON and SARIF and writes one SARIF log', async () => {
    const scan = findingsToRuns([imageFinding('app:1', 1)]);
    await write({
      'reports/a/scan.sarif': sarifToJson(buildSarif(scan)),
      'reports/b/lint.json': findingsToJson([lintFinding(2)]),
      'reports/b/notes.txt': 'not matched',
    });

    const result = await stage({
      results: ['reports/**/*.sarif', 'reports/*/lint.json'],
      categoryPrefix: 'matrix-1',
    });

    expect(result.findings.map((f) => f.fingerprint)).toEqual([
      'app:1-1',
      'lint-2',
    ]);
    const log = JSON.parse(
      await readFile(result.sarifPath, 'utf8'),
    ) as SarifLog;
    expect(result.sarifPath).toBe(join(workspace, 'out/report.sarif'));
    expect(log.runs.map((r) => r.automationDetails.id)).toEqual([
      'matrix-1/imagegate-scan/app:1/',
      'matrix-1/imagegate-lint/',
    ]);
  });

  it('refuses a pattern that matches nothing, naming it', async () => {
    await expect(stage({ results: ['missing/*.json'] })).rejects.toMatchObject({
      code: 'input',
      message:
        "input 'results': 'missing/*.json' matches no file in the workspace",
    });
  });

  it('counts every finding as new when the baseline does not exist', async () => {
    await write({ 'results.json': findingsToJson([lintFinding(1)]) });

    const result = await stage({ baseline: 'base/missing.json' });

    expect(result.view.added).toHaveLength(1);
    expect(result.summary).toContain(
      "**Baseline skipped**: 'base/missing.json' does not exist",
    );
  });

  it('fails on new findings only', async () => {
    const old = { ...lintFinding(1), severity: 'critical' as const };
    await write({
      'results.json': findingsToJson([old, lintFinding(2)]),
      'base.json': findingsToJson([old]),
    });

    const result = await stage({ baseline: 'base.json', failOnNew: 'medium' });

    expect(result.failing.map((f) => f.fingerprint)).toEqual(['lint-2']);
    expect(result.summary).toContain(
      '**Failed**: 1 new finding at or above `medium`.',
    );
  });

  it('keeps a table per tool and image within the summary budget', async () => {
    const images = Array.from({ length: 40 }, (_, i) => `registry/app-${i}:1`);
    const findings = images.flatMap((image) =>
      Array.from({ length: 50 }, (_, i) => imageFinding(image, i)),
    );
    await write({ 'results.json': findingsToJson(findings) });

    const result = await stage({}, 30_000);

    expect(Buffer.byteLength(result.summary)).toBeLessThanOrEqual(30_000);
    for (const image of images)
      expect(result.summary).toContain(`### imagegate-scan · ${image}`);
  });

  it('shows hostile image names as text in the summary and the log', async () => {
    const hostile = '::error::pwned <img src=x> [a](http://x) @here';
    await write({ 'results.json': findingsToJson([imageFinding(hostile, 1)]) });

    const result = await stage({});

    for (const raw of ['<img', '](', '@here', '::error'])
      expect(result.summary).not.toContain(raw);
    expect(result.commands.filter((c) => c.name === 'error')).toEqual([]);
  });

  it('annotates with workflow commands and says why without a token', async () => {
    await write({ 'results.json': findingsToJson([lintFinding(3)]) });

    const result = await stage({ annotations: true, uploadSarif: true });

    expect(result.commands).toContainEqual({
      name: 'warning',
      properties: {
        title: 'medium: The image runs as root (no-root-user)',
        file: 'Dockerfile',
        line: '3',
        endLine: '3',
      },
      message: 'line 3',
    });
    expect(result.summary).toContain(
      '**Reporting to GitHub skipped**: no github-token',
    );
  });
});
