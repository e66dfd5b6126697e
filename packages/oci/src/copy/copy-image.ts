import { silentLogger, type Logger } from '@imagegate/findings';
import { sha256Digest, type Digest } from '../digest';
import { OciError } from '../errors';
import {
  isImageManifestMediaType,
  isIndexMediaType,
  MediaType,
} from '../media-types';
import type { ImageLocation } from '../reference-location';
import type { ImageSource, PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor } from '../types';
import type { BlobOrigin, BlobOutcome, ImageDestination } from './destination';
import { manifestLinks } from './manifest-links';

/** A source a copy can read manifests and indexes from, exactly. */
export interface CopySource extends ImageSource {
  readonly location: ImageLocation;
  readManifest(digest: Digest, size?: number): Promise<Uint8Array>;
}

/** How to copy. */
export interface CopyOptions {
  /**
   * The platform to copy (the runner's by default); with `all`, every
   * platform and the index itself, byte for byte.
   */
  platform?: PlatformChoice;
  /** Blobs copied at once; 4 by default. */
  concurrency?: number;
  logger?: Logger;
}

/** What a copy did. */
export interface CopyResult {
  /** The root the destination now names: a manifest, or an index. */
  root: Descriptor;
  /** The image manifests copied, one per platform. */
  manifests: Digest[];
  /** Blobs by what happened to them; foreign layers are `skipped`. */
  blobs: Record<BlobOutcome | 'skipped', number>;
  /** Bytes of the blobs that were copied (not found or mounted). */
  copiedBytes: number;
}

/** Indexes nested inside indexes that a copy follows. */
const MAX_DEPTH = 4;

/**
 * Copies an image from a source to a destination: each blob streamed and
 * verified (or mounted, or found there already), then each manifest by
 * digest, then the root named on `commit`. Digests never change: the
 * manifests and the index are copied as the source holds them. A failure
 * aborts the destination, which removes what it can.
 *
 * Limitation: foreign (non-distributable) layers are not copied, as
 * skopeo does by default; a registry may refuse a manifest whose foreign
 * layers it cannot find.
 *
 * Limitation: a blob read from a registry goes through the blob cache
 * first (the registry client verifies it there), so a pull writes each
 * blob to disk twice and leaves it in the cache; `pnpm bench` compares
 * the cost with skopeo.
 */
export async function copyImage(
  source: CopySource,
  destination: ImageDestination,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const copier = new Copier(source, destination, options);
  try {
    const root = await copier.run(options.platform);
    await destination.commit(root);
    return copier.result(root);
  } catch (error) {
    await destination.abort().catch((cleanup: unknown) => {
      const why = cleanup instanceof Error ? cleanup.message : String(cleanup);
      options.logger?.warning(
        `${destination.name}: cleaning up failed: ${why}`,
      );
    });
    throw error;
  }
}

class Copier {
  private readonly blobs = new Map<Digest, Promise<void>>();
  private readonly manifests = new Map<Digest, Promise<void>>();
  private readonly images: Digest[] = [];
  private readonly counts = { existed: 0, mounted: 0, copied: 0, skipped: 0 };
  private copiedBytes = 0;
  /** The first failure; blobs still queued are not started after it. */
  private failure: Error | undefined;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly logger: Logger;
  private readonly origin: BlobOrigin | undefined;

  constructor(
    private readonly source: CopySource,
    private readonly destination: ImageDestination,
    options: CopyOptions,
  ) {
    this.limit = limiter(Math.max(1, options.concurrency ?? 4));
    this.logger = options.logger ?? silentLogger;
    const location = source.location;
    this.origin =
      location.kind === 'registry'
        ? {
            registry: location.reference.registry,
            repository: location.reference.repository,
          }
        : undefined;
  }

  /** Copies what the platform choice selects; returns the root. */
  async run(platform: PlatformChoice | undefined): Promise<Descriptor> {
    const images = await this.source.resolve(platform);
    const [first] = images;
    if (first === undefined) {
      throw new OciError('not-found', `${this.source.name}: no image`);
    }
    if (platform !== 'all' || (images.length === 1 && !first.index)) {
      return this.image(first);
    }
    const parents = new Set(images.map((image) => image.index?.digest));
    const index = first.index;
    if (parents.size === 1 && index !== undefined) {
      const bytes = await this.source.readManifest(index.digest);
      const root = {
        mediaType: indexType(index.index.mediaType),
        digest: index.digest,
        size: bytes.length,
      };
      await this.tree(root, bytes, 0);
      return root;
    }
    return this.newIndex(images);
  }

  result(root: Descriptor): CopyResult {
    return {
      root,
      manifests: [...this.images],
      blobs: { ...this.counts },
      copiedBytes: this.copiedBytes,
    };
  }

  /** Copies one resolved image: its blobs, then its manifest. */
  private async image(image: ResolvedImage): Promise<Descriptor> {
    const descriptor = {
      mediaType: manifestType(image.manifest.mediaType),
      digest: image.digest,
      size: image.manifestBytes.length,
    };
    const { config, layers } = image.manifest;
    await settled([config, ...layers].map((blob) => this.blob(blob)));
    await this.destination.putManifest(descriptor, image.manifestBytes);
    this.images.push(image.digest);
    return descriptor;
  }

  /**
   * Copies a manifest or an index and all it points to, the children
   * before their parent, so a registry never sees a dangling reference.
   */
  private tree(
    descriptor: Descriptor,
    known: Uint8Array | undefined,
    depth: number,
  ): Promise<void> {
    let pending = this.manifests.get(descriptor.digest);
    if (pending === undefined) {
      pending = this.copyTree(descriptor, known, depth);
      this.manifests.set(descriptor.digest, pending);
    }
    return pending;
  }

  private async copyTree(
    descriptor: Descriptor,
    known: Uint8Array | undefined,
    depth: number,
  ): Promise<void> {
    const where = `${this.source.name}: ${isIndexMediaType(descriptor.mediaType) ? 'index' : 'manifest'} ${descriptor.digest}`;
    if (depth > MAX_DEPTH) {
      throw new OciError(
        'limit',
        `${where} is nested more than ${MAX_DEPTH} indexes deep`,
      );
    }
    const bytes =
      known ??
      (await this.source.readManifest(descriptor.digest, descriptor.size));
    const links = manifestLinks(bytes, descriptor, where);
    if (links.kind === 'index') {
      await settled(
        links.children.map((child) => this.tree(child, undefined, depth + 1)),
      );
    } else {
      await settled(links.blobs.map((blob) => this.blob(blob)));
      this.images.push(descriptor.digest);
    }
    await this.destination.putManifest(descriptor, bytes);
  }

  /**
   * Several images with no one index over them (an OCI layout listing
   * each platform in its `index.json`): a new index over them is made.
   *
   * Limitation: that index, and so the root digest, is new; and images
   * under nested indexes are flattened into it the same way.
   */
  private async newIndex(images: ResolvedImage[]): Promise<Descriptor> {
    const manifests: Descriptor[] = [];
    for (const image of images) {
      const descriptor = await this.image(image);
      manifests.push(
        image.platform
          ? { ...descriptor, platform: image.platform }
          : descriptor,
      );
    }
    const bytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests,
      }),
    );
    const root = {
      mediaType: MediaType.ociIndex,
      digest: sha256Digest(bytes),
      size: bytes.length,
    };
    this.logger.warning(
      `${this.source.name}: its ${images.length} platforms are not under ` +
        `one index; a new index ${root.digest} lists them`,
    );
    await this.destination.putManifest(root, bytes);
    return root;
  }

  /** Copies a blob once, however many manifests share it. */
  private blob(descriptor: Descriptor): Promise<void> {
    let pending = this.blobs.get(descriptor.digest);
    if (pending === undefined) {
      pending = this.limit(() => this.copyBlob(descriptor));
      this.blobs.set(descriptor.digest, pending);
    }
    return pending;
  }

  private async copyBlob(descriptor: Descriptor): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    try {
      await this.putBlob(descriptor);
    } catch (error) {
      this.failure ??=
        error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }

  private async putBlob(descriptor: Descriptor): Promise<void> {
    if (isForeign(descriptor)) {
      this.counts.skipped += 1;
      this.logger.warning(
        `${this.source.name}: foreign layer ${descriptor.digest} is not copied`,
      );
      return;
    }
    const outcome = await this.destination.putBlob(
      descriptor,
      () => this.source.openBlob(descriptor),
      this.origin,
    );
    this.counts[outcome] += 1;
    if (outcome === 'copied') this.copiedBytes += descriptor.size;
    this.logger.debug(
      `${this.destination.name}: ${descriptor.digest} ${outcome}`,
    );
  }
}

/**
 * Waits for every task to settle, then fails with the first failure, so
 * nothing is still writing when the destination is aborted.
 */
async function settled(tasks: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** An index's media type; OCI's when the document names none. */
function indexType(mediaType: string): string {
  return isIndexMediaType(mediaType) ? mediaType : MediaType.ociIndex;
}

/** A manifest's media type; OCI's when the document names none. */
function manifestType(mediaType: string): string {
  return isImageManifestMediaType(mediaType)
    ? mediaType
    : MediaType.ociManifest;
}

function isForeign(descriptor: Descriptor): boolean {
  return (
    (descriptor.urls?.length ?? 0) > 0 ||
    descriptor.mediaType === MediaType.dockerForeignLayerGzip ||
    descriptor.mediaType.includes('.nondistributable.')
  );
}

/** Runs at most `count` tasks at once, the others in arrival order. */
function limiter(count: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= count) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
