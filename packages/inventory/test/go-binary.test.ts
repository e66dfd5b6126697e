import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { GoBinaryCataloger } from '../src/catalogers/go-binary';
import { readGoBuildInfo } from '../src/catalogers/go-binary-buildinfo';
import type { CatalogFile, CatalogResult } from '../src/types';

const available = corpusAvailable();

// --- a small ELF writer ---

interface ElfSection {
  name: string;
  address: number;
  data: Uint8Array;
}

interface ElfOptions {
  is64?: boolean;
  bigEndian?: boolean;
  /** Write section headers (true) or only writable PT_LOAD segments. */
  withSections?: boolean;
}

/**
 * An ELF file whose sections are laid out one after another, each also
 * mapped by a writable PT_LOAD segment at its address.
 */
function elfFile(sections: readonly ElfSection[], options: ElfOptions = {}) {
  const is64 = options.is64 ?? true;
  const le = !(options.bigEndian ?? false);
  const withSections = options.withSections ?? true;
  const headerSize = is64 ? 64 : 52;
  const phSize = is64 ? 56 : 32;
  const shSize = is64 ? 64 : 40;
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const strtab = new TextEncoder().encode(names.join('\0') + '\0');
  let cursor = align(headerSize + phSize * sections.length);
  const offsets = sections.map((s) => {
    const at = cursor;
    cursor = align(cursor + s.data.length);
    return at;
  });
  const strtabAt = cursor;
  const shAt = align(strtabAt + strtab.length);
  const total = shAt + (withSections ? shSize * (sections.length + 2) : 0);
  const file = new Uint8Array(total);
  const view = new DataView(file.buffer);
  const word = (at: number, value: number) => {
    if (is64) view.setBigUint64(at, BigInt(value), le);
    else view.setUint32(at, value, le);
  };
  file.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  view.setUint16(16, 2, le);
  const w = is64 ? 8 : 4;
  word(24 + w, headerSize);
  word(24 + 2 * w, withSections ? shAt : 0);
  const sizes = 24 + 3 * w + 4 + 2;
  view.setUint16(sizes, phSize, le);
  view.setUint16(sizes + 2, sections.length, le);
  view.setUint16(sizes + 4, shSize, le);
  view.setUint16(sizes + 6, withSections ? sections.length + 2 : 0, le);
  view.setUint16(sizes + 8, sections.length + 1, le);
  sections.forEach((section, i) => {
    file.set(section.data, offsets[i] ?? 0);
    const ph = headerSize + i * phSize;
    view.setUint32(ph, 1, le);
    if (is64) {
      view.setUint32(ph + 4, 6, le);
      word(ph + 8, offsets[i] ?? 0);
      word(ph + 16, section.address);
      word(ph + 32, section.data.length);
      word(ph + 40, section.data.length);
    } else {
      word(ph + 4, offsets[i] ?? 0);
      word(ph + 8, section.address);
      word(ph + 16, section.data.length);
      word(ph + 20, section.data.length);
      view.setUint32(ph + 24, 6, le);
    }
  });
  file.set(strtab, strtabAt);
  if (!withSections) return file;
  let nameAt = 1;
  const entries = [
    ...sections.map((s, i) => ({ ...s, offset: offsets[i] ?? 0, type: 1 })),
    { name: '.shstrtab', address: 0, data: strtab, offset: strtabAt, type: 3 },
  ];
  entries.forEach((entry, i) => {
    const at = shAt + (i + 1) * shSize;
    view.setUint32(at, nameAt, le);
    nameAt += entry.name.length + 1;
    view.setUint32(at + 4, entry.type, le);
    word(at + 8, entry.type === 1 ? 3 : 0);
    word(at + 8 + w, entry.address);
    word(at + 8 + 2 * w, entry.offset);
    word(at + 8 + 3 * w, entry.data.length);
  });
  return file;
}

function align(value: number): number {
  return Math.ceil(value / 16) * 16;
}

// --- Go build info ---

const START = Uint8Array.from(
  Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex'),
);
const END = Uint8Array.from(
  Buffer.from('f932433186182072008242104116d8f2', 'hex'),
);

function magicHeader(pointerSize: number, flags: number): Uint8Array {
  const header = new Uint8Array(32);
  header.set(Buffer.from('\xff Go buildinf:', 'latin1'));
  header[14] = pointerSize;
  header[15] = flags;
  return header;
}

function uvarint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function wrappedModInfo(text: string): Uint8Array {
  return Uint8Array.from([...START, ...new TextEncoder().encode(text), ...END]);
}

/** The Go 1.18+ layout: header, then two varint-prefixed strings. */
function inlineBuildInfo(goVersion: string, modInfo: string): Uint8Array {
  const version = new TextEncoder().encode(goVersion);
  const mod = wrappedModInfo(modInfo);
  return Uint8Array.from([
    ...magicHeader(8, 2),
    ...uvarint(version.length),
    ...version,
    ...uvarint(mod.length),
    ...mod,
  ]);
}

/**
 * The pre-1.18 layout: the header points at two Go string headers, which
 * point at the bytes, all in one data section at `base`.
 */
function pointerBuildInfo(
  goVersion: string,
  modInfo: string,
  base: number,
  options: { pointerSize: 4 | 8; bigEndian: boolean },
): Uint8Array {
  const { pointerSize: p, bigEndian } = options;
  const version = new TextEncoder().encode(goVersion);
  const mod = wrappedModInfo(modInfo);
  const headers = 32;
  const strings = headers + 4 * p;
  const data = new Uint8Array(strings + version.length + mod.length);
  data.set(magicHeader(p, bigEndian ? 1 : 0));
  const view = new DataView(data.buffer);
  const put = (at: number, value: number) => {
    if (p === 8) view.setBigUint64(at, BigInt(value), !bigEndian);
    else view.setUint32(at, value, !bigEndian);
  };
  put(16, base + headers);
  put(16 + p, base + headers + 2 * p);
  put(headers, base + strings);
  put(headers + p, version.length);
  put(headers + 2 * p, base + strings + version.length);
  put(headers + 3 * p, mod.length);
  data.set(version, strings);
  data.set(mod, strings + version.length);
  return data;
}

const MODINFO = [
  'path\texample.com/app/cmd/app',
  'mod\texample.com/app\t(devel)\t',
  'dep\tgolang.org/x/text\tv0.14.0\th1:abc=',
  'dep\tgithub.com/old/name\tv1.0.0\th1:def=',
  '=>\tgithub.com/new/name\tv1.2.0\th1:ghi=',
  'dep\texample.com/local\tv0.1.0',
  '=>\t../local\t',
  'build\t-ldflags="-s -w -X \'example.com/app/cmd/app.Version=v2.3.4\'"',
  'build\tGOARCH=arm64',
  '',
].join('\n');

function catalog(files: readonly CatalogFile[]): CatalogResult {
  const cataloger = new GoBinaryCataloger();
  for (const file of files) cataloger.add(file);
  return cataloger.finish();
}

function ids(result: CatalogResult): string[] {
  return result.packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}

const BIN = '/usr/local/bin/app';

describe('GoBinaryCataloger on Go 1.18+ build info', () => {
  const binary = elfFile([
    {
      name: '.go.buildinfo',
      address: 0x500000,
      data: inlineBuildInfo('go1.21.5', MODINFO),
    },
  ]);

  it('reports the main module, stdlib and dependencies as built', () => {
    const result = catalog([{ path: BIN, content: binary, layerIndex: 3 }]);

    expect(ids(result)).toEqual([
      'example.com/app@v2.3.4',
      'stdlib@v1.21.5',
      'golang.org/x/text@v0.14.0',
      'github.com/new/name@v1.2.0',
      'example.com/local@',
    ]);
    expect(result.packages[3]).toEqual({
      name: 'github.com/new/name',
      version: 'v1.2.0',
      type: 'golang',
      purl: 'pkg:golang/github.com/new/name@v1.2.0',
      licenses: [],
      architecture: 'arm64',
      locations: [BIN],
      layerIndex: 3,
      cataloger: 'go-binary',
    });
    expect(result.packages[1]?.purl).toBe('pkg:golang/stdlib@v1.21.5');
    expect(result.packages[4]?.purl).toBe('pkg:golang/example.com/local');
    expect(result.complete).toBe(true);
  });

  it('reads the stdlib version without experiment suffixes', () => {
    const data = inlineBuildInfo('go1.22.1 X:boringcrypto', MODINFO);
    const info = readGoBuildInfo(
      elfFile([{ name: '.go.buildinfo', address: 0x1000, data }]),
    );

    expect(info).toMatchObject({ goVersion: 'go1.22.1 X:boringcrypto' });
    expect(
      ids(
        catalog([
          {
            path: BIN,
            content: elfFile([
              { name: '.go.buildinfo', address: 0x1000, data },
            ]),
            layerIndex: 0,
          },
        ]),
      ),
    ).toContain('stdlib@v1.22.1');
  });

  it('reports no stdlib for a development toolchain', () => {
    const data = inlineBuildInfo('devel go1.23-abc123 Tue', MODINFO);
    const content = elfFile([{ name: '.go.buildinfo', address: 0x1000, data }]);

    expect(ids(catalog([{ path: BIN, content, layerIndex: 0 }]))).not.toContain(
      expect.stringMatching(/^stdlib@/) as string,
    );
  });

  it('finds the header in the first writable segment when sections are stripped', () => {
    const content = elfFile(
      [
        {
          name: '.go.buildinfo',
          address: 0x500000,
          data: inlineBuildInfo('go1.21.5', MODINFO),
        },
      ],
      { withSections: false },
    );

    expect(ids(catalog([{ path: BIN, content, layerIndex: 0 }]))).toHaveLength(
      5,
    );
  });

  it('reads module information longer than the 64 KiB it searches', () => {
    const deps = Array.from(
      { length: 3000 },
      (_, i) => `dep\texample.com/module/number-${i}\tv1.0.${i}\th1:x=`,
    );
    const modInfo = ['mod\texample.com/app\tv1.0.0', ...deps, ''].join('\n');
    const data = inlineBuildInfo('go1.21.5', modInfo);
    const content = elfFile([{ name: '.go.buildinfo', address: 0x1000, data }]);

    const result = catalog([{ path: BIN, content, layerIndex: 0 }]);

    expect(data.length).toBeGreaterThan(64 * 1024);
    expect(result.packages).toHaveLength(3002);
  });

  it('reads a program linked by several paths once, with every path', () => {
    const result = catalog([
      { path: BIN, content: binary, layerIndex: 1 },
      { path: '/usr/bin/app', content: binary, layerIndex: 1 },
    ]);

    expect(result.packages).toHaveLength(5);
    expect(result.packages[0]?.locations).toEqual([BIN, '/usr/bin/app']);
  });

  it('keeps hostile module names as data', () => {
    const hostile = [
      '__proto__',
      'constructor/prototype',
      '::error::x',
      'a/\u001b[31mb',
    ];
    const modInfo = [
      'mod\t__proto__\tv1.0.0',
      ...hostile.slice(1).map((name) => `dep\t${name}\tv1.0.0`),
      '',
    ].join('\n');
    const content = elfFile([
      {
        name: '.go.buildinfo',
        address: 0x1000,
        data: inlineBuildInfo('go1.21.5', modInfo),
      },
    ]);

    const result = catalog([{ path: BIN, content, layerIndex: 0 }]);

    expect(result.packages.map((p) => p.name)).toEqual([
      hostile[0],
      'stdlib',
      ...hostile.slice(1),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('GoBinaryCataloger on pre-1.18 build info', () => {
  it.each([
    ['64-bit little-endian', { is64: true, bigEndian: false, pointerSize: 8 }],
    ['32-bit big-endian', { is64: false, bigEndian: true, pointerSize: 4 }],
  ] as const)('follows the pointers of a %s binary', (_label, shape) => {
    const base = 0x600000;
    const data = pointerBuildInfo('go1.15.2', MODINFO, base, shape);
    const content = elfFile(
      [{ name: '.go.buildinfo', address: base, data }],
      shape,
    );

    const result = catalog([{ path: BIN, content, layerIndex: 0 }]);

    expect(ids(result)).toContain('stdlib@v1.15.2');
    expect(ids(result)).toContain('github.com/new/name@v1.2.0');
  });

  it.each([
    ['an unmapped address', 0xdead0000],
    ['a null pointer', 0],
  ])('reports a build-info section whose pointer is %s', (_label, pointer) => {
    const base = 0x600000;
    const data = pointerBuildInfo('go1.15.2', MODINFO, base, {
      pointerSize: 8,
      bigEndian: false,
    });
    new DataView(data.buffer).setBigUint64(16, BigInt(pointer), true);
    const content = elfFile([{ name: '.go.buildinfo', address: base, data }]);

    const result = catalog([{ path: BIN, content, layerIndex: 0 }]);

    expect(result.packages).toEqual([]);
    expect(result.complete).toBe(false);
    expect(result.diagnostics[0]?.message).toMatch(/no readable build info/);
  });
});

describe('GoBinaryCataloger on hostile or foreign files', () => {
  it.each([
    ['a shell script', new TextEncoder().encode('#!/bin/sh\necho hi\n')],
    ['an empty file', new Uint8Array(0)],
    ['an ELF header alone', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])],
    [
      'a C program',
      elfFile([{ name: '.data', address: 0x1000, data: new Uint8Array(64) }]),
    ],
  ])('gives nothing and no diagnostic for %s', (_label, content) => {
    expect(catalog([{ path: BIN, content, layerIndex: 0 }])).toEqual({
      packages: [],
      diagnostics: [],
      complete: true,
    });
  });

  it('ignores the magic when it is not 16-byte aligned', () => {
    const data = Uint8Array.from([0, ...inlineBuildInfo('go1.21.5', MODINFO)]);
    const content = elfFile([{ name: '.data', address: 0x1000, data }]);

    expect(readGoBuildInfo(content)).toBeUndefined();
  });

  it.each([
    ['a 1 GiB version length', [0x80, 0x80, 0x80, 0x80, 0x04]],
    ['an endless varint', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ['a length past the file', [0x7f]],
  ])('refuses an inline header with %s', (_label, varint) => {
    const data = Uint8Array.from([...magicHeader(8, 2), ...varint]);
    const content = elfFile([{ name: '.go.buildinfo', address: 0x1000, data }]);

    const result = catalog([{ path: BIN, content, layerIndex: 0 }]);

    expect(result.packages).toEqual([]);
    expect(result.diagnostics[0]?.kind).toBe('skipped-record');
  });

  it('reports a binary it was not given, as not inspected', () => {
    const result = catalog([
      { path: BIN, content: undefined, layerIndex: 0, skipped: 'too-large' },
      {
        path: '/usr/bin/loop',
        content: undefined,
        layerIndex: 0,
        skipped: 'unresolved',
      },
    ]);

    expect(result.complete).toBe(false);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ path: BIN, kind: 'too-large' }),
    ]);
  });

  it('never throws on section tables that point anywhere', () => {
    const base = elfFile([
      {
        name: '.go.buildinfo',
        address: 0x1000,
        data: inlineBuildInfo('go1.21.5', MODINFO),
      },
    ]);
    let seed = 3;
    for (let round = 0; round < 500; round++) {
      const copy = Uint8Array.from(base);
      for (let flips = 0; flips < 6; flips++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        // Aim at the ELF, program and section headers.
        const at = seed % 64 < 40 ? seed % 128 : copy.length - (seed % 200) - 1;
        copy[at] = (copy[at] ?? 0) ^ (seed >>> 24 || 1);
      }

      expect(() =>
        catalog([{ path: BIN, content: copy, layerIndex: 0 }]),
      ).not.toThrow();
    }
  });
});

// --- trivy's fixtures ---

interface TrivyParseCase {
  name: string;
  wantErr?: string;
  _expected_packages_summary: string[];
  _local_fixtures: string[];
}

interface TrivyLdflagsCase {
  name: string;
  args: { name: string; flags: string[] };
  want: string;
}

interface TrivyChooseCase {
  name: string;
  version: string;
  ldflagsVersion?: string;
  elfVersion?: string;
  want: string;
}

interface TrivyExpectations {
  tests: {
    TestParse: TrivyParseCase[];
    TestParser_ParseLDFlags: TrivyLdflagsCase[];
    TestParser_ChooseMainVersion: TrivyChooseCase[];
  };
}

const trivy: TrivyExpectations['tests'] | undefined = available
  ? (
      JSON.parse(
        readFileSync(
          corpusPath('pkgdb', 'go-binary', 'trivy', 'expected.parse.json'),
          'utf8',
        ),
      ) as TrivyExpectations
    ).tests
  : undefined;

describe.skipIf(!available)('GoBinaryCataloger against trivy', () => {
  const cases = (trivy?.TestParse ?? []).filter(
    (c) => c._local_fixtures.length > 0,
  );

  it.each(cases.map((c) => [c.name, c] as const))(
    'gives trivy’s packages for the %s case',
    (_name, testCase) => {
      const fixture = testCase._local_fixtures[0] ?? '';
      const content = readFileSync(corpusPath(...fixture.split('/')));

      const result = catalog([{ path: BIN, content, layerIndex: 0 }]);

      expect(ids(result).sort()).toEqual(
        [...testCase._expected_packages_summary].sort(),
      );
      expect(result.complete).toBe(true);
    },
  );

  it.each(cases.map((c) => [c.name, c] as const))(
    'never throws on truncations of the %s case',
    (_name, testCase) => {
      const fixture = testCase._local_fixtures[0] ?? '';
      const content = readFileSync(corpusPath(...fixture.split('/')));

      for (let part = 1; part < 40; part++) {
        const cut = content.subarray(
          0,
          Math.floor((content.length * part) / 40),
        );
        expect(() =>
          catalog([{ path: BIN, content: cut, layerIndex: 0 }]),
        ).not.toThrow();
      }
    },
  );
});
