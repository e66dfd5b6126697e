import { parseDigest, type Digest } from '../digest';
import { OciError } from '../errors';
import {
  isImageManifestMediaType,
  isIndexMediaType,
  MediaType,
} from '../media-types';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from '../types';
import { shorten } from './names';

/** A manifest as fetched and checked: its bytes, digest and meaning. */
export type FetchedManifest = {
  digest: Digest;
  mediaType: string;
  bytes: Uint8Array;
} & (
  | { kind: 'image'; manifest: ImageManifest }
  | { kind: 'index'; index: ImageIndex }
);

/** The caps a parsed manifest must respect. */
export interface ManifestCaps {
  indexChildren: number;
  layers: number;
}

type Json = Record<string, unknown>;

const SCHEMA1 = new Set<string>([
  MediaType.dockerSchema1,
  MediaType.dockerSchema1Signed,
]);

/**
 * Parses and checks manifest bytes against the `Content-Type` they came
 * with: schema 1 is refused, `mediaType` must agree with the header, a
 * document may not hold both `layers` and `manifests`, counts are capped
 * before any descriptor is built, and every descriptor is validated.
 */
export function parseManifest(
  bytes: Uint8Array,
  digest: Digest,
  headerType: string | undefined,
  caps: ManifestCaps,
): FetchedManifest {
  const where = `manifest ${digest}`;
  const doc = parseJson(bytes, where);
  checkSchema(doc, headerType, where);
  const mediaType = mediaTypeOf(doc, headerType, where);
  const base = { digest, mediaType, bytes };
  return isIndexMediaType(mediaType)
    ? { ...base, kind: 'index', index: toIndex(doc, mediaType, caps, where) }
    : {
        ...base,
        kind: 'image',
        manifest: toManifest(doc, mediaType, caps, where),
      };
}

// Limitation: duplicate keys in a manifest are not detected; JSON.parse
// keeps the last one, which may differ from what another parser reads.
function parseJson(bytes: Uint8Array, where: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad(where, 'is not valid JSON');
  }
  if (!isObject(value)) throw bad(where, 'is not a JSON object');
  return value;
}

function checkSchema(
  doc: Json,
  headerType: string | undefined,
  where: string,
): void {
  const schema1 =
    doc.schemaVersion === 1 ||
    (headerType !== undefined && SCHEMA1.has(headerType));
  if (schema1) {
    throw new OciError(
      'unsupported',
      `${where} is a Docker schema 1 manifest, which is deprecated and unsupported; rebuild or re-push the image with a current docker, buildah or skopeo`,
    );
  }
  if (doc.schemaVersion !== 2) {
    throw bad(where, 'has no schemaVersion 2');
  }
  if ('layers' in doc && 'manifests' in doc) {
    throw bad(
      where,
      "holds both 'layers' and 'manifests'; refusing an ambiguous document",
    );
  }
}

function mediaTypeOf(
  doc: Json,
  headerType: string | undefined,
  where: string,
): string {
  const field = doc.mediaType;
  if (field !== undefined && typeof field !== 'string') {
    throw bad(where, 'has a mediaType that is not a string');
  }
  const header = isManifestType(headerType) ? headerType : undefined;
  if (field !== undefined && header !== undefined && field !== header) {
    throw bad(
      where,
      `says mediaType '${shorten(field)}' but was served as '${header}'`,
    );
  }
  const chosen = field ?? header ?? inferred(doc);
  if (!isManifestType(chosen)) {
    throw new OciError(
      'unsupported',
      `${where} has media type '${shorten(chosen)}', which is not an image manifest or index`,
    );
  }
  checkShape(doc, chosen, where);
  return chosen;
}

function isManifestType(type: string | undefined): type is string {
  return (
    type !== undefined &&
    (isIndexMediaType(type) || isImageManifestMediaType(type))
  );
}

function inferred(doc: Json): string {
  return 'manifests' in doc ? MediaType.ociIndex : MediaType.ociManifest;
}

function checkShape(doc: Json, mediaType: string, where: string): void {
  const index = isIndexMediaType(mediaType);
  const wrong = index ? 'layers' in doc || 'config' in doc : 'manifests' in doc;
  if (wrong) {
    throw bad(where, `has fields that do not belong in a ${mediaType}`);
  }
}

function toIndex(
  doc: Json,
  mediaType: string,
  caps: ManifestCaps,
  where: string,
): ImageIndex {
  const list = arrayField(doc, 'manifests', caps.indexChildren, where);
  return {
    schemaVersion: 2,
    mediaType,
    manifests: list.map((d, i) => toDescriptor(d, `${where} manifests[${i}]`)),
    ...optionalParts(doc, where),
  };
}

function toManifest(
  doc: Json,
  mediaType: string,
  caps: ManifestCaps,
  where: string,
): ImageManifest {
  const layers = arrayField(doc, 'layers', caps.layers, where);
  return {
    schemaVersion: 2,
    mediaType,
    config: toDescriptor(doc.config, `${where} config`),
    layers: layers.map((d, i) => toDescriptor(d, `${where} layers[${i}]`)),
    ...optionalParts(doc, where),
  };
}

function arrayField(
  doc: Json,
  name: string,
  cap: number,
  where: string,
): unknown[] {
  const value = doc[name];
  if (!Array.isArray(value)) throw bad(where, `has no '${name}' list`);
  if (value.length > cap) {
    throw new OciError(
      'limit',
      `${where} lists ${value.length} ${name}, more than the limit of ${cap}`,
    );
  }
  return value;
}

function optionalParts(
  doc: Json,
  where: string,
): Pick<ImageManifest, 'artifactType' | 'subject' | 'annotations'> {
  return {
    ...(typeof doc.artifactType === 'string'
      ? { artifactType: doc.artifactType }
      : {}),
    ...(doc.subject === undefined
      ? {}
      : { subject: toDescriptor(doc.subject, `${where} subject`) }),
    ...annotationsOf(doc, where),
  };
}

/** Validates one descriptor and copies only its known fields. */
export function toDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw bad(where, 'is not a descriptor object');
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') {
    throw bad(where, 'has no mediaType');
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw bad(where, 'has no valid size');
  }
  return {
    mediaType,
    digest: parseDigest(typeof digest === 'string' ? digest : '', where),
    size,
    ...descriptorExtras(value, where),
  };
}

function descriptorExtras(
  value: Json,
  where: string,
): Omit<Descriptor, 'mediaType' | 'digest' | 'size'> {
  return {
    ...urlsOf(value.urls),
    ...annotationsOf(value, where),
    ...(isObject(value.platform)
      ? { platform: toPlatform(value.platform, where) }
      : {}),
    ...(typeof value.artifactType === 'string'
      ? { artifactType: value.artifactType }
      : {}),
  };
}

function urlsOf(value: unknown): { urls?: string[] } {
  if (!Array.isArray(value)) return {};
  const urls = value.filter((u): u is string => typeof u === 'string');
  return urls.length === value.length ? { urls } : {};
}

function toPlatform(value: Json, where: string): Platform {
  const { os, architecture, variant } = value;
  if (typeof os !== 'string' || typeof architecture !== 'string') {
    throw bad(where, 'has a platform without os and architecture');
  }
  const version = value['os.version'];
  return {
    os,
    architecture,
    ...(typeof variant === 'string' ? { variant } : {}),
    ...(typeof version === 'string' ? { 'os.version': version } : {}),
  };
}

function annotationsOf(
  value: Json,
  where: string,
): { annotations?: Record<string, string> } {
  const raw = value.annotations;
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw bad(where, 'has annotations that are not a map');
  const entries = Object.entries(raw);
  if (!entries.every(([, v]) => typeof v === 'string')) {
    throw bad(where, 'has an annotation that is not a string');
  }
  const annotations = Object.create(null) as Record<string, string>;
  for (const [key, text] of entries) annotations[key] = text as string;
  return { annotations };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(where: string, what: string): OciError {
  return new OciError('bad-manifest', `${where} ${what}`);
}
