import { describe, expect, it } from 'vitest';
import {
  copyrightLicenses,
  DpkgCataloger,
  parseDpkgStatus,
} from '../src/catalogers/dpkg';
import type {
  CatalogContext,
  CatalogFile,
  CatalogResult,
  OsInfo,
} from '../src/types';
import { catalogFile } from './os-fixtures';

const STATUS = '/var/lib/dpkg/status';

const DEBIAN_12: OsInfo = {
  id: 'debian',
  versionId: '12',
  codename: 'bookworm',
  prettyName: undefined,
  idLike: [],
  source: '/etc/os-release',
  supported: true,
};

function stanza(fields: Record<string, string>): string {
  const lines = Object.entries(fields).map(
    ([key, value]) => `${key}: ${value}`,
  );
  return `${lines.join('\n')}\n`;
}

function installed(name: string, version: string, extra = {}): string {
  return stanza({
    Package: name,
    Status: 'install ok installed',
    Architecture: 'amd64',
    Version: version,
    ...extra,
  });
}

function catalog(
  files: readonly CatalogFile[],
  context: CatalogContext = { os: DEBIAN_12 },
): CatalogResult {
  const cataloger = new DpkgCataloger();
  for (const file of files) cataloger.add(file);
  return cataloger.finish(context);
}

function names(result: CatalogResult): string[] {
  return result.packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}

describe('DpkgCataloger', () => {
  it('reads an installed package with its source and purl', () => {
    const text = installed('libc6', '2.36-9+deb12u7', {
      Source: 'glibc (2.36-9+deb12u7)',
      Description: 'GNU C Library: Shared libraries\n Contains the library.',
    });

    const result = catalog([catalogFile(STATUS, text, 2)]);

    expect(result).toEqual({
      packages: [
        {
          name: 'libc6',
          version: '2.36-9+deb12u7',
          type: 'deb',
          purl:
            'pkg:deb/debian/libc6@2.36-9%2Bdeb12u7' +
            '?arch=amd64&distro=debian-12',
          licenses: [],
          source: { name: 'glibc', version: '2.36-9+deb12u7' },
          architecture: 'amd64',
          locations: [STATUS],
          layerIndex: 2,
          cataloger: 'dpkg',
        },
      ],
      diagnostics: [],
      complete: true,
    });
  });

  it('takes the source version from the package when Source has none', () => {
    const text = installed('libpam-runtime', '1.5.2-6', { Source: 'pam' });

    const [pkg] = catalog([catalogFile(STATUS, text)]).packages;

    expect(pkg?.source).toEqual({ name: 'pam', version: '1.5.2-6' });
  });

  it('names the vendor debian and no distro when the OS is unknown', () => {
    const text = installed('tar', '1.34+dfsg-1');

    const [pkg] = catalog([catalogFile(STATUS, text)], {
      os: undefined,
    }).packages;

    expect(pkg?.purl).toBe('pkg:deb/debian/tar@1.34%2Bdfsg-1?arch=amd64');
  });

  it('leaves out packages whose files are gone, without a diagnostic', () => {
    const text = [
      installed('kept', '1'),
      stanza({
        Package: 'removed',
        Status: 'deinstall ok config-files',
        Version: '1',
      }),
      stanza({ Package: 'purged', Status: 'purge ok not-installed' }),
      stanza({
        Package: 'half',
        Status: 'install reinstreq half-installed',
        Version: '2',
      }),
    ].join('\n');

    const result = catalog([catalogFile(STATUS, text)]);

    expect(names(result)).toEqual(['kept@1', 'half@2']);
    expect(result.diagnostics).toEqual([]);
    expect(result.complete).toBe(true);
  });

  it('skips and counts a stanza without Version', () => {
    const text = [
      installed('good', '1'),
      stanza({ Package: 'no-version', Status: 'install ok installed' }),
    ].join('\n');

    const result = catalog([catalogFile(STATUS, text)]);

    expect(names(result)).toEqual(['good@1']);
    expect(result.complete).toBe(false);
    expect(result.diagnostics).toEqual([
      {
        cataloger: 'dpkg',
        path: STATUS,
        kind: 'skipped-record',
        message: expect.stringMatching(
          /line 6: skipped package "no-version": no Version field/,
        ) as string,
      },
    ]);
  });

  it('skips a stanza cut off mid-field at the end of the file', () => {
    const text = `${installed('good', '1')}\nPackage: cut\nStatus: install ok installed\nVers`;

    const result = catalog([catalogFile(STATUS, text)]);

    expect(names(result)).toEqual(['good@1']);
    expect(result.complete).toBe(false);
    expect(result.diagnostics[0]?.message).toMatch(/"cut": a line that is/);
  });

  it.each([
    ['an invalid version', installed('bad', '1:5.#')],
    ['a second Version field', `${installed('bad', '1')}Version: 2\n`],
    [
      'a malformed architecture',
      installed('bad', '1', { Architecture: 'a b' }),
    ],
  ])('skips and counts a stanza with %s', (_label, text) => {
    const result = catalog([catalogFile(STATUS, text)]);

    expect(result.packages).toEqual([]);
    expect(result.diagnostics.map((d) => d.kind)).toEqual(['skipped-record']);
    expect(result.complete).toBe(false);
  });

  it('keeps one package for a duplicate stanza and counts it', () => {
    const text = [installed('dup', '1'), installed('dup', '1')].join('\n');

    const result = catalog([catalogFile(STATUS, text)]);

    expect(names(result)).toEqual(['dup@1']);
    expect(result.diagnostics[0]?.message).toMatch(/"dup": duplicate/);
    expect(result.complete).toBe(true);
  });

  it('keeps both architectures of a multi-arch package', () => {
    const text = [
      installed('libc6', '2.36'),
      installed('libc6', '2.36', { Architecture: 'i386' }),
    ].join('\n');

    const result = catalog([catalogFile(STATUS, text)]);

    expect(result.packages.map((pkg) => pkg.architecture)).toEqual([
      'amd64',
      'i386',
    ]);
  });

  it('reads distroless status.d files and ignores their md5sums', () => {
    const files = [
      catalogFile(
        '/var/lib/dpkg/status.d/libssl3',
        installed('libssl3', '3.0.15-1'),
      ),
      catalogFile('/var/lib/dpkg/status.d/libssl3.md5sums', 'abc  usr/lib/x\n'),
      catalogFile(
        '/var/lib/dpkg/status.d/base',
        installed('base-files', '12.4'),
      ),
    ];

    const result = catalog(files);

    expect(names(result)).toEqual(['libssl3@3.0.15-1', 'base-files@12.4']);
    expect(result.diagnostics).toEqual([]);
  });

  it('folds a package recorded in two database files into one', () => {
    const text = installed('zlib1g', '1:1.2.13');
    const files = [
      catalogFile(STATUS, text),
      catalogFile('/var/lib/dpkg/status.d/zlib1g', text),
    ];

    const result = catalog(files);

    expect(result.packages).toHaveLength(1);
    expect(result.packages[0]?.locations).toEqual([
      STATUS,
      '/var/lib/dpkg/status.d/zlib1g',
    ]);
  });

  it('reports an unreadable or oversized database as incomplete', () => {
    const files: CatalogFile[] = [
      {
        path: STATUS,
        content: undefined,
        layerIndex: 0,
        skipped: 'unresolved',
      },
      {
        path: '/var/lib/dpkg/status.d/big',
        content: undefined,
        layerIndex: 1,
        skipped: 'too-large',
      },
    ];

    const result = catalog(files);

    expect(result.complete).toBe(false);
    expect(result.diagnostics.map((d) => [d.path, d.kind])).toEqual([
      [STATUS, 'unreadable'],
      ['/var/lib/dpkg/status.d/big', 'too-large'],
    ]);
  });

  it('drops a malformed Source field and says so', () => {
    const text = installed('x', '1', { Source: 'bad name (1)' });

    const result = catalog([catalogFile(STATUS, text)]);

    expect(result.packages[0]?.source).toBeUndefined();
    expect(result.diagnostics[0]?.message).toMatch(/malformed Source/);
  });

  it('attaches licences from a machine-readable copyright file', () => {
    const copyright = [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      '',
      'Files: *',
      'License: GPL-2+ or Artistic, and BSD-3-clause',
      '',
      'License: GPL-2+',
      ' See /usr/share/common-licenses/GPL-2.',
    ].join('\n');
    const files = [
      catalogFile(STATUS, installed('perl-base', '5.36.0-7')),
      catalogFile('/usr/share/doc/perl-base/copyright', copyright),
    ];

    const [pkg] = catalog(files).packages;

    expect(pkg?.licenses).toEqual([
      'GPL-2+',
      'Artistic',
      'BSD-3-clause',
      'GPL-2',
    ]);
  });
});

describe('DpkgCataloger with hostile databases', () => {
  it('pollutes no prototype with names like __proto__ and constructor', () => {
    const text = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty']
      .map((name) => installed(name, '1'))
      .join('\n');

    const result = catalog([catalogFile(STATUS, text)]);

    expect(names(result)).toEqual([
      'constructor@1',
      'prototype@1',
      'hasOwnProperty@1',
    ]);
    expect(result.diagnostics[0]?.message).toMatch(/"__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('keeps workflow commands and ANSI escapes as inert data', () => {
    const text = [
      installed('::error::pwned', '1'),
      installed('\u001b[31mred', '1'),
      installed('ok', '1', { Source: '::warning::x' }),
    ].join('\n');

    const result = catalog([catalogFile(STATUS, text)]);

    expect(names(result)).toEqual(['ok@1']);
    const messages = result.diagnostics.map((d) => d.message);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain('"::error::pwned"');
    expect(messages[1]).toContain('"\\u001b[31mred"');
    for (const message of messages) {
      expect(message).not.toMatch(/\p{Cc}/u);
      expect(message.startsWith('::')).toBe(false);
    }
  });

  it('reads 500,000 stanzas in bounded time', () => {
    const count = 500_000;
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      parts.push(`Package: p${i}\nVersion: 1.${i}\n\n`);
    }
    const file = catalogFile(STATUS, parts.join(''));

    const result = catalog([file]);

    expect(result.packages).toHaveLength(count);
    expect(result.complete).toBe(true);
  }, 60_000);

  it('caps diagnostics for 500,000 bad stanzas and counts the rest', () => {
    const text = 'Package: p\n\n'.repeat(500_000);

    const result = catalog([catalogFile(STATUS, text)]);

    expect(result.packages).toEqual([]);
    expect(result.complete).toBe(false);
    expect(result.diagnostics).toHaveLength(101);
    expect(result.diagnostics[100]?.message).toBe(
      '499900 more problems were not listed',
    );
  }, 60_000);

  it.each([
    [
      'one long line',
      `Package: a\nVersion: 1\nDescription: ${'x'.repeat(5_000_000)}\n`,
    ],
    [
      'many continuation lines',
      `Package: a\nVersion: 1\nDescription: x\n${' y\n'.repeat(1_000_000)}`,
    ],
    ['many empty lines', `${'\n'.repeat(1_000_000)}Package: a\nVersion: 1\n`],
  ])('parses %s in linear time', (_label, text) => {
    const records = parseDpkgStatus(text);

    expect(records.map((r) => [r.package, r.version])).toEqual([['a', '1']]);
  });
});

describe('copyrightLicenses', () => {
  it('reads nothing from a free-text copyright file', () => {
    const text =
      'This is the Debian prepackaged version of foo.\nLicense: GPL\n';

    expect(copyrightLicenses(text)).toEqual([]);
  });

  it('skips `none`, blanks and values that are not short names', () => {
    const text = [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      'License: none',
      'License:',
      'License: \u001b[31m',
      'License: MIT',
    ].join('\n');

    expect(copyrightLicenses(text)).toEqual(['MIT']);
  });
});
