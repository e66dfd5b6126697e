import { describe, expect, it } from 'vitest';
import {
  ALL_RULES,
  EMPTY_LINT_CONFIG,
  lintDockerfile,
  parseDockerfile,
  parseLintConfig,
  type DockerfileError,
  type LintConfig,
} from '../src/index';

function lint(text: string, config: LintConfig = EMPTY_LINT_CONFIG) {
  return lintDockerfile(parseDockerfile(text, 'Dockerfile'), ALL_RULES, config);
}

function fingerprintsOf(text: string, ruleId: string): string[] {
  return lint(text)
    .findings.filter((f) => f.ruleId === ruleId)
    .map((f) => f.fingerprint);
}

function configError(text: string): DockerfileError {
  try {
    parseLintConfig(text, '.imagegate.yaml', ALL_RULES);
  } catch (error) {
    return error as DockerfileError;
  }
  throw new Error('expected an error');
}

describe('lintDockerfile fingerprints', () => {
  it('keeps a fingerprint when lines are added above the problem', () => {
    const before = fingerprintsOf('FROM alpine:latest\n', 'no-latest-tag');
    const after = fingerprintsOf(
      '# a comment\n\n# another\nFROM   alpine:latest\n',
      'no-latest-tag',
    );

    expect(after).toEqual(before);
    expect(before).toHaveLength(1);
  });

  it('gives the same problem on two identical lines two fingerprints', () => {
    const fingerprints = fingerprintsOf(
      'FROM alpine:latest\nFROM alpine:latest\n',
      'no-latest-tag',
    );

    expect(new Set(fingerprints).size).toBe(2);
  });

  it('changes the fingerprint when the offending text changes', () => {
    const one = fingerprintsOf('FROM alpine:latest\n', 'no-latest-tag');
    const other = fingerprintsOf('FROM debian:latest\n', 'no-latest-tag');

    expect(one).not.toEqual(other);
  });
});

describe('lintDockerfile suppressions', () => {
  it('suppresses the next instruction when a reason is given', () => {
    const report = lint(
      '# imagegate-ignore DL3007 -- pinned by renovate later\nFROM alpine:latest\nFROM debian:latest\n',
    );
    const latest = report.findings.filter((f) => f.ruleId === 'no-latest-tag');

    expect(
      latest.map((f) => [f.location.line, f.suppression?.justification]),
    ).toEqual([
      [2, 'pinned by renovate later'],
      [3, undefined],
    ]);
  });

  it('suppresses the whole file with imagegate-ignore-file', () => {
    const report = lint(
      '# imagegate-ignore-file no-latest-tag -- a test fixture\nFROM alpine:latest\nFROM debian:latest\n',
    );

    expect(
      report.findings.filter(
        (f) => f.ruleId === 'no-latest-tag' && f.suppression === undefined,
      ),
    ).toEqual([]);
  });

  it('does not honour a suppression without a reason, and reports it', () => {
    const report = lint(
      '# imagegate-ignore no-latest-tag\nFROM alpine:latest\n',
    );

    expect(
      report.findings.find((f) => f.ruleId === 'no-latest-tag')?.suppression,
    ).toBeUndefined();
    expect(
      report.findings.some((f) => f.ruleId === 'ignore-without-reason'),
    ).toBe(true);
  });
});

describe('parseLintConfig', () => {
  it('turns rules off and changes severities by id or alias', () => {
    const config = parseLintConfig(
      'lint:\n  rules:\n    DL3007: off\n    base-image-tagged: critical\n',
      'c.yaml',
      ALL_RULES,
    );

    const report = lint('FROM alpine:latest\nFROM debian\n', config);

    expect(report.findings.some((f) => f.ruleId === 'no-latest-tag')).toBe(
      false,
    );
    expect(
      report.findings.find((f) => f.ruleId === 'base-image-tagged')?.severity,
    ).toBe('critical');
  });

  it('reads the allow-lists and the label schema', () => {
    const config = parseLintConfig(
      'lint:\n  allowed-registries: [ghcr.io]\n  allowed-base-images: ["ghcr.io/org/*"]\n  label-schema:\n    version: semver\n  strict-labels: true\n',
      'c.yaml',
      ALL_RULES,
    );

    expect(config.options).toEqual({
      allowedRegistries: ['ghcr.io'],
      allowedBaseImages: ['ghcr.io/org/*'],
      labelSchema: { version: 'semver' },
      strictLabels: true,
    });
  });

  it.each([
    [
      'lint:\n  rules:\n    no-latets-tag: off\n',
      'unknown-rule',
      /c:3: unknown rule 'no-latets-tag'; did you mean 'no-latest-tag'\?/,
    ],
    [
      'lint:\n  rulez: {}\n',
      'config',
      /c:2: unknown key 'lint.rulez'; did you mean 'lint.rules'|unknown key 'lint.rulez'/,
    ],
    [
      'lint:\n  rules:\n    DL3007: severe\n',
      'config',
      /c:3: rule 'DL3007' must be 'off', 'on' or a severity/,
    ],
    [
      'lint:\n  allowed-registries: ghcr.io\n',
      'config',
      /c:2: 'lint.allowed-registries' must be a list of strings/,
    ],
    [
      'lint:\n  label-schema:\n    version: number\n',
      'config',
      /c:3: label 'version' has type 'number'/,
    ],
    ['lint: [1, 2\n', 'config', /c:\d+: not valid YAML/],
    ['lint:\n  rules: {}\n  rules: {}\n', 'config', /not valid YAML/],
  ])('rejects %j naming the line', (text, code, message) => {
    const error = (() => {
      try {
        parseLintConfig(text, 'c', ALL_RULES);
      } catch (caught) {
        return caught as DockerfileError;
      }
      throw new Error('expected an error');
    })();

    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('accepts an empty file and an empty lint section', () => {
    expect(parseLintConfig('', 'c', ALL_RULES).rules.size).toBe(0);
    expect(parseLintConfig('lint:\n', 'c', ALL_RULES).rules.size).toBe(0);
  });

  it('names the configuration file in its errors', () => {
    expect(configError('lint: {rules: {nope: off}}').message).toMatch(
      /^\.imagegate\.yaml:1: /,
    );
  });
});
