import { deflateSync } from 'node:zlib';
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import { describe, expect, it } from 'vitest';
import { readRpmdb, rpmdbFormat } from '../src/catalogers/rpm-db';
import { isHeaderProblem, parseRpmHeader } from '../src/catalogers/rpm-header';

const sqlite = await initSqlJs();

/** A minimal header blob naming one package. */
function headerBlob(name: string, version = '1.0', release = '1'): Uint8Array {
  const strings = [name, version, release];
  const data: number[] = [];
  const index: number[] = [];
  strings.forEach((text, i) => {
    index.push(...be32(1000 + i), ...be32(6), ...be32(data.length), ...be32(1));
    data.push(...new TextEncoder().encode(text), 0);
  });
  return Uint8Array.from([
    ...be32(strings.length),
    ...be32(data.length),
    ...index,
    ...data,
  ]);
}

function be32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

function names(read: ReturnType<typeof readRpmdb>): string[] {
  return read.blobs.map((blob) => {
    const header = parseRpmHeader(blob.bytes);
    return isHeaderProblem(header) ? `!${header.problem}` : header.name;
  });
}

// --- NDB ---

interface NdbRecord {
  pkgIndex: number;
  blob: Uint8Array;
}

/** An ndb Packages.db: header, one page of slots, then the blobs. */
function ndbFile(records: readonly NdbRecord[]): Uint8Array {
  const blobs = records.map((r) => ndbBlob(r.pkgIndex, r.blob));
  const size = 4096 + blobs.reduce((sum, b) => sum + b.length, 0);
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);
  file.set(ascii('RpmP'), 0);
  view.setUint32(8, 1, true);
  view.setUint32(12, 1, true);
  view.setUint32(16, records.length + 1, true);
  for (let at = 32; at < 4096; at += 16) file.set(ascii('Slot'), at);
  let block = 256;
  blobs.forEach((blob, i) => {
    const at = 32 + i * 16;
    view.setUint32(at + 4, records[i]?.pkgIndex ?? 0, true);
    view.setUint32(at + 8, block, true);
    view.setUint32(at + 12, blob.length / 16, true);
    file.set(blob, block * 16);
    block += blob.length / 16;
  });
  return file;
}

function ndbBlob(pkgIndex: number, data: Uint8Array): Uint8Array {
  const length = Math.ceil((16 + data.length + 12) / 16) * 16;
  const blob = new Uint8Array(length);
  const view = new DataView(blob.buffer);
  blob.set(ascii('BlbS'), 0);
  view.setUint32(4, pkgIndex, true);
  view.setUint32(8, 1700000000, true);
  view.setUint32(12, data.length, true);
  blob.set(data, 16);
  const tail = length - 12;
  view.setUint32(tail, adler32(blob.subarray(0, tail)), true);
  view.setUint32(tail + 4, data.length, true);
  blob.set(ascii('BlbE'), tail + 8);
  return blob;
}

/** Adler-32 as zlib computes it: the last four bytes of a zlib stream. */
function adler32(bytes: Uint8Array): number {
  const stream = deflateSync(bytes);
  return new DataView(stream.buffer, stream.byteOffset).getUint32(
    stream.length - 4,
  );
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

function patched(
  bytes: Uint8Array,
  at: number,
  value: number,
  littleEndian = true,
): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setUint32(at, value >>> 0, littleEndian);
  return copy;
}

const NDB_RECORDS: NdbRecord[] = [
  { pkgIndex: 1, blob: headerBlob('bash') },
  { pkgIndex: 2, blob: headerBlob('coreutils') },
];
/** Where the first blob starts: block 256. */
const FIRST_BLOB = 256 * 16;

describe('readRpmdb on ndb databases', () => {
  it('reads every slot’s blob', () => {
    const read = readRpmdb(ndbFile(NDB_RECORDS));

    expect(read.format).toBe('ndb');
    expect(names(read)).toEqual(['bash', 'coreutils']);
    expect(read.problems).toEqual([]);
  });

  it.each([
    ['a slot past the end of the file', 32 + 8, 0x7fffffff, /past the end/],
    ['a slot into the slot area', 32 + 8, 3, /slot area/],
    ['a blob of another package', FIRST_BLOB + 4, 9, /another package/],
    ['a blob length that does not fit', FIRST_BLOB + 12, 5000, /does not fit/],
    ['a bad head magic', FIRST_BLOB, 0, /head magic/],
    ['a bad checksum', FIRST_BLOB + 8, 1, /Adler-32/],
  ])('skips %s and says so', (_label, at, value, problem) => {
    const read = readRpmdb(patched(ndbFile(NDB_RECORDS), at, value));

    expect(names(read)).toEqual(['coreutils']);
    expect(read.problems.join('\n')).toMatch(problem);
  });

  it('reads a blob that two slots claim only once', () => {
    const file = ndbFile(NDB_RECORDS);
    // Point the second slot at the first slot's blob.
    const shared = patched(file, 48 + 8, 256);

    const read = readRpmdb(patched(shared, 48 + 4, 1));

    expect(names(read)).toEqual(['bash']);
    expect(read.problems.join('\n')).toMatch(/overlaps/);
  });

  it('reads what it can of a slot area that claims 4 billion pages', () => {
    const read = readRpmdb(patched(ndbFile(NDB_RECORDS), 12, 0xffffffff));

    expect(read.problems.join('\n')).toMatch(/slot area/);
  });

  it('refuses an ndb version it does not know', () => {
    const read = readRpmdb(patched(ndbFile(NDB_RECORDS), 4, 1));

    expect(read.unreadable).toMatch(/version 1/);
  });
});

// --- Berkeley DB ---

interface BdbOptions {
  pageSize?: number;
  /** The `nelem` count in the metadata; the records plus key 0 by default. */
  keyCount?: number;
}

/**
 * A Berkeley DB hash file as rpm writes it: the metadata page, one hash
 * page with key 0 (rpm's counter) and a key/off-page pair per package,
 * then each header in a chain of overflow pages.
 */
function bdbFile(blobs: readonly Uint8Array[], options: BdbOptions = {}) {
  const pageSize = options.pageSize ?? 4096;
  const room = pageSize - 26;
  const chains = blobs.map((blob) =>
    Math.max(1, Math.ceil(blob.length / room)),
  );
  const pageCount = 2 + chains.reduce((sum, n) => sum + n, 0);
  const file = new Uint8Array(pageCount * pageSize);
  const view = new DataView(file.buffer);
  view.setUint32(12, 0x061561, true);
  view.setUint32(16, 9, true);
  view.setUint32(20, pageSize, true);
  file[25] = 8;
  view.setUint32(32, pageCount - 1, true);
  view.setUint32(88, options.keyCount ?? blobs.length + 1, true);
  const items: Uint8Array[] = [keyItem(0), keyItem(1)];
  let next = 2;
  blobs.forEach((blob, i) => {
    items.push(keyItem(i + 1), offPageItem(next, blob.length));
    next = writeChain(file, pageSize, next, blob);
  });
  writeHashPage(file, pageSize, 1, items);
  return file;
}

function keyItem(key: number): Uint8Array {
  const item = new Uint8Array(5);
  item[0] = 1;
  new DataView(item.buffer).setUint32(1, key, true);
  return item;
}

function offPageItem(page: number, length: number): Uint8Array {
  const item = new Uint8Array(12);
  item[0] = 3;
  new DataView(item.buffer).setUint32(4, page, true);
  new DataView(item.buffer).setUint32(8, length, true);
  return item;
}

function writeHashPage(
  file: Uint8Array,
  pageSize: number,
  page: number,
  items: readonly Uint8Array[],
): void {
  const base = page * pageSize;
  const view = new DataView(file.buffer);
  file[base + 25] = 13;
  view.setUint16(base + 20, items.length, true);
  let cursor = pageSize;
  items.forEach((item, i) => {
    cursor -= item.length;
    file.set(item, base + cursor);
    view.setUint16(base + 26 + i * 2, cursor, true);
  });
}

function writeChain(
  file: Uint8Array,
  pageSize: number,
  first: number,
  blob: Uint8Array,
): number {
  const room = pageSize - 26;
  const view = new DataView(file.buffer);
  let page = first;
  for (let at = 0; at < blob.length || at === 0; at += room, page++) {
    const piece = blob.subarray(at, at + room);
    const base = page * pageSize;
    file[base + 25] = 7;
    view.setUint16(base + 22, piece.length, true);
    const isLast = at + room >= blob.length;
    view.setUint32(base + 16, isLast ? 0 : page + 1, true);
    file.set(piece, base + 26);
  }
  return page;
}

/** Offset of the n-th item index entry of the hash page. */
function itemOffsetAt(file: Uint8Array, n: number): number {
  return new DataView(file.buffer).getUint16(4096 + 26 + n * 2, true);
}

const BIG_HEADER = headerBlob('glibc', '2.34', 'x'.repeat(9000));

describe('readRpmdb on Berkeley DB databases', () => {
  it('reads headers from overflow chains of several pages', () => {
    const read = readRpmdb(bdbFile([headerBlob('bash'), BIG_HEADER]));

    expect(read.format).toBe('bdb');
    expect(names(read)).toEqual(['bash', 'glibc']);
    expect(read.problems).toEqual([]);
  });

  it('reads a big-endian database', () => {
    const file = bdbFile([headerBlob('bash')], { pageSize: 512 });
    const swapped = toBigEndian(file, 512);

    expect(names(readRpmdb(swapped))).toEqual(['bash']);
  });

  it('stops at an overflow chain that loops', () => {
    const file = bdbFile([BIG_HEADER]);
    // Point the chain's first page back at itself.
    const looped = patched(file, 2 * 4096 + 16, 2);

    const read = readRpmdb(looped);

    expect(read.blobs).toEqual([]);
    expect(read.problems.join('\n')).toMatch(/read twice/);
  });

  it('reads an overflow chain that two records claim only once', () => {
    const file = bdbFile([BIG_HEADER, headerBlob('bash')]);
    const first = new DataView(file.buffer).getUint32(
      4096 + itemOffsetAt(file, 3) + 4,
      true,
    );
    const at = 4096 + itemOffsetAt(file, 5);
    const shared = patched(
      patched(file, at + 4, first),
      at + 8,
      BIG_HEADER.length,
    );

    const read = readRpmdb(shared);

    expect(names(read)).toEqual(['glibc']);
    expect(read.problems.join('\n')).toMatch(/read twice/);
  });

  it('reads hundreds of records that claim the whole file in bounded time', () => {
    const file = bdbFile([BIG_HEADER]);
    const items = [keyItem(0), keyItem(1)];
    for (let key = 1; key <= 300; key++) {
      items.push(keyItem(key), offPageItem(2, file.length));
    }
    writeHashPage(file, 4096, 1, items);

    const read = readRpmdb(file);

    expect(read.blobs.length).toBeLessThanOrEqual(1);
  });

  it.each([
    ['a page past the end', 0x7fffffff, /past the end/],
    ['a page that is not an overflow page', 1, /not an overflow page/],
  ])('refuses an overflow reference to %s', (_label, page, problem) => {
    const file = bdbFile([headerBlob('bash')]);
    const at = 4096 + itemOffsetAt(file, 3) + 4;

    const read = readRpmdb(patched(file, at, page));

    expect(read.problems.join('\n')).toMatch(problem);
  });

  it('refuses an overflow length of 4 GiB without allocating it', () => {
    const file = bdbFile([headerBlob('bash')]);
    const at = 4096 + itemOffsetAt(file, 3) + 8;

    const read = readRpmdb(patched(file, at, 0xffffffff));

    expect(read.problems.join('\n')).toMatch(/out of range/);
  });

  it('refuses a hash page whose item index runs past the page', () => {
    const file = bdbFile([headerBlob('bash')]);
    const copy = Uint8Array.from(file);
    new DataView(copy.buffer).setUint16(4096 + 20, 0xffff, true);

    expect(readRpmdb(copy).problems.join('\n')).toMatch(/item index/);
  });

  it('notices records lost from a truncated file', () => {
    const file = bdbFile([headerBlob('bash'), BIG_HEADER]);

    const read = readRpmdb(file.subarray(0, 3 * 4096));

    expect(names(read)).toEqual(['bash']);
    expect(read.problems.join('\n')).toMatch(/truncated/);
  });

  it('notices fewer records than the metadata counts', () => {
    const read = readRpmdb(bdbFile([headerBlob('bash')], { keyCount: 9 }));

    expect(read.problems).toEqual(['found 1 of the 8 records it counts']);
  });

  it.each([
    ['an encrypted database', 24, 1, /encrypted/],
    ['a page size of 3000', 20, 3000, /page size/],
  ])('refuses %s', (_label, at, value, problem) => {
    const file = Uint8Array.from(bdbFile([headerBlob('bash')]));
    if (at === 24) file[24] = value;
    else new DataView(file.buffer).setUint32(at, value, true);

    expect(readRpmdb(file).unreadable).toMatch(problem);
  });
});

function toBigEndian(file: Uint8Array, pageSize: number): Uint8Array {
  const out = Uint8Array.from(file);
  const view = new DataView(out.buffer);
  const swap32 = (at: number) => {
    view.setUint32(at, view.getUint32(at, true));
  };
  const swap16 = (at: number) => {
    view.setUint16(at, view.getUint16(at, true));
  };
  for (const at of [12, 16, 20, 32, 88]) swap32(at);
  for (let base = pageSize; base < out.length; base += pageSize) {
    const entries = view.getUint16(base + 20, true);
    const isHash = out[base + 25] === 13;
    for (const at of [16, 12]) swap32(base + at);
    swap16(base + 20);
    swap16(base + 22);
    if (!isHash) continue;
    for (let i = 0; i < entries; i++) {
      const offset = view.getUint16(base + 26 + i * 2, true);
      swap16(base + 26 + i * 2);
      if (out[base + offset] === 1) swap32(base + offset + 1);
      else for (const at of [4, 8]) swap32(base + offset + at);
    }
  }
  return out;
}

// --- SQLite ---

function sqliteFile(rows: readonly [number, Uint8Array | string][]) {
  const db = new sqlite.Database();
  db.run(
    'CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)',
  );
  for (const [key, blob] of rows) {
    db.run('INSERT INTO Packages VALUES (?, ?)', [key, blob]);
  }
  const bytes = db.export();
  db.close();
  return bytes;
}

describe('readRpmdb on SQLite databases', () => {
  it('reads every row’s blob', () => {
    const file = sqliteFile([
      [1, headerBlob('bash')],
      [2, headerBlob('coreutils')],
    ]);

    const read = readRpmdb(file);

    expect(read.format).toBe('sqlite');
    expect(names(read)).toEqual(['bash', 'coreutils']);
  });

  it('reports a row that holds no blob', () => {
    const read = readRpmdb(sqliteFile([[1, 'not a blob']]));

    expect(read.problems).toEqual([
      'row 1 holds no header blob of at most 32 MiB',
    ]);
  });

  it('skips a blob larger than 32 MiB without reading it', () => {
    const file = sqliteFile([
      [1, headerBlob('bash')],
      [2, new Uint8Array(33 * 1024 * 1024)],
    ]);

    const read = readRpmdb(file);

    expect(names(read)).toEqual(['bash']);
    expect(read.problems).toEqual([
      'row 2 holds no header blob of at most 32 MiB',
    ]);
  });

  it('refuses a database without a Packages table', () => {
    const db = new sqlite.Database();
    db.run('CREATE TABLE Other (x)');
    const bytes = db.export();
    db.close();

    expect(readRpmdb(bytes).unreadable).toMatch(/no such table/);
  });

  it('refuses a truncated database', () => {
    const rows: [number, Uint8Array][] = [];
    for (let i = 1; i <= 200; i++) rows.push([i, headerBlob(`pkg${i}`)]);
    const file = sqliteFile(rows);

    const read = readRpmdb(file.subarray(0, Math.floor(file.length / 2)));

    expect(read.unreadable ?? read.problems.join('\n')).toMatch(/SQLite/);
  });
});

describe('rpmdbFormat', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('Packages are not here\n')],
    ['zeros', new Uint8Array(8192)],
  ])('tells %s bytes apart from every database', (_label, bytes) => {
    expect(rpmdbFormat(bytes)).toBeUndefined();
    expect(readRpmdb(bytes).unreadable).toMatch(/not an rpm database/);
  });
});
