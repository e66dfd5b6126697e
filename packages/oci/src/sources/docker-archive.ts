import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { silentLogger, type Logger } from '@imagegate/findings';
import { parseConfig } from '../config';
import { parseDigest, sha256Digest, type Digest } from '../digest';
import { OciError } from '../errors';
import { MediaType } from '../media-types';
import { checkPlatform, platformOf } from '../platform';
import type { ImageSource, PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor, ImageManifest } from '../types';
import { sniffCompression } from '../walk/decompress';
import { TarArchiveStore } from './archive-store';
import { blobPath, readStoredFile, verifiedStream } from './blob-store';
import {
  parseDockerArchiveManifest,
  selectDockerArchiveEntry,
  type DockerArchiveEntry,
} from './docker-manifest';
import { sourceLimits, type SourceLimits } from './limits';
import { OciLayoutReader, type LocalSourceOptions } from './oci-layout';
import { resolveDescriptor } from './resolver';

/** Options of a docker archive. */
export interface DockerArchiveOptions extends LocalSourceOptions {
  /** The `RepoTags` entry to choose in an archive of several images. */
  reference?: string;
  /** The position of the image to choose, from 0. */
  index?: number;
}

/** A layer as the archive holds it. */
interface ArchiveLayer {
  path: string;
  descriptor: Descriptor;
}

/**
 * A `docker save` archive: `docker-archive:FILE`. The archive is indexed
 * in memory and read in place. Older archives have no manifest of their
 * own, so one is made: Docker schema 2 over the config and the layer files
 * as they are (their digests are computed by reading them once). An
 * archive from Docker 25 or later holds an OCI layout too; when it has the
 * manifest of the chosen image, that real manifest and digest are used.
 *
 * Limitation: to describe layers, every layer file is read and hashed
 * once when the image is resolved, and again when it is walked.
 *
 * Limitation: archives from Docker before 1.10 (no `manifest.json`, only
 * `repositories`) are refused.
 */
export class DockerArchiveSource implements ImageSource {
  readonly name: string;
  private readonly limits: SourceLimits;
  private readonly logger: Logger;
  private opened: Promise<TarArchiveStore> | undefined;
  private readonly paths = new Map<Digest, string>();

  constructor(
    readonly file: string,
    private readonly options: DockerArchiveOptions = {},
  ) {
    const suffix =
      options.reference === undefined ? '' : `:${options.reference}`;
    this.name = `docker-archive:${file}${suffix}`;
    this.limits = sourceLimits(options.limits);
    this.logger = options.logger ?? silentLogger;
  }

  async resolve(platform?: PlatformChoice): Promise<ResolvedImage[]> {
    const store = await this.store();
    const entry = await this.entry(store);
    const configBytes = await this.configBytes(store, entry);
    const configDigest = sha256Digest(configBytes);
    const oci = await this.ociImage(store, configDigest);
    const image =
      oci ?? (await this.madeImage(store, entry, configBytes, configDigest));
    checkPlatform(image.platform, platform, this.name);
    return [image];
  }

  async openBlob(descriptor: Descriptor): Promise<Readable> {
    const store = await this.store();
    const path = this.paths.get(descriptor.digest) ?? blobPath(descriptor);
    const file = await store.stat(path);
    if (file === undefined) {
      throw new OciError(
        'not-found',
        `${this.name}: blob ${descriptor.digest} is missing`,
      );
    }
    return verifiedStream(file, descriptor, this.name);
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    const store = await opened?.catch(() => undefined);
    await store?.close();
  }

  private store(): Promise<TarArchiveStore> {
    this.opened ??= TarArchiveStore.open(this.file, this.limits);
    return this.opened;
  }

  private async entry(store: TarArchiveStore): Promise<DockerArchiveEntry> {
    const bytes = await readStoredFile(
      store,
      'manifest.json',
      this.limits.maxManifestBytes,
    );
    if (bytes === undefined) {
      const legacy = store.has('repositories')
        ? ' (an archive from Docker before 1.10, which is not supported)'
        : '';
      throw new OciError(
        'bad-archive',
        `${this.file} is not a docker archive: it has no manifest.json${legacy}`,
      );
    }
    const entries = parseDockerArchiveManifest(
      bytes,
      `${this.file}: manifest.json`,
      this.limits,
    );
    return selectDockerArchiveEntry(entries, this.options, this.file);
  }

  private async configBytes(
    store: TarArchiveStore,
    entry: DockerArchiveEntry,
  ): Promise<Uint8Array> {
    const bytes = await readStoredFile(
      store,
      entry.config,
      this.limits.maxConfigBytes,
    );
    if (bytes === undefined) {
      throw new OciError(
        'bad-archive',
        `${this.file}: config ${entry.config} is missing`,
      );
    }
    const named = digestInName(entry.config);
    const actual = sha256Digest(bytes);
    if (named === undefined || named === actual) return bytes;
    const message = `${this.file}: config ${entry.config} hashes to ${actual}`;
    // A blobs/ path is content-addressed; an older `<id>.json` name is only
    // a label that Docker itself does not check.
    if (entry.config.startsWith('blobs/')) {
      throw new OciError('digest-mismatch', message);
    }
    this.logger.warning(`${message}; its name is not its digest`);
    return bytes;
  }

  /** The real manifest from a Docker 25 archive's OCI layout, if any. */
  private async ociImage(
    store: TarArchiveStore,
    configDigest: Digest,
  ): Promise<ResolvedImage | undefined> {
    if (!store.has('index.json') || !store.has('oci-layout')) return undefined;
    const reader = new OciLayoutReader(store, this.limits, this.logger);
    const index = await reader.index().catch((error: unknown) => {
      this.logger.debug(
        `${this.name}: its index.json is not used: ${String(error)}`,
      );
      return undefined;
    });
    for (const child of index?.manifests ?? []) {
      const images = await resolveDescriptor(
        reader.context,
        child,
        'all',
      ).catch((error: unknown) => {
        this.logger.debug(
          `${this.name}: ${child.digest} is not used: ${String(error)}`,
        );
        return [];
      });
      const found = images.find((image) => image.configDigest === configDigest);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private async madeImage(
    store: TarArchiveStore,
    entry: DockerArchiveEntry,
    configBytes: Uint8Array,
    configDigest: Digest,
  ): Promise<ResolvedImage> {
    const where = `${this.file}: config`;
    const config = parseConfig(configBytes, where, this.logger, this.limits);
    const layers: ArchiveLayer[] = [];
    for (const path of entry.layers) layers.push(await this.layer(store, path));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: {
        mediaType: MediaType.dockerConfig,
        digest: configDigest,
        size: configBytes.length,
      },
      layers: layers.map((layer) => layer.descriptor),
    };
    const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
    this.paths.set(configDigest, entry.config);
    for (const layer of layers)
      this.paths.set(layer.descriptor.digest, layer.path);
    const platform = platformOf(config);
    return {
      digest: sha256Digest(manifestBytes),
      manifest,
      manifestBytes,
      config,
      configDigest,
      platform,
    };
  }

  /** Hashes a layer file once to describe it. */
  private async layer(
    store: TarArchiveStore,
    path: string,
  ): Promise<ArchiveLayer> {
    const file = await store.stat(path);
    if (file === undefined) {
      throw new OciError(
        'bad-archive',
        `${this.file}: layer ${path} is missing`,
      );
    }
    const hash = createHash('sha256');
    let head: Uint8Array | undefined;
    for await (const chunk of file.open()) {
      const bytes = chunk as Buffer;
      head ??= bytes.subarray(0, 4);
      hash.update(bytes);
    }
    const digest = parseDigest(`sha256:${hash.digest('hex')}`);
    const mediaType = layerMediaType(head ?? new Uint8Array(0));
    return { path, descriptor: { mediaType, digest, size: file.size } };
  }
}

function layerMediaType(head: Uint8Array): string {
  switch (sniffCompression(head)) {
    case 'gzip':
      return MediaType.dockerLayerGzip;
    case 'zstd':
      return MediaType.ociLayerZstd;
    case 'none':
      return 'application/vnd.docker.image.rootfs.diff.tar';
  }
}

/** The digest a file name carries: `<hex>.json`, `blobs/sha256/<hex>`, `sha256:<hex>`. */
function digestInName(path: string): Digest | undefined {
  const match = /(?:^|\/)(?:sha256[:/])?([0-9a-f]{64})(?:\.json)?$/.exec(path);
  return match?.[1] === undefined
    ? undefined
    : parseDigest(`sha256:${match[1]}`);
}
