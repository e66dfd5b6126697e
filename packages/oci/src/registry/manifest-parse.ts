import type { Digest } from '../digest';
import {
  isManifestDocumentType,
  parseManifestDocument,
  type ManifestCaps,
  type ManifestDocument,
} from '../documents';

/** A manifest as fetched and checked: its bytes, digest and meaning. */
export type FetchedManifest = {
  digest: Digest;
  bytes: Uint8Array;
} & ManifestDocument;

/**
 * Parses and checks manifest bytes against the `Content-Type` they came
 * with. A `Content-Type` that names no manifest type (`application/json`
 * from some registries) is not compared with the document's `mediaType`.
 */
export function parseManifest(
  bytes: Uint8Array,
  digest: Digest,
  headerType: string | undefined,
  caps: ManifestCaps,
): FetchedManifest {
  const declared = isManifestDocumentType(headerType) ? headerType : undefined;
  const doc = parseManifestDocument(
    bytes,
    declared,
    `manifest ${digest}`,
    caps,
  );
  return { ...doc, digest, bytes };
}
