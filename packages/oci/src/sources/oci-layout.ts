import type { Readable } from 'node:stream';
import { silentLogger, type Logger } from '@imagegate/findings';
import { readCapped } from '../blob-check';
import { isObject, parseJson, parseManifestDocument } from '../documents';
import { OciError } from '../errors';
import { MediaType } from '../media-types';
import type { ImageSource, PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor, ImageIndex } from '../types';
import { TarArchiveStore } from './archive-store';
import {
  blobPath,
  DirectoryStore,
  readStoredFile,
  verifiedStream,
  type BlobStore,
} from './blob-store';
import { manifestCaps, sourceLimits, type SourceLimits } from './limits';
import {
  resolveDescriptor,
  resolveIndex,
  type ResolveContext,
} from './resolver';

/** Options every local source takes. */
export interface LocalSourceOptions {
  logger?: Logger;
  /** Caps to change from `DEFAULT_SOURCE_LIMITS`. */
  limits?: Partial<SourceLimits>;
}

/** Options of an OCI layout or OCI archive. */
export interface OciSourceOptions extends LocalSourceOptions {
  /** The `org.opencontainers.image.ref.name` to choose. */
  tag?: string;
}

/** The annotation that names an image in an OCI layout. */
export const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Reads an OCI image layout from a store: `oci-layout`, `index.json` and
 * digest-verified blobs. Shared by OCI layouts, OCI archives and Docker 25
 * archives, which hold a layout too.
 */
export class OciLayoutReader {
  readonly context: ResolveContext;

  constructor(
    readonly store: BlobStore,
    limits: SourceLimits,
    logger: Logger,
  ) {
    this.context = { reader: this, limits, logger, name: store.name };
  }

  /** Reads `index.json` after checking the `oci-layout` marker. */
  async index(): Promise<ImageIndex> {
    const { limits } = this.context;
    const marker = await readStoredFile(this.store, 'oci-layout', 4096);
    if (marker === undefined) {
      throw new OciError(
        'bad-archive',
        `${this.store.name} is not an OCI image layout: it has no oci-layout file`,
      );
    }
    this.checkMarker(marker);
    const bytes = await readStoredFile(
      this.store,
      'index.json',
      limits.maxManifestBytes,
    );
    if (bytes === undefined) {
      throw new OciError('bad-archive', `${this.store.name} has no index.json`);
    }
    const doc = parseManifestDocument(
      bytes,
      MediaType.ociIndex,
      `${this.store.name}: index.json`,
      manifestCaps(limits),
    );
    if (doc.kind !== 'index') {
      throw new OciError(
        'bad-manifest',
        `${this.store.name}: index.json is not an index`,
      );
    }
    return doc.index;
  }

  /**
   * Resolves the image a tag names, or the only image when there is no
   * tag. Several images under one name (or none) that each name their
   * platform are chosen from as an index; otherwise several images are
   * refused as ambiguous.
   */
  async resolve(
    tag: string | undefined,
    choice: PlatformChoice | undefined,
  ): Promise<ResolvedImage[]> {
    const index = await this.index();
    const candidates = this.candidates(index, tag);
    const [only] = candidates;
    if (candidates.length === 1 && only !== undefined) {
      return resolveDescriptor(this.context, only, choice);
    }
    const names = new Set(
      candidates.map((child) => child.annotations?.[REF_NAME]),
    );
    const onePlatformSet = names.size === 1;
    if (
      onePlatformSet &&
      candidates.every((child) => child.platform !== undefined)
    ) {
      const listed = { ...index, manifests: candidates };
      return resolveIndex(this.context, listed, undefined, choice, 0);
    }
    throw new OciError(
      'ambiguous',
      `${this.store.name} holds ${candidates.length} images; choose one by ` +
        `tag (${tagsOf(index).join(', ') || 'none are tagged'})`,
    );
  }

  /** Reads a whole blob, verified. */
  async readBlob(
    descriptor: Descriptor,
    maxBytes: number,
  ): Promise<Uint8Array> {
    if (descriptor.size > maxBytes) {
      throw new OciError(
        'too-large',
        `${this.store.name}: blob ${descriptor.digest} is ${descriptor.size} ` +
          `bytes, past the ${maxBytes}-byte limit`,
      );
    }
    return readCapped(
      await this.openBlob(descriptor),
      maxBytes,
      this.store.name,
    );
  }

  /** Streams a blob; the stream errors if its bytes do not match. */
  async openBlob(
    descriptor: Descriptor,
    path = blobPath(descriptor),
  ): Promise<Readable> {
    const file = await this.store.stat(path);
    if (file === undefined) {
      const foreign =
        descriptor.urls === undefined
          ? ''
          : ' (a foreign layer; its URLs are not fetched)';
      throw new OciError(
        'not-found',
        `${this.store.name}: blob ${descriptor.digest} is missing${foreign}`,
      );
    }
    if (file.size !== descriptor.size) {
      throw new OciError(
        'digest-mismatch',
        `${this.store.name}: blob ${descriptor.digest} has ${file.size} bytes, ` +
          `not the ${descriptor.size} its descriptor says`,
      );
    }
    return verifiedStream(file, descriptor, this.store.name);
  }

  private candidates(index: ImageIndex, tag: string | undefined): Descriptor[] {
    const named =
      tag === undefined
        ? index.manifests
        : index.manifests.filter(
            (child) => child.annotations?.[REF_NAME] === tag,
          );
    if (named.length === 0) {
      const detail =
        tag === undefined
          ? 'it lists no images'
          : `no image is tagged '${tag}' (tags: ${tagsOf(index).join(', ') || 'none'})`;
      throw new OciError('not-found', `${this.store.name}: ${detail}`);
    }
    const byDigest = new Map<string, Descriptor>();
    for (const child of named) {
      if (!byDigest.has(child.digest)) byDigest.set(child.digest, child);
    }
    if (tag !== undefined && byDigest.size > 1) {
      this.context.logger.warning(
        `${this.store.name}: tag '${tag}' names ${byDigest.size} images; using the first`,
      );
      return [...byDigest.values()].slice(0, 1);
    }
    return [...byDigest.values()];
  }

  private checkMarker(bytes: Uint8Array): void {
    const doc = parseJson(bytes, `${this.store.name}: oci-layout`);
    if (isObject(doc) && typeof doc.imageLayoutVersion === 'string') return;
    throw new OciError(
      'bad-archive',
      `${this.store.name}: oci-layout has no imageLayoutVersion`,
    );
  }
}

function tagsOf(index: ImageIndex): string[] {
  const tags = index.manifests.map((child) => child.annotations?.[REF_NAME]);
  return [...new Set(tags.filter((tag): tag is string => tag !== undefined))];
}

/** An OCI image layout directory: `oci:DIR[:TAG]`. */
export class OciLayoutSource implements ImageSource {
  readonly name: string;
  private readonly reader: OciLayoutReader;

  constructor(
    readonly dir: string,
    private readonly options: OciSourceOptions = {},
  ) {
    this.name = `oci:${dir}${options.tag === undefined ? '' : `:${options.tag}`}`;
    this.reader = new OciLayoutReader(
      new DirectoryStore(dir),
      sourceLimits(options.limits),
      options.logger ?? silentLogger,
    );
  }

  resolve(platform?: PlatformChoice): Promise<ResolvedImage[]> {
    return this.reader.resolve(this.options.tag, platform);
  }

  openBlob(descriptor: Descriptor): Promise<Readable> {
    return this.reader.openBlob(descriptor);
  }

  close(): Promise<void> {
    return this.reader.store.close();
  }
}

/**
 * An OCI layout in a tar file: `oci-archive:FILE[:TAG]`. The archive is
 * indexed in memory and read in place, never extracted.
 */
export class OciArchiveSource implements ImageSource {
  readonly name: string;
  private opened: Promise<OciLayoutReader> | undefined;

  constructor(
    readonly file: string,
    private readonly options: OciSourceOptions = {},
  ) {
    this.name = `oci-archive:${file}${options.tag === undefined ? '' : `:${options.tag}`}`;
  }

  async resolve(platform?: PlatformChoice): Promise<ResolvedImage[]> {
    return (await this.reader()).resolve(this.options.tag, platform);
  }

  async openBlob(descriptor: Descriptor): Promise<Readable> {
    return (await this.reader()).openBlob(descriptor);
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    const reader = await opened?.catch(() => undefined);
    await reader?.store.close();
  }

  private reader(): Promise<OciLayoutReader> {
    this.opened ??= openArchiveReader(this.file, this.options);
    return this.opened;
  }
}

async function openArchiveReader(
  file: string,
  options: LocalSourceOptions,
): Promise<OciLayoutReader> {
  const limits = sourceLimits(options.limits);
  const store = await TarArchiveStore.open(file, limits);
  return new OciLayoutReader(store, limits, options.logger ?? silentLogger);
}
