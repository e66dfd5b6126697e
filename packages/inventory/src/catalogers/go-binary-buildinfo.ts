/**
 * The build information the Go linker embeds in every binary: a 32-byte
 * header starting `\xff Go buildinf:`, 16-byte aligned near the start of
 * the data, then the Go version and the module information. Since Go 1.18
 * both strings follow the header inline, each prefixed with a varint
 * length; before, the header held pointers to Go string headers, read
 * through the executable's address map.
 */
import {
  Fields,
  findSection,
  mappingBytes,
  readAddress,
  readExecutable,
  type Executable,
  type Mapping,
} from './executable';

/** What a Go binary says about how it was built. */
export interface GoBuildInfo {
  /** `go1.22.1`, or with experiments `go1.22.1 X:boringcrypto`. */
  goVersion: string;
  /** The module information text; empty for a binary built without modules. */
  modInfo: string;
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_BYTES = 32;
const ALIGN = 16;
/** How far into the data the header is searched for, as Go itself does. */
const SEARCH_BYTES = 64 * 1024;
/** Longest version or module string read. */
const MAX_STRING_BYTES = 1024 * 1024;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_INLINE = 0x2;
/** The markers around the module text in both formats. */
const SENTINEL_BYTES = 16;

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The build information of a Go binary; undefined when the file is not an
 * executable or carries none (a C program, a shell script); a problem
 * when it has the Go linker's build-info section but it does not decode.
 */
export function readGoBuildInfo(
  bytes: Uint8Array,
): GoBuildInfo | { problem: string } | undefined {
  const exe = readExecutable(bytes);
  if (exe === undefined) return undefined;
  const named = namedSection(exe);
  const region = named ?? dataRegion(exe);
  const found =
    region === undefined ? undefined : searchIn(exe, region, SEARCH_BYTES);
  // Some packers move things around; fall back to the whole file.
  const info = found ?? searchIn(exe, wholeFile(exe), bytes.length);
  if (info !== undefined || named === undefined) return info;
  return { problem: `its ${named.name} section holds no readable build info` };
}

/** The section the Go linker gives the header on most platforms. */
function namedSection(exe: Executable): Mapping | undefined {
  return exe.format === 'macho'
    ? findSection(exe, '__go_buildinfo')
    : findSection(exe, '.go.buildinfo');
}

/** Where the header is without its own section: the start of the data. */
function dataRegion(exe: Executable): Mapping | undefined {
  if (exe.format === 'macho') {
    return exe.segments.find((s) => s.name === '__DATA');
  }
  const mappings = exe.format === 'elf' ? exe.segments : exe.sections;
  return mappings.find(
    (m) => m.isWritable && !m.isExecutable && m.fileSize > 0,
  );
}

function wholeFile(exe: Executable): Mapping {
  return {
    name: 'file',
    address: 0,
    offset: 0,
    fileSize: exe.bytes.length,
    isWritable: false,
    isExecutable: false,
  };
}

/** The first aligned header in the region that decodes cleanly. */
function searchIn(
  exe: Executable,
  region: Mapping,
  limit: number,
): GoBuildInfo | undefined {
  // Only the start is searched, but strings may run past it.
  const bytes = mappingBytes(exe, region);
  const window = bytes.subarray(0, limit);
  const data = Buffer.from(window.buffer, window.byteOffset, window.length);
  for (
    let at = data.indexOf(MAGIC);
    at >= 0;
    at = data.indexOf(MAGIC, at + 1)
  ) {
    if (at % ALIGN !== 0 || at + HEADER_BYTES > bytes.length) continue;
    const info = decodeHeader(exe, bytes.subarray(at));
    if (info !== undefined) return info;
  }
  return undefined;
}

function decodeHeader(
  exe: Executable,
  header: Uint8Array,
): GoBuildInfo | undefined {
  const pointerSize = header[14];
  const flags = header[15] ?? 0;
  if (pointerSize !== 4 && pointerSize !== 8) return undefined;
  const strings =
    (flags & FLAG_INLINE) !== 0
      ? inlineStrings(header)
      : pointedStrings(exe, header, pointerSize, flags);
  if (strings === undefined) return undefined;
  const goVersion = decoder.decode(strings[0]);
  if (!/^(go|devel )/.test(goVersion)) return undefined;
  return { goVersion, modInfo: decoder.decode(withoutSentinels(strings[1])) };
}

/** Go 1.18+: two varint-prefixed strings right after the header. */
function inlineStrings(
  header: Uint8Array,
): [Uint8Array, Uint8Array] | undefined {
  const version = varintString(header, HEADER_BYTES);
  if (version === undefined) return undefined;
  const mod = varintString(header, version.next);
  if (mod === undefined) return undefined;
  return [version.bytes, mod.bytes];
}

function varintString(
  bytes: Uint8Array,
  at: number,
): { bytes: Uint8Array; next: number } | undefined {
  let length = 0;
  let shift = 0;
  let i = at;
  for (; i < bytes.length && shift < 35; i++, shift += 7) {
    const byte = bytes[i] ?? 0;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const start = i + 1;
  if (shift >= 35 || length > MAX_STRING_BYTES) return undefined;
  if (start + length > bytes.length) return undefined;
  return { bytes: bytes.subarray(start, start + length), next: start + length };
}

/** Before Go 1.18: pointers to Go string headers (pointer, length). */
function pointedStrings(
  exe: Executable,
  header: Uint8Array,
  pointerSize: number,
  flags: number,
): [Uint8Array, Uint8Array] | undefined {
  const littleEndian = (flags & FLAG_BIG_ENDIAN) === 0;
  const fields = new Fields(header, littleEndian);
  const version = goString(
    exe,
    fields.word(16, pointerSize),
    pointerSize,
    littleEndian,
  );
  const mod = goString(
    exe,
    fields.word(16 + pointerSize, pointerSize),
    pointerSize,
    littleEndian,
  );
  if (version === undefined || mod === undefined) return undefined;
  return [version, mod];
}

function goString(
  exe: Executable,
  address: number,
  pointerSize: number,
  littleEndian: boolean,
): Uint8Array | undefined {
  if (address <= 0) return undefined;
  const head = readAddress(exe, address, 2 * pointerSize);
  if (head === undefined) return undefined;
  const fields = new Fields(head, littleEndian);
  const dataAddress = fields.word(0, pointerSize);
  const length = fields.word(pointerSize, pointerSize);
  if (length === 0) return new Uint8Array(0);
  if (dataAddress <= 0 || length < 0 || length > MAX_STRING_BYTES) {
    return undefined;
  }
  return readAddress(exe, dataAddress, length);
}

/** The module text between its markers; empty when they are missing. */
function withoutSentinels(modInfo: Uint8Array): Uint8Array {
  const length = modInfo.length;
  const isWrapped =
    length >= 2 * SENTINEL_BYTES + 1 &&
    modInfo[length - SENTINEL_BYTES - 1] === 0x0a;
  return isWrapped
    ? modInfo.subarray(SENTINEL_BYTES, length - SENTINEL_BYTES)
    : new Uint8Array(0);
}
