import { describe, expect, it } from 'vitest';
import { parseDockerfile, splitCommands } from '../src/index';

describe('parseDockerfile', () => {
  it('reads directives, stages, platforms and ARG substitution in FROM', () => {
    const dockerfile = parseDockerfile(
      '# syntax=docker/dockerfile:1\n# escape=\\\nARG REG=ghcr.io\nARG TAG=1.2\nFROM --platform=$BUILDPLATFORM ${REG}/org/app:${TAG} AS Build\nRUN make\nFROM build\nFROM scratch\n',
      'Dockerfile',
    );

    expect(dockerfile.directives.get('syntax')).toBe('docker/dockerfile:1');
    expect(dockerfile.stages.map((s) => s.name)).toEqual([
      'build',
      undefined,
      undefined,
    ]);
    expect(dockerfile.stages[0]?.from).toMatchObject({
      raw: '${REG}/org/app:${TAG}',
      resolved: 'ghcr.io/org/app:1.2',
      registry: 'ghcr.io',
      repository: 'org/app',
      tag: '1.2',
      platform: '$BUILDPLATFORM',
      isStage: false,
    });
    expect(dockerfile.stages[1]?.from.isStage).toBe(true);
    expect(dockerfile.stages[2]?.from.isScratch).toBe(true);
  });

  it('gives exact 1-based ranges across line continuations', () => {
    const dockerfile = parseDockerfile(
      'FROM a:1\nRUN apt-get update \\\n    && apt-get install -y curl\n',
      'Dockerfile',
    );
    const run = dockerfile.instructions[1];

    expect(run?.range).toEqual({
      start: { line: 2, column: 1 },
      end: { line: 3, column: 31 },
    });
    expect(run?.text).toBe('apt-get update     && apt-get install -y curl');
  });

  it('honours the backtick escape directive', () => {
    const dockerfile = parseDockerfile(
      '# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN dir `\n    C:\\Windows\n',
      'Dockerfile',
    );

    expect(dockerfile.escapeChar).toBe('`');
    expect(dockerfile.instructions[1]?.range.end.line).toBe(4);
  });

  it('keeps heredoc bodies and their lines', () => {
    const dockerfile = parseDockerfile(
      'FROM a:1\nRUN <<EOF\napt-get update\napt-get install -y x\nEOF\nUSER 1\n',
      'Dockerfile',
    );

    expect(dockerfile.instructions[1]?.heredocs).toEqual([
      { delimiter: 'EOF', body: 'apt-get update\napt-get install -y x' },
    ]);
    expect(dockerfile.instructions[2]?.range.start.line).toBe(6);
  });

  it('exposes ONBUILD triggers as their inner instruction', () => {
    const dockerfile = parseDockerfile(
      'FROM a:1\nONBUILD RUN --mount=type=cache,target=/c make\n',
      'Dockerfile',
    );
    const trigger = dockerfile.instructions[1];

    expect(trigger).toMatchObject({
      keyword: 'RUN',
      onbuild: true,
      stageIndex: 0,
    });
    expect(trigger?.flags.map((f) => f.name)).toEqual(['mount']);
  });

  it('parses exec form and keeps CRLF files on the right lines', () => {
    const dockerfile = parseDockerfile(
      'FROM a:1\r\nCMD ["node", "server.js"]\r\nUSER 1\r\n',
      'Dockerfile',
    );

    expect(dockerfile.instructions[1]?.execForm).toEqual(['node', 'server.js']);
    expect(dockerfile.instructions[2]?.range.start.line).toBe(3);
  });

  it('leaves an ARG referring to itself unset instead of looping', () => {
    const dockerfile = parseDockerfile(
      'ARG A=${A}x\nFROM alpine:${A}\n',
      'Dockerfile',
    );

    expect(dockerfile.stages[0]?.from.resolved).toBe('alpine:x');
  });
});

describe('splitCommands', () => {
  it('splits on control operators and drops comments and redirect targets', () => {
    const commands = splitCommands(
      "FOO=1 apt-get install -y 'a b' > /log 2>&1 && curl x | sh # done",
    );

    expect(
      commands.map((c) => [c.name, c.args, c.isPipedFrom, c.isPipedInto]),
    ).toEqual([
      ['apt-get', ['install', '-y', 'a b', '2'], false, false],
      ['curl', ['x'], true, false],
      ['sh', [], false, true],
    ]);
    expect(commands[0]?.assignments).toEqual(['FOO=1']);
  });
});
