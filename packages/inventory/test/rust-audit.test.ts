import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  parseAuditJson,
  RustAuditCataloger,
} from '../src/catalogers/rust-audit';
import type { CatalogResult } from '../src/types';

// --- minimal executables with one named section ---

/** A 64-bit little-endian ELF with the sections and a name table. */
function elfWith(sections: readonly { name: string; data: Uint8Array }[]) {
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const strtab = new TextEncoder().encode(names.join('\0') + '\0');
  const parts = [...sections.map((s) => s.data), strtab];
  const offsets: number[] = [];
  let cursor = 64;
  for (const part of parts) {
    offsets.push(cursor);
    cursor += part.length;
  }
  const shAt = Math.ceil(cursor / 8) * 8;
  const file = new Uint8Array(shAt + 64 * (parts.length + 1));
  const view = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  view.setBigUint64(40, BigInt(shAt), true);
  view.setUint16(58, 64, true);
  view.setUint16(60, parts.length + 1, true);
  view.setUint16(62, parts.length, true);
  let nameAt = 1;
  parts.forEach((part, i) => {
    file.set(part, offsets[i] ?? 0);
    const at = shAt + (i + 1) * 64;
    view.setUint32(at, nameAt, true);
    nameAt += (names[i + 1] ?? '').length + 1;
    view.setUint32(at + 4, i === parts.length - 1 ? 3 : 1, true);
    view.setBigUint64(at + 24, BigInt(offsets[i] ?? 0), true);
    view.setBigUint64(at + 32, BigInt(part.length), true);
  });
  return file;
}

/**
 * A PE32+ image with one section, whose name is also written to the COFF
 * string table at offset 4, where a `/4` name would point.
 */
function peWith(name: string, data: Uint8Array): Uint8Array {
  const sectionTable = 0x40 + 4 + 20 + 240;
  const dataAt = sectionTable + 40;
  const stringsAt = dataAt + data.length;
  const longName = new TextEncoder().encode(`${name}\0`);
  const file = new Uint8Array(stringsAt + 4 + longName.length);
  const view = new DataView(file.buffer);
  file.set([0x4d, 0x5a]);
  view.setUint32(0x3c, 0x40, true);
  file.set([0x50, 0x45, 0, 0], 0x40);
  const coff = 0x44;
  view.setUint16(coff, 0x8664, true);
  view.setUint16(coff + 2, 1, true);
  view.setUint32(coff + 8, stringsAt, true);
  view.setUint16(coff + 16, 240, true);
  view.setUint16(coff + 20, 0x20b, true);
  view.setBigUint64(coff + 20 + 24, 0x140000000n, true);
  file.set(new TextEncoder().encode(name), sectionTable);
  view.setUint32(sectionTable + 8, data.length, true);
  view.setUint32(sectionTable + 12, 0x1000, true);
  view.setUint32(sectionTable + 16, data.length, true);
  view.setUint32(sectionTable + 20, dataAt, true);
  view.setUint32(sectionTable + 36, 0x40000040, true);
  file.set(data, dataAt);
  view.setUint32(stringsAt, 4 + longName.length, true);
  file.set(longName, stringsAt + 4);
  return file;
}

/** A 64-bit Mach-O with one segment holding one section. */
function machoWith(segment: string, section: string, data: Uint8Array) {
  const commandSize = 72 + 80;
  const dataAt = 32 + commandSize;
  const file = new Uint8Array(dataAt + data.length);
  const view = new DataView(file.buffer);
  const text = (value: string, at: number) => {
    file.set(new TextEncoder().encode(value), at);
  };
  view.setUint32(0, 0xfeedfacf, true);
  view.setUint32(16, 1, true);
  view.setUint32(20, commandSize, true);
  const cmd = 32;
  view.setUint32(cmd, 0x19, true);
  view.setUint32(cmd + 4, commandSize, true);
  text(segment, cmd + 8);
  view.setBigUint64(cmd + 24, 0x100000000n, true);
  view.setBigUint64(cmd + 32, BigInt(data.length), true);
  view.setBigUint64(cmd + 40, BigInt(dataAt), true);
  view.setBigUint64(cmd + 48, BigInt(data.length), true);
  view.setUint32(cmd + 60, 3, true);
  view.setUint32(cmd + 64, 1, true);
  const sect = cmd + 72;
  text(section, sect);
  text(segment, sect + 16);
  view.setBigUint64(sect + 32, 0x100000000n, true);
  view.setBigUint64(sect + 40, BigInt(data.length), true);
  view.setUint32(sect + 48, dataAt, true);
  file.set(data, dataAt);
  return file;
}

// --- audit data ---

const AUDIT = {
  packages: [
    {
      name: 'app',
      version: '0.3.0',
      source: 'local',
      root: true,
      dependencies: [1, 2, 3],
    },
    { name: 'serde', version: '1.0.197', source: 'crates.io' },
    { name: 'tokio', version: '1.36.0', source: 'registry', kind: 'runtime' },
    {
      name: 'serde_derive',
      version: '1.0.197',
      source: 'crates.io',
      kind: 'build',
    },
    { name: 'serde', version: '1.0.197', source: { Other: 'mirror' } },
  ],
};

function compressed(json: unknown): Uint8Array {
  return deflateSync(JSON.stringify(json));
}

function catalog(
  content: Uint8Array,
  path = '/usr/local/bin/app',
): CatalogResult {
  const cataloger = new RustAuditCataloger();
  cataloger.add({ path, content, layerIndex: 1 });
  return cataloger.finish();
}

function names(result: CatalogResult): string[] {
  return result.packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}

describe('RustAuditCataloger', () => {
  it('reports the root crate and its runtime dependencies from an ELF', () => {
    const content = elfWith([
      { name: '.text', data: new Uint8Array(32) },
      { name: '.dep-v0', data: compressed(AUDIT) },
    ]);

    const result = catalog(content);

    expect(names(result)).toEqual([
      'app@0.3.0',
      'serde@1.0.197',
      'tokio@1.36.0',
    ]);
    expect(result.packages[1]).toEqual({
      name: 'serde',
      version: '1.0.197',
      type: 'cargo',
      purl: 'pkg:cargo/serde@1.0.197',
      licenses: [],
      locations: ['/usr/local/bin/app'],
      layerIndex: 1,
      cataloger: 'rust-audit-binary',
    });
    expect(result.complete).toBe(true);
  });

  it.each([
    ['a PE image', peWith('.dep-v0', compressed(AUDIT))],
    ['a Mach-O binary', machoWith('__DATA', '.dep-v0', compressed(AUDIT))],
  ])('reads %s', (_label, content) => {
    const result = catalog(content);

    expect(names(result)).toEqual([
      'app@0.3.0',
      'serde@1.0.197',
      'tokio@1.36.0',
    ]);
  });

  it('finds a long PE section name in the string table', () => {
    const short = peWith('.dep-v0', compressed(AUDIT));
    const viaTable = Uint8Array.from(short);
    // Rename the section to `/4`: the string table holds `.dep-v0` at 4.
    viaTable.set(
      new TextEncoder().encode('/4\0\0\0\0\0\0'),
      0x40 + 4 + 20 + 240,
    );

    expect(names(catalog(viaTable))).toHaveLength(3);
  });

  it('ignores a Mach-O section of that name outside __DATA', () => {
    const content = machoWith('__TEXT', '.dep-v0', compressed(AUDIT));

    expect(catalog(content).packages).toEqual([]);
  });

  it.each([
    [
      'a program without audit data',
      elfWith([{ name: '.text', data: new Uint8Array(8) }]),
    ],
    ['a text file', new TextEncoder().encode('#!/bin/sh\n')],
  ])('gives nothing and no diagnostic for %s', (_label, content) => {
    expect(catalog(content)).toEqual({
      packages: [],
      diagnostics: [],
      complete: true,
    });
  });

  it.each([
    ['data that is not zlib', new TextEncoder().encode('not zlib at all')],
    [
      'a zlib bomb past 8 MiB',
      deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20)),
    ],
    [
      'bytes that are not UTF-8',
      deflateSync(Uint8Array.from([0xff, 0xfe, 0xfd])),
    ],
    ['a cut-off stream', compressed(AUDIT).subarray(0, 20)],
  ])('reports %s as unread, and the result as incomplete', (_label, data) => {
    const result = catalog(elfWith([{ name: '.dep-v0', data }]));

    expect(result.packages).toEqual([]);
    expect(result.complete).toBe(false);
    expect(result.diagnostics[0]?.message).toMatch(
      /audit data does not inflate/,
    );
  });

  it('lists the well-formed crates and counts the malformed ones', () => {
    const audit = {
      packages: [
        { name: 'ok', version: '1.0.0', source: 'crates.io' },
        { name: 'no-version', source: 'crates.io' },
        { name: 42, version: '1.0.0' },
        { name: 'odd-kind', version: '1.0.0', kind: 'dev' },
        'not an object',
      ],
    };

    const result = catalog(
      elfWith([{ name: '.dep-v0', data: compressed(audit) }]),
    );

    expect(names(result)).toEqual(['ok@1.0.0']);
    expect(result.complete).toBe(false);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      '/usr/local/bin/app: 4 audit package entries are malformed (the first is entry 1)',
    ]);
  });

  it('keeps hostile crate names as data without polluting prototypes', () => {
    const json =
      '{"__proto__":{"polluted":1},"packages":[' +
      '{"name":"__proto__","version":"1.0.0","source":"local"},' +
      '{"name":"::error::x","version":"\\u001b[31m1","source":"local"}]}';

    const result = catalog(
      elfWith([{ name: '.dep-v0', data: deflateSync(json) }]),
    );

    expect(names(result)).toEqual([
      '__proto__@1.0.0',
      '::error::x@\u001b[31m1',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseAuditJson', () => {
  it.each([
    ['an array', '[]', /no packages list/],
    ['packages that are not a list', '{"packages":{}}', /no packages list/],
    ['text that is not JSON', '{"packages":[', /not JSON/],
  ])('refuses %s', (_label, text, problem) => {
    expect(parseAuditJson(text).problems.join('\n')).toMatch(problem);
  });

  it('survives JSON nested 100,000 levels deep', () => {
    const deep = `{"packages":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;

    expect(() => parseAuditJson(deep)).not.toThrow();
  });
});
