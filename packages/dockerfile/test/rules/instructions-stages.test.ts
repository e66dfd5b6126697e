import { describe, expect, it } from 'vitest';
import {
  allowedRegistry,
  copyFromKnownStage,
  copyFromOtherStage,
  copyRelativeNeedsWorkdir,
  lastUserNotRoot,
  noPlatformFlag,
  singleCmd,
  singleEntrypoint,
  singleHealthcheck,
  stageNameNotReserved,
  uniqueStageNames,
} from '../../src/rules/in-stages';
import { hitLinesOf, hitMessagesOf, hitsOf } from './support';

describe('last-user-not-root', () => {
  it('points at the USER root a final stage inherits', () => {
    const text = 'FROM debian:12 AS base\nUSER root\nFROM base\nRUN make';

    expect(hitsOf(lastUserNotRoot, text)).toEqual([
      {
        range: { start: { line: 2, column: 1 }, end: { line: 2, column: 10 } },
        message:
          'stage 1 (FROM base) ends as USER root, inherited from line 2, so its containers run as root; add a non-root USER at its end',
      },
    ]);
  });

  it.each([
    [
      'a builder stage used by COPY --from',
      'FROM a:1 AS b\nUSER root\nFROM c:1\nCOPY --from=b /x /x',
      0,
    ],
    ['a stage nothing uses', 'FROM a:1 AS t\nUSER 0:0\nFROM c:1\nUSER app', 1],
    ['an ONBUILD USER root', 'FROM a:1\nUSER app\nONBUILD USER root', 0],
    ['a switch back to a user', 'FROM a:1\nUSER root\nRUN x\nUSER 1000', 0],
    ['a group root only', 'FROM a:1\nUSER app:root', 0],
  ])('handles %s', (_name, text, count) => {
    expect(hitsOf(lastUserNotRoot, text)).toHaveLength(count);
  });
});

describe('single-cmd, single-entrypoint and single-healthcheck', () => {
  it.each([
    ['CMD', singleCmd, 'FROM a:1\nCMD ["a"]\nCMD ["b"]\nCMD ["c"]', [2, 3]],
    [
      'ENTRYPOINT',
      singleEntrypoint,
      'FROM a:1\nENTRYPOINT a\nFROM b:1\nENTRYPOINT b',
      [],
    ],
    [
      'HEALTHCHECK',
      singleHealthcheck,
      'FROM a:1\nHEALTHCHECK NONE\nHEALTHCHECK CMD x',
      [2],
    ],
    ['ONBUILD CMD', singleCmd, 'FROM a:1\nCMD ["a"]\nONBUILD CMD ["b"]', []],
  ])('reports the overridden %s lines', (_name, rule, text, lines) => {
    expect(hitLinesOf(rule, text)).toEqual(lines);
  });

  it('names the instruction that wins', () => {
    expect(hitMessagesOf(singleCmd, 'FROM a:1\nCMD a\nCMD b')).toEqual([
      'this CMD has no effect: the CMD on line 3 replaces it, as only the last one counts',
    ]);
  });
});

describe('copy-from-known-stage', () => {
  it.each([
    [
      'FROM a:1\nCOPY --from=build /x /x\nFROM b:1 AS build',
      '--from=build names a stage defined later, on line 3; move that stage above this one',
    ],
    [
      'FROM a:1 AS builder\nFROM b:1\nCOPY --from=bulder /x /x',
      "--from=bulder names no stage defined before it, so it would be pulled as an image; did you mean 'builder'?",
    ],
    [
      'FROM a:1\nCOPY --from=1 /x /x',
      '--from=1 names stage 1, but only 1 stage(s) start before this line',
    ],
  ])('explains %j', (text, message) => {
    expect(hitMessagesOf(copyFromKnownStage, text)).toEqual([message]);
  });

  it.each([
    'FROM a:1 AS Build\nFROM b:1\nCOPY --from=build /x /x',
    'FROM a:1\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx',
    'FROM a:1\nCOPY --from=$BUILDER /x /x',
    'FROM a:1\nONBUILD COPY --from=child /x /x',
  ])('accepts %j', (text) => {
    expect(hitsOf(copyFromKnownStage, text)).toEqual([]);
  });
});

describe('copy-from-other-stage', () => {
  it.each([
    ['FROM a:1 AS app\nCOPY --from=APP /x /y', 1],
    ['FROM a:1\nFROM b:1\nCOPY --from=1 /x /y', 1],
    ['FROM a:1 AS app\nFROM b:1\nCOPY --from=app /x /y', 0],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(copyFromOtherStage, text)).toHaveLength(count);
  });
});

describe('unique-stage-names', () => {
  it('reports the second FROM and names the first', () => {
    const text = 'FROM a:1 AS x\nFROM b:1 AS X';

    expect(hitsOf(uniqueStageNames, text)).toEqual([
      {
        range: { start: { line: 2, column: 1 }, end: { line: 2, column: 14 } },
        message: "stage name 'x' is already used by the stage on line 1",
      },
    ]);
  });
});

describe('stage-name-not-reserved', () => {
  it.each([
    ['FROM a:1 AS scratch', 1],
    ['FROM a:1 AS Context', 1],
    ['FROM a:1 AS base', 0],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(stageNameNotReserved, text)).toHaveLength(count);
  });
});

describe('no-fixed-platform', () => {
  it.each([
    ['FROM --platform=linux/amd64 a:1', 1],
    ["FROM --platform='linux/arm64' a:1 AS x", 1],
    ['FROM --platform=$BUILDPLATFORM a:1', 0],
    ['FROM a:1', 0],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(noPlatformFlag, text)).toHaveLength(count);
  });
});

describe('allowed-registry', () => {
  const options = {
    allowedRegistries: ['ghcr.io', '*.corp.example', 'mirror*'],
  };

  it.each([
    ['FROM ghcr.io/org/app:1', 0],
    ['FROM registry.corp.example/app:1', 0],
    ['FROM corp.example/app:1', 1],
    ['FROM mirror.local:5000/app:1', 0],
    ['FROM alpine:3', 1],
    ['FROM ghcr.io/a:1 AS x\nFROM x', 0],
    ['ARG REG\nFROM $REG/app:1', 0],
    ['FROM scratch\nCOPY --from=quay.io/a/b:1 /x /x', 1],
    ['FROM scratch\nRUN --mount=type=bind,from=quay.io/a:1,target=/m x', 1],
  ])('judges %j with %i hit(s)', (text, count) => {
    expect(hitsOf(allowedRegistry, text, options)).toHaveLength(count);
  });

  it('allows Docker Hub images when hub.docker.com is listed', () => {
    const hubOptions = { allowedRegistries: ['hub.docker.com'] };

    expect(
      hitsOf(allowedRegistry, 'FROM library/alpine:3', hubOptions),
    ).toEqual([]);
  });

  it('names the registry and the allowed list', () => {
    expect(
      hitMessagesOf(allowedRegistry, 'FROM quay.io/a/b:1', {
        allowedRegistries: ['ghcr.io'],
      }),
    ).toEqual([
      "'quay.io/a/b:1' comes from quay.io, which is not in allowed-registries (ghcr.io)",
    ]);
  });
});

describe('copy-relative-needs-workdir', () => {
  it.each([
    ['a relative COPY before WORKDIR', 'FROM a:1\nCOPY x y\nWORKDIR /app', [2]],
    ['an ADD to .', 'FROM a:1\nADD x.tar .', [2]],
    [
      'a WORKDIR from the parent stage',
      'FROM a:1 AS b\nWORKDIR /w\nFROM b\nCOPY x y',
      [],
    ],
    [
      'a sibling stage WORKDIR',
      'FROM a:1 AS b\nWORKDIR /w\nFROM a:1\nCOPY x y',
      [4],
    ],
    [
      'a trigger after a later WORKDIR',
      'FROM a:1\nONBUILD COPY x y\nWORKDIR /w',
      [],
    ],
    ['a trigger with no WORKDIR', 'FROM a:1\nONBUILD COPY x y', [2]],
    ['a Windows destination', 'FROM a:1\nCOPY x "C:\\app\\x"', []],
    ['a variable destination', 'FROM a:1\nCOPY x ${DEST}', []],
  ])('handles %s', (_name, text, lines) => {
    expect(hitLinesOf(copyRelativeNeedsWorkdir, text)).toEqual(lines);
  });
});
