/**
 * rpm's Berkeley DB `Packages` file: a hash database whose keys are
 * package numbers and whose values are header blobs. Only what reading
 * needs is implemented: the metadata page, hash pages and overflow-page
 * chains. Every page number, item offset and length is checked against
 * the file, and a chain may visit each page once, so a hostile file
 * costs at most one pass over its pages.
 */
import type { RpmdbRead, RpmBlob } from './rpm-db-types';

// Limitation: only the hash access method is read (rpm never used another
// for `Packages`); duplicate-key items, page checksums and encryption are
// not supported and make the database or the record unreadable.

const HASH_MAGIC = 0x061561;
const PAGE_TYPE_HASH_UNSORTED = 2;
const PAGE_TYPE_OVERFLOW = 7;
const PAGE_TYPE_HASH_META = 8;
const PAGE_TYPE_HASH = 13;
const ITEM_KEYDATA = 1;
const ITEM_OFFPAGE = 3;

const PAGE_HEADER_BYTES = 26;
const OFFPAGE_ITEM_BYTES = 12;
/** Bytes of the generic and hash metadata that reading needs. */
const META_BYTES = 92;
/** Largest header blob taken from an overflow chain. */
const MAX_BLOB_BYTES = 64 * 1024 * 1024;

interface Layout {
  bytes: Uint8Array;
  view: DataView;
  littleEndian: boolean;
  pageSize: number;
  pageCount: number;
  /**
   * Overflow pages already read. A page belongs to one chain only, so the
   * headers read never add up to more than the file, whatever it claims.
   */
  claimedPages: Set<number>;
}

/** True when the bytes start like a Berkeley DB hash database. */
export function isBerkeleyHash(bytes: Uint8Array): boolean {
  return bdbByteOrder(bytes) !== undefined;
}

/** The header blobs of a Berkeley DB hash `Packages` file. */
export function readBerkeleyPackages(bytes: Uint8Array): RpmdbRead {
  const layout = bdbLayout(bytes);
  if ('unreadable' in layout) return { blobs: [], problems: [], ...layout };
  const problems: string[] = [];
  if (layout.pageCount * layout.pageSize < declaredBytes(layout)) {
    problems.push('the database is truncated: pages past its end are lost');
  }
  const blobs = new Map<number, RpmBlob>();
  for (let page = 1; page < layout.pageCount; page++) {
    const type = pageType(layout, page);
    if (type === PAGE_TYPE_HASH || type === PAGE_TYPE_HASH_UNSORTED) {
      readHashPage(layout, page, blobs, problems);
    }
  }
  checkRecordCount(layout, blobs, problems);
  return { blobs: [...blobs.values()], problems };
}

function bdbByteOrder(bytes: Uint8Array): boolean | undefined {
  if (bytes.length < META_BYTES) return undefined;
  const view = viewOf(bytes);
  if (view.getUint32(12, true) === HASH_MAGIC) return true;
  if (view.getUint32(12, false) === HASH_MAGIC) return false;
  return undefined;
}

function bdbLayout(bytes: Uint8Array): Layout | { unreadable: string } {
  const littleEndian = bdbByteOrder(bytes);
  if (littleEndian === undefined) {
    return { unreadable: 'not a Berkeley DB hash database' };
  }
  const view = viewOf(bytes);
  const pageSize = view.getUint32(20, littleEndian);
  const isPowerOfTwo = (pageSize & (pageSize - 1)) === 0;
  if (pageSize < 512 || pageSize > 65536 || !isPowerOfTwo) {
    return { unreadable: `Berkeley DB page size ${pageSize} is invalid` };
  }
  if (bytes[25] !== PAGE_TYPE_HASH_META) {
    return { unreadable: 'Berkeley DB metadata page is not a hash one' };
  }
  if (bytes[24] !== 0) {
    return { unreadable: 'the Berkeley DB database is encrypted' };
  }
  const pageCount = Math.floor(bytes.length / pageSize);
  const claimedPages = new Set<number>();
  return { bytes, view, littleEndian, pageSize, pageCount, claimedPages };
}

/** The size the metadata says the file has (last page number + 1). */
function declaredBytes(layout: Layout): number {
  const lastPage = layout.view.getUint32(32, layout.littleEndian);
  return (lastPage + 1) * layout.pageSize;
}

function pageType(layout: Layout, page: number): number | undefined {
  return layout.bytes[page * layout.pageSize + 25];
}

/** Reads the key/data pairs of one hash page into `blobs`. */
function readHashPage(
  layout: Layout,
  page: number,
  blobs: Map<number, RpmBlob>,
  problems: string[],
): void {
  const offsets = itemOffsets(layout, page);
  if (offsets === undefined) {
    problems.push(`hash page ${page} has an item index past its end`);
    return;
  }
  for (let i = 1; i < offsets.length; i += 2) {
    const key = itemKey(layout, page, offsets, i - 1);
    const value = itemValue(layout, page, offsets, i);
    if (key === undefined || key === 0 || value === undefined) continue;
    if ('problem' in value) problems.push(`record ${key}: ${value.problem}`);
    else blobs.set(key, { key, bytes: value.bytes });
  }
}

/** The item offsets of a page, each checked to lie inside the page. */
function itemOffsets(layout: Layout, page: number): number[] | undefined {
  const base = page * layout.pageSize;
  const count = layout.view.getUint16(base + 20, layout.littleEndian);
  const indexEnd = PAGE_HEADER_BYTES + count * 2;
  if (indexEnd > layout.pageSize) return undefined;
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = base + PAGE_HEADER_BYTES + i * 2;
    const offset = layout.view.getUint16(at, layout.littleEndian);
    if (offset < indexEnd || offset >= layout.pageSize) return undefined;
    offsets.push(offset);
  }
  return offsets;
}

/** An item's bytes: from its offset to the previous item (or page end). */
function itemBytes(
  layout: Layout,
  page: number,
  offsets: readonly number[],
  index: number,
): Uint8Array | undefined {
  const start = offsets[index] ?? 0;
  const end = index === 0 ? layout.pageSize : (offsets[index - 1] ?? 0);
  if (end <= start) return undefined;
  const base = page * layout.pageSize;
  return layout.bytes.subarray(base + start, base + end);
}

/** The package number of a key item; undefined for other key shapes. */
function itemKey(
  layout: Layout,
  page: number,
  offsets: readonly number[],
  index: number,
): number | undefined {
  const item = itemBytes(layout, page, offsets, index);
  if (item?.[0] !== ITEM_KEYDATA || item.length < 5) return undefined;
  return viewOf(item).getUint32(1, layout.littleEndian);
}

function itemValue(
  layout: Layout,
  page: number,
  offsets: readonly number[],
  index: number,
): { bytes: Uint8Array } | { problem: string } | undefined {
  const item = itemBytes(layout, page, offsets, index);
  if (item === undefined) return { problem: 'its value has no bytes' };
  if (item[0] === ITEM_KEYDATA) return { bytes: item.subarray(1) };
  if (item[0] !== ITEM_OFFPAGE) {
    return { problem: `value item type ${item[0] ?? '?'} is not supported` };
  }
  if (item.length < OFFPAGE_ITEM_BYTES) {
    return { problem: 'its overflow reference is cut short' };
  }
  const view = viewOf(item);
  const first = view.getUint32(4, layout.littleEndian);
  const total = view.getUint32(8, layout.littleEndian);
  return overflowChain(layout, first, total);
}

/**
 * The bytes of an overflow chain. Each page in the chain must be an
 * overflow page inside the file that no chain used before, and the chain
 * must hold exactly the length its reference names.
 */
function overflowChain(
  layout: Layout,
  first: number,
  total: number,
): { bytes: Uint8Array } | { problem: string } {
  const limit = Math.min(MAX_BLOB_BYTES, layout.bytes.length);
  if (total === 0 || total > limit) {
    return { problem: `overflow length ${total} is out of range` };
  }
  // Pieces are kept until the chain is whole, so a claimed length the
  // chain does not back costs no allocation.
  const pieces: Uint8Array[] = [];
  let filled = 0;
  for (let page = first; page !== 0 && filled < total;) {
    const piece = overflowPiece(layout, page);
    if ('problem' in piece) return piece;
    const take = piece.bytes.subarray(0, total - filled);
    pieces.push(take);
    filled += take.length;
    page = piece.next;
  }
  if (filled !== total) {
    return { problem: `overflow chain holds ${filled} of ${total} bytes` };
  }
  return { bytes: joined(pieces, total) };
}

function joined(pieces: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

function overflowPiece(
  layout: Layout,
  page: number,
): { bytes: Uint8Array; next: number } | { problem: string } {
  if (page >= layout.pageCount) {
    return { problem: `overflow page ${page} is past the end of the file` };
  }
  if (layout.claimedPages.has(page)) {
    return { problem: `overflow page ${page} is read twice (a loop?)` };
  }
  layout.claimedPages.add(page);
  if (pageType(layout, page) !== PAGE_TYPE_OVERFLOW) {
    return { problem: `page ${page} is not an overflow page` };
  }
  const base = page * layout.pageSize;
  const used = layout.view.getUint16(base + 22, layout.littleEndian);
  if (PAGE_HEADER_BYTES + used > layout.pageSize) {
    return { problem: `overflow page ${page} claims ${used} bytes` };
  }
  const start = base + PAGE_HEADER_BYTES;
  return {
    bytes: layout.bytes.subarray(start, start + used),
    next: layout.view.getUint32(base + 16, layout.littleEndian),
  };
}

/**
 * The metadata counts the keys (`nelem`), package 0's counter record
 * included; fewer keys found means records were lost.
 */
function checkRecordCount(
  layout: Layout,
  blobs: Map<number, RpmBlob>,
  problems: string[],
): void {
  const keys = layout.view.getUint32(88, layout.littleEndian);
  const expected = Math.max(0, keys - 1);
  if (blobs.size < expected && problems.length === 0) {
    problems.push(`found ${blobs.size} of the ${expected} records it counts`);
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
