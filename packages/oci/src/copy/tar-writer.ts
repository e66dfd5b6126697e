import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OciError } from '../errors';

const BLOCK = 512;
/** The largest size the 11 octal digits of a ustar header hold. */
const OCTAL_MAX = 8 ** 11 - 1;

/** A member of an archive to write: a folder, or a file on disk. */
export interface TarMember {
  /** The path in the archive, `/`-separated; folders end with `/`. */
  name: string;
  /** The file to copy in; absent for a folder. */
  file?: string;
}

/**
 * Writes a ustar archive of the members, in the order given, streaming
 * each file from disk. Headers are deterministic: mode 0644 (0755 for
 * folders), owner 0, time 0. A file bigger than 8 GiB gets its size in
 * the base-256 form that GNU tar and Go's archive/tar read.
 */
export async function writeTar(
  members: readonly TarMember[],
  root: string,
  target: string,
): Promise<void> {
  await pipeline(
    Readable.from(tarChunks(members, root)),
    createWriteStream(target, { flags: 'wx', mode: 0o644 }),
  );
}

async function* tarChunks(
  members: readonly TarMember[],
  root: string,
): AsyncGenerator<Uint8Array> {
  for (const member of members) {
    if (member.file === undefined) {
      yield header(member.name, 0, '5');
      continue;
    }
    const path = join(root, member.file);
    const { size } = await stat(path);
    yield header(member.name, size, '0');
    let written = 0;
    for await (const chunk of createReadStream(path)) {
      written += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (written !== size) {
      throw new OciError('io', `${path} changed while it was archived`);
    }
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) yield new Uint8Array(padding);
  }
  yield new Uint8Array(2 * BLOCK);
}

/** A ustar header block. */
function header(name: string, size: number, type: '0' | '5'): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const nameBytes = new TextEncoder().encode(name);
  if (nameBytes.length > 100) {
    throw new OciError('limit', `'${name}' is too long for a tar header`);
  }
  block.set(nameBytes, 0);
  writeOctal(block, 100, 8, type === '5' ? 0o755 : 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeSize(block, size);
  writeOctal(block, 136, 12, 0);
  block[156] = type.charCodeAt(0);
  block.set(new TextEncoder().encode('ustar\u000000'), 257);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  writeOctal(block, 148, 7, sum);
  return block;
}

/** Octal digits, zero-padded, then a NUL, in a field of `length` bytes. */
function writeOctal(
  block: Uint8Array,
  offset: number,
  length: number,
  value: number,
): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  block.set(new TextEncoder().encode(`${digits}\u0000`), offset);
}

function writeSize(block: Uint8Array, size: number): void {
  if (size <= OCTAL_MAX) {
    writeOctal(block, 124, 12, size);
    return;
  }
  // Base-256: the high bit of the first byte set, big-endian after it.
  let rest = BigInt(size);
  for (let i = 135; i > 124; i -= 1) {
    block[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[124] = 0x80;
}
