import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readCapped, tooLarge, VerifyingStream } from '../blob-check';
import { splitDigest } from '../digest';
import { OciError } from '../errors';
import type { Descriptor } from '../types';

/** A file in a store: its size and a way to stream it. */
export interface StoredFile {
  size: number;
  open(): Readable;
}

/**
 * Where a local source finds files by relative path: a directory on disk
 * (an OCI layout) or the members of a tar archive, read in place.
 */
export interface BlobStore {
  /** The directory or archive, for messages. */
  readonly name: string;
  /** A regular file at a relative path; undefined when there is none. */
  stat(path: string): Promise<StoredFile | undefined>;
  close(): Promise<void>;
}

/** `blobs/<algorithm>/<hex>` of a validated digest. */
export function blobPath(descriptor: Descriptor): string {
  const { algorithm, hex } = splitDigest(descriptor.digest);
  return `blobs/${algorithm}/${hex}`;
}

/**
 * A directory on disk. Paths come from imagegate (fixed names and
 * validated digests), never from the image. FIFOs and devices are refused,
 * and files are opened non-blocking so a FIFO cannot hang the read.
 *
 * Limitation: a blob that is a symbolic link to a file elsewhere on the
 * host is followed and read; only its digest check stops a wrong one.
 */
export class DirectoryStore implements BlobStore {
  constructor(readonly name: string) {}

  async stat(path: string): Promise<StoredFile | undefined> {
    const full = join(this.name, path);
    const info = await stat(full).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw new OciError('io', `${full}: cannot be read`, { cause: error });
    });
    if (info === undefined) return undefined;
    if (!info.isFile()) {
      throw new OciError('bad-archive', `${full} is not a regular file`);
    }
    const size = info.size;
    return { size, open: () => openRange(full, size) };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function openRange(path: string, size: number): Readable {
  return Readable.from(readRange(path, size), { objectMode: false });
}

async function* readRange(path: string, size: number): AsyncGenerator<Buffer> {
  if (size === 0) return;
  const flags = constants.O_RDONLY | constants.O_NONBLOCK;
  const handle = await open(path, flags);
  try {
    const stream = handle.createReadStream({
      start: 0,
      end: size - 1,
      autoClose: false,
    });
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const TAMPERED = 'it is corrupt or was tampered with';

/** A verified stream of a stored file. */
export function verifiedStream(
  file: StoredFile,
  descriptor: Descriptor,
  where: string,
): Readable {
  const source = file.open();
  const verifier = new VerifyingStream(descriptor, where, TAMPERED);
  source.on('error', (error) => verifier.destroy(error));
  verifier.on('close', () => source.destroy());
  return source.pipe(verifier);
}

/** Reads a small file of a store whole; undefined when it is absent. */
export async function readStoredFile(
  store: BlobStore,
  path: string,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const file = await store.stat(path);
  if (file === undefined) return undefined;
  const where = `${store.name}: ${path}`;
  if (file.size > maxBytes) throw tooLarge(where, maxBytes);
  return readCapped(file.open(), maxBytes, where);
}
