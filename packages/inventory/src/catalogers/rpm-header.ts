/**
 * The rpm header blob as every rpm database stores it (SQLite, Berkeley DB
 * and NDB alike): a big-endian intro of two counts, an index of 16-byte
 * entries, then the data store the entries point into. Every count and
 * offset is checked against the blob before it is used, so a hostile
 * header costs at most one pass over its own bytes.
 */

/** What the cataloger reads from one installed package's header. */
export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch: number | undefined;
  arch: string | undefined;
  license: string | undefined;
  /** `SOURCERPM`: `util-linux-2.32.1-42.el8_8.src.rpm`. */
  sourceRpm: string | undefined;
}

/** A header that could not be read, and why. */
export interface RpmHeaderProblem {
  problem: string;
}

// Tag numbers and data types from rpm's rpmtag.h.
const TAG = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  license: 1014,
  arch: 1022,
  sourceRpm: 1044,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

const INTRO_BYTES = 8;
const ENTRY_BYTES = 16;
/** rpm itself refuses more index entries than this (hdrchkTags). */
const MAX_ENTRIES = 0xffff;
/** ...and a data store this large or larger (hdrchkData). */
const MAX_DATA_BYTES = 0x1000000;
/** The magic that starts a header read from a package file. */
const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01] as const;

const WANTED = new Set<number>(Object.values(TAG));
const decoder = new TextDecoder('utf-8', { fatal: false });

interface Entry {
  type: number;
  offset: number;
  count: number;
}

/** Reads one header blob; a problem names what made it unreadable. */
export function parseRpmHeader(blob: Uint8Array): RpmHeader | RpmHeaderProblem {
  const body = withoutMagic(blob);
  const layout = headerLayout(body);
  if ('problem' in layout) return layout;
  const entries = wantedEntries(body, layout.entryCount);
  return headerFields(layout.data, entries);
}

/** True when the value is a problem rather than a header. */
export function isHeaderProblem(
  value: RpmHeader | RpmHeaderProblem,
): value is RpmHeaderProblem {
  return 'problem' in value;
}

function withoutMagic(blob: Uint8Array): Uint8Array {
  const hasMagic = HEADER_MAGIC.every((byte, i) => blob[i] === byte);
  return hasMagic ? blob.subarray(INTRO_BYTES) : blob;
}

function headerLayout(
  body: Uint8Array,
): { entryCount: number; data: Uint8Array } | RpmHeaderProblem {
  if (body.length < INTRO_BYTES) {
    return { problem: `header blob of ${body.length} bytes has no intro` };
  }
  const view = viewOf(body);
  const entryCount = view.getUint32(0);
  const dataBytes = view.getUint32(4);
  if (entryCount < 1 || entryCount > MAX_ENTRIES) {
    return { problem: `header index count ${entryCount} is out of range` };
  }
  if (dataBytes >= MAX_DATA_BYTES) {
    return { problem: `header data length ${dataBytes} is out of range` };
  }
  const dataStart = INTRO_BYTES + entryCount * ENTRY_BYTES;
  const end = dataStart + dataBytes;
  if (end > body.length) {
    return {
      problem: `header needs ${end} bytes but the blob has ${body.length}`,
    };
  }
  return { entryCount, data: body.subarray(dataStart, end) };
}

/**
 * The index entries of the tags the cataloger reads. A tag that appears
 * again later (a "dribble" entry added after install) replaces the
 * earlier one, as rpm itself does.
 */
function wantedEntries(body: Uint8Array, count: number): Map<number, Entry> {
  const view = viewOf(body);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < count; i++) {
    const at = INTRO_BYTES + i * ENTRY_BYTES;
    const tag = view.getUint32(at);
    if (!WANTED.has(tag)) continue;
    entries.set(tag, {
      type: view.getUint32(at + 4),
      offset: view.getInt32(at + 8),
      count: view.getUint32(at + 12),
    });
  }
  return entries;
}

function headerFields(
  data: Uint8Array,
  entries: Map<number, Entry>,
): RpmHeader | RpmHeaderProblem {
  const fields = new Map<number, string | number | undefined>();
  for (const [tag, entry] of entries) {
    const value =
      tag === TAG.epoch ? int32Value(data, entry) : stringValue(data, entry);
    if (value === null) {
      return { problem: `header tag ${tag} points outside its data` };
    }
    fields.set(tag, value);
  }
  return requiredFields(fields);
}

function requiredFields(
  fields: Map<number, string | number | undefined>,
): RpmHeader | RpmHeaderProblem {
  const text = (tag: number): string | undefined => {
    const value = fields.get(tag);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const name = text(TAG.name);
  const version = text(TAG.version);
  const release = text(TAG.release);
  if (name === undefined || version === undefined || release === undefined) {
    return { problem: 'header lacks a name, version or release' };
  }
  const epoch = fields.get(TAG.epoch);
  return {
    name,
    version,
    release,
    epoch: typeof epoch === 'number' ? epoch : undefined,
    arch: text(TAG.arch),
    license: text(TAG.license),
    sourceRpm: text(TAG.sourceRpm),
  };
}

/** The first string of a string-typed entry; null when out of bounds. */
function stringValue(
  data: Uint8Array,
  entry: Entry,
): string | undefined | null {
  const isString =
    entry.type === TYPE_STRING ||
    entry.type === TYPE_STRING_ARRAY ||
    entry.type === TYPE_I18NSTRING;
  if (!isString) return undefined;
  if (entry.count < 1 || entry.offset < 0 || entry.offset >= data.length) {
    return null;
  }
  const end = data.indexOf(0, entry.offset);
  if (end < 0) return null;
  return decoder.decode(data.subarray(entry.offset, end));
}

function int32Value(data: Uint8Array, entry: Entry): number | undefined | null {
  if (entry.type !== TYPE_INT32) return undefined;
  if (entry.count < 1 || entry.offset < 0 || entry.offset + 4 > data.length) {
    return null;
  }
  return viewOf(data).getUint32(entry.offset);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
