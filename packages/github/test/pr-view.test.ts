import type { Finding, Severity } from '@imagegate/findings';
import { describe, expect, it } from 'vitest';
import {
  commentMarker,
  comparePullRequestFindings,
  COMMENT_MAX_CHARACTERS,
  cutComment,
  renderPullRequestComment,
} from '../src/index';
import { finding } from './fixtures';

/** A vulnerability finding in `pkg`, with a distinct fingerprint. */
function vulnerability(
  id: string,
  severity: Severity,
  overrides: Partial<Finding> = {},
): Finding {
  return finding({
    tool: 'imagegate-scan',
    ruleId: id,
    ruleAliases: [],
    severity,
    title: `${id} in openssl`,
    message: `openssl 3.0.1 is affected by ${id}.`,
    fingerprint: `fp-${id}`,
    location: { image: 'ghcr.io/acme/app', packageName: 'openssl' },
    vulnerability: {
      id,
      aliases: [],
      packageName: 'openssl',
      packageVersion: '3.0.1',
      packageType: 'deb',
      fixedVersion: '3.0.2',
      cvss: [],
    },
    ...overrides,
  });
}

const RUN_URL = 'https://github.com/acme/app/actions/runs/42';

describe('comparePullRequestFindings', () => {
  it('sorts open findings into new, fixed and unchanged by fingerprint', () => {
    const kept = vulnerability('CVE-1', 'low');
    const base = [kept, vulnerability('CVE-2', 'high')];
    const head = [
      kept,
      vulnerability('CVE-3', 'medium'),
      vulnerability('CVE-4', 'critical'),
      vulnerability('CVE-5', 'high', {
        suppression: { kind: 'exception', justification: 'not reachable' },
      }),
    ];

    const view = comparePullRequestFindings({ head, base });

    expect(view.added.map((f) => f.ruleId)).toEqual(['CVE-4', 'CVE-3']);
    expect(view.fixed.map((f) => f.ruleId)).toEqual(['CVE-2']);
    expect(view.unchanged.map((f) => f.ruleId)).toEqual(['CVE-1']);
    expect(view.accepted.map((f) => f.ruleId)).toEqual(['CVE-5']);
  });

  it('lists exceptions expiring within the window, soonest first', () => {
    const now = new Date('2025-03-01T12:00:00Z');
    const exceptions = [
      { id: 'CVE-9', expires: '2025-06-01' },
      { id: 'CVE-8', expires: '2025-03-10', fingerprint: 'fp-CVE-8' },
      { id: 'CVE-7', expires: '2025-02-27' },
      { id: 'CVE-6', expires: 'soon' },
    ];
    const head = [vulnerability('CVE-8', 'high')];

    const view = comparePullRequestFindings({ head, exceptions, now });

    expect(view.expiring.map((e) => [e.id, e.daysLeft, e.packageName])).toEqual(
      [
        ['CVE-7', -2, undefined],
        ['CVE-8', 9, 'openssl'],
      ],
    );
  });
});

describe('renderPullRequestComment', () => {
  it('shows counts, new findings with fixed versions, fixes and exceptions', () => {
    const base = [vulnerability('CVE-2', 'high')];
    const head = [
      vulnerability('CVE-4', 'critical', {
        location: { path: 'Dockerfile', line: 3 },
      }),
      vulnerability('CVE-3', 'medium', {
        vulnerability: {
          id: 'CVE-3',
          aliases: [],
          packageName: 'zlib',
          packageVersion: '1.2',
          packageType: 'deb',
          cvss: [],
        },
      }),
    ];

    const body = renderPullRequestComment({
      key: 'app-amd64',
      title: 'imagegate: ghcr.io/acme/app',
      head,
      base,
      exceptions: [
        { id: 'CVE-7', expires: '2025-03-05', justification: 'vendor fix due' },
      ],
      now: new Date('2025-03-01T00:00:00Z'),
      reportUrl: RUN_URL,
    });

    expect(body.split('\n')).toEqual([
      '<!-- imagegate:report:app-amd64 -->',
      '',
      '### imagegate: ghcr.io/acme/app',
      '',
      '**2 new**, **1 fixed** and 0 unchanged open findings compared with the base branch.',
      '',
      '| Severity | New | Fixed | Unchanged |',
      '| --- | ---: | ---: | ---: |',
      '| critical | 1 | 0 | 0 |',
      '| high | 0 | 1 | 0 |',
      '| medium | 1 | 0 | 0 |',
      '',
      '#### New findings',
      '',
      '| Severity | Finding | Package | Fixed in | Location |',
      '| --- | --- | --- | --- | --- |',
      '| critical | CVE-4: CVE-4 in openssl | openssl 3.0.1 | 3.0.2 | Dockerfile:3 |',
      '| medium | CVE-3: CVE-3 in openssl | zlib 1.2 | no fix yet | ghcr.io/acme/app |',
      '',
      '#### Fixed by this pull request',
      '',
      '| Severity | Finding | Package | Location |',
      '| --- | --- | --- | --- |',
      '| high | CVE-2: CVE-2 in openssl | openssl 3.0.1 | ghcr.io/acme/app |',
      '',
      '#### Exceptions expiring soon',
      '',
      '- **CVE-7** expires on 2025-03-05, in 4 days: vendor fix due',
      '',
      `<sub>The [full report](${RUN_URL}) lists every finding.</sub>`,
      '',
    ]);
  });

  it('lists every open finding when there is no baseline', () => {
    const body = renderPullRequestComment({
      key: 'app',
      title: 'app',
      head: [vulnerability('CVE-1', 'low')],
    });

    expect(body).toContain(
      '1 open finding. No baseline was available to compare with.',
    );
    expect(body).toContain('#### Open findings');
    expect(body).not.toContain('Fixed by this pull request');
  });

  it('says nothing is new when nothing is', () => {
    const same = [vulnerability('CVE-1', 'low')];

    const body = renderPullRequestComment({
      key: 'app',
      title: 'app',
      head: same,
      base: same,
    });

    expect(body).toContain('#### New findings\n\nNone.');
  });

  it('escapes hostile text from findings', () => {
    const hostile =
      '::error::x \u001b[31m@here </details> <img src=https://evil.test/b.png> ![b](https://evil.test/p.png) [x](javascript:alert(1))';
    const head = [
      vulnerability('CVE-1', 'high', {
        title: hostile,
        vulnerability: {
          id: 'CVE-1',
          aliases: [],
          packageName: hostile,
          packageVersion: '1',
          packageType: 'deb',
          fixedVersion: '@octocat',
          cvss: [],
        },
      }),
    ];

    const body = renderPullRequestComment({
      key: 'app',
      title: '@admins ::warning::t',
      head,
      base: [],
      exceptions: [
        { id: '<b>x</b>', expires: '2025-01-02', justification: hostile },
      ],
      now: new Date('2025-01-01T00:00:00Z'),
    });

    for (const raw of [
      '::error::',
      '::warning::',
      '\u001b',
      '@here',
      '@octocat',
      '@admins',
      '</details>',
      '<img',
      '<b>',
      '![',
      '](javascript',
    ]) {
      expect(body).not.toContain(raw);
    }
  });

  it('stays under the comment limit and links the full report', () => {
    const head = Array.from({ length: 800 }, (_, i) =>
      vulnerability(`CVE-2025-${i}`, 'high', {
        title: 'x'.repeat(150),
        message: 'y'.repeat(10_000_000 / 800),
      }),
    );

    const body = renderPullRequestComment({
      key: 'app',
      title: 'app',
      head,
      base: [],
      reportUrl: RUN_URL,
    });

    expect(body.length).toBeLessThan(COMMENT_MAX_CHARACTERS);
    expect(body.length).toBeGreaterThan(60_000);
    expect(body.startsWith(commentMarker('app'))).toBe(true);
    expect(body).toMatch(
      /_\d+ more new findings are not shown here: the comment is limited in size; the \[full report\]\(https:\/\/github\.com\/acme\/app\/actions\/runs\/42\) lists them all\._/,
    );
  });

  it('cuts oversized trusted notes, keeping the marker', () => {
    const body = renderPullRequestComment({
      key: 'app',
      title: 'app',
      head: [],
      notes: ['n'.repeat(80_000)],
      reportUrl: RUN_URL,
    });

    expect(body.length).toBeLessThan(COMMENT_MAX_CHARACTERS);
    expect(body.startsWith(commentMarker('app'))).toBe(true);
    expect(body).toContain('_This comment was cut');
  });

  it('keeps a marker per key that cannot close the HTML comment', () => {
    expect(commentMarker('app --> <b>')).toBe(
      '<!-- imagegate:report:app------b- -->',
    );
    expect(commentMarker('')).toBe('<!-- imagegate:report:default -->');
  });

  it('links only http(s) reports', () => {
    const body = renderPullRequestComment({
      key: 'app',
      title: 'app',
      head: [],
      reportUrl: 'javascript:alert(1)',
    });

    expect(body).not.toContain('javascript');
  });
});

describe('cutComment', () => {
  it('leaves short bodies alone', () => {
    expect(cutComment('short', 10)).toBe('short');
  });

  it('cuts emoji on character boundaries', () => {
    const cut = cutComment('🐳'.repeat(100), 90);

    expect(cut.length).toBeLessThanOrEqual(90);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
