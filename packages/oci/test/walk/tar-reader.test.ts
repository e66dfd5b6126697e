import { Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import {
  buildTar,
  corpusAvailable,
  corpusPath,
  padded,
  paxBlocks,
  tarEndMarker,
  tarHeader,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { OciError } from '../../src/errors';
import { StreamByteSource } from '../../src/walk/byte-source';
import { cleanPath } from '../../src/walk/paths';
import { TarReader, type TarEntry } from '../../src/walk/tar-reader';

function chunks(bytes: Uint8Array, size: number): Readable {
  return Readable.from(slices(bytes, size));
}

function* slices(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.subarray(at, at + size);
  }
}

async function readAll(
  bytes: Uint8Array,
  chunkSize = 700,
): Promise<(TarEntry & { body?: string })[]> {
  const reader = new TarReader(
    new StreamByteSource(chunks(bytes, chunkSize)),
    1024 * 1024,
  );
  const entries: (TarEntry & { body?: string })[] = [];
  for (let entry = await reader.next(); entry; entry = await reader.next()) {
    const body =
      entry.type === 'file'
        ? new TextDecoder().decode(await reader.readBody())
        : undefined;
    entries.push({ ...entry, ...(body === undefined ? {} : { body }) });
  }
  return entries;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

async function codeOf(bytes: Uint8Array): Promise<string | undefined> {
  try {
    await readAll(bytes);
    return undefined;
  } catch (error: unknown) {
    return error instanceof OciError ? error.code : 'not an OciError';
  }
}

describe('TarReader', () => {
  it('reads names, types, modes, owners and bodies', async () => {
    const tar = buildTar([
      { name: 'etc/', type: 'dir', mode: 0o755 },
      {
        name: 'etc/passwd',
        content: 'root:x:0:0\n',
        mode: 0o644,
        uid: 7,
        gid: 8,
      },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'bin/ash', type: 'hardlink', linkname: 'bin/busybox' },
      { name: 'dev/null', type: 'char' },
      { name: 'run/fifo', type: 'fifo' },
    ]);

    const entries = await readAll(tar);

    expect(entries.map((e) => [e.name, e.type, e.linkname])).toEqual([
      ['etc/', 'dir', ''],
      ['etc/passwd', 'file', ''],
      ['bin/sh', 'symlink', 'busybox'],
      ['bin/ash', 'hardlink', 'bin/busybox'],
      ['dev/null', 'char', ''],
      ['run/fifo', 'fifo', ''],
    ]);
    expect(entries[1]).toMatchObject({
      mode: 0o644,
      uid: 7,
      gid: 8,
      size: 11,
      body: 'root:x:0:0\n',
    });
  });

  it.each(['pax', 'gnu'] as const)(
    'applies %s long names and link names',
    async (longNames) => {
      const name = `${'deep/'.repeat(40)}file.txt`;
      const linkname = `${'other/'.repeat(30)}target`;
      const tar = buildTar([
        { name, content: 'x', longNames },
        { name: 'link', type: 'symlink', linkname, longNames },
      ]);

      const entries = await readAll(tar);

      expect(entries.map((e) => [e.name, e.linkname])).toEqual([
        [name, ''],
        ['link', linkname],
      ]);
    },
  );

  it('takes the body size from PAX size, as Go and Python do', async () => {
    const body = new TextEncoder().encode('0123456789');
    const tar = concat(
      ...paxBlocks({ size: '10' }),
      tarHeader({ name: 'a', typeflag: '0', size: 0 }),
      padded(body),
      tarHeader({ name: 'b', typeflag: '0', size: 0 }),
      tarEndMarker(),
    );

    const entries = await readAll(tar);

    expect(entries.map((e) => [e.name, e.size, e.body])).toEqual([
      ['a', 10, '0123456789'],
      ['b', 0, ''],
    ]);
  });

  it('reads no body after links, devices and directories whatever their size field says', async () => {
    const hidden = buildTar([{ name: 'hidden', content: 'smuggled' }], {
      endMarker: false,
    });
    const tar = concat(
      tarHeader({
        name: 'l',
        typeflag: '2',
        size: hidden.length,
        linkname: 't',
      }),
      hidden,
      tarEndMarker(),
    );

    const entries = await readAll(tar);

    expect(entries.map((e) => [e.name, e.size])).toEqual([
      ['l', 0],
      ['hidden', 8],
    ]);
  });

  it('reads a base-256 size field', async () => {
    const tar = buildTar([{ name: 'big', content: 'abc', headerSize: 3 }]);
    const header = tar.subarray(0, 512);
    header.fill(0, 124, 136);
    header[124] = 0x80;
    header[135] = 3;
    const sum = header.reduce(
      (total, byte, i) => total + (i >= 148 && i < 156 ? 0x20 : byte),
      0,
    );
    header.set(
      new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `),
      148,
    );

    const entries = await readAll(tar);

    expect(entries[0]).toMatchObject({ name: 'big', size: 3, body: 'abc' });
  });

  it('stops at the end-of-archive marker and ignores what follows', async () => {
    const after = buildTar([{ name: 'after-the-end', content: 'x' }]);
    const tar = buildTar([{ name: 'a', content: '1' }], { trailing: after });

    const entries = await readAll(tar);

    expect(entries.map((e) => e.name)).toEqual(['a']);
  });

  it('accepts an archive that ends without a marker at a block boundary', async () => {
    const tar = buildTar([{ name: 'a', content: '1' }], { endMarker: false });
    const reader = new TarReader(new StreamByteSource(chunks(tar, 512)), 1024);

    const first = await reader.next();
    const second = await reader.next();

    expect(first?.name).toBe('a');
    expect(second).toBeUndefined();
    expect(reader.endMarkerSeen).toBe(false);
  });

  it.each<[string, () => Uint8Array, string]>([
    [
      'two PAX headers before one member',
      () =>
        concat(
          ...paxBlocks({ path: 'one' }),
          ...paxBlocks({ path: 'two' }),
          tarHeader({ name: 'x', typeflag: '0', size: 0 }),
          tarEndMarker(),
        ),
      'ambiguous',
    ],
    [
      'two GNU long-name headers before one member',
      () =>
        concat(
          buildTar([{ name: 'a'.repeat(120), longNames: 'gnu' }], {
            endMarker: false,
          }).subarray(0, 1024),
          buildTar([{ name: 'b'.repeat(120), longNames: 'gnu' }]),
        ),
      'ambiguous',
    ],
    [
      'PAX and GNU names that disagree',
      () =>
        concat(
          ...paxBlocks({ path: 'from-pax' }),
          buildTar([{ name: 'g'.repeat(120), longNames: 'gnu' }]),
        ),
      'ambiguous',
    ],
    [
      'a global PAX header that renames members',
      () =>
        concat(
          ...paxBlocks({ path: 'everything' }, 'g'),
          buildTar([{ name: 'a' }]),
        ),
      'ambiguous',
    ],
    [
      'a lone zero block followed by data',
      () =>
        concat(
          buildTar([{ name: 'a' }], { endMarker: false }),
          new Uint8Array(512),
          buildTar([{ name: 'b' }]),
        ),
      'ambiguous',
    ],
    [
      'a PAX header with no member after it',
      () => concat(...paxBlocks({ path: 'x' }), tarEndMarker()),
      'ambiguous',
    ],
    [
      'a PAX header over the metadata limit',
      () =>
        concat(
          ...paxBlocks({ comment: 'c'.repeat(2 * 1024 * 1024) }),
          buildTar([{ name: 'a' }]),
        ),
      'limit',
    ],
    [
      'a malformed PAX record',
      () =>
        concat(
          tarHeader({ name: 'PaxHeader', typeflag: 'x', size: 9 }),
          padded(new TextEncoder().encode('99 path=x')),
          buildTar([{ name: 'a' }]),
        ),
      'bad-archive',
    ],
    [
      'a PAX size that is not a number',
      () => concat(...paxBlocks({ size: '1e3' }), buildTar([{ name: 'a' }])),
      'bad-archive',
    ],
    [
      'a bad header checksum',
      () => {
        const tar = buildTar([{ name: 'a', content: 'x' }]);
        tar[0] = 0x62;
        return tar;
      },
      'bad-archive',
    ],
    [
      'a body cut short',
      () =>
        buildTar([{ name: 'a', content: 'x'.repeat(2000) }]).subarray(0, 1200),
      'truncated',
    ],
    [
      'a GNU sparse file',
      () => buildTar([{ name: 'sparse', typeflag: 'S' }]),
      'unsupported',
    ],
  ])('refuses %s', async (_what, make, code) => {
    expect(await codeOf(make())).toBe(code);
  });
});

describe('TarReader on real archives', () => {
  const available = corpusAvailable();
  const dir = corpusPath('malicious', 'go-containerregistry');

  it.skipIf(!available)(
    'lists the same members as the reference parser',
    async () => {
      const listings = JSON.parse(
        await readFile(`${dir}/tar-listings.json`, 'utf8'),
      ) as Record<
        string,
        { name: string; type: string; linkname: string; size: number }[]
      >;
      const types: Record<string, string> = {
        '0': 'file',
        '1': 'hardlink',
        '2': 'symlink',
        '5': 'dir',
      };

      for (const [file, members] of Object.entries(listings)) {
        const entries = await readAll(
          new Uint8Array(await readFile(`${dir}/${file}`)),
          4096,
        );

        const ours = entries.map((e) => [
          cleanPath(e.name).parts.join('/'),
          e.type,
          e.linkname,
          e.size,
        ]);
        const theirs = members.map((m) => [
          cleanPath(m.name).parts.join('/'),
          types[m.type],
          m.linkname,
          m.type === '0' ? m.size : 0,
        ]);
        expect(ours, file).toEqual(theirs);
      }
    },
  );

  it.skipIf(!available)(
    'reads the zip-slip samples as plain members',
    async () => {
      const tar = await readFile(
        corpusPath('malicious', 'zip-slip', 'zip-slip.tar'),
      );

      const entries = await readAll(new Uint8Array(tar));

      expect(entries.map((e) => e.name)).toEqual([
        'good.txt',
        `${'../'.repeat(40)}tmp/evil.txt`,
      ]);
    },
  );
});
