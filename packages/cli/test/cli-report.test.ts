import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findingsToJson,
  type Finding,
  type FindingsDocument,
  type Severity,
} from '@imagegate/findings';
import {
  buildSarif,
  findingsToRuns,
  sarifToJson,
  type SarifLog,
} from '@imagegate/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/index';
import { captureIo, type CapturedIo } from './capture';

let workspace: string;

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'imagegate-cli-report-'));
});

afterEach(() => {
  rmSync(workspace, { recursive: true, force: true });
});

function write(name: string, content: string): string {
  const path = join(workspace, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return name;
}

function lint(line: number, severity: Severity, tool = 'imagegate-lint') {
  const finding: Finding = {
    tool,
    ruleId: 'no-root-user',
    ruleAliases: [],
    severity,
    title: 'The image runs as root',
    message: `line ${line} runs as root`,
    fingerprint: `${tool}-${line}`,
    location: { path: 'Dockerfile', line },
  };
  return finding;
}

async function report(args: string[]): Promise<[number, CapturedIo]> {
  const io = captureIo(workspace);
  const status = await runCli(['report', ...args], io);
  return [status, io];
}

describe('imagegate report', () => {
  beforeEach(() => {
    write('head/lint.json', findingsToJson([lint(1, 'high'), lint(3, 'high')]));
    const scan = [lint(5, 'critical', 'imagegate-scan')];
    write('head/scan.sarif', sarifToJson(buildSarif(findingsToRuns(scan))));
    write('base.json', findingsToJson([lint(1, 'high'), lint(9, 'low')]));
  });

  it('merges JSON and SARIF and prints what is new and fixed', async () => {
    const [status, io] = await report([
      '--results',
      'head/*',
      '--baseline',
      'base.json',
      '--fail-on-new',
      'none',
    ]);

    expect(status).toBe(0);
    expect(io.out.join('')).toBe(
      [
        'imagegate report: 3 open findings (1 critical, 2 high)',
        '2 new, 1 fixed, 1 unchanged compared with the baseline',
        'Passed: --fail-on-new is none.',
        '',
        'New findings:',
        '  critical    imagegate-scan  Dockerfile:5  no-root-user  line 5 runs as root',
        '  high        imagegate-lint  Dockerfile:3  no-root-user  line 3 runs as root',
        '',
        'Fixed findings:',
        '  low         imagegate-lint  Dockerfile:9  no-root-user  line 9 runs as root',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 when a new finding reaches --fail-on-new', async () => {
    const [status] = await report([
      '--results',
      'head/lint.json',
      '--baseline',
      'base.json',
    ]);

    expect(status).toBe(1);
  });

  it('passes when the findings at the threshold are all old', async () => {
    write('same.json', findingsToJson([lint(1, 'high')]));

    const [status] = await report([
      '--results',
      'same.json',
      '--baseline',
      'base.json',
    ]);

    expect(status).toBe(0);
  });

  it('writes merged findings JSON and SARIF with prefixed categories', async () => {
    const [, json] = await report([
      '--results',
      'head/lint.json',
      'head/scan.sarif',
      '--format',
      'json',
    ]);
    const [, sarif] = await report([
      '--results',
      'head/*',
      '--format',
      'sarif',
      '--category-prefix',
      'app',
      '--output',
      'out.sarif',
    ]);

    const document = JSON.parse(json.out.join('')) as FindingsDocument;
    expect(document.findings.map((f) => f.fingerprint)).toEqual([
      'imagegate-scan-5',
      'imagegate-lint-1',
      'imagegate-lint-3',
    ]);
    const log = JSON.parse(
      readFileSync(join(workspace, 'out.sarif'), 'utf8'),
    ) as SarifLog;
    expect(sarif.out).toEqual([]);
    expect(log.runs.map((r) => r.automationDetails.id)).toEqual([
      'app/imagegate-lint/',
      'app/imagegate-scan/',
    ]);
  });

  it('writes the pull request comment as Markdown', async () => {
    const [, io] = await report([
      '--results',
      'head/*',
      '--baseline',
      'base.json',
      '--format',
      'markdown',
    ]);

    const markdown = io.out.join('');
    expect(markdown).toContain('**Failed**: 2 new findings at or above high.');
    expect(markdown).toContain('#### Fixed by this pull request');
  });

  it('warns on a missing baseline and counts every finding as new', async () => {
    const [status, io] = await report([
      '--results',
      'head/lint.json',
      '--baseline',
      'missing.json',
      '--fail-on-new',
      'none',
    ]);

    expect(status).toBe(0);
    expect(io.err.join('')).toContain("baseline 'missing.json' does not exist");
    expect(io.out.join('')).toContain('Open findings:');
  });

  it.each([
    [
      ['--results', 'nothing/*.json'],
      "--results 'nothing/*.json': matches no file",
    ],
    [
      ['--results', 'absent.json'],
      'absent.json: cannot read the results file (ENOENT)',
    ],
    [['--results', 'head/lint.json', '--format', 'html'], "--format 'html'"],
    [[], "required option '--results <file...>' not specified"],
  ])('exits 2 with one line for %j', async (args, message) => {
    const [status, io] = await report(args);

    expect(status).toBe(2);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toContain(message);
  });

  it('names the file and finding of a bad findings JSON', async () => {
    write('bad.json', '{"findings":[{"tool":"x"}]}');

    const [status, io] = await report(['--results', 'bad.json']);

    expect(status).toBe(2);
    expect(io.err.join('')).toBe(
      'imagegate: bad.json: finding 1: ruleId is missing\n',
    );
  });

  it('shows control characters in findings as ?', async () => {
    const hostile = { ...lint(2, 'high'), message: 'a\u001b[31mred\nb' };
    write('hostile.json', findingsToJson([hostile]));

    const [, io] = await report(['--results', 'hostile.json']);

    expect(io.out.join('')).toContain('a?[31mred?b');
  });
});
