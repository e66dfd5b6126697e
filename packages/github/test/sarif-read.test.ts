import { findingsToJson, type Finding } from '@imagegate/findings';
import { describe, expect, it } from 'vitest';
import {
  buildSarif,
  findingsToRuns,
  GitHubError,
  mergeResultRuns,
  readResults,
  sarifToJson,
  severityFromScore,
  type SarifRunInput,
} from '../src/index';
import { finding, rule } from './fixtures';

const tool = { name: 'imagegate-scan', version: '0.1.0' };

function imageFinding(overrides: Partial<Finding> = {}): Finding {
  return finding({
    tool: 'imagegate-scan',
    ruleId: 'CVE-2024-0001',
    ruleAliases: [],
    severity: 'critical',
    title: 'curl: heap overflow',
    message: 'curl 8.5.0 is vulnerable; fixed in 8.6.0',
    fingerprint: 'c'.repeat(32),
    location: {
      image: 'registry.example/app:1.2',
      digest: `sha256:${'d'.repeat(64)}`,
      platform: 'linux/amd64',
      layerDigest: `sha256:${'e'.repeat(64)}`,
      packageName: 'curl',
    },
    vulnerability: {
      id: 'CVE-2024-0001',
      aliases: ['GHSA-xxxx-yyyy-zzzz'],
      packageName: 'curl',
      packageVersion: '8.5.0',
      packageType: 'apk',
      purl: 'pkg:apk/alpine/curl@8.5.0',
      fixedVersion: '8.6.0',
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N', score: 9.8 }],
    },
    ...overrides,
  });
}

function sarifText(runs: SarifRunInput[]): string {
  return sarifToJson(buildSarif(runs));
}

/** A minimal SARIF log of another tool, with the given results and rules. */
function foreignLog(results: unknown[], rules: unknown[] = []): string {
  return JSON.stringify({
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'trivy', rules } }, results }],
  });
}

function readFindings(text: string): Finding[] {
  return readResults(text, 'results.sarif').flatMap((run) => run.findings);
}

function codeOf(act: () => unknown): string | undefined {
  try {
    act();
  } catch (error) {
    return error instanceof GitHubError ? error.code : 'not a GitHubError';
  }
  return undefined;
}

describe('readResults on SARIF', () => {
  it('reads back the findings imagegate wrote', () => {
    const lint = finding({
      tags: ['base-image'],
      suppression: { kind: 'inline', justification: 'pinned elsewhere' },
    });
    const scan = imageFinding();
    const text = sarifText([
      { tool, rules: [], findings: [scan], category: 'scan/app/' },
      {
        tool: { name: 'imagegate-lint', version: '0.1.0' },
        rules: [rule()],
        findings: [lint],
        category: 'lint/',
      },
    ]);

    const runs = readResults(text, 'report.sarif');

    expect(runs.map((run) => [run.tool.name, run.category])).toEqual([
      ['imagegate-scan', 'scan/app/'],
      ['imagegate-lint', 'lint/'],
    ]);
    expect(runs[0]?.findings).toEqual([scan]);
    // SARIF has no field for rule aliases; the rest comes back as written.
    expect(runs[1]?.findings).toEqual([{ ...lint, ruleAliases: [] }]);
    expect(runs[1]?.rules[0]).toMatchObject({
      id: 'no-latest-tag',
      title: rule().title,
      severity: 'medium',
      tags: ['base-image', 'reproducibility'],
    });
  });

  it.each([
    [9.8, 'critical'],
    [9.0, 'high'],
    [7.0, 'high'],
    [5.5, 'medium'],
    [0.5, 'low'],
    [0, 'unknown'],
  ] as const)('maps security-severity %s to %s', (score, severity) => {
    expect(severityFromScore(score)).toBe(severity);
  });

  it('takes the severity from the score, the rule, then the level', () => {
    const rules = [
      { id: 'scored', properties: { 'security-severity': '7.5' } },
      { id: 'levelled', defaultConfiguration: { level: 'note' } },
    ];
    const message = { text: 'm' };
    const text = foreignLog(
      [
        {
          ruleId: 'scored',
          message,
          properties: { 'security-severity': '9.5' },
        },
        { ruleId: 'scored', message },
        { ruleId: 'levelled', message },
        { ruleId: 'other', level: 'error', message },
        { ruleId: 'other', message },
      ],
      rules,
    );

    expect(readFindings(text).map((f) => f.severity)).toEqual([
      'critical',
      'high',
      'low',
      'high',
      'medium',
    ]);
  });

  it('keeps a computed fingerprint when only the line moves', () => {
    const at = (line: number): string =>
      foreignLog([
        {
          ruleId: 'DS001',
          message: { text: 'no USER' },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: 'app/Dockerfile' },
                region: { startLine: line },
              },
            },
          ],
        },
      ]);

    const [before] = readFindings(at(3));
    const [after] = readFindings(at(30));

    expect(before?.location).toEqual({ path: 'app/Dockerfile', line: 3 });
    expect(after?.fingerprint).toBe(before?.fingerprint);
  });

  it('hashes the tool’s own fingerprints when it gives them', () => {
    const withPrint = (hash: string): Finding | undefined =>
      readFindings(
        foreignLog([
          {
            ruleId: 'r',
            message: { text: `m ${hash}` },
            partialFingerprints: { primaryLocationLineHash: 'abc' },
          },
        ]),
      )[0];

    expect(withPrint('1')?.fingerprint).toBe(withPrint('2')?.fingerprint);
  });

  it('reads messages by id, rules by index, and image locations', () => {
    const rules = [
      {
        id: 'CVE-1',
        shortDescription: { text: 'bad curl' },
        messageStrings: { default: { text: 'Package {0} is vulnerable' } },
      },
    ];
    const text = foreignLog(
      [
        {
          ruleIndex: 0,
          message: { id: 'default', arguments: ['curl'] },
          locations: [
            {
              logicalLocations: [
                { name: 'curl', fullyQualifiedName: 'alpine:3.20' },
              ],
            },
          ],
          suppressions: [{ kind: 'external', status: 'underReview' }],
        },
      ],
      rules,
    );

    expect(readFindings(text)[0]).toMatchObject({
      ruleId: 'CVE-1',
      title: 'bad curl',
      message: 'Package curl is vulnerable',
      location: { image: 'alpine:3.20', packageName: 'curl' },
    });
    expect(readFindings(text)[0]?.suppression).toBeUndefined();
  });

  it('makes file URIs in the checkout relative to it', () => {
    const text = foreignLog([
      {
        ruleId: 'r',
        message: { text: 'm' },
        locations: [
          {
            physicalLocation: {
              artifactLocation: {
                uri: 'file:///work/repo/sub%20dir/Dockerfile',
              },
            },
          },
        ],
      },
    ]);

    const runs = readResults(text, 'x.sarif', { root: '/work/repo/' });

    expect(runs[0]?.findings[0]?.location.path).toBe('sub dir/Dockerfile');
  });

  it('takes the category from automationDetails up to the last slash', () => {
    const log = JSON.parse(foreignLog([])) as {
      runs: { automationDetails?: { id: string } }[];
    };
    const run = log.runs[0] ?? {};
    run.automationDetails = { id: 'trivy/app/2024-01-01' };

    const runs = readResults(JSON.stringify(log), 'x.sarif');

    expect(runs[0]?.category).toBe('trivy/app/');
  });

  it.each([
    ['not JSON', '{'],
    ['not SARIF', '{"version":"2.0.0","runs":[]}'],
    ['neither format', '{"results":[]}'],
    ['a run without a tool', '{"version":"2.1.0","runs":[{}]}'],
  ])('refuses %s as bad input', (_, text) => {
    expect(codeOf(() => readResults(text, 'x'))).toBe('bad-input');
  });
});

describe('readResults on findings JSON', () => {
  it('groups findings by tool, image and platform', () => {
    const findings = [finding(), imageFinding()];

    const runs = readResults(findingsToJson(findings), 'findings.json');

    expect(runs.map((run) => run.category)).toEqual([
      'imagegate-scan/registry.example/app:1.2/linux/amd64/',
      'imagegate-lint/',
    ]);
    expect(runs.flatMap((run) => run.findings)).toEqual([
      imageFinding(),
      finding(),
    ]);
  });

  it('names the file, the finding and the field that is wrong', () => {
    const bad = { findings: [finding(), { ...finding(), severity: 'severe' }] };

    expect(() => readResults(JSON.stringify(bad), 'a.json')).toThrow(
      /^a\.json: finding 2: severity "severe" is not critical/,
    );
  });

  it.each([
    ['a missing fingerprint', { fingerprint: undefined }],
    ['a line of 0', { location: { path: 'Dockerfile', line: 0 } }],
    ['an unknown suppression', { suppression: { kind: 'maybe' } }],
    ['a bad vulnerability', { vulnerability: { id: 'CVE-1' } }],
  ])('refuses %s', (_, overrides) => {
    const text = JSON.stringify({ findings: [{ ...finding(), ...overrides }] });

    expect(codeOf(() => readResults(text, 'a.json'))).toBe('bad-input');
  });
});

describe('mergeResultRuns', () => {
  it('merges runs of one category and drops repeated findings', () => {
    const one = findingsToRuns([finding()]);
    const other = findingsToRuns([
      finding(),
      finding({ fingerprint: 'other' }),
    ]);

    const merged = mergeResultRuns([...one, ...other]);

    expect(merged).toHaveLength(1);
    expect(merged[0]?.findings.map((f) => f.fingerprint)).toEqual([
      'f'.repeat(32),
      'other',
    ]);
  });
});
