import type { Readable } from 'node:stream';
import type { Logger } from '@imagegate/findings';
import { silentLogger } from '@imagegate/findings';
import { DEFAULT_CONFIG_LIMITS, readConfig } from '../config';
import { isDigest } from '../digest';
import { OciError } from '../errors';
import {
  checkPlatform,
  formatPlatform,
  platformOf,
  runnerPlatform,
  selectManifests,
} from '../platform';
import type { ImageSource, PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor, Platform } from '../types';
import { RegistryClient } from './client';
import type { FetchedManifest } from './manifest-parse';
import type { RepositoryRef } from './names';
import type { RegistryClientOptions } from './options';

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
    checkPlatform(image.platform, platform, this.name);
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
    const { configBytes, layers } = this.client.limits;
    const config = await readConfig(
      descriptor,
      `config ${descriptor.digest} of ${this.name}`,
      (maxBytes) => this.client.getBlob(this.repo, descriptor, { maxBytes }),
      {
        limits: {
          ...DEFAULT_CONFIG_LIMITS,
          maxConfigBytes: configBytes,
          maxLayers: layers,
        },
        logger: this.logger,
      },
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
