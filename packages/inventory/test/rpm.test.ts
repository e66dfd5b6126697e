import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import { describe, expect, it } from 'vitest';
import { rpmAndBinaryCatalogers } from '../src/catalogers/rpm-and-binaries';
import { RpmCataloger, sourcePackage } from '../src/catalogers/rpm';
import type { CatalogFile, CatalogResult, OsInfo } from '../src/types';

const sqlite = await initSqlJs();

const RHEL: OsInfo = {
  id: 'rhel',
  versionId: '9.4',
  codename: undefined,
  prettyName: 'Red Hat Enterprise Linux 9.4',
  idLike: ['fedora'],
  source: '/etc/os-release',
  supported: true,
};

interface HeaderSpec {
  name: string;
  version?: string;
  release?: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
}

/** A header blob with string tags and an optional INT32 epoch. */
function headerBlob(spec: HeaderSpec): Uint8Array {
  const strings: [number, string | undefined][] = [
    [1000, spec.name],
    [1001, spec.version ?? '1.0'],
    [1002, spec.release ?? '1.el9'],
    [1014, spec.license],
    [1022, spec.arch],
    [1044, spec.sourceRpm],
  ];
  const data: number[] = [];
  const index: number[] = [];
  for (const [tag, text] of strings) {
    if (text === undefined) continue;
    index.push(...be32(tag), ...be32(6), ...be32(data.length), ...be32(1));
    data.push(...new TextEncoder().encode(text), 0);
  }
  if (spec.epoch !== undefined) {
    while (data.length % 4 !== 0) data.push(0);
    index.push(...be32(1003), ...be32(4), ...be32(data.length), ...be32(1));
    data.push(...be32(spec.epoch));
  }
  return Uint8Array.from([
    ...be32(index.length / 16),
    ...be32(data.length),
    ...index,
    ...data,
  ]);
}

function be32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

function sqliteDb(headers: readonly HeaderSpec[]): Uint8Array {
  const db = new sqlite.Database();
  db.run('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)');
  headers.forEach((spec, i) => {
    db.run('INSERT INTO Packages VALUES (?, ?)', [i + 1, headerBlob(spec)]);
  });
  const bytes = db.export();
  db.close();
  return bytes;
}

function catalog(files: readonly CatalogFile[]): CatalogResult {
  const cataloger = new RpmCataloger();
  for (const file of files) cataloger.add(file);
  return cataloger.finish({ os: RHEL });
}

const DB_PATH = '/var/lib/rpm/rpmdb.sqlite';

describe('RpmCataloger', () => {
  it('describes a package with purl, source, licence and layer', () => {
    const content = sqliteDb([
      {
        name: 'bash',
        version: '5.1.8',
        release: '9.el9',
        epoch: 1,
        arch: 'x86_64',
        license: 'GPLv3+',
        sourceRpm: 'bash-5.1.8-9.el9.src.rpm',
      },
    ]);

    const result = catalog([{ path: DB_PATH, content, layerIndex: 2 }]);

    expect(result).toEqual({
      packages: [
        {
          name: 'bash',
          version: '1:5.1.8-9.el9',
          type: 'rpm',
          purl:
            'pkg:rpm/rhel/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.4' +
            '&epoch=1&upstream=bash-5.1.8-9.el9.src.rpm',
          licenses: ['GPLv3+'],
          source: { name: 'bash', version: '1:5.1.8-9.el9' },
          architecture: 'x86_64',
          locations: [DB_PATH],
          layerIndex: 2,
          cataloger: 'rpm-db',
        },
      ],
      diagnostics: [],
      complete: true,
    });
  });

  it('leaves out what a gpg-pubkey record does not have', () => {
    const content = sqliteDb([
      { name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' },
    ]);

    const [pkg] = catalog([{ path: DB_PATH, content, layerIndex: 0 }]).packages;

    expect(pkg).toMatchObject({
      purl: 'pkg:rpm/rhel/gpg-pubkey@fd431d51-4ae0493b?distro=rhel-9.4',
      licenses: [],
    });
    expect(pkg).not.toHaveProperty('architecture');
    expect(pkg).not.toHaveProperty('source');
  });

  it('lists a database reached by two paths once, with both paths', () => {
    const content = sqliteDb([{ name: 'bash' }, { name: 'glibc' }]);
    const other = '/usr/lib/sysimage/rpm/rpmdb.sqlite';

    const result = catalog([
      { path: DB_PATH, content, layerIndex: 0 },
      { path: other, content, layerIndex: 0 },
    ]);

    expect(result.packages.map((p) => [p.name, p.locations])).toEqual([
      ['bash', [DB_PATH, other]],
      ['glibc', [DB_PATH, other]],
    ]);
  });

  it('keeps names that would pollute prototypes or inject markup as data', () => {
    const hostile = ['__proto__', 'constructor', '::error::x', '\u001b[31mred'];
    const content = sqliteDb(hostile.map((name) => ({ name })));

    const result = catalog([{ path: DB_PATH, content, layerIndex: 0 }]);

    expect(result.packages.map((p) => p.name)).toEqual(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('when a database cannot be read', () => {
    it.each([
      ['an unknown format', new TextEncoder().encode('garbage'.repeat(100))],
      ['an empty file', new Uint8Array(0)],
      ['a database with no records', sqliteDb([])],
    ])('reports %s as incomplete, never as no packages', (_label, content) => {
      const result = catalog([{ path: DB_PATH, content, layerIndex: 0 }]);

      expect(result.packages).toEqual([]);
      expect(result.complete).toBe(false);
      expect(result.diagnostics).toEqual([
        expect.objectContaining({
          cataloger: 'rpm-db',
          path: DB_PATH,
          kind: 'unreadable',
          message: expect.stringContaining(
            'incomplete: rpmdb unreadable',
          ) as string,
        }),
      ]);
    });

    it.each([
      ['too-large', 'too-large'],
      ['unavailable', 'unreadable'],
    ] as const)('reports a file skipped as %s', (skipped, kind) => {
      const result = catalog([
        { path: DB_PATH, content: undefined, layerIndex: 0, skipped },
      ]);

      expect(result.complete).toBe(false);
      expect(result.diagnostics[0]).toMatchObject({ kind, path: DB_PATH });
    });

    it('ignores a path that resolves to no file', () => {
      const result = catalog([
        {
          path: DB_PATH,
          content: undefined,
          layerIndex: 0,
          skipped: 'unresolved',
        },
      ]);

      expect(result).toEqual({ packages: [], diagnostics: [], complete: true });
    });

    it('keeps the readable records and counts the others', () => {
      const db = new sqlite.Database();
      db.run('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)');
      db.run('INSERT INTO Packages VALUES (1, ?)', [
        headerBlob({ name: 'ok' }),
      ]);
      for (let i = 2; i < 40; i++) {
        db.run('INSERT INTO Packages VALUES (?, ?)', [i, new Uint8Array(9)]);
      }
      const content = db.export();
      db.close();

      const result = catalog([{ path: DB_PATH, content, layerIndex: 0 }]);

      expect(result.packages.map((p) => p.name)).toEqual(['ok']);
      expect(result.complete).toBe(false);
      expect(result.diagnostics).toHaveLength(21);
      expect(result.diagnostics.at(-1)?.message).toMatch(/18 more records/);
    });
  });
});

describe('sourcePackage', () => {
  it.each([
    [
      'util-linux-2.32.1-42.el8_8.src.rpm',
      undefined,
      'util-linux',
      '2.32.1-42.el8_8',
    ],
    [
      'gcc11-11.2.1+git610-1.3.9.src.rpm',
      undefined,
      'gcc11',
      '11.2.1+git610-1.3.9',
    ],
    ['kernel-5.14.0-1.nosrc.rpm', 2, 'kernel', '2:5.14.0-1'],
  ])('reads %s', (sourceRpm, epoch, name, version) => {
    expect(sourcePackage(sourceRpm, epoch)).toEqual({ name, version });
  });

  it.each(['bash', 'bash.src.rpm', '-1-2.src.rpm', 'a-b.rpm'])(
    'gives nothing for %s',
    (sourceRpm) => {
      expect(sourcePackage(sourceRpm, undefined)).toBeUndefined();
    },
  );
});

describe('rpmAndBinaryCatalogers', () => {
  it('returns fresh instances of the three catalogers', () => {
    const first = rpmAndBinaryCatalogers();
    const second = rpmAndBinaryCatalogers();

    expect(first.map((c) => c.name)).toEqual([
      'rpm-db',
      'go-binary',
      'rust-audit-binary',
    ]);
    first.forEach((cataloger, i) => {
      expect(cataloger).not.toBe(second[i]);
    });
  });
});
