import { describe, expect, it } from 'vitest';
import { ApkCataloger, parseApkInstalled } from '../src/catalogers/apk';
import type {
  CatalogContext,
  CatalogFile,
  CatalogResult,
  OsInfo,
} from '../src/types';
import { catalogFile } from './os-fixtures';

const INSTALLED = '/lib/apk/db/installed';

const ALPINE: OsInfo = {
  id: 'alpine',
  versionId: '3.20.3',
  codename: undefined,
  prettyName: 'Alpine Linux v3.20',
  idLike: [],
  source: '/etc/os-release',
  supported: true,
};

function record(fields: Record<string, string>): string {
  const lines = Object.entries(fields).map(([key, value]) => `${key}:${value}`);
  return `${lines.join('\n')}\n`;
}

function musl(extra: Record<string, string> = {}): string {
  return record({
    C: 'Q1Dj0ZwIuLjmP3Kb/u7RiYySHjmZk=',
    P: 'musl',
    V: '1.2.5-r0',
    A: 'x86_64',
    L: 'MIT',
    o: 'musl',
    ...extra,
  });
}

function catalog(
  files: readonly CatalogFile[],
  context: CatalogContext = { os: ALPINE },
): CatalogResult {
  const cataloger = new ApkCataloger();
  for (const file of files) cataloger.add(file);
  return cataloger.finish(context);
}

function names(result: CatalogResult): string[] {
  return result.packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}

describe('ApkCataloger', () => {
  it('reads an installed package', () => {
    const result = catalog([catalogFile(INSTALLED, musl(), 1)]);

    expect(result).toEqual({
      packages: [
        {
          name: 'musl',
          version: '1.2.5-r0',
          type: 'apk',
          purl: 'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3',
          licenses: ['MIT'],
          source: { name: 'musl', version: '1.2.5-r0' },
          architecture: 'x86_64',
          locations: [INSTALLED],
          layerIndex: 1,
          cataloger: 'apk',
        },
      ],
      diagnostics: [],
      complete: true,
    });
  });

  it('takes the origin as the source package', () => {
    const text = musl({ P: 'musl-utils', o: 'musl' });

    const [pkg] = catalog([catalogFile(INSTALLED, text)]).packages;

    expect(pkg?.source).toEqual({ name: 'musl', version: '1.2.5-r0' });
  });

  it('names the vendor after the OS, as on Wolfi', () => {
    const wolfi: OsInfo = { ...ALPINE, id: 'wolfi', versionId: '20230201' };

    const [pkg] = catalog([catalogFile(INSTALLED, musl())], {
      os: wolfi,
    }).packages;

    expect(pkg?.purl).toBe(
      'pkg:apk/wolfi/musl@1.2.5-r0?arch=x86_64&distro=wolfi-20230201',
    );
  });

  it.each([
    ['names separated by spaces', 'MIT BSD GPL2+', ['MIT', 'BSD', 'GPL2+']],
    [
      'an SPDX expression, kept whole',
      '( Apache-2.0 OR MIT ) AND MPL-2.0',
      ['( Apache-2.0 OR MIT ) AND MPL-2.0'],
    ],
    ['junk dropped', 'MIT \u001b[31m <b>', ['MIT']],
    ['nothing', '', []],
  ])('reads licences given as %s', (_label, field, expected) => {
    const [pkg] = catalog([
      catalogFile(INSTALLED, musl({ L: field })),
    ]).packages;

    expect(pkg?.licenses).toEqual(expected);
  });

  it('uses file lists with ../ only as data it never reads', () => {
    const text = musl({
      F: '../../../etc',
      R: '../../../../etc/passwd',
      a: '0:0:755',
      Z: 'Q1abc=',
    });

    const result = catalog([catalogFile(INSTALLED, text)]);

    expect(names(result)).toEqual(['musl@1.2.5-r0']);
    expect(result.packages[0]?.locations).toEqual([INSTALLED]);
    expect(JSON.stringify(result)).not.toContain('passwd');
  });

  it('skips and counts a record without a version', () => {
    const text = [musl(), record({ P: 'no-version', A: 'x86_64' })].join('\n');

    const result = catalog([catalogFile(INSTALLED, text)]);

    expect(names(result)).toEqual(['musl@1.2.5-r0']);
    expect(result.complete).toBe(false);
    expect(result.diagnostics).toEqual([
      {
        cataloger: 'apk',
        path: INSTALLED,
        kind: 'skipped-record',
        message: expect.stringMatching(
          /line 8: skipped package "no-version": no V:/,
        ) as string,
      },
    ]);
  });

  it('skips a record cut off at the end of the file', () => {
    const text = `${musl()}\nC:Q1abc=\nP:zlib\nV`;

    const result = catalog([catalogFile(INSTALLED, text)]);

    expect(names(result)).toEqual(['musl@1.2.5-r0']);
    expect(result.complete).toBe(false);
  });

  it('keeps one package for a duplicate record and counts it', () => {
    const text = [musl(), musl()].join('\n');

    const result = catalog([catalogFile(INSTALLED, text)]);

    expect(names(result)).toEqual(['musl@1.2.5-r0']);
    expect(result.diagnostics[0]?.message).toMatch(/"musl": duplicate/);
    expect(result.complete).toBe(true);
  });

  it('folds the database seen at both of its paths into one', () => {
    const files = [
      catalogFile(INSTALLED, musl()),
      catalogFile('/usr/lib/apk/db/installed', musl()),
    ];

    const result = catalog(files);

    expect(result.packages[0]?.locations).toEqual([
      INSTALLED,
      '/usr/lib/apk/db/installed',
    ]);
  });

  it('reports an unreadable or oversized database as incomplete', () => {
    const result = catalog([
      {
        path: INSTALLED,
        content: undefined,
        layerIndex: 0,
        skipped: 'too-large',
      },
    ]);

    expect(result.complete).toBe(false);
    expect(result.diagnostics.map((d) => d.kind)).toEqual(['too-large']);
  });
});

describe('ApkCataloger with hostile databases', () => {
  it('pollutes no prototype with names like __proto__ and constructor', () => {
    const text = ['__proto__', 'constructor', 'prototype']
      .map((name) => musl({ P: name, o: name }))
      .join('\n');

    const result = catalog([catalogFile(INSTALLED, text)]);

    expect(names(result)).toEqual([
      'constructor@1.2.5-r0',
      'prototype@1.2.5-r0',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('keeps workflow commands and ANSI escapes as inert data', () => {
    const text = [
      musl({ P: '::error::pwned' }),
      musl({ P: '\u001b]8;;http://x\u0007link' }),
      musl({ V: '1.0\u001b[2J' }),
    ].join('\n');

    const result = catalog([catalogFile(INSTALLED, text)]);

    expect(result.packages).toEqual([]);
    const messages = result.diagnostics.map((d) => d.message);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain('"::error::pwned"');
    for (const message of messages) {
      expect(message).not.toMatch(/\p{Cc}/u);
    }
  });

  it('reads a line that is not a field as a broken record', () => {
    const text = `This is a corrupt db\n\n${musl()}`;

    const result = catalog([catalogFile(INSTALLED, text)]);

    expect(names(result)).toEqual(['musl@1.2.5-r0']);
    expect(result.complete).toBe(false);
  });

  it('reads 200,000 records in bounded time', () => {
    const text = Array.from(
      { length: 200_000 },
      (_, i) => `P:p${i}\nV:1.${i}-r0\n`,
    ).join('\n');

    const records = parseApkInstalled(text);

    expect(records).toHaveLength(200_000);
  });
});
