import type { Finding } from '@imagegate/findings';
import { afterEach, describe, expect, it } from 'vitest';
import { annotateFindings, writeJobSummary } from '../index';
import { capture } from './capture';

function finding(line: number, severity: Finding['severity']): Finding {
  return {
    tool: 'imagegate-lint',
    ruleId: 'no-latest-tag',
    ruleAliases: [],
    severity,
    title: 'Latest tag',
    message: `'a:latest' on line ${line}, ::error::x`,
    fingerprint: String(line),
    location: { path: 'dir,x/Dockerfile', line, column: 1, endColumn: 9 },
  };
}

describe('annotateFindings', () => {
  it('emits annotations on the lines, most severe first', async () => {
    const { commands } = await capture(() => {
      annotateFindings([finding(3, 'low'), finding(2, 'critical')]);
    });

    expect(commands).toEqual([
      {
        name: 'error',
        properties: {
          title: 'critical: Latest tag (no-latest-tag)',
          file: 'dir,x/Dockerfile',
          line: '2',
          endLine: '2',
          col: '1',
          endColumn: '9',
        },
        message: "'a:latest' on line 2, ::error::x",
      },
      expect.objectContaining({
        name: 'notice',
        properties: expect.objectContaining({ line: '3' }) as unknown,
      }),
    ]);
  });

  it('logs how many findings it left without an annotation', async () => {
    const many = Array.from({ length: 13 }, (_, i) => finding(i + 1, 'high'));

    const { stdout, commands } = await capture(() => {
      annotateFindings(many);
    });

    expect(commands).toHaveLength(10);
    expect(stdout).toContain('3 more findings (3 errors) not annotated');
  });
});

describe('writeJobSummary', () => {
  const saved = process.env.GITHUB_STEP_SUMMARY;

  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  });

  it('warns and carries on when there is no summary file', async () => {
    delete process.env.GITHUB_STEP_SUMMARY;

    const { commands } = await capture(() => writeJobSummary('# x'));

    expect(commands).toEqual([
      expect.objectContaining({
        name: 'warning',
        message: expect.stringMatching(
          /^the job summary was not written/,
        ) as unknown,
      }),
    ]);
  });
});
