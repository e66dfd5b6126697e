import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  repoRoot,
  runActionBundle,
  type ActionRun,
} from '@imagegate/test-support';
import { afterAll, describe, expect, it } from 'vitest';

// The committed bundles, run as the Actions runner runs them;
// dist-fresh.test.ts keeps them equal to a fresh build.
const buildRoot = repoRoot;
const workspaces: string[] = [];

afterAll(async () => {
  for (const dir of workspaces) {
    await rm(dir, { recursive: true, force: true });
  }
});

async function pipeline(
  dockerfile: string,
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  const workspace = await mkdtemp(join(tmpdir(), 'imagegate-workspace-'));
  workspaces.push(workspace);
  await writeFile(join(workspace, 'Dockerfile'), dockerfile);
  return runActionBundle({ actionDir: buildRoot, workspace, inputs });
}

describe('the pipeline action (root action.yml)', () => {
  it('runs the lint stage by default and fails at the gate', async () => {
    const result = await pipeline(
      'FROM alpine:latest\nENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARY1\n',
      {
        'fail-on': 'medium',
      },
    );

    expect(result.exitCode).toBe(1);
    expect(result.outputs.passed).toBe('false');
    expect(Number(result.outputs['findings-count'])).toBeGreaterThan(0);
    expect(result.summary).toContain('imagegate lint');
    const sarif = await readFile(
      result.outputs['lint-sarif-file'] ?? '',
      'utf8',
    );
    expect(JSON.parse(sarif)).toHaveProperty('runs');
    const failure = result.commands.filter(
      (c) => c.name === 'error' && c.properties.file === undefined,
    );
    expect(failure.map((c) => c.message)).toEqual([
      expect.stringMatching(
        /^lint: \d+ unsuppressed findings? at or above medium/,
      ),
    ]);
    for (const sink of [result.stdout, result.stderr, result.summary, sarif]) {
      expect(sink).not.toContain('CANARY1');
    }
  });

  it('passes with fail-on none and still reports', async () => {
    const result = await pipeline('FROM alpine:latest\n', {
      'fail-on': 'none',
    });

    expect(result.exitCode).toBe(0);
    expect(result.outputs.passed).toBe('true');
  });

  it('warns and passes when every stage is turned off', async () => {
    const result = await pipeline('FROM alpine:latest\n', { lint: 'false' });

    expect(result.exitCode).toBe(0);
    expect(
      result.commands.filter((c) => c.name === 'warning').map((c) => c.message),
    ).toContain('every stage is turned off; nothing was checked');
    expect(result.outputs['lint-sarif-file']).toBeUndefined();
  });

  it('refuses a boolean input it cannot read, in one line', async () => {
    const result = await pipeline('FROM alpine:latest\n', { lint: 'yes' });

    expect(result.exitCode).toBe(1);
    const errors = result.commands.filter((c) => c.name === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/lint/);
  });
});
