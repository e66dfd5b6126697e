import { describe, expect, it } from 'vitest';
import { parseAssignments } from '../src/os-files';
import { detectOs, OsDetector } from '../src/os-release';
import type { CatalogFile } from '../src/types';
import { catalogFile } from './os-fixtures';

const DEBIAN_12 = [
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
  'NAME="Debian GNU/Linux"',
  'VERSION_ID="12"',
  'VERSION_CODENAME=bookworm',
  'ID=debian',
].join('\n');

function skippedFile(path: string, skipped: string): CatalogFile {
  return { path, content: undefined, layerIndex: 0, skipped };
}

describe('detectOs', () => {
  it('reads /etc/os-release', () => {
    const files = [catalogFile('/etc/os-release', DEBIAN_12)];

    const { os, diagnostics } = detectOs(files);

    expect(os).toEqual({
      id: 'debian',
      versionId: '12',
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      idLike: [],
      source: '/etc/os-release',
      supported: true,
    });
    expect(diagnostics).toEqual([]);
  });

  it('prefers os-release to the older release files', () => {
    const files = [
      catalogFile('/etc/debian_version', 'bookworm/sid\n'),
      catalogFile('/etc/lsb-release', 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=9\n'),
      catalogFile('/usr/lib/os-release', 'ID=alpine\nVERSION_ID=3.20.3\n'),
    ];

    const { os } = detectOs(files);

    expect([os?.id, os?.versionId, os?.source]).toEqual([
      'alpine',
      '3.20.3',
      '/usr/lib/os-release',
    ]);
  });

  it('falls back to usr/lib/os-release when etc/os-release loops', () => {
    const files = [
      skippedFile('/etc/os-release', 'unresolved'),
      catalogFile('/usr/lib/os-release', DEBIAN_12),
    ];

    const { os, diagnostics } = detectOs(files);

    expect(os?.source).toBe('/usr/lib/os-release');
    expect(diagnostics.map((d) => [d.path, d.kind])).toEqual([
      ['/etc/os-release', 'unreadable'],
    ]);
  });

  it('reports an unknown OS, not a crash, when every release file loops', () => {
    const files = [
      skippedFile('/etc/os-release', 'unresolved'),
      skippedFile('/usr/lib/os-release', 'unresolved'),
    ];

    const { os, diagnostics } = detectOs(files);

    expect(os).toBeUndefined();
    expect(diagnostics.map((d) => d.kind)).toEqual([
      'unreadable',
      'unreadable',
      'unsupported',
    ]);
    expect(diagnostics[2]?.message).toMatch(/OS is unknown/);
  });

  it('reports an unknown OS for an image without release files', () => {
    const { os, diagnostics } = detectOs([]);

    expect(os).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.objectContaining({ kind: 'unsupported' }),
    ]);
  });

  it.each([
    ['an unknown distribution', 'ID=my-distro\nVERSION_ID=1\n', /no advisory/],
    ['an end-of-life release', 'ID=debian\nVERSION_ID=8\n', /end-of-life/],
    ['a release without a version', 'ID=alpine\n', /names no version/],
  ])('marks %s unsupported, with a diagnostic', (_label, text, reason) => {
    const files = [catalogFile('/etc/os-release', text)];

    const { os, diagnostics } = detectOs(files);

    expect(os?.supported).toBe(false);
    expect(diagnostics).toEqual([
      expect.objectContaining({ kind: 'unsupported' }),
    ]);
    expect(diagnostics[0]?.message).toMatch(reason);
  });

  it('keeps rolling releases supported without a version', () => {
    const files = [catalogFile('/etc/os-release', 'ID=wolfi\n')];

    expect(detectOs(files).os?.supported).toBe(true);
  });

  it('takes the release series from debian_version when os-release has none', () => {
    const files = [
      catalogFile('/etc/os-release', 'ID="debian"\nPRETTY_NAME="Distroless"\n'),
      catalogFile('/etc/debian_version', '12.5\n'),
    ];

    const { os } = detectOs(files);

    expect([os?.id, os?.versionId, os?.supported]).toEqual([
      'debian',
      '12',
      true,
    ]);
  });

  it('takes the codename from debian_version on testing', () => {
    const files = [
      catalogFile('/etc/os-release', 'ID=debian\n'),
      catalogFile('/etc/debian_version', 'trixie/sid\n'),
    ];

    const { os } = detectOs(files);

    expect([os?.versionId, os?.codename, os?.supported]).toEqual([
      undefined,
      'trixie',
      false,
    ]);
  });

  it('prefers oracle-release to the redhat-release Oracle ships', () => {
    const files = [
      catalogFile(
        '/etc/redhat-release',
        'Red Hat Enterprise Linux Server release 5.11 (Tikanga)\n',
      ),
      catalogFile('/etc/oracle-release', 'Oracle Linux Server release 5.11\n'),
    ];

    const { os } = detectOs(files);

    expect([os?.id, os?.versionId]).toEqual(['ol', '5.11']);
  });

  it.each([
    ['an ANSI escape in ID', 'ID="\u001b[31mdebian"\nVERSION_ID=12\n'],
    ['a workflow command in ID', 'ID="::error::x"\nVERSION_ID=12\n'],
    ['no ID at all', 'NAME="Ubuntu"\nVERSION_ID="18.04"\n'],
  ])('ignores an os-release with %s', (_label, text) => {
    const files = [catalogFile('/etc/os-release', text)];

    const { os, diagnostics } = detectOs(files);

    expect(os).toBeUndefined();
    expect(diagnostics[0]).toEqual(
      expect.objectContaining({ path: '/etc/os-release', kind: 'unreadable' }),
    );
  });

  it('drops a malformed VERSION_ID but keeps the distribution', () => {
    const files = [
      catalogFile(
        '/etc/os-release',
        'ID=ubuntu\nVERSION_ID="24.04\u001b[0m"\n',
      ),
    ];

    const { os, diagnostics } = detectOs(files);

    expect([os?.id, os?.versionId, os?.supported]).toEqual([
      'ubuntu',
      undefined,
      false,
    ]);
    expect(diagnostics.map((d) => d.message)).toEqual([
      '/etc/os-release has malformed fields that were ignored; ' +
        'malformed: VERSION_ID',
      expect.stringMatching(/^unsupported OS ubuntu: .*no version/),
    ]);
  });

  it('refuses a release file past its size cap', () => {
    const big = `ID=debian\nVERSION_ID=12\n${'#'.repeat(70_000)}\n`;
    const files = [catalogFile('/etc/os-release', big)];

    const { os, diagnostics } = detectOs(files);

    expect(os).toBeUndefined();
    expect(diagnostics[0]?.kind).toBe('too-large');
  });

  it('parses a long line of blanks in linear time', () => {
    const text = `ID=debian${' '.repeat(60_000)}x\nVERSION_ID=12\n`;

    detectOs([catalogFile('/etc/os-release', text)]);
  });
});

describe('parseAssignments', () => {
  it('undoes shell quoting as os-release(5) describes', () => {
    const text = [
      '# a comment',
      'A="double \\"quoted\\" \\$x"',
      "B='single # not a comment'",
      'C=bare\r',
      '  D = not an assignment',
      'A=last wins',
    ].join('\n');

    const values = parseAssignments(text);

    expect(Object.fromEntries(values)).toEqual({
      A: 'last wins',
      B: 'single # not a comment',
      C: 'bare',
    });
  });

  it('keeps __proto__ an ordinary key', () => {
    const values = parseAssignments('__proto__=x\nconstructor=y\n');

    expect(values.get('__proto__')).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('OsDetector', () => {
  it('takes only release files and detects when finished', () => {
    const detector = new OsDetector();

    detector.add(catalogFile('/etc/passwd', 'root:x:0:0::/root:/bin/sh\n'));
    detector.add(catalogFile('etc/alpine-release', '3.20.3\n'));
    const { os } = detector.finish();

    expect(detector.paths).toContain('/etc/os-release');
    expect([os?.id, os?.versionId, os?.source]).toEqual([
      'alpine',
      '3.20.3',
      '/etc/alpine-release',
    ]);
  });
});
