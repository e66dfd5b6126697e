import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ALL_RULES } from '@imagegate/dockerfile';
import type { SarifLog } from '@imagegate/github';
import {
  corpusAvailable,
  repoRoot,
  runActionBundle,
  sarifSchemaCheck,
  type ActionRun,
  type WorkflowCommand,
} from '@imagegate/test-support';
import { afterAll, describe, expect, it } from 'vitest';

/** A fresh build of the bundles, laid out as the repository lays them. */
// The committed bundles, run as the Actions runner runs them;
// dist-fresh.test.ts keeps them equal to a fresh build.
const buildRoot = repoRoot;
const workspaces: string[] = [];

afterAll(async () => {
  for (const dir of workspaces) {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * A configuration that turns off every rule but the two base-image ones,
 * so the fixtures' findings do not change as rules are added.
 */
function onlyBaseImageRules(severity = 'medium'): string {
  const lines = ALL_RULES.map((rule) => {
    if (rule.id === 'no-latest-tag') return `    ${rule.id}: ${severity}`;
    if (rule.id === 'base-image-tagged') return `    ${rule.id}: medium`;
    return `    ${rule.id}: off`;
  });
  return ['lint:', '  rules:', ...lines, ''].join('\n');
}

interface LintResult extends ActionRun {
  workspace: string;
}

/** Writes `files` into a new workspace and runs the lint action there. */
async function lintAction(
  files: Record<string, string>,
  inputs: Record<string, string> = {},
): Promise<LintResult> {
  const workspace = await mkdtemp(join(tmpdir(), 'imagegate-workspace-'));
  workspaces.push(workspace);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(workspace, path)), { recursive: true });
    await writeFile(join(workspace, path), text);
  }
  const result = await runActionBundle({
    actionDir: join(buildRoot, 'actions/lint'),
    workspace,
    inputs,
  });
  return { ...result, workspace };
}

function annotations(commands: readonly WorkflowCommand[]): WorkflowCommand[] {
  return commands.filter(
    (c) =>
      ['error', 'warning', 'notice'].includes(c.name) &&
      c.properties.file !== undefined,
  );
}

function failures(commands: readonly WorkflowCommand[]): WorkflowCommand[] {
  return commands.filter(
    (c) => c.name === 'error' && c.properties.file === undefined,
  );
}

async function readSarif(result: LintResult): Promise<SarifLog> {
  const path = result.outputs['sarif-file'] ?? '';
  return JSON.parse(await readFile(path, 'utf8')) as SarifLog;
}

describe('the lint action', () => {
  it('passes when no finding reaches fail-on, and says so', async () => {
    const result = await lintAction({
      Dockerfile: 'FROM alpine:latest\n',
      '.imagegate.yaml': onlyBaseImageRules(),
    });

    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({
      'sarif-file': join(result.workspace, 'imagegate-lint.sarif'),
      'findings-count': '1',
      passed: 'true',
    });
    expect(failures(result.commands)).toEqual([]);
    expect(result.summary).toContain('**Passed**');
  });

  it('fails when a finding reaches fail-on, in one line', async () => {
    const result = await lintAction(
      {
        'docker/Dockerfile.prod': 'FROM alpine:latest\nFROM ubuntu AS two\n',
        '.imagegate.yaml': onlyBaseImageRules(),
      },
      { 'fail-on': 'medium', 'sarif-file': 'out/lint.sarif' },
    );

    expect(result.exitCode).toBe(1);
    expect(result.outputs).toEqual({
      'sarif-file': join(result.workspace, 'out/lint.sarif'),
      'findings-count': '2',
      passed: 'false',
    });
    expect(failures(result.commands)).toEqual([
      {
        name: 'error',
        properties: {},
        message:
          '2 unsuppressed findings at or above medium; see the annotations and the job summary',
      },
    ]);
    expect(result.summary).toContain('**Failed**: 2 unsuppressed findings');
  });

  it('annotates the exact lines, most severe first, 10 per level', async () => {
    const latest = Array.from(
      { length: 12 },
      (_, i) => `FROM alpine:latest AS a${i}`,
    );
    const untagged = ['FROM ubuntu AS u1', 'FROM debian AS u2'];
    const dockerfile = [...untagged, ...latest].join('\n');

    const result = await lintAction({
      'app/Dockerfile': `${dockerfile}\n`,
      '.imagegate.yaml': onlyBaseImageRules('high'),
    });

    const found = annotations(result.commands).map(
      (c) => `${c.name} ${c.properties.file}:${c.properties.line}`,
    );
    expect(found).toEqual([
      ...[3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(
        (line) => `error app/Dockerfile:${line}`,
      ),
      'warning app/Dockerfile:1',
      'warning app/Dockerfile:2',
    ]);
    expect(annotations(result.commands)[0]).toEqual({
      name: 'error',
      properties: {
        title: "high: Base image uses the 'latest' tag (no-latest-tag)",
        file: 'app/Dockerfile',
        line: '3',
        endLine: '3',
        col: '1',
        endColumn: '25',
      },
      message: "'alpine:latest' uses the moving 'latest' tag",
    });
    expect(result.stdout).toContain('2 more findings (2 errors) not annotated');
  });

  it('writes a job summary table, most severe first', async () => {
    const result = await lintAction({
      Dockerfile: 'FROM ubuntu\nFROM alpine:latest\n',
      '.imagegate.yaml': onlyBaseImageRules('high'),
    });

    const rows = result.summary
      .split('\n')
      .filter((line) => /^\| (high|medium)/.test(line));
    expect(result.summary).toMatch(/^## imagegate lint\n/);
    expect(result.summary).toContain('**2** findings: 1 high, 1 medium');
    expect(rows).toEqual([
      "| high | no-latest-tag | Dockerfile:2 | 'alpine:latest' uses the moving 'latest' tag |",
      "| medium | base-image-tagged | Dockerfile:1 | 'ubuntu' has no tag, so it means whatever 'latest' is on the day of the build |",
    ]);
  });

  it('writes one SARIF run per Dockerfile that the schema accepts', async () => {
    const result = await lintAction({
      'a/Dockerfile': 'FROM alpine:latest\n',
      'b/Containerfile': '# a comment\nFROM ubuntu\n',
      '.imagegate.yaml': onlyBaseImageRules(),
    });

    const sarif = await readSarif(result);
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual([
      'imagegate-lint/a/Dockerfile/',
      'imagegate-lint/b/Containerfile/',
    ]);
    const places = sarif.runs.map((r) =>
      r.results.map((x) => [
        x.ruleId,
        x.locations[0]?.physicalLocation?.artifactLocation.uri,
        x.locations[0]?.physicalLocation?.region?.startLine,
      ]),
    );
    expect(places).toEqual([
      [['no-latest-tag', 'a/Dockerfile', 1]],
      [['base-image-tagged', 'b/Containerfile', 2]],
    ]);
    if (corpusAvailable()) expect(sarifSchemaCheck()(sarif)).toEqual([]);
  });

  it('puts more than 20 Dockerfiles into one run, within the limit', async () => {
    const files: Record<string, string> = {
      '.imagegate.yaml': onlyBaseImageRules(),
    };
    for (let i = 0; i < 21; i += 1) {
      files[`svc${String(i).padStart(2, '0')}/Dockerfile`] = 'FROM alpine\n';
    }

    const result = await lintAction(files);

    const sarif = await readSarif(result);
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual([
      'imagegate-lint/',
    ]);
    expect(sarif.runs[0]?.results).toHaveLength(21);
  });

  it('fires no workflow command from hostile text in a Dockerfile', async () => {
    const hostile =
      '::error::pwned<img/src=x>|](http://beacon.example/p.png)|`t`|##[error]v1pwned:latest';

    const result = await lintAction(
      {
        Dockerfile: `FROM alpine:3.20\nFROM ${hostile} AS x\n`,
        '.imagegate.yaml': onlyBaseImageRules(),
      },
      { 'fail-on': 'none' },
    );

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('##[error]v1pwned');
    const fired = result.commands.filter((c) =>
      `${c.name} ${JSON.stringify(c.properties)}`.includes('pwned'),
    );
    expect(fired).toEqual([]);
    expect(result.commands.filter((c) => c.name === 'error')).toEqual([]);
    expect(annotations(result.commands)).toEqual([
      expect.objectContaining({
        name: 'warning',
        message: `'${hostile}' uses the moving 'latest' tag`,
      }),
    ]);
    // An `@` would end the image name, so mentions are left to unit tests.
    for (const raw of ['<img', '](', '`t`', '::error']) {
      expect(result.summary).not.toContain(raw);
    }
    expect(result.summary).toContain('&lt;img/src=x&gt;');
  });

  it('fails a bad fail-on with one line that names the choices', async () => {
    const result = await lintAction(
      { Dockerfile: 'FROM alpine:3.20\n' },
      { 'fail-on': 'severe' },
    );

    expect(result.exitCode).toBe(1);
    expect(result.commands).toEqual([
      {
        name: 'error',
        properties: {},
        message:
          "input 'fail-on' is 'severe'; use one of critical, high, medium, low, negligible, unknown, none",
      },
    ]);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    expect(result.outputs).toEqual({});
  });

  it('fails a pattern that matches nothing with one line', async () => {
    const result = await lintAction(
      { Dockerfile: 'FROM alpine:3.20\n' },
      { dockerfiles: 'missing/*.Dockerfile' },
    );

    expect(result.exitCode).toBe(1);
    expect(failures(result.commands)).toHaveLength(1);
    expect(failures(result.commands)[0]?.message).toMatch(
      /^missing\/\*\.Dockerfile: matches no file/,
    );
    expect(result.outputs).toEqual({});
  });

  it('never shows a secret set in ENV or ARG', async () => {
    const canary = 'igcanary-5b1f0c9e2d7a4f38a1c6';
    const dockerfile = [
      'FROM alpine:3.20',
      `ENV API_TOKEN=${canary}`,
      `ARG DB_PASSWORD=${canary}`,
      `ENV AWS_SECRET_ACCESS_KEY="${canary}"`,
      '',
    ].join('\n');

    const result = await lintAction(
      { Dockerfile: dockerfile },
      { 'fail-on': 'none' },
    );

    const sarif = await readFile(result.outputs['sarif-file'] ?? '', 'utf8');
    expect(result.exitCode).toBe(0);
    for (const sink of [result.stdout, result.stderr, result.summary, sarif]) {
      expect(sink).not.toContain(canary);
    }
  });
});
