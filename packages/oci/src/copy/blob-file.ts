import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import {
  Transform,
  Writable,
  type Readable,
  type TransformCallback,
} from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hasherFor, splitDigest, type Digest } from '../digest';
import { OciError } from '../errors';
import type { Descriptor } from '../types';

/** The digest of bytes, with the algorithm of `like`. */
export function digestWith(bytes: Uint8Array, like: Digest): string {
  const { algorithm } = splitDigest(like);
  return `${algorithm}:${hasherFor(like).update(bytes).digest('hex')}`;
}

/** Reads a whole stream, failing past `maxBytes`. */
export async function readCapped(
  stream: Readable,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > maxBytes) {
        throw new OciError(
          'too-large',
          `${what} is larger than the ${maxBytes}-byte limit`,
        );
      }
      chunks.push(buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/**
 * Counts and hashes the bytes passing through, and fails as soon as more
 * than the descriptor's size go by, or at the end when the size or the
 * digest differ.
 */
class Checker extends Transform {
  private readonly hash;
  private seen = 0;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly where: string,
  ) {
    super();
    this.hash = hasherFor(descriptor.digest);
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: TransformCallback,
  ): void {
    this.seen += chunk.length;
    if (this.seen > this.descriptor.size) {
      callback(this.mismatch(`is longer than ${this.descriptor.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { size, digest } = this.descriptor;
    if (this.seen !== size) {
      callback(this.mismatch(`has ${this.seen} bytes, not ${size}`));
      return;
    }
    const actual = `${splitDigest(digest).algorithm}:${this.hash.digest('hex')}`;
    callback(actual === digest ? null : this.mismatch(`hashes to ${actual}`));
  }

  private mismatch(what: string): OciError {
    return new OciError(
      'digest-mismatch',
      `${this.where}: blob ${this.descriptor.digest} ${what}; nothing was written`,
    );
  }
}

/**
 * Streams a blob into a new file (never an existing one), checking its
 * size and digest on the way; the file is removed when anything fails.
 */
export async function writeVerified(
  stream: Readable,
  descriptor: Descriptor,
  path: string,
  where: string,
): Promise<void> {
  try {
    await pipeline(
      stream,
      new Checker(descriptor, where),
      createWriteStream(path, { flags: 'wx', mode: 0o644 }),
    );
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

/**
 * Whether a regular file holds exactly the blob (size and digest). A
 * symbolic link, FIFO or device there does not, and is never opened.
 */
export async function holdsBlob(
  path: string,
  descriptor: Descriptor,
): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  if (info?.isFile() !== true || info.size !== descriptor.size) return false;
  try {
    await pipeline(
      createReadStream(path),
      new Checker(descriptor, path),
      new Writable({
        write: (_chunk, _encoding, done) => {
          done();
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof OciError) return false;
    if ((error as { code?: unknown }).code === 'ENOENT') return false;
    throw error;
  }
}
