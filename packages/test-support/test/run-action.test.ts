import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  inputVariable,
  parseOutputFile,
  parseWorkflowCommands,
  runActionBundle,
} from '../src/index';

describe('parseWorkflowCommands', () => {
  it('reads names, escaped properties and escaped data', () => {
    const stdout =
      '::error file=a%2Cb%3A.txt,line=3,col=2,title=x%25y::one%0Atwo %250A\n';

    expect(parseWorkflowCommands(stdout)).toEqual([
      {
        name: 'error',
        properties: { file: 'a,b:.txt', line: '3', col: '2', title: 'x%y' },
        message: 'one\ntwo %0A',
      },
    ]);
  });

  it.each([
    ['::warning::w', 'warning', 'w'],
    ['::notice::n', 'notice', 'n'],
    ['::debug::d', 'debug', 'd'],
    ['::add-mask::s3cret', 'add-mask', 's3cret'],
    ['::group::title', 'group', 'title'],
    ['::endgroup::', 'endgroup', ''],
    ['   ::ERROR::upper', 'error', 'upper'],
    ['text ##[error]legacy', 'error', 'legacy'],
    ['##[warning file=x%3By]w', 'warning', 'w'],
  ])('reads %j as %s', (line, name, message) => {
    const [command] = parseWorkflowCommands(`${line}\r\n`);

    expect(command).toMatchObject({ name, message });
  });

  it.each([
    'plain text',
    'text ::error::not at the start',
    '::unknown-command::x',
    '::error',
  ])('reads no command in %j', (line) => {
    expect(parseWorkflowCommands(line)).toEqual([]);
  });

  it('reads nothing between stop-commands and its token', () => {
    const stdout = [
      '::stop-commands::tok123',
      '::error::hidden',
      'x ##[error]hidden',
      '::TOK123::',
      '::warning::shown',
    ].join('\n');

    expect(parseWorkflowCommands(stdout)).toEqual([
      { name: 'stop-commands', properties: {}, message: 'tok123' },
      { name: 'warning', properties: {}, message: 'shown' },
    ]);
  });

  it('never resumes after an empty stop token', () => {
    const stdout = '::stop-commands::\n::::\n::error::hidden';

    expect(parseWorkflowCommands(stdout).map((c) => c.name)).toEqual([
      'stop-commands',
    ]);
  });
});

describe('parseOutputFile', () => {
  it('reads name=value lines', () => {
    expect(parseOutputFile('a=1\nb=x=y\n\nc=\n')).toEqual({
      a: '1',
      b: 'x=y',
      c: '',
    });
  });

  it('reads heredoc blocks, keeping = and << inside', () => {
    const text = [
      'list<<ghadelimiter_1',
      'one=1',
      'two<<x',
      'ghadelimiter_1',
      'after=yes',
    ].join('\r\n');

    expect(parseOutputFile(text)).toEqual({
      list: 'one=1\ntwo<<x',
      after: 'yes',
    });
  });

  it.each([
    ['an unclosed heredoc', 'x<<EOF\nvalue\n'],
    ['a line with no name', 'garbage\n'],
  ])('rejects %s', (_, text) => {
    expect(() => parseOutputFile(text)).toThrow(/GITHUB_OUTPUT line 1/);
  });
});

describe('inputVariable', () => {
  it.each([
    ['fail-on', 'INPUT_FAIL-ON'],
    ['my input', 'INPUT_MY_INPUT'],
    ['sarif_file', 'INPUT_SARIF_FILE'],
  ])('names %j %s', (name, variable) => {
    expect(inputVariable(name)).toBe(variable);
  });
});

describe('runActionBundle', () => {
  let dir = '';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagegate-harness-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeAction(script: string, using = 'node24'): Promise<void> {
    const yaml = [
      'name: fake',
      'inputs:',
      '  fail-on:',
      '    default: high',
      '  my input:',
      '    required: false',
      'runs:',
      `  using: ${using}`,
      '  main: main.mjs',
    ].join('\n');
    await writeFile(join(dir, 'action.yml'), yaml);
    await writeFile(join(dir, 'main.mjs'), script);
  }

  const echoEnv = `
import { appendFileSync, readFileSync } from 'node:fs';
const env = process.env;
appendFileSync(env.GITHUB_OUTPUT, 'fail-on=' + env['INPUT_FAIL-ON'] + '\\n');
appendFileSync(env.GITHUB_OUTPUT, 'mine<<EOF\\n' + env.INPUT_MY_INPUT + '\\nEOF\\n');
appendFileSync(env.GITHUB_STEP_SUMMARY, '# hi');
const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
console.log('::notice::' + [env.GITHUB_ACTIONS, env.GITHUB_WORKSPACE === process.cwd(), event.number, typeof env.RUNNER_TEMP].join(' '));
process.exitCode = 3;
`;

  it('runs the bundle as the runner would and collects what it left', async () => {
    await writeAction(echoEnv);

    const run = await runActionBundle({
      actionDir: dir,
      workspace: dir,
      inputs: { 'my input': 'a\nb' },
      event: { number: 7 },
    });

    expect(run).toMatchObject({
      exitCode: 3,
      timedOut: false,
      outputs: { 'fail-on': 'high', mine: 'a\nb' },
      summary: '# hi',
      commands: [
        { name: 'notice', properties: {}, message: 'true true 7 string' },
      ],
    });
  });

  it('refuses a runtime other than node24', async () => {
    await writeAction(echoEnv, 'node20');

    await expect(
      runActionBundle({ actionDir: dir, workspace: dir }),
    ).rejects.toThrow(/runs.using is node20, not node24/);
  });

  it('refuses an input action.yml does not declare', async () => {
    await writeAction(echoEnv);

    await expect(
      runActionBundle({
        actionDir: dir,
        workspace: dir,
        inputs: { 'fail-ob': 'x' },
      }),
    ).rejects.toThrow(/input 'fail-ob' is not declared/);
  });

  it('kills a bundle that outlives its deadline', async () => {
    await writeAction('setInterval(() => {}, 1000);');

    const run = await runActionBundle({
      actionDir: dir,
      workspace: dir,
      timeoutMs: 200,
    });

    expect(run.timedOut).toBe(true);
    expect(run.exitCode).toBeNull();
  });
});
