import { describe, expect, it } from 'vitest';
import type { LabelType, LintOptions } from '../../src/index';
import {
  isEmail,
  isGitHash,
  isRfc3339,
  isSemver,
  isSpdxExpression,
  isUrl,
} from '../../src/rules/in-label-values';
import {
  labelEmail,
  labelInSchema,
  labelKeyValid,
  labelNotEmpty,
  labelRequired,
  labelSemver,
  labelUrl,
} from '../../src/rules/in-labels';
import { hitMessagesOf, hitsOf } from './support';

function schema(labels: Record<string, LabelType>): Partial<LintOptions> {
  return { labelSchema: labels };
}

describe('label-key-valid', () => {
  it.each([
    ['com.docker.x', "the 'com.docker.' namespace is reserved for Docker"],
    [
      'Maintainer',
      'only lower-case letters, digits, dots and dashes are allowed',
    ],
    ['9lives', 'it must start with a lower-case letter'],
    ['org.example.', 'it must end with a letter or digit'],
    ['org..example', 'dots and dashes may not repeat'],
  ])('explains what is wrong with %s', (key, problem) => {
    expect(hitMessagesOf(labelKeyValid, `LABEL ${key}=1`)).toEqual([
      `label key '${key}' is not valid: ${problem}`,
    ]);
  });

  it('checks every key of the old and new forms', () => {
    const text = 'LABEL ok=1 Bad=2 "also bad"=3\nLABEL Legacy some value';

    expect(hitsOf(labelKeyValid, text)).toHaveLength(3);
  });
});

describe('label-required', () => {
  const options = schema({ 'org.opencontainers.image.source': 'url' });

  it('reports the FROM of an image stage that lacks the label', () => {
    expect(hitMessagesOf(labelRequired, 'FROM a:1 AS app', options)).toEqual([
      "stage 'app' has no label 'org.opencontainers.image.source', which the label schema requires",
    ]);
  });

  it.each([
    [
      'a label inherited from the parent stage',
      'FROM a:1 AS base\nLABEL org.opencontainers.image.source=https://x\nFROM base',
      0,
    ],
    [
      'a builder stage only copied from',
      'FROM a:1 AS build\nFROM b:1\nCOPY --from=build /x /x\nLABEL org.opencontainers.image.source=https://x',
      0,
    ],
    [
      'an unused stage without the label',
      'FROM a:1 AS test\nFROM b:1\nLABEL org.opencontainers.image.source=https://x',
      1,
    ],
    [
      'a label set only by ONBUILD',
      'FROM a:1\nONBUILD LABEL org.opencontainers.image.source=https://x',
      1,
    ],
  ])('handles %s', (_name, text, count) => {
    expect(hitsOf(labelRequired, text, options)).toHaveLength(count);
  });

  it('checks nothing without a schema', () => {
    expect(hitsOf(labelRequired, 'FROM a:1')).toEqual([]);
  });
});

describe('label-in-schema', () => {
  it('reports labels outside the schema only with strict-labels', () => {
    const text = 'LABEL version=1.0.0 team=core';
    const loose = schema({ version: 'semver' });

    expect(hitsOf(labelInSchema, text, loose)).toEqual([]);
    expect(
      hitMessagesOf(labelInSchema, text, { ...loose, strictLabels: true }),
    ).toEqual([
      "label 'team' is not in the label schema (version) and strict-labels is on",
    ]);
  });
});

describe('label-not-empty and the format rules', () => {
  it('reports an empty schema label once, as empty', () => {
    const options = schema({ homepage: 'url' });
    const text = 'LABEL homepage=""';

    expect(hitsOf(labelNotEmpty, text, options)).toHaveLength(1);
    expect(hitsOf(labelUrl, text, options)).toEqual([]);
  });

  it('quotes the value and the expected format', () => {
    expect(
      hitMessagesOf(
        labelSemver,
        'LABEL version=v1.2',
        schema({ version: 'semver' }),
      ),
    ).toEqual([
      "label 'version' is 'v1.2', which is not a semantic version as the label schema requires",
    ]);
  });

  it('checks ONBUILD labels too', () => {
    const options = schema({ owner: 'email' });

    expect(
      hitsOf(labelEmail, 'ONBUILD LABEL owner=nobody', options),
    ).toHaveLength(1);
  });
});

describe('label value formats', () => {
  it.each([
    [isUrl, 'https://example.com/a?b=c', true],
    [isUrl, 'mailto:team@example.com', true],
    [isUrl, 'example.com', false],
    [isRfc3339, '2021-03-10T10:26:33.564595127+01:00', true],
    [isRfc3339, '2024-02-29T00:00:00Z', true],
    [isRfc3339, '2023-02-29T00:00:00Z', false],
    [isRfc3339, '2024-01-01T24:00:00Z', false],
    [isRfc3339, '2024-01-01', false],
    [isSpdxExpression, 'MIT', true],
    [isSpdxExpression, 'apache-2.0', true],
    [isSpdxExpression, '(MIT OR Apache-2.0) AND BSD-3-Clause', true],
    [isSpdxExpression, 'GPL-2.0-or-later WITH Classpath-exception-2.0', true],
    [isSpdxExpression, 'LicenseRef-internal', true],
    [isSpdxExpression, 'GPL-2.0+', true],
    [isSpdxExpression, 'MIT or', false],
    [isSpdxExpression, '(MIT', false],
    [isSpdxExpression, 'Classpath-exception-2.0', false],
    [isSpdxExpression, 'The MIT License', false],
    [isGitHash, '2dbfae9', true],
    [isGitHash, '43c572f1272b6b3171dd1db9e41b7027128ce080', true],
    [isGitHash, '2DBFAE9', false],
    [isGitHash, 'abc123', false],
    [isSemver, '1.0.0', true],
    [isSemver, '2.0.1-rc.1+build.5', true],
    [isSemver, '1.0.0-01', false],
    [isSemver, '1.0', false],
    [isSemver, '01.0.0', false],
    [isEmail, 'abcd@google.com', true],
    [isEmail, '"john doe"@example.org', true],
    [isEmail, 'first.last+tag@sub.example.co', true],
    [isEmail, 'not-email', false],
    [isEmail, 'a..b@example.com', false],
    [isEmail, 'a@localhost', false],
  ])('judges %o on %j as %j', (isValid, value, expected) => {
    expect(isValid(value)).toBe(expected);
  });

  it('stays fast on deeply nested SPDX expressions', () => {
    const nested = `${'('.repeat(5000)}MIT${')'.repeat(5000)}`;

    expect(isSpdxExpression(nested)).toBe(false);
  });
});
