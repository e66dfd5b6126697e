/**
 * rpm's own "ndb" `Packages.db` (SUSE): a 32-byte header, then pages of
 * 16-byte slots naming where each package's blob sits, in 16-byte blocks.
 * A blob has a head (magic, package index, timestamp, length) and a tail
 * (Adler-32, length, magic). All integers are little-endian. Every slot is
 * checked against the file and every blob against its head, tail and
 * checksum before its header is used.
 */
import type { RpmBlob, RpmdbRead } from './rpm-db-types';

const DB_MAGIC = fourCc('RpmP');
const SLOT_MAGIC = fourCc('Slot');
const BLOB_HEAD_MAGIC = fourCc('BlbS');
const BLOB_TAIL_MAGIC = fourCc('BlbE');

const DB_VERSION = 0;
const HEADER_BYTES = 32;
const PAGE_BYTES = 4096;
const SLOT_BYTES = 16;
const BLOCK_BYTES = 16;
const BLOB_HEAD_BYTES = 16;
const BLOB_TAIL_BYTES = 12;

interface Slot {
  index: number;
  pkgIndex: number;
  blockOffset: number;
  blockCount: number;
}

/** True when the bytes start like an ndb package database. */
export function isNdb(bytes: Uint8Array): boolean {
  return (
    bytes.length >= HEADER_BYTES &&
    viewOf(bytes).getUint32(0, true) === DB_MAGIC
  );
}

/** The header blobs of an ndb `Packages.db`. */
export function readNdbPackages(bytes: Uint8Array): RpmdbRead {
  if (!isNdb(bytes)) {
    return { blobs: [], problems: [], unreadable: 'not an ndb database' };
  }
  const view = viewOf(bytes);
  const version = view.getUint32(4, true);
  if (version !== DB_VERSION) {
    const unreadable = `ndb version ${version} is not supported`;
    return { blobs: [], problems: [], unreadable };
  }
  const problems: string[] = [];
  const blobs: RpmBlob[] = [];
  const slots = withoutOverlaps(usedSlots(bytes, problems), problems);
  for (const slot of slots) {
    const blob = slotBlob(bytes, slot);
    if ('problem' in blob) problems.push(`slot ${slot.index}: ${blob.problem}`);
    else blobs.push({ key: slot.pkgIndex, bytes: blob.bytes });
  }
  return { blobs, problems };
}

/** The slots that name a blob, each within the file. */
function usedSlots(bytes: Uint8Array, problems: string[]): Slot[] {
  const view = viewOf(bytes);
  const slotPages = view.getUint32(12, true);
  const slotAreaEnd = slotPages * PAGE_BYTES;
  if (slotPages === 0 || slotAreaEnd > bytes.length) {
    problems.push(`the slot area of ${slotPages} pages runs past the file`);
  }
  const end = Math.min(slotAreaEnd, bytes.length - (bytes.length % SLOT_BYTES));
  const firstBlock = slotPages * (PAGE_BYTES / BLOCK_BYTES);
  const slots: Slot[] = [];
  for (let at = HEADER_BYTES; at < end; at += SLOT_BYTES) {
    const index = at / SLOT_BYTES;
    if (view.getUint32(at, true) !== SLOT_MAGIC) {
      problems.push(`slot ${index} has no slot magic`);
      continue;
    }
    const slot: Slot = {
      index,
      pkgIndex: view.getUint32(at + 4, true),
      blockOffset: view.getUint32(at + 8, true),
      blockCount: view.getUint32(at + 12, true),
    };
    if (slot.blockOffset === 0) continue;
    const problem = slotProblem(slot, firstBlock, bytes.length);
    if (problem === undefined) slots.push(slot);
    else problems.push(`slot ${index}: ${problem}`);
  }
  return slots;
}

/**
 * The slots whose blobs overlap none before them (rpm refuses overlaps
 * too), in slot order; the blobs read then never add up to more bytes
 * than the file has.
 */
function withoutOverlaps(slots: readonly Slot[], problems: string[]): Slot[] {
  const byOffset = [...slots].sort((a, b) => a.blockOffset - b.blockOffset);
  const kept: Slot[] = [];
  let end = 0;
  for (const slot of byOffset) {
    if (slot.blockOffset < end) {
      problems.push(`slot ${slot.index}: its blob overlaps another`);
      continue;
    }
    kept.push(slot);
    end = slot.blockOffset + slot.blockCount;
  }
  return kept.sort((a, b) => a.index - b.index);
}

function slotProblem(
  slot: Slot,
  firstBlock: number,
  fileBytes: number,
): string | undefined {
  if (slot.pkgIndex === 0 || slot.blockCount === 0) {
    return 'names no package or no blocks';
  }
  if (slot.blockOffset < firstBlock) return 'points into the slot area';
  const end = (slot.blockOffset + slot.blockCount) * BLOCK_BYTES;
  if (end > fileBytes) return 'points past the end of the file';
  return undefined;
}

/** The blob a slot points at, with its head, tail and checksum checked. */
function slotBlob(
  bytes: Uint8Array,
  slot: Slot,
): { bytes: Uint8Array } | { problem: string } {
  const start = slot.blockOffset * BLOCK_BYTES;
  const end = start + slot.blockCount * BLOCK_BYTES;
  const region = bytes.subarray(start, end);
  const view = viewOf(region);
  if (region.length < BLOB_HEAD_BYTES + BLOB_TAIL_BYTES) {
    return { problem: 'its blob is too small' };
  }
  if (view.getUint32(0, true) !== BLOB_HEAD_MAGIC) {
    return { problem: 'its blob has no head magic' };
  }
  if (view.getUint32(4, true) !== slot.pkgIndex) {
    return { problem: 'its blob belongs to another package' };
  }
  const length = view.getUint32(12, true);
  const blocks = Math.ceil(
    (BLOB_HEAD_BYTES + length + BLOB_TAIL_BYTES) / BLOCK_BYTES,
  );
  if (blocks !== slot.blockCount) {
    return { problem: `its blob length ${length} does not fit its blocks` };
  }
  return checkedTail(region, length);
}

function checkedTail(
  region: Uint8Array,
  length: number,
): { bytes: Uint8Array } | { problem: string } {
  const view = viewOf(region);
  const tail = region.length - BLOB_TAIL_BYTES;
  if (view.getUint32(tail + 8, true) !== BLOB_TAIL_MAGIC) {
    return { problem: 'its blob has no tail magic' };
  }
  if (view.getUint32(tail + 4, true) !== length) {
    return { problem: 'its blob head and tail disagree on the length' };
  }
  if (view.getUint32(tail, true) !== adler32(region.subarray(0, tail))) {
    return { problem: 'its blob fails its Adler-32 checksum' };
  }
  const start = BLOB_HEAD_BYTES;
  return { bytes: region.subarray(start, start + length) };
}

/** Adler-32 as RFC 1950 defines it. */
function adler32(bytes: Uint8Array): number {
  const MOD = 65521;
  // The largest run before the sums could pass 2^32 (RFC 1950's NMAX).
  const RUN = 5552;
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += RUN) {
    const end = Math.min(start + RUN, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i] ?? 0;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}

function fourCc(text: string): number {
  let value = 0;
  for (let i = 3; i >= 0; i--) value = (value << 8) | text.charCodeAt(i);
  return value >>> 0;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
