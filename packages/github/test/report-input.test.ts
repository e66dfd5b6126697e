import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findingsToJson } from '@imagegate/findings';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBaselineFindings, loadResultRuns } from '../src/index';
import { findingAt } from './fixtures';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagegate-report-input-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
}

describe('loadResultRuns', () => {
  it('expands globs, skips node_modules and prefixes categories', async () => {
    await write({
      'a/lint.json': findingsToJson([findingAt(1, 'high')]),
      '.hidden/lint.json': findingsToJson([findingAt(2, 'low')]),
      'node_modules/x/lint.json': findingsToJson([findingAt(3, 'low')]),
    });

    const runs = await loadResultRuns({
      patterns: ['**/lint.json'],
      root,
      categoryPrefix: 'matrix-1',
    });

    expect(runs.flatMap((r) => r.findings.map((f) => f.fingerprint))).toEqual([
      'low-2',
      'high-1',
    ]);
    expect(runs.map((r) => r.category)).toEqual(['matrix-1/imagegate-lint/']);
  });

  it.each([
    [['missing/*.json'], 'no-match', 'missing/*.json'],
    [['absent.json'], 'unreadable', 'absent.json'],
    [[], 'no-results', ''],
  ])('refuses %j with code %s', async (patterns, code, subject) => {
    await expect(loadResultRuns({ patterns, root })).rejects.toMatchObject({
      code,
      subject,
    });
  });
});

describe('loadBaselineFindings', () => {
  it('answers missing for a baseline that does not exist', async () => {
    expect(await loadBaselineFindings('base.json', root)).toBe('missing');
  });

  it('reads the findings of an existing baseline', async () => {
    await write({ 'base.json': findingsToJson([findingAt(4, 'medium')]) });

    const findings = await loadBaselineFindings('base.json', root);

    expect(findings).toMatchObject([{ fingerprint: 'medium-4' }]);
  });
});
