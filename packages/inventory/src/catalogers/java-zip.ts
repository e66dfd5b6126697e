import { inflateRawSync } from 'node:zlib';

/** One member of a zip archive, as its central directory lists it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; others are not read. */
  method: number;
  compressedSize: number;
  /** The size the directory declares; inflation checks it. */
  size: number;
  encrypted: boolean;
  localHeaderOffset: number;
}

/** Why an archive or a member could not be read. */
export class ZipError extends Error {
  override readonly name = 'ZipError';

  constructor(
    /** `cap` when a limit refused it, `corrupt` when the bytes are wrong. */
    readonly reason: 'cap' | 'corrupt',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

/**
 * Lists a zip archive (a jar, war or ear) from its central directory,
 * refusing more than `maxEntries` members before reading them. Zip64
 * end records are understood; members whose sizes need zip64 fields are
 * listed with those sizes and fail when read.
 */
export function listZip(bytes: Uint8Array, maxEntries: number): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(view);
  const { count, offset } = centralDirectory(view, end);
  if (count > maxEntries) {
    throw new ZipError(
      'cap',
      `${count} members, more than the cap of ${maxEntries}`,
    );
  }
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    const entry = centralEntry(bytes, view, at);
    entries.push(entry.entry);
    at = entry.next;
  }
  return entries;
}

/**
 * The bytes of one member, inflated to at most `maxBytes`: a member that
 * inflates past the cap (whatever size it declares) is refused while
 * inflating, so a zip bomb costs at most the cap.
 */
export function readZipEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  maxBytes: number,
): Uint8Array {
  if (entry.encrypted)
    throw new ZipError('corrupt', `'${entry.name}' is encrypted`);
  if (entry.size > maxBytes) {
    throw new ZipError(
      'cap',
      `'${entry.name}' declares ${entry.size} bytes, over the cap`,
    );
  }
  const data = memberData(bytes, entry);
  if (entry.method === 0) {
    if (data.length > maxBytes)
      throw new ZipError('cap', `'${entry.name}' is over the cap`);
    return data;
  }
  if (entry.method !== 8) {
    throw new ZipError(
      'corrupt',
      `'${entry.name}' uses compression method ${entry.method}`,
    );
  }
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error: unknown) {
    const capped = error instanceof RangeError;
    const message = capped ? 'inflates past the cap' : 'does not inflate';
    throw new ZipError(
      capped ? 'cap' : 'corrupt',
      `'${entry.name}' ${message}`,
      {
        cause: error,
      },
    );
  }
}

function findEndRecord(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  throw new ZipError('corrupt', 'no end of central directory record');
}

function centralDirectory(
  view: DataView,
  end: number,
): { count: number; offset: number } {
  const count = view.getUint16(end + 10, true);
  const offset = view.getUint32(end + 16, true);
  if (count !== 0xffff && offset !== 0xffffffff) return { count, offset };
  const locator = end - 20;
  if (locator < 0 || view.getUint32(locator, true) !== EOCD64_LOCATOR) {
    throw new ZipError('corrupt', 'zip64 sizes without a zip64 locator');
  }
  const record = safeNumber(view.getBigUint64(locator + 8, true));
  if (
    record + 56 > view.byteLength ||
    view.getUint32(record, true) !== EOCD64
  ) {
    throw new ZipError('corrupt', 'zip64 end record out of bounds');
  }
  return {
    count: safeNumber(view.getBigUint64(record + 32, true)),
    offset: safeNumber(view.getBigUint64(record + 48, true)),
  };
}

function centralEntry(
  bytes: Uint8Array,
  view: DataView,
  at: number,
): { entry: ZipEntry; next: number } {
  if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL) {
    throw new ZipError('corrupt', 'central directory entry out of bounds');
  }
  const nameLength = view.getUint16(at + 28, true);
  const extraLength = view.getUint16(at + 30, true);
  const commentLength = view.getUint16(at + 32, true);
  const nameEnd = at + 46 + nameLength;
  if (nameEnd > bytes.length)
    throw new ZipError('corrupt', 'member name out of bounds');
  const entry: ZipEntry = {
    name: new TextDecoder().decode(bytes.subarray(at + 46, nameEnd)),
    method: view.getUint16(at + 10, true),
    compressedSize: view.getUint32(at + 20, true),
    size: view.getUint32(at + 24, true),
    encrypted: (view.getUint16(at + 8, true) & 1) === 1,
    localHeaderOffset: view.getUint32(at + 42, true),
  };
  return { entry, next: nameEnd + extraLength + commentLength };
}

function memberData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL) {
    throw new ZipError('corrupt', `'${entry.name}' has no local header`);
  }
  const start =
    at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length)
    throw new ZipError('corrupt', `'${entry.name}' is truncated`);
  return bytes.subarray(start, end);
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZipError('corrupt', 'zip64 value out of range');
  }
  return Number(value);
}
