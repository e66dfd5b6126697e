import { OciError } from '../errors';

/** The size of a tar block and of every header. */
export const BLOCK_SIZE = 512;

/** What a header block describes. */
export type TarHeaderKind =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char'
  | 'block'
  | 'dir'
  | 'fifo'
  | 'pax'
  | 'pax-global'
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'gnu-sparse'
  | 'other';

/** The fields a tar header gives a member, raw or with overrides applied. */
export interface TarMemberFields {
  /** The raw type flag, for messages about `other` members. */
  typeflag: string;
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
}

/** One decoded 512-byte header, before PAX or GNU overrides. */
export interface RawTarHeader extends TarMemberFields {
  kind: TarHeaderKind;
}

const KINDS: Readonly<Record<string, TarHeaderKind>> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-long-name',
  K: 'gnu-long-link',
  S: 'gnu-sparse',
  D: 'dir',
};

/**
 * Kinds whose header says nothing about a body: readers of the format
 * (Go's archive/tar, Python's tarfile) skip no data after them whatever
 * the size field holds, and so do we, so that all see the same members.
 */
const HEADER_ONLY: ReadonlySet<TarHeaderKind> = new Set([
  'hardlink',
  'symlink',
  'char',
  'block',
  'fifo',
]);

const utf8 = new TextDecoder('utf-8');

/** True when all 512 bytes of a block are zero. */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) {
    if (block[i] !== 0) return false;
  }
  return true;
}

/** The bytes that follow a header of this kind and size. */
export function bodySize(header: RawTarHeader, typeflag: string): number {
  if (HEADER_ONLY.has(header.kind)) return 0;
  // A directory ('5') has no body; a GNU dump directory ('D') has one.
  if (header.kind === 'dir' && typeflag !== 'D') return 0;
  return header.size;
}

/** Rounds a body size up to whole blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * Decodes a ustar, GNU or v7 header. Throws `OciError('bad-archive')` when
 * the checksum or a numeric field is wrong.
 */
export function decodeHeader(block: Uint8Array): RawTarHeader {
  verifyChecksum(block);
  const typeflag = String.fromCharCode(block[156] ?? 0);
  const name = headerName(block);
  const kind = KINDS[typeflag] ?? 'other';
  const isOldDirectory = typeflag === '\0' && name.endsWith('/');
  return {
    kind: isOldDirectory ? 'dir' : kind,
    typeflag,
    name,
    linkname: field(block, 157, 100),
    mode: numeric(block, 100, 8, 'mode'),
    uid: numeric(block, 108, 8, 'uid'),
    gid: numeric(block, 116, 8, 'gid'),
    size: numeric(block, 124, 12, 'size'),
    mtime: numeric(block, 136, 12, 'mtime'),
  };
}

// Limitation: the `star` variant of ustar, whose prefix field is 131
// bytes, is read as plain ustar; no image builder in use writes it.
function headerName(block: Uint8Array): string {
  const name = field(block, 0, 100);
  if (!isUstar(block)) return name;
  const prefix = field(block, 345, 155);
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** POSIX ustar (`ustar\0` `00`); GNU headers use that space otherwise. */
function isUstar(block: Uint8Array): boolean {
  const magic = 'ustar\u000000';
  for (let i = 0; i < magic.length; i++) {
    if (block[257 + i] !== magic.charCodeAt(i)) return false;
  }
  return true;
}

function verifyChecksum(block: Uint8Array): void {
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 8 * 0x20;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (i < 148 || i >= 156) unsigned += block[i] ?? 0;
  }
  if (stored === unsigned || stored === signedSum(block)) return;
  throw new OciError(
    'bad-archive',
    'tar header checksum mismatch: the data is not a tar archive or is corrupt',
  );
}

/** The checksum as some old writers computed it, with signed bytes. */
function signedSum(block: Uint8Array): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const byte = i >= 148 && i < 156 ? 0 : (block[i] ?? 0);
    sum += byte > 127 ? byte - 256 : byte;
  }
  return sum;
}

/**
 * A NUL-terminated text field.
 *
 * Limitation: names are decoded as UTF-8; bytes that are not valid UTF-8
 * become U+FFFD, so two names that differ only in such bytes collide.
 */
function field(block: Uint8Array, start: number, length: number): string {
  let end = start;
  let ascii = true;
  const limit = start + length;
  for (; end < limit; end++) {
    const byte = block[end] ?? 0;
    if (byte === 0) break;
    if (byte > 0x7f) ascii = false;
  }
  const bytes = block.subarray(start, end);
  return ascii ? String.fromCharCode(...bytes) : utf8.decode(bytes);
}

/** An octal or base-256 number field. */
function numeric(
  block: Uint8Array,
  start: number,
  length: number,
  what: string,
): number {
  const first = block[start] ?? 0;
  if ((first & 0x80) !== 0) {
    return base256(block.subarray(start, start + length), what);
  }
  return octal(block.subarray(start, start + length), what);
}

function base256(bytes: Uint8Array, what: string): number {
  if (bytes[0] === 0xff) {
    throw new OciError('bad-archive', `tar header: negative ${what}`);
  }
  let value = (bytes[0] ?? 0) & 0x7f;
  for (let i = 1; i < bytes.length; i++) {
    value = value * 256 + (bytes[i] ?? 0);
  }
  if (!Number.isSafeInteger(value)) {
    throw new OciError('bad-archive', `tar header: ${what} is too large`);
  }
  return value;
}

function octal(bytes: Uint8Array, what: string): number {
  let start = 0;
  let end = bytes.length;
  while (start < end && isPadding(bytes[start])) start++;
  while (end > start && isPadding(bytes[end - 1])) end--;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = (bytes[i] ?? 0) - 0x30;
    if (digit < 0 || digit > 7) {
      throw new OciError(
        'bad-archive',
        `tar header: ${what} is not an octal number`,
      );
    }
    value = value * 8 + digit;
  }
  return value;
}

function isPadding(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0;
}

/**
 * Parses PAX extended header records (`LEN key=value\n`). Malformed
 * records are an error, never skipped, so that no record is read
 * differently from the reference readers.
 */
export function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // NUL padding after the last record
    const record = paxRecord(data, at);
    records.set(record.key, record.value);
    at = record.next;
  }
  return records;
}

function paxRecord(
  data: Uint8Array,
  start: number,
): { key: string; value: string; next: number } {
  const space = data.indexOf(0x20, start);
  const lengthText =
    space === -1 ? '' : String.fromCharCode(...data.subarray(start, space));
  const length = /^[0-9]{1,9}$/.test(lengthText) ? Number(lengthText) : NaN;
  const end = start + length;
  if (!(length > lengthText.length + 1) || end > data.length) {
    throw badPax('a record length is invalid');
  }
  if (data[end - 1] !== 0x0a) throw badPax('a record lacks its newline');
  const text = utf8.decode(data.subarray(space + 1, end - 1));
  const equals = text.indexOf('=');
  if (equals <= 0) throw badPax('a record has no key');
  const key = text.slice(0, equals);
  const value = text.slice(equals + 1);
  if (key.includes('\0') || value.includes('\0')) {
    throw badPax('a record holds a NUL byte');
  }
  return { key, value, next: end };
}

function badPax(what: string): OciError {
  return new OciError('bad-archive', `tar PAX header: ${what}`);
}

/** A PAX decimal integer (`size`, `uid`, `gid`). */
export function paxInteger(value: string, key: string): number {
  const number = /^\+?[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw badPax(`'${key}' is not a valid integer`);
  }
  return number;
}
