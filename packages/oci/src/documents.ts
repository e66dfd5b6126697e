import { parseDigest } from './digest';
import { OciError } from './errors';
import {
  isImageManifestMediaType,
  isIndexMediaType,
  MediaType,
} from './media-types';
import { shorten } from './text';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from './types';

/** A JSON object from an untrusted document. */
export type JsonObject = Record<string, unknown>;

/** A manifest or an index, told apart and validated. */
export type ManifestDocument = { mediaType: string } & (
  | { kind: 'image'; manifest: ImageManifest }
  | { kind: 'index'; index: ImageIndex }
);

/** The caps a manifest or index must respect. */
export interface ManifestCaps {
  /** Layers of one manifest. */
  layers: number;
  /** Children of one index. */
  indexChildren: number;
}

const MiB = 1024 * 1024;

/**
 * The caps used by the registry client and the local sources where a
 * caller sets none. cosign reads at most 1,000 layers too.
 */
export const DEFAULT_MANIFEST_CAPS: Readonly<
  ManifestCaps & { manifestBytes: number }
> = Object.freeze({
  manifestBytes: 4 * MiB,
  layers: 1000,
  indexChildren: 1000,
});

const SCHEMA1: ReadonlySet<string> = new Set([
  MediaType.dockerSchema1,
  MediaType.dockerSchema1Signed,
]);

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
 * Parses and checks a manifest or index against the media type it was
 * declared with: the `Content-Type` it was served with, or the descriptor
 * that pointed to it. Schema 1 is refused; a `mediaType` that differs from
 * the declared one, or a document with both `layers` and `manifests`, is
 * refused (the CVE-2021-41190 class); counts are capped before any
 * descriptor is built, and every descriptor is validated.
 */
export function parseManifestDocument(
  bytes: Uint8Array,
  declaredType: string | undefined,
  where: string,
  caps: ManifestCaps,
): ManifestDocument {
  const doc = parseJson(bytes, where);
  if (!isObject(doc)) throw bad(where, 'is not a JSON object');
  checkSchema(doc, declaredType, where);
  const mediaType = mediaTypeOf(doc, declaredType, where);
  if (isIndexMediaType(mediaType)) {
    const index = toIndex(doc, mediaType, caps, where);
    return { kind: 'index', mediaType, index };
  }
  const manifest = toManifest(doc, mediaType, caps, where);
  return { kind: 'image', mediaType, manifest };
}

/** True for the media types of a manifest, an index or schema 1. */
export function isManifestDocumentType(type: string | undefined): boolean {
  return type !== undefined && (isManifestType(type) || SCHEMA1.has(type));
}

function checkSchema(
  doc: JsonObject,
  declaredType: string | undefined,
  where: string,
): void {
  const schema1 =
    doc.schemaVersion === 1 ||
    (declaredType !== undefined && SCHEMA1.has(declaredType));
  if (schema1) {
    throw new OciError(
      'unsupported',
      `${where} is a Docker schema 1 manifest, which is deprecated and ` +
        'unsupported; rebuild or re-push the image with a current docker, ' +
        'buildah or skopeo',
    );
  }
  if (doc.schemaVersion !== 2) throw bad(where, 'has no schemaVersion 2');
  if ('layers' in doc && 'manifests' in doc) {
    throw bad(
      where,
      "holds both 'layers' and 'manifests'; refusing an ambiguous document",
    );
  }
}

function mediaTypeOf(
  doc: JsonObject,
  declaredType: string | undefined,
  where: string,
): string {
  const own = doc.mediaType;
  if (own !== undefined && typeof own !== 'string') {
    throw bad(where, 'has a mediaType that is not a string');
  }
  if (own !== undefined && declaredType !== undefined && own !== declaredType) {
    throw bad(
      where,
      `says mediaType '${shorten(own)}' but was served or referenced as ` +
        `'${shorten(declaredType)}'`,
    );
  }
  const chosen = own ?? declaredType ?? inferred(doc);
  if (!isManifestType(chosen)) {
    throw new OciError(
      'unsupported',
      `${where} has media type '${shorten(chosen)}', which is not an image ` +
        'manifest or index',
    );
  }
  checkShape(doc, chosen, where);
  return chosen;
}

function isManifestType(type: string): boolean {
  return isIndexMediaType(type) || isImageManifestMediaType(type);
}

function inferred(doc: JsonObject): string {
  return 'manifests' in doc ? MediaType.ociIndex : MediaType.ociManifest;
}

function checkShape(doc: JsonObject, mediaType: string, where: string): void {
  const index = isIndexMediaType(mediaType);
  const wrong = index ? 'layers' in doc || 'config' in doc : 'manifests' in doc;
  if (wrong) {
    throw bad(where, `has fields that do not belong in a ${mediaType}`);
  }
}

function toIndex(
  doc: JsonObject,
  mediaType: string,
  caps: ManifestCaps,
  where: string,
): ImageIndex {
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType,
    manifests: descriptors(doc, 'manifests', caps.indexChildren, where),
  };
  copyOptional(doc, index, where);
  return index;
}

function toManifest(
  doc: JsonObject,
  mediaType: string,
  caps: ManifestCaps,
  where: string,
): ImageManifest {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: parseDescriptor(doc.config, `${where} config`),
    layers: descriptors(doc, 'layers', caps.layers, where),
  };
  copyOptional(doc, manifest, where);
  return manifest;
}

/** A list of descriptors, capped before any of them is built. */
function descriptors(
  doc: JsonObject,
  field: 'layers' | 'manifests',
  max: number,
  where: string,
): Descriptor[] {
  const list = checkedArray(doc[field], field, max, where);
  return list.map((item, i) =>
    parseDescriptor(item, `${where} ${field}[${i}]`),
  );
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
  if (!Array.isArray(value)) throw bad(where, `has no '${field}' list`);
  if (value.length > max) {
    throw new OciError(
      'limit',
      `${where} lists ${value.length} ${field}, more than the limit of ${max}`,
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
  if (!isObject(value)) {
    throw bad(where, 'has a platform that is not an object');
  }
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
  if (!Array.isArray(value) || !value.every((item) => isString(item))) {
    throw bad(where, 'is not a list of strings');
  }
  return value.filter(isString);
}

/** A map of string values, built without a prototype. */
export function stringRecord(
  value: unknown,
  where: string,
): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw bad(where, 'is not an object');
  const record = Object.create(null) as Record<string, string>;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw bad(where, `'${shorten(key)}' is not a string`);
    }
    record[key] = item;
  }
  return record;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function bad(where: string, what: string): OciError {
  return new OciError('bad-manifest', `${where} ${what}`);
}
