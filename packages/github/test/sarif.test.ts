import type { Finding } from '@imagegate/findings';
import {
  corpusAvailable,
  RecordingLogger,
  sarifSchemaCheck,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  buildSarif,
  FINGERPRINT_KEY,
  SARIF_LIMITS,
  sarifToJson,
  type SarifRunInput,
} from '../src/index';
import { finding, findingAt, rule } from './fixtures';

const tool = { name: 'imagegate-lint', version: '0.1.0' };

function runOf(
  findings: Finding[],
  overrides: Partial<SarifRunInput> = {},
): SarifRunInput {
  return {
    tool,
    rules: [rule()],
    findings,
    category: 'imagegate-lint/Dockerfile/',
    ...overrides,
  };
}

function mixedFindings(): Finding[] {
  return [
    finding(),
    finding({
      ruleId: 'secret-in-env',
      severity: 'critical',
      fingerprint: 'a'.repeat(32),
      location: { path: 'app/Dockerfile', line: 3, column: 5 },
      suppression: { kind: 'inline', justification: 'test key' },
    }),
    finding({
      ruleId: 'CVE-2024-0001',
      severity: 'low',
      fingerprint: 'b'.repeat(32),
      location: {
        image: 'registry.example/app:1.0',
        digest: `sha256:${'c'.repeat(64)}`,
        packageName: 'openssl',
      },
      suppression: { kind: 'vex', justification: '' },
    }),
  ];
}

describe('buildSarif', () => {
  describe.skipIf(!corpusAvailable())('against the SARIF 2.1.0 schema', () => {
    it('writes logs the official schema accepts', () => {
      const check = sarifSchemaCheck();
      const log = buildSarif([
        runOf(mixedFindings()),
        runOf([], { category: 'imagegate-lint/other/Dockerfile' }),
      ]);

      const errors = check(JSON.parse(sarifToJson(log)));

      expect(errors).toEqual([]);
    });
  });

  it('writes one run per input with its category ending in a slash', () => {
    const log = buildSarif([
      runOf([], { category: 'a' }),
      runOf([], { category: 'b/' }),
    ]);

    expect(log.runs.map((run) => run.automationDetails.id)).toEqual([
      'a/',
      'b/',
    ]);
  });

  it('describes each rule with the fields code scanning reads', () => {
    const log = buildSarif([runOf([finding()])]);

    expect(log.runs[0]?.tool.driver.rules).toEqual([
      {
        id: 'no-latest-tag',
        name: 'NoLatestTag',
        shortDescription: { text: "Base image uses the 'latest' tag" },
        fullDescription: { text: '`latest` moves with every release.' },
        help: {
          text: "Base image uses the 'latest' tag\n\nPin a tag.",
          markdown: "**Base image uses the 'latest' tag**\n\nPin a tag.",
        },
        defaultConfiguration: { level: 'warning' },
        properties: {
          'security-severity': '5.5',
          precision: 'high',
          tags: ['security', 'base-image', 'reproducibility'],
        },
      },
    ]);
  });

  it.each([
    ['critical', 'error'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'note'],
    ['negligible', 'note'],
    ['unknown', 'note'],
  ] as const)('gives %s findings the level %s', (severity, level) => {
    const log = buildSarif([runOf([finding({ severity })])]);

    expect(log.runs[0]?.results[0]?.level).toBe(level);
  });

  it('points a file finding at its region under %SRCROOT%', () => {
    const log = buildSarif([runOf([finding()])]);

    expect(log.runs[0]?.results[0]).toMatchObject({
      ruleId: 'no-latest-tag',
      ruleIndex: 0,
      message: { text: "'alpine:latest' uses the moving 'latest' tag" },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'Dockerfile', uriBaseId: '%SRCROOT%' },
            region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 19 },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: 'f'.repeat(32) },
    });
  });

  it('percent-encodes paths into URI references', () => {
    const spaced = finding({ location: { path: 'my app/Docker file#1' } });

    const log = buildSarif([runOf([spaced])]);

    expect(
      log.runs[0]?.results[0]?.locations[0]?.physicalLocation?.artifactLocation
        .uri,
    ).toBe('my%20app/Docker%20file%231');
  });

  it('names the image and package of a finding without a file', () => {
    const log = buildSarif([runOf(mixedFindings())]);

    const image = log.runs[0]?.results.find(
      (r) => r.ruleId === 'CVE-2024-0001',
    );
    expect(image?.locations).toEqual([
      {
        logicalLocations: [
          {
            name: 'openssl',
            fullyQualifiedName: `registry.example/app:1.0@sha256:${'c'.repeat(64)}/openssl`,
          },
        ],
      },
    ]);
  });

  it('marks inline suppressions in source and others external', () => {
    const log = buildSarif([runOf(mixedFindings())]);

    const suppressions = log.runs[0]?.results.map((r) => r.suppressions);
    expect(suppressions).toEqual([
      [{ kind: 'inSource', status: 'accepted', justification: 'test key' }],
      undefined,
      [{ kind: 'external', status: 'accepted' }],
    ]);
  });

  it('adds a plain rule for findings whose rule was not described', () => {
    const log = buildSarif([runOf(mixedFindings())]);

    const run = log.runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual([
      'CVE-2024-0001',
      'no-latest-tag',
      'secret-in-env',
    ]);
    for (const result of run?.results ?? []) {
      expect(run?.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
    }
  });

  it('writes the same bytes whatever order the findings come in', () => {
    const findings = mixedFindings();

    const forward = sarifToJson(buildSarif([runOf(findings)]));
    const backward = sarifToJson(buildSarif([runOf([...findings].reverse())]));

    expect(backward).toBe(forward);
  });

  it('merges inputs with the same tool and category into one run', () => {
    const log = buildSarif([
      runOf([findingAt(1, 'low')], { category: 'x/' }),
      runOf([findingAt(2, 'high')], { category: 'x' }),
    ]);

    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]?.results).toHaveLength(2);
  });

  it('keeps the most severe results of a run over the limit, and warns', () => {
    const logger = new RecordingLogger();
    const max = SARIF_LIMITS.resultsPerRun;
    const findings = Array.from({ length: max }, (_, i) =>
      findingAt(i + 2, 'low'),
    );
    findings.push(findingAt(1, 'negligible'), findingAt(max + 9, 'critical'));

    const log = buildSarif([runOf(findings)], logger);

    const results = log.runs[0]?.results ?? [];
    expect(results).toHaveLength(max);
    expect(results[0]?.level).toBe('error');
    expect(results.some((r) => r.properties.severity === 'negligible')).toBe(
      false,
    );
    expect(logger.lines.map((line) => line.level)).toEqual(['warning']);
    expect(logger.text()).toContain('dropped the 2 least severe');
  });

  it('keeps the 20 most severe runs of a file, and warns', () => {
    const logger = new RecordingLogger();
    const runs = Array.from({ length: 22 }, (_, i) =>
      runOf([findingAt(1, i === 0 ? 'low' : 'high')], { category: `c${i}` }),
    );
    runs.push(runOf([], { category: 'empty' }));

    const log = buildSarif(runs, logger);

    const ids = log.runs.map((run) => run.automationDetails.id);
    expect(ids).toHaveLength(SARIF_LIMITS.runsPerFile);
    expect(ids).not.toContain('c0/');
    expect(ids).not.toContain('empty/');
    expect(ids[0]).toBe('c1/');
    expect(logger.text()).toContain('dropped the 3 least severe runs');
  });

  it('cuts rule text and tags to GitHub limits, and warns', () => {
    const logger = new RecordingLogger();
    const long = rule({
      title: '🐳'.repeat(2_000),
      description: 'x'.repeat(5_000),
      tags: Array.from({ length: 30 }, (_, i) => `tag-${i}`),
    });

    const log = buildSarif([runOf([finding()], { rules: [long] })], logger);

    const sarifRule = log.runs[0]?.tool.driver.rules[0];
    expect(Array.from(sarifRule?.shortDescription.text ?? '')).toHaveLength(
      SARIF_LIMITS.descriptionLength,
    );
    expect(sarifRule?.shortDescription.text.endsWith('🐳…')).toBe(true);
    expect(sarifRule?.fullDescription.text).toHaveLength(
      SARIF_LIMITS.descriptionLength,
    );
    expect(sarifRule?.properties.tags).toHaveLength(SARIF_LIMITS.tagsPerRule);
    expect(logger.lines.filter((l) => l.level === 'warning')).toHaveLength(3);
  });

  it('keeps hostile text intact as JSON strings', () => {
    const message = '"},{"ruleId":"x" ::error::a </script> \u0000 \\';
    const log = buildSarif([runOf([finding({ message })])]);

    const parsed = JSON.parse(sarifToJson(log)) as typeof log;

    expect(parsed.runs[0]?.results[0]?.message.text).toBe(message);
  });
});
