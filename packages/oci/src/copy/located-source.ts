import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { readCapped } from '../blob-check';
import { splitDigest, type Digest } from '../digest';
import { OciError } from '../errors';
import type { ImageLocation } from '../reference-location';
import type { RegistryClient } from '../registry/client';
import type { ImageSource, PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor } from '../types';
import { walkLayers } from '../walk/walk';
import { digestWith } from './blob-file';

/** The largest manifest or index read whole. */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

/** The registry client behind a registry source. */
interface RegistryLink {
  client: RegistryClient;
  /** Set when the source made the client, so `close` closes it. */
  owned: RegistryClient | undefined;
}

/**
 * An image source that knows its location and can hand out a manifest or
 * an index exactly as stored, which a copy needs to keep digests. Errors
 * name the image.
 */
export class LocatedImageSource implements ImageSource {
  readonly name: string;

  constructor(
    readonly location: ImageLocation,
    private readonly inner: ImageSource,
    private readonly registry?: RegistryLink,
  ) {
    this.name = inner.name;
  }

  resolve(platform?: PlatformChoice): Promise<ResolvedImage[]> {
    return this.named(() => this.inner.resolve(platform));
  }

  openBlob(descriptor: Descriptor): Promise<Readable> {
    return this.named(() => this.inner.openBlob(descriptor));
  }

  /**
   * A manifest or index by digest, as stored and verified against the
   * digest. `size` is its descriptor's, when known.
   */
  readManifest(digest: Digest, size?: number): Promise<Uint8Array> {
    return this.named(async () => {
      const bytes = await this.rawManifest(digest, size);
      if (size !== undefined && bytes.length !== size) {
        throw new OciError(
          'digest-mismatch',
          `manifest ${digest} has ${bytes.length} bytes, not ${size}`,
        );
      }
      return bytes;
    });
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      await this.registry?.owned?.close();
    }
  }

  private async rawManifest(
    digest: Digest,
    size: number | undefined,
  ): Promise<Uint8Array> {
    const location = this.location;
    switch (location.kind) {
      case 'registry': {
        const { registry, repository } = location.reference;
        const client = this.registry?.client;
        if (client === undefined) {
          throw new OciError('unsupported', 'no registry client was given');
        }
        const fetched = await client.getManifest(
          { registry, repository },
          digest,
        );
        return fetched.bytes;
      }
      case 'oci':
        return this.blobBytes(
          digest,
          size ?? (await layoutBlobSize(location.dir, digest)),
        );
      case 'oci-archive':
        return size === undefined
          ? archiveMember(location.file, digest)
          : this.blobBytes(digest, size);
      case 'docker-archive':
        throw new OciError(
          'unsupported',
          `manifest ${digest} cannot be read from a docker archive`,
        );
    }
  }

  private async blobBytes(digest: Digest, size: number): Promise<Uint8Array> {
    if (size > MANIFEST_MAX_BYTES) {
      throw new OciError(
        'too-large',
        `manifest ${digest} is ${size} bytes, past the ` +
          `${MANIFEST_MAX_BYTES}-byte limit`,
      );
    }
    const descriptor = { mediaType: 'application/json', digest, size };
    const stream = await this.inner.openBlob(descriptor);
    return readCapped(stream, MANIFEST_MAX_BYTES, `manifest ${digest}`);
  }

  /** Runs a step, naming the image in an error that does not. */
  private async named<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw nameImage(error, this.name, this.location);
    }
  }
}

/**
 * The error with the image named, when its message names neither the
 * image nor (for files) the path.
 */
export function nameImage(
  error: unknown,
  name: string,
  location?: ImageLocation,
): unknown {
  if (!(error instanceof OciError)) return error;
  const path =
    location?.kind === 'oci'
      ? location.dir
      : location?.kind === 'registry'
        ? location.reference.name
        : location?.file;
  const named =
    error.message.includes(name) ||
    (path !== undefined && error.message.includes(path));
  if (named) return error;
  return new OciError(error.code, `${name}: ${error.message}`, {
    cause: error,
  });
}

async function layoutBlobSize(dir: string, digest: Digest): Promise<number> {
  const { algorithm, hex } = splitDigest(digest);
  const path = join(dir, 'blobs', algorithm, hex);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new OciError('not-found', `${dir}: blob ${digest} is missing`);
  }
  return info.size;
}

/**
 * A blob of an OCI archive, found by one pass of the safe tar walk: used
 * for the index named by `index.json`, whose size is known only there.
 *
 * Limitation: that pass reads the whole archive once more (decompressing
 * it, if it is compressed) before `--platform all` copies from it.
 */
async function archiveMember(file: string, digest: Digest): Promise<Buffer> {
  const { algorithm, hex } = splitDigest(digest);
  const path = `/blobs/${algorithm}/${hex}`;
  let content: Uint8Array | undefined;
  const result = await walkLayers(
    [{ label: file, open: () => Promise.resolve(createReadStream(file)) }],
    {
      subscribers: [
        {
          name: 'copy',
          paths: [path],
          maxBytes: MANIFEST_MAX_BYTES,
          onFile: (found) => {
            content = found.content;
          },
        },
      ],
    },
  );
  if (!result.complete) {
    const why = result.problems.map((p) => p.message).join('; ');
    throw new OciError('bad-archive', `${file} cannot be read: ${why}`);
  }
  const bytes = Buffer.from(content ?? new Uint8Array(0));
  if (content === undefined || digestWith(bytes, digest) !== digest) {
    throw new OciError(
      'not-found',
      `${file}: manifest ${digest} is missing or corrupt`,
    );
  }
  return bytes;
}
