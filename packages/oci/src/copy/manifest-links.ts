import { parseDigest } from '../digest';
import { OciError } from '../errors';
import { isImageManifestMediaType, isIndexMediaType } from '../media-types';
import type { Descriptor } from '../types';

/** What a manifest or an index points to, which a copy must bring along. */
export type ManifestLinks =
  | { kind: 'index'; children: Descriptor[] }
  | { kind: 'manifest'; blobs: Descriptor[] };

/** Most children of an index, or layers of a manifest, a copy follows. */
export const MAX_LINKS = 1000;

type Json = Record<string, unknown>;

/**
 * Reads the descriptors a manifest or an index holds, checked before any
 * of them becomes a path or a URL: digests are validated, sizes are whole
 * numbers, counts are capped, and a document whose `mediaType` differs
 * from its descriptor's, or that has both `layers` and `manifests`, is
 * refused (the CVE-2021-41190 class). Only what a copy follows is read;
 * the bytes themselves are copied unchanged.
 */
export function manifestLinks(
  bytes: Uint8Array,
  descriptor: Descriptor,
  where: string,
): ManifestLinks {
  const doc = parseObject(bytes, where);
  if ('layers' in doc && 'manifests' in doc) {
    throw bad(where, "has both 'layers' and 'manifests'");
  }
  const own = doc.mediaType;
  if (own !== undefined && own !== descriptor.mediaType) {
    const said = (typeof own === 'string' ? own : JSON.stringify(own)).slice(
      0,
      80,
    );
    throw bad(
      where,
      `says it is '${said}' but was referenced as '${descriptor.mediaType}'`,
    );
  }
  if (isIndexMediaType(descriptor.mediaType)) {
    return { kind: 'index', children: list(doc.manifests, 'manifests', where) };
  }
  if (isImageManifestMediaType(descriptor.mediaType)) {
    const config = checkDescriptor(doc.config, `${where} config`);
    const layers = list(doc.layers, 'layers', where);
    return { kind: 'manifest', blobs: [config, ...layers] };
  }
  throw new OciError(
    'unsupported',
    `${where}: media type '${descriptor.mediaType}' is neither an image ` +
      'manifest nor an index; it cannot be copied',
  );
}

function parseObject(bytes: Uint8Array, where: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw bad(where, 'is not valid JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(where, 'is not a JSON object');
  }
  const doc = value as Json;
  if (doc.schemaVersion !== 2) throw bad(where, 'is not schemaVersion 2');
  return doc;
}

function list(value: unknown, field: string, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw bad(where, `has no '${field}' list`);
  if (value.length > MAX_LINKS) {
    throw new OciError(
      'limit',
      `${where} lists ${value.length} ${field}, more than ${MAX_LINKS}`,
    );
  }
  return value.map((item, i) =>
    checkDescriptor(item, `${where} ${field}[${i}]`),
  );
}

function checkDescriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== 'object' || value === null) {
    throw bad(where, 'is not a descriptor');
  }
  const { mediaType, digest, size, urls } = value as Json;
  if (typeof mediaType !== 'string' || mediaType === '') {
    throw bad(where, 'has no mediaType');
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw bad(where, 'has no valid size');
  }
  const descriptor: Descriptor = {
    mediaType,
    digest: parseDigest(String(digest), where),
    size,
  };
  if (Array.isArray(urls) && urls.length > 0) {
    descriptor.urls = urls.map(String);
  }
  return descriptor;
}

function bad(where: string, what: string, cause?: unknown): OciError {
  return new OciError(
    'bad-manifest',
    `${where} ${what}`,
    cause === undefined ? undefined : { cause },
  );
}
