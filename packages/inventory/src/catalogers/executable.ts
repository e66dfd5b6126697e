/**
 * Just enough of ELF, Mach-O and PE to find named sections and to turn a
 * virtual address into file bytes, for the Go build-info and Rust
 * cargo-auditable readers. Every table is bounded by the file: an entry
 * that points outside it is dropped, never followed.
 */

export type ExecutableFormat = 'elf' | 'macho' | 'pe';

/** A range of the file mapped at a virtual address. */
export interface Mapping {
  /** Section name (`.go.buildinfo`), or segment name for Mach-O segments. */
  name: string;
  /** Mach-O segment that holds the section (`__DATA`). */
  segment?: string;
  address: number;
  offset: number;
  /** Bytes present in the file (a bss-like range has none). */
  fileSize: number;
  isWritable: boolean;
  isExecutable: boolean;
}

/** An executable's layout: its sections and its loaded segments. */
export interface Executable {
  format: ExecutableFormat;
  bytes: Uint8Array;
  littleEndian: boolean;
  sections: Mapping[];
  segments: Mapping[];
}

// Limitation: Mach-O universal ("fat") binaries and WebAssembly modules
// are not read; they are treated as files that are not executables.

/** The executable's layout, or undefined when it is none of the three. */
export function readExecutable(bytes: Uint8Array): Executable | undefined {
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return readElf(bytes);
  if (machoMagic(bytes) !== undefined) return readMacho(bytes);
  if (startsWith(bytes, [0x4d, 0x5a])) return readPe(bytes);
  return undefined;
}

/** The first section with the name (and, for Mach-O, the segment). */
export function findSection(
  exe: Executable,
  name: string,
  segment?: string,
): Mapping | undefined {
  return exe.sections.find(
    (s) => s.name === name && (segment === undefined || s.segment === segment),
  );
}

/** A section's bytes in the file, clipped to the file's end. */
export function mappingBytes(exe: Executable, mapping: Mapping): Uint8Array {
  const { offset, fileSize } = mapping;
  if (offset < 0 || fileSize <= 0) return new Uint8Array(0);
  const end = Math.min(offset + fileSize, exe.bytes.length);
  return exe.bytes.subarray(Math.min(offset, end), end);
}

/** The bytes at a virtual address, or undefined when unmapped. */
export function readAddress(
  exe: Executable,
  address: number,
  length: number,
): Uint8Array | undefined {
  for (const mapping of [...exe.sections, ...exe.segments]) {
    const start = address - mapping.address;
    if (start < 0 || start + length > mapping.fileSize) continue;
    const offset = mapping.offset + start;
    if (mapping.offset < 0 || offset + length > exe.bytes.length) continue;
    return exe.bytes.subarray(offset, offset + length);
  }
  return undefined;
}

/** Reads fixed-width integers of either byte order, in bounds or not. */
export class Fields {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  has(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.bytes.length;
  }

  u16(offset: number): number {
    return this.has(offset, 2)
      ? this.view.getUint16(offset, this.littleEndian)
      : -1;
  }

  u32(offset: number): number {
    return this.has(offset, 4)
      ? this.view.getUint32(offset, this.littleEndian)
      : -1;
  }

  /** A 64-bit field; -1 when out of bounds or beyond 2^53. */
  u64(offset: number): number {
    if (!this.has(offset, 8)) return -1;
    const value = this.view.getBigUint64(offset, this.littleEndian);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value);
  }

  /** A pointer-sized field (4 or 8 bytes). */
  word(offset: number, size: number): number {
    return size === 8 ? this.u64(offset) : this.u32(offset);
  }

  /** A NUL-terminated name of at most `max` bytes. */
  name(offset: number, max: number): string {
    if (!this.has(offset, 0)) return '';
    const end = Math.min(offset + max, this.bytes.length);
    const stop = this.bytes.subarray(offset, end).indexOf(0);
    const last = stop < 0 ? end : offset + stop;
    return latin1(this.bytes.subarray(offset, last));
  }
}

// --- ELF ---

const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;
const SHT_NOBITS = 8;
const SHF_WRITE = 1;
const SHF_EXECINSTR = 4;

interface ElfHeader {
  is64: boolean;
  fields: Fields;
  phOffset: number;
  phSize: number;
  phCount: number;
  shOffset: number;
  shSize: number;
  shCount: number;
  shStringIndex: number;
}

function readElf(bytes: Uint8Array): Executable | undefined {
  const header = elfHeader(bytes);
  if (header === undefined) return undefined;
  return {
    format: 'elf',
    bytes,
    littleEndian: header.fields.littleEndian,
    sections: elfSections(header),
    segments: elfSegments(header),
  };
}

function elfHeader(bytes: Uint8Array): ElfHeader | undefined {
  const elfClass = bytes[4];
  const data = bytes[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2)) {
    return undefined;
  }
  const is64 = elfClass === 2;
  const f = new Fields(bytes, data === 1);
  const at = is64
    ? { ph: 0x20, sh: 0x28, sizes: 0x36 }
    : { ph: 0x1c, sh: 0x20, sizes: 0x2a };
  const header: ElfHeader = {
    is64,
    fields: f,
    phOffset: f.word(at.ph, is64 ? 8 : 4),
    shOffset: f.word(at.sh, is64 ? 8 : 4),
    phSize: f.u16(at.sizes),
    phCount: f.u16(at.sizes + 2),
    shSize: f.u16(at.sizes + 4),
    shCount: f.u16(at.sizes + 6),
    shStringIndex: f.u16(at.sizes + 8),
  };
  return withExtendedCounts(header);
}

/** Counts past 0xff00 live in section 0 (`e_shnum` 0, `e_shstrndx` 0xffff). */
function withExtendedCounts(header: ElfHeader): ElfHeader {
  if (header.shOffset <= 0) return header;
  const first = elfSectionEntry(header, 0);
  if (first === undefined) return header;
  const shCount = header.shCount === 0 ? first.size : header.shCount;
  const shStringIndex =
    header.shStringIndex === 0xffff ? first.link : header.shStringIndex;
  return { ...header, shCount, shStringIndex };
}

interface ElfSectionEntry {
  nameOffset: number;
  type: number;
  flags: number;
  address: number;
  offset: number;
  size: number;
  link: number;
}

function elfSectionEntry(
  header: ElfHeader,
  index: number,
): ElfSectionEntry | undefined {
  const { fields: f, is64 } = header;
  const entrySize = is64 ? 0x40 : 0x28;
  if (header.shSize < entrySize) return undefined;
  const at = header.shOffset + index * header.shSize;
  if (!f.has(at, entrySize)) return undefined;
  const w = is64 ? 8 : 4;
  return {
    nameOffset: f.u32(at),
    type: f.u32(at + 4),
    flags: f.word(at + 8, w),
    address: f.word(at + 8 + w, w),
    offset: f.word(at + 8 + 2 * w, w),
    size: f.word(at + 8 + 3 * w, w),
    link: f.u32(at + 8 + 4 * w),
  };
}

function elfSections(header: ElfHeader): Mapping[] {
  const names = elfSectionEntry(header, header.shStringIndex);
  const count = Math.min(header.shCount, header.fields.bytes.length);
  const sections: Mapping[] = [];
  for (let i = 0; i < count; i++) {
    const entry = elfSectionEntry(header, i);
    if (entry === undefined) break;
    if (entry.address < 0 || entry.offset < 0 || entry.size < 0) continue;
    const nameAt = (names?.offset ?? -1) + entry.nameOffset;
    sections.push({
      name: names === undefined ? '' : header.fields.name(nameAt, 256),
      address: entry.address,
      offset: entry.offset,
      fileSize: entry.type === SHT_NOBITS ? 0 : entry.size,
      isWritable: (entry.flags & SHF_WRITE) !== 0,
      isExecutable: (entry.flags & SHF_EXECINSTR) !== 0,
    });
  }
  return sections;
}

function elfSegments(header: ElfHeader): Mapping[] {
  const { fields: f, is64 } = header;
  const entrySize = is64 ? 0x38 : 0x20;
  if (header.phOffset <= 0 || header.phSize < entrySize) return [];
  const segments: Mapping[] = [];
  for (let i = 0; i < header.phCount; i++) {
    const at = header.phOffset + i * header.phSize;
    if (!f.has(at, entrySize)) break;
    if (f.u32(at) !== PT_LOAD) continue;
    const segment = is64 ? elfSegment64(f, at) : elfSegment32(f, at);
    if (segment.address >= 0 && segment.offset >= 0 && segment.fileSize >= 0) {
      segments.push(segment);
    }
  }
  return segments;
}

function elfSegment64(f: Fields, at: number): Mapping {
  const flags = f.u32(at + 4);
  return {
    name: 'PT_LOAD',
    offset: f.u64(at + 8),
    address: f.u64(at + 0x10),
    fileSize: f.u64(at + 0x20),
    isWritable: (flags & PF_W) !== 0,
    isExecutable: (flags & PF_X) !== 0,
  };
}

function elfSegment32(f: Fields, at: number): Mapping {
  const flags = f.u32(at + 0x18);
  return {
    name: 'PT_LOAD',
    offset: f.u32(at + 4),
    address: f.u32(at + 8),
    fileSize: f.u32(at + 0x10),
    isWritable: (flags & PF_W) !== 0,
    isExecutable: (flags & PF_X) !== 0,
  };
}

// --- Mach-O ---

const LC_SEGMENT = 0x1;
const LC_SEGMENT_64 = 0x19;
const S_ZEROFILL = 0x1;
const VM_PROT_WRITE = 0x2;
const VM_PROT_EXECUTE = 0x4;

function machoMagic(
  bytes: Uint8Array,
): { is64: boolean; littleEndian: boolean } | undefined {
  const head = [bytes[0], bytes[1], bytes[2], bytes[3]].join(',');
  switch (head) {
    case '206,250,237,254':
      return { is64: false, littleEndian: true };
    case '207,250,237,254':
      return { is64: true, littleEndian: true };
    case '254,237,250,206':
      return { is64: false, littleEndian: false };
    case '254,237,250,207':
      return { is64: true, littleEndian: false };
    default:
      return undefined;
  }
}

function readMacho(bytes: Uint8Array): Executable | undefined {
  const magic = machoMagic(bytes);
  if (magic === undefined) return undefined;
  const f = new Fields(bytes, magic.littleEndian);
  const commandCount = f.u32(16);
  const commandBytes = f.u32(20);
  let at = magic.is64 ? 32 : 28;
  const end = Math.min(at + Math.max(commandBytes, 0), bytes.length);
  const exe: Executable = {
    format: 'macho',
    bytes,
    littleEndian: magic.littleEndian,
    sections: [],
    segments: [],
  };
  for (let i = 0; i < commandCount && at + 8 <= end; i++) {
    const command = f.u32(at);
    const size = f.u32(at + 4);
    if (size < 8 || at + size > end) break;
    if (command === LC_SEGMENT_64 || command === LC_SEGMENT) {
      machoSegment(f, at, size, command === LC_SEGMENT_64, exe);
    }
    at += size;
  }
  return exe;
}

/** A segment load command: the segment, then its section headers. */
function machoSegment(
  f: Fields,
  at: number,
  size: number,
  is64: boolean,
  exe: Executable,
): void {
  const w = is64 ? 8 : 4;
  const protection = f.u32(at + 24 + 4 * w + 4);
  const segment: Mapping = {
    name: f.name(at + 8, 16),
    address: f.word(at + 24, w),
    offset: f.word(at + 24 + 2 * w, w),
    fileSize: f.word(at + 24 + 3 * w, w),
    isWritable: (protection & VM_PROT_WRITE) !== 0,
    isExecutable: (protection & VM_PROT_EXECUTE) !== 0,
  };
  exe.segments.push(segment);
  const headerBytes = is64 ? 72 : 56;
  const sectionBytes = is64 ? 80 : 68;
  const count = f.u32(at + headerBytes - 8);
  for (let i = 0; i < count; i++) {
    const s = at + headerBytes + i * sectionBytes;
    if (s + sectionBytes > at + size) break;
    exe.sections.push(machoSection(f, s, w, segment));
  }
}

function machoSection(
  f: Fields,
  at: number,
  w: number,
  segment: Mapping,
): Mapping {
  const flags = f.u32(at + 32 + 2 * w + 16);
  const isZeroFill = (flags & 0xff) === S_ZEROFILL;
  return {
    name: f.name(at, 16),
    segment: f.name(at + 16, 16),
    address: f.word(at + 32, w),
    offset: f.u32(at + 32 + 2 * w),
    fileSize: isZeroFill ? 0 : f.word(at + 32 + w, w),
    isWritable: segment.isWritable,
    isExecutable: segment.isExecutable,
  };
}

// --- PE ---

const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;

function readPe(bytes: Uint8Array): Executable | undefined {
  const f = new Fields(bytes, true);
  const pe = f.u32(0x3c);
  if (pe < 0 || f.u32(pe) !== 0x00004550) return undefined;
  const coff = pe + 4;
  const sectionCount = f.u16(coff + 2);
  const symbolTable = f.u32(coff + 8);
  const symbolCount = f.u32(coff + 12);
  const optional = coff + 20;
  const optionalBytes = f.u16(coff + 16);
  const magic = f.u16(optional);
  const imageBase =
    magic === 0x20b ? f.u64(optional + 24) : f.u32(optional + 28);
  if (imageBase < 0) return undefined;
  const strings = symbolTable > 0 ? symbolTable + symbolCount * 18 : -1;
  const sections: Mapping[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const at = optional + optionalBytes + i * 40;
    if (!f.has(at, 40)) break;
    sections.push(peSection(f, at, imageBase, strings));
  }
  return { format: 'pe', bytes, littleEndian: true, sections, segments: [] };
}

function peSection(
  f: Fields,
  at: number,
  imageBase: number,
  strings: number,
): Mapping {
  const virtualSize = f.u32(at + 8);
  const rawSize = f.u32(at + 16);
  const characteristics = f.u32(at + 36) >>> 0;
  return {
    name: peSectionName(f, at, strings),
    address: imageBase + f.u32(at + 12),
    offset: f.u32(at + 20),
    fileSize: virtualSize > 0 ? Math.min(virtualSize, rawSize) : rawSize,
    isWritable: (characteristics & IMAGE_SCN_MEM_WRITE) !== 0,
    isExecutable: (characteristics & IMAGE_SCN_MEM_EXECUTE) !== 0,
  };
}

/** A name of eight bytes, or `/123`: an offset into the string table. */
function peSectionName(f: Fields, at: number, strings: number): string {
  const short = f.name(at, 8);
  const offset = /^\/(\d{1,7})$/.exec(short)?.[1];
  if (offset === undefined || strings < 0) return short;
  return f.name(strings + Number(offset), 256);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
