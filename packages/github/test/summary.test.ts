import { describe, expect, it } from 'vitest';
import {
  cutToBytes,
  escapeMarkdown,
  renderSummary,
  SUMMARY_MAX_BYTES,
} from '../src/index';
import { finding, findingAt } from './fixtures';

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

describe('renderSummary', () => {
  it('lists unsuppressed findings most severe first, with counts', () => {
    const findings = [
      findingAt(4, 'low'),
      findingAt(9, 'critical'),
      finding({ suppression: { kind: 'config', justification: 'ok' } }),
    ];

    const markdown = renderSummary({
      title: 'imagegate lint',
      notes: ['**Failed**'],
      findings,
    });

    expect(markdown.split('\n')).toEqual([
      '## imagegate lint',
      '',
      '**Failed**',
      '',
      '**2** findings: 1 critical, 1 low; 1 suppressed',
      '',
      '| Severity | Rule | Location | Message |',
      '| --- | --- | --- | --- |',
      "| critical | no-latest-tag | Dockerfile:9 | 'alpine:latest' uses the moving 'latest' tag |",
      "| low | no-latest-tag | Dockerfile:4 | 'alpine:latest' uses the moving 'latest' tag |",
      '',
    ]);
  });

  it('shows counts alone when nothing is open', () => {
    const markdown = renderSummary({ title: 'lint', findings: [] });

    expect(markdown).toBe('## lint\n\n**0** findings\n');
  });

  it('names the image and package of a finding without a file', () => {
    const image = finding({
      location: { image: 'alpine:3.20', packageName: 'musl' },
    });

    const markdown = renderSummary({ title: 'scan', findings: [image] });

    expect(markdown).toContain('| alpine:3.20 musl |');
  });

  it('stays within 65,535 bytes with a note on what it left out', () => {
    const message = `${'🐳'.repeat(150)} layer`;
    const findings = Array.from({ length: 200 }, (_, i) =>
      finding({ message, fingerprint: String(i), location: { line: i + 1 } }),
    );

    const markdown = renderSummary({ title: 'lint', findings });

    expect(bytes(markdown)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    const rows = markdown.split('\n').filter((l) => l.startsWith('| medium'));
    expect(markdown).toContain(
      `_${200 - rows.length} more findings are not shown: the summary is limited to 65,535 bytes.`,
    );
    expect(rows.length).toBeGreaterThan(50);
  });

  it('caps a single huge message to one bounded cell', () => {
    const huge = finding({ message: '<'.repeat(1_000_000) });

    const markdown = renderSummary({ title: 'lint', findings: [huge] });

    expect(bytes(markdown)).toBeLessThan(5_000);
    expect(markdown).toMatch(/(&lt;)+… \|\n$/);
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['a | b', 'a \\| b'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert\\(1\\)&gt;'],
    ['</details>', '&lt;/details&gt;'],
    ['`code`', '\\`code\\`'],
    ['@here and @octocat', '&#64;here and &#64;octocat'],
    ['![x](https://beacon/p.png)', '\\!\\[x\\]\\(https://beacon/p.png\\)'],
    ['::error::x', '&#58;:error&#58;:x'],
    ['line\nbreak\r\ttab', 'line break  tab'],
    ['\u001b[31mred\u001b[0m', 'red'],
    ['a & b &amp;', 'a &amp; b &amp;amp;'],
    ['**bold** _it_ #1', '\\*\\*bold\\*\\* \\_it\\_ \\#1'],
  ])('escapes %j', (text, escaped) => {
    expect(escapeMarkdown(text)).toBe(escaped);
  });
});

describe('cutToBytes', () => {
  it('cuts on a character boundary and says it did', () => {
    const text = '🐳'.repeat(20_000);

    const cut = cutToBytes(text, 1_000);

    expect(bytes(cut)).toBeLessThanOrEqual(1_000);
    expect(cut).toMatch(/^(🐳)+\n\n_The summary was cut here/);
  });

  it('leaves short text alone', () => {
    expect(cutToBytes('short', 10)).toBe('short');
  });
});
