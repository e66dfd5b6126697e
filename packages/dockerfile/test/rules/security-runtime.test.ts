import { describe, expect, it } from 'vitest';
import { lintDockerfile, parseDockerfile } from '../../src/index';
import {
  exposeSsh,
  healthcheckMissing,
  userRequired,
} from '../../src/rules/sec-runtime';
import { ignoreWithoutReason } from '../../src/rules/sec-suppressions';
import { findingLinesOf } from './support';

/** Lints with the rule that the ignore comments in these tests name. */
function ignoreFindings(text: string) {
  const rules = [ignoreWithoutReason, exposeSsh];
  return lintDockerfile(
    parseDockerfile(text, 'Dockerfile'),
    rules,
  ).findings.filter((f) => f.ruleId === ignoreWithoutReason.id);
}

describe('user-required', () => {
  it.each([
    ['FROM alpine\nCMD ["app"]\n', 1],
    ['FROM alpine\nUSER root\n', 1],
    ['FROM alpine\nUSER 0:0\n', 1],
    ['FROM alpine AS b\nUSER app\nFROM alpine\n', 3],
    ['FROM alpine\nONBUILD USER app\n', 1],
  ])('reports %j on line %i', (text, line) => {
    expect(findingLinesOf(userRequired, text)).toEqual([line]);
  });

  it.each([
    ['FROM alpine\nUSER app\n'],
    ['FROM alpine\nUSER 10001:10001\n'],
    ['FROM alpine\nUSER app\nUSER root\n'],
    ['FROM alpine\nUSER $APP_UID\n'],
    ['FROM alpine AS base\nUSER app\nFROM base\n'],
    ['FROM gcr.io/distroless/static-debian12:nonroot\n'],
  ])('accepts %j', (text) => {
    expect(findingLinesOf(userRequired, text)).toEqual([]);
  });
});

describe('healthcheck-missing', () => {
  it.each([
    ['FROM alpine\n', 1],
    ['FROM alpine AS a\nHEALTHCHECK NONE\nFROM alpine\n', 3],
    ['FROM alpine\nONBUILD HEALTHCHECK CMD true\n', 1],
  ])('reports %j on line %i', (text, line) => {
    expect(findingLinesOf(healthcheckMissing, text)).toEqual([line]);
  });

  it.each([
    ['FROM alpine\nHEALTHCHECK CMD ["/app", "health"]\n'],
    ['FROM alpine\nHEALTHCHECK NONE\n'],
    ['FROM alpine AS a\nHEALTHCHECK NONE\nFROM a AS b\nFROM b\n'],
  ])('accepts %j', (text) => {
    expect(findingLinesOf(healthcheckMissing, text)).toEqual([]);
  });
});

describe('expose-ssh', () => {
  it.each([['EXPOSE 22'], ['EXPOSE 80 22/tcp'], ['EXPOSE 20-25']])(
    'reports %s',
    (line) => {
      expect(findingLinesOf(exposeSsh, `FROM alpine\n${line}\n`)).toEqual([2]);
    },
  );

  it.each([
    ['EXPOSE 2222'],
    ['EXPOSE 22/udp'],
    ['EXPOSE $PORT'],
    ['EXPOSE 8022'],
  ])('accepts %s', (line) => {
    expect(findingLinesOf(exposeSsh, `FROM alpine\n${line}\n`)).toEqual([]);
  });

  it('ignores a build stage', () => {
    const text = 'FROM alpine AS b\nEXPOSE 22\nFROM alpine\n';

    expect(findingLinesOf(exposeSsh, text)).toEqual([]);
  });
});

describe('ignore-without-reason', () => {
  it('reports an ignore comment without a reason at its own line', () => {
    const text = [
      'FROM alpine',
      '# imagegate-ignore expose-ssh',
      'EXPOSE 22',
      '  # imagegate-ignore expose-ssh --   ',
      '# imagegate-ignore-file expose-ssh',
      '',
    ].join('\n');

    const hits = ignoreFindings(text);

    expect(hits.map((f) => [f.location.line, f.location.column])).toEqual([
      [2, 1],
      [4, 1],
      [5, 1],
    ]);
    expect(hits[0]?.message).toBe(
      "the imagegate-ignore of 'expose-ssh' gives no reason, so it suppresses nothing; write '-- <reason>' after the rule names",
    );
  });

  it('accepts reasoned comments and other comments', () => {
    const text = [
      'FROM alpine',
      '# imagegate-ignore expose-ssh -- sshd is the product',
      '# imagegate-ignored is not our comment',
      '# a note -- with dashes',
      'EXPOSE 22',
      '',
    ].join('\n');

    expect(ignoreFindings(text)).toEqual([]);
  });
});
