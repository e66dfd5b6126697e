import type { Logger } from '@imagegate/findings';
import type { Digest } from '../digest';
import { OciError } from '../errors';
import { MediaType } from '../media-types';
import type { PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor, ImageConfig, ImageIndex, Platform } from '../types';
import { parseConfig, placeholderConfig } from './config';
import { parseManifestDocument } from './documents';
import type { SourceLimits } from './limits';
import { formatPlatform, platformFit, selectManifests } from './platform';

/** Reads whole blobs, verified against their descriptors. */
export interface BlobReader {
  /** The blob's bytes; refused before reading when over `maxBytes`. */
  readBlob(descriptor: Descriptor, maxBytes: number): Promise<Uint8Array>;
}

/** What resolution needs from its source. */
export interface ResolveContext {
  reader: BlobReader;
  limits: SourceLimits;
  logger: Logger;
  /** The source's name, for messages. */
  name: string;
}

const CONFIG_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociConfig,
  MediaType.dockerConfig,
]);

/**
 * Resolves a descriptor to images: a manifest gives one, an index gives
 * the manifests chosen for the platform (every platform with `all`),
 * through nested indexes up to `maxIndexDepth`. An explicit platform that
 * a lone manifest's config contradicts is refused.
 */
export async function resolveDescriptor(
  context: ResolveContext,
  descriptor: Descriptor,
  choice: PlatformChoice | undefined,
): Promise<ResolvedImage[]> {
  return resolveAt(context, descriptor, choice, 0, undefined);
}

async function resolveAt(
  context: ResolveContext,
  descriptor: Descriptor,
  choice: PlatformChoice | undefined,
  depth: number,
  parent: { digest: Digest; index: ImageIndex } | undefined,
): Promise<ResolvedImage[]> {
  const where = `${context.name}: ${descriptor.digest.slice(0, 19)}`;
  const bytes = await context.reader.readBlob(
    descriptor,
    context.limits.maxManifestBytes,
  );
  const doc = parseManifestDocument(
    bytes,
    descriptor.mediaType,
    `${where} manifest`,
    context.limits,
  );
  if (doc.kind === 'index') {
    return resolveIndex(context, doc.index, descriptor, choice, depth);
  }
  const image = await imageOf(context, descriptor, doc.manifest, bytes, parent);
  if (parent === undefined) checkPlatform(image.platform, choice, where);
  return [image];
}

/** Resolves the chosen children of an index. */
export async function resolveIndex(
  context: ResolveContext,
  index: ImageIndex,
  descriptor: Descriptor | undefined,
  choice: PlatformChoice | undefined,
  depth: number,
): Promise<ResolvedImage[]> {
  const where =
    descriptor === undefined
      ? context.name
      : `${context.name}: index ${descriptor.digest.slice(0, 19)}`;
  if (depth >= context.limits.maxIndexDepth) {
    throw new OciError(
      'limit',
      `${where}: indexes are nested more than ${context.limits.maxIndexDepth} deep`,
    );
  }
  const chosen = selectManifests(index, choice, {
    where,
    logger: context.logger,
    explicit: choice !== undefined,
  });
  const parent =
    descriptor === undefined ? undefined : { digest: descriptor.digest, index };
  const images: ResolvedImage[] = [];
  for (const child of chosen) {
    images.push(
      ...(await resolveAt(context, child, choice, depth + 1, parent)),
    );
  }
  return images;
}

async function imageOf(
  context: ResolveContext,
  descriptor: Descriptor,
  manifest: ResolvedImage['manifest'],
  manifestBytes: Uint8Array,
  parent: { digest: Digest; index: ImageIndex } | undefined,
): Promise<ResolvedImage> {
  const config = await readConfig(context, manifest.config);
  const image: ResolvedImage = {
    digest: descriptor.digest,
    manifest,
    manifestBytes,
    config,
    configDigest: manifest.config.digest,
    platform: descriptor.platform ?? platformOf(config),
  };
  if (parent !== undefined) image.index = parent;
  return image;
}

/**
 * Reads and parses a config. One past `maxConfigBytes` is not read: a
 * placeholder without diff IDs stands in, with a warning, and the scan
 * goes on.
 */
export async function readConfig(
  context: ResolveContext,
  descriptor: Descriptor,
): Promise<ImageConfig> {
  const where = `${context.name}: config ${descriptor.digest.slice(0, 19)}`;
  if (!CONFIG_TYPES.has(descriptor.mediaType)) {
    throw new OciError(
      'unsupported',
      `${where}: media type '${descriptor.mediaType}' is not a container image config`,
    );
  }
  if (descriptor.size > context.limits.maxConfigBytes) {
    context.logger.warning(
      `${where} is ${descriptor.size} bytes, past the ` +
        `${context.limits.maxConfigBytes}-byte limit; it is not read, and ` +
        'layers are not checked against its diff_ids; the scan goes on',
    );
    return placeholderConfig();
  }
  const bytes = await context.reader.readBlob(
    descriptor,
    context.limits.maxConfigBytes,
  );
  return parseConfig(bytes, where, context.limits, context.logger);
}

/** The platform a config names; undefined when it names none. */
export function platformOf(config: ImageConfig): Platform | undefined {
  if (config.os === '' || config.architecture === '') return undefined;
  const platform: Platform = {
    os: config.os,
    architecture: config.architecture,
  };
  if (config.variant !== undefined) platform.variant = config.variant;
  return platform;
}

/** Refuses an image whose platform contradicts an explicit choice. */
export function checkPlatform(
  platform: Platform | undefined,
  choice: PlatformChoice | undefined,
  where: string,
): void {
  if (choice === undefined || choice === 'all' || platform === undefined) {
    return;
  }
  if (platformFit(choice, platform) !== undefined) return;
  throw new OciError(
    'no-platform',
    `${where} is an image for ${formatPlatform(platform)}, ` +
      `not ${formatPlatform(choice)}`,
  );
}
