import type { Logger } from '@imagegate/findings';
import { readConfig } from '../config';
import type { Digest } from '../digest';
import { parseManifestDocument } from '../documents';
import { OciError } from '../errors';
import {
  checkPlatform,
  platformOf,
  runnerPlatform,
  selectManifests,
} from '../platform';
import type { PlatformChoice, ResolvedImage } from '../source';
import type { Descriptor, ImageConfig, ImageIndex } from '../types';
import { manifestCaps, type SourceLimits } from './limits';

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
    manifestCaps(context.limits),
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
  const chosen = selectManifests(
    index,
    choice ?? runnerPlatform(),
    context.logger,
    where,
  );
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
  const config = await configOf(context, manifest.config);
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

function configOf(
  context: ResolveContext,
  descriptor: Descriptor,
): Promise<ImageConfig> {
  return readConfig(
    descriptor,
    `${context.name}: config ${descriptor.digest.slice(0, 19)}`,
    (maxBytes) => context.reader.readBlob(descriptor, maxBytes),
    context,
  );
}
