import { parseDigest } from '../digest';
import { OciError } from '../errors';
import {
  isImageManifestMediaType,
  isIndexMediaType,
  MediaType,
} from '../media-types';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from '../types';
import type { SourceLimits } from './limits';

/** A JSON object from an untrusted document. */
export type JsonObject = Record<string, unknown>;

/** A manifest or an index, told apart and validated. */
export type ManifestDocument =
  | { kind: 'manifest'; manifest: ImageManifest }
  | { kind: 'index'; index: ImageIndex };

/**
 * Parses JSON bytes, turning syntax errors and stack exhaustion on deep
 * nesting into `OciError('bad-manifest')` that names the document.
 *
 * Limitation: a key that appears twice keeps its last value, as in Go's
 * encoding/json that registries and runtimes use; it is not refused.
 */
export function parseJson(bytes: Uint8Array, where: string): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    const detail =
      error instanceof RangeError ? 'nested too deeply' : 'not valid JSON';
    throw new OciError('bad-manifest', `${where}: ${detail}`, {
      cause: error,
    });
  }
}

/** True for a plain JSON object (not an array or null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a manifest or index against the descriptor that pointed to it.
 * A document whose `mediaType` differs from the descriptor's, or that has
 * both `layers` and `manifests`, is refused (the CVE-2021-41190 class), and
 * counts are checked before any descriptor is copied.
 */
export function parseManifestDocument(
  bytes: Uint8Array,
  descriptorType: string | undefined,
  where: string,
  limits: SourceLimits,
): ManifestDocument {
  const doc = parseJson(bytes, where);
  if (!isObject(doc)) throw bad(where, 'is not a JSON object');
  checkSchemaVersion(doc, where);
  if ('layers' in doc && 'manifests' in doc) {
    throw bad(where, "has both 'layers' and 'manifests'");
  }
  const mediaType = documentMediaType(doc, descriptorType, where);
  if (isIndexMediaType(mediaType) || (mediaType === '' && 'manifests' in doc)) {
    return { kind: 'index', index: parseIndex(doc, mediaType, where, limits) };
  }
  if (isImageManifestMediaType(mediaType) || mediaType === '') {
    const manifest = parseManifest(doc, mediaType, where, limits);
    return { kind: 'manifest', manifest };
  }
  throw new OciError(
    'unsupported',
    `${where}: media type '${mediaType}' is not an image manifest or index`,
  );
}

function checkSchemaVersion(doc: JsonObject, where: string): void {
  if (doc.schemaVersion === 2) return;
  if (doc.schemaVersion === 1) {
    throw new OciError(
      'unsupported',
      `${where}: Docker schema 1 manifests are not supported; ` +
        'rebuild or re-push the image',
    );
  }
  throw bad(where, 'does not have schemaVersion 2');
}

function documentMediaType(
  doc: JsonObject,
  descriptorType: string | undefined,
  where: string,
): string {
  const own = doc.mediaType;
  if (own !== undefined && typeof own !== 'string') {
    throw bad(where, 'has a mediaType that is not a string');
  }
  if (
    own !== undefined &&
    descriptorType !== undefined &&
    own !== descriptorType
  ) {
    throw bad(
      where,
      `says it is '${own}' but was referenced as '${descriptorType}'`,
    );
  }
  return own ?? descriptorType ?? '';
}

function parseManifest(
  doc: JsonObject,
  mediaType: string,
  where: string,
  limits: SourceLimits,
): ImageManifest {
  const layers = checkedArray(doc.layers, 'layers', limits.maxLayers, where);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: mediaType === '' ? MediaType.ociManifest : mediaType,
    config: parseDescriptor(doc.config, `${where} config`),
    layers: layers.map((layer, i) =>
      parseDescriptor(layer, `${where} layer ${i}`),
    ),
  };
  copyOptional(doc, manifest, where);
  return manifest;
}

function parseIndex(
  doc: JsonObject,
  mediaType: string,
  where: string,
  limits: SourceLimits,
): ImageIndex {
  const children = checkedArray(
    doc.manifests,
    'manifests',
    limits.maxIndexChildren,
    where,
  );
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: mediaType === '' ? MediaType.ociIndex : mediaType,
    manifests: children.map((child, i) =>
      parseDescriptor(child, `${where} manifest ${i}`),
    ),
  };
  copyOptional(doc, index, where);
  return index;
}

function copyOptional(
  doc: JsonObject,
  target: ImageManifest | ImageIndex,
  where: string,
): void {
  if (typeof doc.artifactType === 'string') {
    target.artifactType = doc.artifactType;
  }
  if (doc.subject !== undefined) {
    target.subject = parseDescriptor(doc.subject, `${where} subject`);
  }
  const annotations = stringRecord(doc.annotations, `${where} annotations`);
  if (annotations !== undefined) target.annotations = annotations;
}

/** An array field, refused before copying when it holds too many items. */
export function checkedArray(
  value: unknown,
  field: string,
  max: number,
  where: string,
): unknown[] {
  if (!Array.isArray(value)) throw bad(where, `has no '${field}' array`);
  if (value.length > max) {
    throw new OciError(
      'limit',
      `${where}: ${value.length} ${field}, past the limit of ${max}`,
    );
  }
  return value;
}

/**
 * Validates a descriptor and copies only its known fields, so that no
 * unexpected key (`__proto__` included) travels further.
 */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw bad(where, 'is not a descriptor object');
  const { mediaType, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') {
    throw bad(where, 'has no mediaType');
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw bad(where, 'has no valid size');
  }
  const digest = parseDigest(String(value.digest), `${where} digest`);
  const descriptor: Descriptor = { mediaType, digest, size };
  const urls = stringArray(value.urls, `${where} urls`);
  if (urls !== undefined) descriptor.urls = urls;
  const annotations = stringRecord(value.annotations, `${where} annotations`);
  if (annotations !== undefined) descriptor.annotations = annotations;
  if (value.platform !== undefined) {
    descriptor.platform = parsePlatformObject(value.platform, where);
  }
  if (typeof value.artifactType === 'string') {
    descriptor.artifactType = value.artifactType;
  }
  return descriptor;
}

function parsePlatformObject(value: unknown, where: string): Platform {
  if (!isObject(value))
    throw bad(where, 'has a platform that is not an object');
  const { os, architecture, variant } = value;
  if (typeof os !== 'string' || typeof architecture !== 'string') {
    throw bad(where, 'has a platform without os and architecture');
  }
  const platform: Platform = { os, architecture };
  if (typeof variant === 'string' && variant !== '') platform.variant = variant;
  if (typeof value['os.version'] === 'string') {
    platform['os.version'] = value['os.version'];
  }
  return platform;
}

function stringArray(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'string')
  ) {
    throw bad(where, 'is not a list of strings');
  }
  return value.filter((item): item is string => typeof item === 'string');
}

/** A map of string values, built without a prototype. */
export function stringRecord(
  value: unknown,
  where: string,
): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw bad(where, 'is not an object');
  const record: Record<string, string> = Object.create(null) as Record<
    string,
    string
  >;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw bad(where, `'${key}' is not a string`);
    record[key] = item;
  }
  return record;
}

function bad(where: string, what: string): OciError {
  return new OciError('bad-manifest', `${where} ${what}`);
}
