import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { parseDigest, splitDigest, type Digest } from '../digest';
import { OciError } from '../errors';
import type { Descriptor } from '../types';
import { digestOf, verifying } from './verify';

// Limitation: the cache never evicts; it grows until its folder is
// removed, and two processes sharing it may both download the same blob.

/**
 * A content-addressed store of blobs and manifests under
 * `ROOT/blobs/ALG/HEX`, written through temporary files and a rename so
 * a reader never sees a partial blob. Digests are validated before they
 * become paths.
 */
export class BlobCache {
  private constructor(
    private readonly root: string,
    private readonly temporary: boolean,
  ) {}

  /** A cache in a folder that outlives the client. */
  static at(root: string): BlobCache {
    return new BlobCache(root, false);
  }

  /**
   * A cache in a temporary folder, made on first write and removed on
   * `close`.
   */
  static temporary(): BlobCache {
    const name = `imagegate-blobs-${randomBytes(8).toString('hex')}`;
    return new BlobCache(join(tmpdir(), name), true);
  }

  /** Where a blob lives (or would). */
  pathOf(digest: Digest): string {
    const { algorithm, hex } = splitDigest(parseDigest(digest));
    return join(this.root, 'blobs', algorithm, hex);
  }

  /** Whether a blob of the right size is present. */
  async has(descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    try {
      const info = await stat(this.pathOf(descriptor.digest));
      return info.isFile() && info.size === descriptor.size;
    } catch {
      return false;
    }
  }

  /** A fresh temporary path inside the cache, on the same filesystem. */
  async tempPath(): Promise<string> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return join(dir, randomBytes(12).toString('hex'));
  }

  /** Moves a verified temporary file into place. */
  async commit(temp: string, digest: Digest): Promise<void> {
    const target = this.pathOf(digest);
    await mkdir(join(target, '..'), { recursive: true });
    await rename(temp, target);
  }

  /** Stores verified bytes. */
  async putBytes(digest: Digest, bytes: Uint8Array): Promise<void> {
    const temp = await this.tempPath();
    await writeFile(temp, bytes);
    await this.commit(temp, digest);
  }

  /** Reads a small blob whole, or undefined if absent or corrupt. */
  async readBytes(digest: Digest): Promise<Buffer | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(digest));
    } catch {
      return undefined;
    }
    if (digestOf(bytes, digest) === digest) return bytes;
    await this.remove(digest);
    return undefined;
  }

  /** Opens a blob as a stream that fails unless its bytes match. */
  open(descriptor: Descriptor): Readable {
    const file = createReadStream(this.pathOf(descriptor.digest));
    const what = `cached blob ${descriptor.digest}`;
    const stream = verifying(file, descriptor, what);
    stream.once('error', (error) => {
      if (isBadContent(error)) void this.remove(descriptor.digest);
    });
    return stream;
  }

  /** Drops a blob, for instance one found corrupt. */
  async remove(digest: Digest): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  /** Removes the folder if it was temporary. */
  async close(): Promise<void> {
    if (this.temporary) {
      await rm(this.root, { recursive: true, force: true });
    }
  }
}

function isBadContent(error: unknown): boolean {
  return (
    error instanceof OciError &&
    (error.code === 'digest-mismatch' || error.code === 'truncated')
  );
}
