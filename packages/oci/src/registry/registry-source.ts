import type { Readable } from 'node:stream';
import type { Logger } from '@imagegate/findings';
import { silentLogger } from '@imagegate/findings';
import { isDigest, parseDigest } from '../digest';
import { OciError } from '../errors';
import { MediaType } from '../media-types';
import type { ImageSource, PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor, ImageConfig, Platform } from '../types';
import { RegistryClient } from './client';
import type { FetchedManifest } from './manifest-parse';
import type { RepositoryRef } from './names';
import type { RegistryClientOptions } from './options';
import {
  formatPlatform,
  matchesPlatform,
  runnerPlatform,
  selectManifests,
} from './platform';

/** Where the image is, and the client to reach it with. */
export interface RegistrySourceOptions extends RepositoryRef {
  /** A tag or a digest. */
  reference: string;
  /** A shared client, left open by `close`. */
  client?: RegistryClient;
  /** Options for a client of the source's own, closed by `close`. */
  clientOptions?: RegistryClientOptions;
  logger?: Logger;
}

type ImageManifestFetched = Extract<FetchedManifest, { kind: 'image' }>;

const CONFIG_TYPES = new Set<string>([
  MediaType.ociConfig,
  MediaType.dockerConfig,
]);

/**
 * An image in a registry as an `ImageSource`. A tag is resolved with a
 * HEAD first, so a second scan of an unchanged image finds everything in
 * the cache and downloads nothing. From an index it picks the requested
 * platform (the runner's by default), or every platform with `all`.
 */
export class RegistryImageSource implements ImageSource {
  readonly name: string;
  private readonly client: RegistryClient;
  private readonly ownsClient: boolean;
  private readonly repo: RepositoryRef;
  private readonly logger: Logger;

  constructor(private readonly options: RegistrySourceOptions) {
    this.repo = { registry: options.registry, repository: options.repository };
    const separator = isDigest(options.reference) ? '@' : ':';
    this.name = `${options.registry}/${options.repository}${separator}${options.reference}`;
    this.ownsClient = options.client === undefined;
    this.logger =
      options.logger ?? options.clientOptions?.logger ?? silentLogger;
    this.client = options.client ?? new RegistryClient(options.clientOptions);
  }

  /** Resolves the image to one manifest per selected platform. */
  async resolve(platform?: PlatformChoice): Promise<ResolvedImage[]> {
    const images = await this.resolveAll(platform);
    for (const image of images) {
      const where = formatPlatform(image.platform);
      this.logger.info(`${this.name}: ${image.digest} (${where})`);
    }
    return images;
  }

  private async resolveAll(
    platform: PlatformChoice | undefined,
  ): Promise<ResolvedImage[]> {
    const top = await this.top();
    if (top.kind === 'image') return [await this.single(top, platform)];
    const chosen = selectManifests(
      top.index,
      platform ?? runnerPlatform(),
      this.logger,
      this.name,
    );
    const index = { digest: top.digest, index: top.index };
    return Promise.all(
      chosen.map(async (d) => ({ ...(await this.child(d)), index })),
    );
  }

  /** Opens a layer or other blob, verified against its digest. */
  openBlob(descriptor: Descriptor): Promise<Readable> {
    return this.client.openBlob(this.repo, descriptor);
  }

  /** Closes the client if the source made it. */
  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  private async top(): Promise<FetchedManifest> {
    const reference = this.options.reference;
    if (isDigest(reference))
      return this.client.getManifest(this.repo, reference);
    const head = await this.client.headManifest(this.repo, reference);
    const pinned = head?.digest ?? reference;
    return this.client.getManifest(this.repo, pinned);
  }

  private async single(
    fetched: ImageManifestFetched,
    platform: PlatformChoice | undefined,
  ): Promise<ResolvedImage> {
    const image = await this.withConfig(fetched, undefined);
    const wanted = platform === 'all' ? undefined : platform;
    if (wanted && !matchesPlatform(image.platform as Platform, wanted)) {
      throw new OciError(
        'no-platform',
        `${this.name} is a single-platform image for ${formatPlatform(image.platform)}, not ${formatPlatform(wanted)}`,
      );
    }
    return image;
  }

  // Limitation: an index whose chosen entry is itself an index (nested
  // indexes) is refused rather than followed.
  private async child(descriptor: Descriptor): Promise<ResolvedImage> {
    const fetched = await this.client.getManifest(this.repo, descriptor.digest);
    if (fetched.kind !== 'image') {
      throw new OciError(
        'unsupported',
        `${this.name}: nested index ${descriptor.digest} is not supported`,
      );
    }
    if (
      fetched.mediaType !== descriptor.mediaType ||
      fetched.bytes.length !== descriptor.size
    ) {
      throw new OciError(
        'bad-manifest',
        `${this.name}: manifest ${descriptor.digest} does not match its index entry (media type or size)`,
      );
    }
    return this.withConfig(fetched, descriptor.platform);
  }

  private async withConfig(
    fetched: ImageManifestFetched,
    platform: Platform | undefined,
  ): Promise<ResolvedImage> {
    const descriptor = fetched.manifest.config;
    if (!CONFIG_TYPES.has(descriptor.mediaType)) {
      throw new OciError(
        'unsupported',
        `${this.name}: manifest ${fetched.digest} has config type '${descriptor.mediaType}'; it is not a container image`,
      );
    }
    // Limitation: a config over the configBytes cap (8 MiB) fails the
    // resolve instead of being trimmed with a warning.
    const bytes = await this.client.getBlob(this.repo, descriptor);
    const config = parseConfig(
      bytes,
      `config ${descriptor.digest} of ${this.name}`,
    );
    return {
      digest: fetched.digest,
      manifest: fetched.manifest,
      manifestBytes: fetched.bytes,
      config,
      configDigest: descriptor.digest,
      platform: platform ?? platformOf(config),
    };
  }
}

function platformOf(config: ImageConfig): Platform {
  return {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
}

/** Parses an image config, checking the fields imagegate relies on. */
export function parseConfig(bytes: Uint8Array, where: string): ImageConfig {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new OciError('bad-manifest', `${where} is not valid JSON`);
  }
  const config = value as Partial<ImageConfig> | null;
  if (
    typeof config?.os !== 'string' ||
    typeof config.architecture !== 'string'
  ) {
    throw new OciError('bad-manifest', `${where} has no os and architecture`);
  }
  const diffIds: unknown = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds)) {
    throw new OciError('bad-manifest', `${where} has no rootfs.diff_ids`);
  }
  diffIds.forEach((id, i) =>
    parseDigest(String(id), `${where} diff_ids[${i}]`),
  );
  if (config.history !== undefined && !Array.isArray(config.history)) {
    throw new OciError(
      'bad-manifest',
      `${where} has a history that is not a list`,
    );
  }
  return config as ImageConfig;
}
