import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/index';
import { captureIo } from './capture';

let workspace: string;

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'imagegate-cli-'));
});

afterEach(() => {
  rmSync(workspace, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  const path = join(workspace, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return name;
}

describe('imagegate lint', () => {
  it('exits 0 and reports nothing at the threshold for a clean file', async () => {
    write(
      'Dockerfile',
      'FROM alpine:3.20@sha256:' + 'a'.repeat(64) + '\nUSER 1000\n',
    );
    const io = captureIo(workspace);

    const status = await runCli(
      ['lint', 'Dockerfile', '--fail-on', 'critical'],
      io,
    );

    expect(io.err).toEqual([]);
    expect(status).toBe(0);
  });

  it('exits 1 when a finding reaches --fail-on', async () => {
    write('Dockerfile', 'FROM alpine:latest\n');
    const io = captureIo(workspace);

    const status = await runCli(['lint', '--fail-on', 'low', 'Dockerfile'], io);

    expect(status).toBe(1);
    expect(io.out.join('')).toContain('Dockerfile:1:1: medium no-latest-tag');
  });

  it('writes JSON findings with the documented fields', async () => {
    write('Dockerfile', 'FROM alpine:latest\n');
    const io = captureIo(workspace);

    await runCli(
      ['lint', '--format', 'json', '--fail-on', 'none', 'Dockerfile'],
      io,
    );

    const document = JSON.parse(io.out.join('')) as {
      findings: Record<string, unknown>[];
    };
    const finding = document.findings.find((f) => f.ruleId === 'no-latest-tag');
    expect(finding).toMatchObject({
      tool: 'imagegate-lint',
      ruleAliases: ['DL3007', 'DKL-DI-0006'],
      severity: 'medium',
      location: { path: 'Dockerfile', line: 1 },
    });
    expect(finding?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it('finds the Dockerfiles in the working tree when none is named', async () => {
    write('Dockerfile', 'FROM alpine:latest\n');
    write('svc/api/Dockerfile.prod', 'FROM alpine:latest\n');
    write('node_modules/x/Dockerfile', 'FROM alpine:latest\n');
    const io = captureIo(workspace);

    await runCli(['lint', '--format', 'json', '--fail-on', 'none'], io);

    const paths = (
      JSON.parse(io.out.join('')) as {
        findings: { location: { path: string } }[];
      }
    ).findings.map((f) => f.location.path);
    expect(new Set(paths)).toEqual(
      new Set(['Dockerfile', 'svc/api/Dockerfile.prod']),
    );
  });

  it('writes --output atomically and leaves stdout empty', async () => {
    write('Dockerfile', 'FROM alpine:latest\n');
    const io = captureIo(workspace);

    await runCli(
      [
        'lint',
        '--format',
        'json',
        '--output',
        'out.json',
        '--fail-on',
        'none',
        'Dockerfile',
      ],
      io,
    );

    expect(io.out).toEqual([]);
    expect(
      JSON.parse(readFileSync(join(workspace, 'out.json'), 'utf8')),
    ).toHaveProperty('findings');
    expect(
      readdirSync(workspace).filter((name) => name.endsWith('.tmp')),
    ).toEqual([]);
  });

  it('applies severities and switches from .imagegate.yaml', async () => {
    write('Dockerfile', 'FROM alpine:latest\n');
    write('.imagegate.yaml', 'lint:\n  rules:\n    DL3007: critical\n');
    const io = captureIo(workspace);

    const status = await runCli(
      ['lint', '--fail-on', 'critical', 'Dockerfile'],
      io,
    );

    expect(status).toBe(1);
    expect(io.out.join('')).toContain('critical no-latest-tag');
  });

  it('honours an inline suppression that gives a reason', async () => {
    write(
      'Dockerfile',
      '# imagegate-ignore no-latest-tag -- tracking upstream on purpose\nFROM alpine:latest\n',
    );
    const io = captureIo(workspace);

    await runCli(
      ['lint', '--format', 'json', '--fail-on', 'none', 'Dockerfile'],
      io,
    );

    const findings = (
      JSON.parse(io.out.join('')) as {
        findings: { ruleId: string; suppression?: unknown }[];
      }
    ).findings;
    expect(
      findings.find((f) => f.ruleId === 'no-latest-tag')?.suppression,
    ).toEqual({
      kind: 'inline',
      justification: 'tracking upstream on purpose',
    });
  });
});

describe('imagegate lint on bad input', () => {
  const cases: [string, () => string[], RegExp][] = [
    [
      'a missing file',
      () => ['lint', 'nope/Dockerfile'],
      /nope\/Dockerfile: no such file/,
    ],
    [
      'a directory',
      () => (mkdirSync(join(workspace, 'dir')), ['lint', 'dir']),
      /dir: is a directory/,
    ],
    [
      'binary content',
      () => [
        'lint',
        write('Dockerfile', Buffer.from([0x46, 0x52, 0x0a, 0x00, 0x01])),
      ],
      /Dockerfile:2: contains a NUL byte/,
    ],
    [
      'invalid UTF-8',
      () => [
        'lint',
        write('Dockerfile', Buffer.from([0x46, 0x0a, 0x0a, 0xc3, 0x28])),
      ],
      /Dockerfile:3: is not valid UTF-8/,
    ],
    [
      'a 5 MB file',
      () => ['lint', write('Dockerfile', 'RUN x\n'.repeat(900_000))],
      /Dockerfile: \d+ bytes is over/,
    ],
    [
      'a 1 MB line',
      () => [
        'lint',
        write('Dockerfile', `FROM a\nRUN ${'x'.repeat(1_000_000)}\n`),
      ],
      /Dockerfile:2: line is \d+ characters long/,
    ],
    [
      'an unterminated heredoc',
      () => ['lint', write('Dockerfile', 'FROM a\nRUN <<EOF\necho hi\n')],
      /Dockerfile:2: heredoc 'EOF' is never closed/,
    ],
    [
      'an ARG cycle',
      () => [
        'lint',
        write('Dockerfile', 'ARG A=${B}\nARG B=${A}\nFROM alpine:${A}\n'),
      ],
      /Dockerfile:\d: ARG defaults refer to each other/,
    ],
    [
      'an unknown rule in the config',
      () => (
        write('.imagegate.yaml', 'lint:\n  rules:\n    no-latets-tag: off\n'),
        ['lint', write('Dockerfile', 'FROM a:1\n')]
      ),
      /\.imagegate\.yaml:3: unknown rule 'no-latets-tag'; did you mean 'no-latest-tag'\?/,
    ],
    [
      'an unknown rule inline',
      () => [
        'lint',
        write('Dockerfile', '# imagegate-ignore no-such-rule -- x\nFROM a:1\n'),
      ],
      /Dockerfile:1: unknown rule 'no-such-rule'/,
    ],
    [
      'a bad --fail-on',
      () => ['lint', '--fail-on', 'severe', write('Dockerfile', 'FROM a:1\n')],
      /--fail-on 'severe': use one of/,
    ],
    [
      'a bad --format',
      () => ['lint', '--format', 'xml', write('Dockerfile', 'FROM a:1\n')],
      /--format 'xml': use one of text, json, sarif/,
    ],
    ['an unknown option', () => ['lint', '--nope'], /unknown option '--nope'/],
    [
      'a glob that matches nothing',
      () => ['lint', 'svc/**/Dockerfile'],
      /svc\/\*\*\/Dockerfile: matches no file/,
    ],
    [
      'an output in a missing directory',
      () => [
        'lint',
        '--output',
        'no/such/dir/out.txt',
        write('Dockerfile', 'FROM a:1\n'),
      ],
      /no\/such\/dir\/out.txt: cannot write the report/,
    ],
  ];

  it.each(cases)(
    'gives one clear line and exit 2 for %s',
    async (_name, args, message) => {
      const io = captureIo(workspace);

      const status = await runCli(args(), io);

      expect(status).toBe(2);
      const stderr = io.err.join('');
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );
});

describe('imagegate', () => {
  it('prints usage on stderr and exits 2 when no command is given', async () => {
    const io = captureIo(workspace);

    const status = await runCli([], io);

    expect(status).toBe(2);
    expect(io.err.join('')).toMatch(/^Usage: imagegate/);
  });

  it('prints help on stdout and exits 0 when asked', async () => {
    const io = captureIo(workspace);

    const status = await runCli(['lint', '--help'], io);

    expect(status).toBe(0);
    expect(io.out.join('')).toContain('--fail-on <severity>');
  });
});
