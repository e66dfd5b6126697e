import { describe, expect, it } from 'vitest';
import {
  countBySeverity,
  diffFindings,
  failingFindings,
  findingsToJson,
  fingerprint,
  isAtLeast,
  parseSeverity,
  sortFindings,
  type Finding,
  type Severity,
} from '../src/index';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    tool: 'imagegate-lint',
    ruleId: 'rule-a',
    ruleAliases: [],
    severity: 'medium',
    title: 'A rule',
    message: 'something is wrong',
    fingerprint: 'f1',
    location: { path: 'Dockerfile', line: 1 },
    ...overrides,
  };
}

describe('severities', () => {
  it.each([
    ['Critical', 'critical'],
    [' high ', 'high'],
    ['NEGLIGIBLE', 'negligible'],
    ['severe', undefined],
    ['', undefined],
  ])('reads %j as %j', (text, expected) => {
    expect(parseSeverity(text)).toBe(expected);
  });

  it.each<[Severity, Severity, boolean]>([
    ['critical', 'high', true],
    ['high', 'high', true],
    ['medium', 'high', false],
    ['unknown', 'negligible', false],
  ])('says whether %s is at least %s', (severity, threshold, expected) => {
    expect(isAtLeast(severity, threshold)).toBe(expected);
  });
});

describe('fingerprint', () => {
  it('is the same for the same parts', () => {
    expect(fingerprint(['a', 'b'])).toBe(fingerprint(['a', 'b']));
  });

  it('keeps parts apart, so a boundary shift changes it', () => {
    expect(fingerprint(['ab', 'c'])).not.toBe(fingerprint(['a', 'bc']));
  });

  it('is 32 lowercase hex characters', () => {
    expect(fingerprint(['x'])).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('collections', () => {
  const findings = [
    finding({
      severity: 'low',
      fingerprint: 'l',
      location: { path: 'b', line: 2 },
    }),
    finding({
      severity: 'critical',
      fingerprint: 'c',
      location: { path: 'b', line: 9 },
    }),
    finding({
      severity: 'high',
      fingerprint: 'h',
      suppression: { kind: 'inline', justification: 'ok' },
    }),
    finding({
      severity: 'low',
      fingerprint: 'l2',
      location: { path: 'a', line: 5 },
    }),
  ];

  it('sorts most severe first, then by path and line', () => {
    expect(sortFindings(findings).map((f) => f.fingerprint)).toEqual([
      'c',
      'h',
      'l2',
      'l',
    ]);
  });

  it('leaves suppressed findings out of the gate and the counts', () => {
    expect(failingFindings(findings, 'high').map((f) => f.fingerprint)).toEqual(
      ['c'],
    );
    expect(countBySeverity(findings)).toMatchObject({
      critical: 1,
      high: 0,
      low: 2,
    });
  });

  it('diffs two runs by fingerprint', () => {
    const base = [
      finding({ fingerprint: 'kept' }),
      finding({ fingerprint: 'fixed' }),
    ];
    const head = [
      finding({ fingerprint: 'kept' }),
      finding({ fingerprint: 'new' }),
    ];

    const diff = diffFindings(base, head);

    expect(diff.added.map((f) => f.fingerprint)).toEqual(['new']);
    expect(diff.fixed.map((f) => f.fingerprint)).toEqual(['fixed']);
    expect(diff.unchanged.map((f) => f.fingerprint)).toEqual(['kept']);
  });

  it('writes sorted JSON under a findings key', () => {
    const document = JSON.parse(findingsToJson(findings)) as {
      findings: Finding[];
    };

    expect(document.findings.map((f) => f.fingerprint)).toEqual([
      'c',
      'h',
      'l2',
      'l',
    ]);
  });
});
