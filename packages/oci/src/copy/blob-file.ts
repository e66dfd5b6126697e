import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VerifyingStream } from '../blob-check';
import { hasherFor, splitDigest, type Digest } from '../digest';
import { OciError } from '../errors';
import type { Descriptor } from '../types';

/** The digest of bytes, with the algorithm of `like`. */
export function digestWith(bytes: Uint8Array, like: Digest): string {
  const { algorithm } = splitDigest(like);
  return `${algorithm}:${hasherFor(like).update(bytes).digest('hex')}`;
}

const NOTHING_WRITTEN = 'nothing was written';

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
      new VerifyingStream(descriptor, where, NOTHING_WRITTEN),
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
      new VerifyingStream(descriptor, path, NOTHING_WRITTEN),
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
