import { parseDigest, type Digest } from '../digest';
import type { ManifestCaps } from '../documents';
import { OciError } from '../errors';
import { MANIFEST_MEDIA_TYPES, MediaType } from '../media-types';
import type { Descriptor } from '../types';
import {
  contentLength,
  contentType,
  discard,
  header,
  readCapped,
} from './body';
import type { BlobCache } from './cache';
import { deleteByDigest } from './delete';
import { parseManifest, type FetchedManifest } from './manifest-parse';
import {
  parseManifestRef,
  repositoryPath,
  type ManifestRef,
  type RepositoryRef,
} from './names';
import { pullScope, pushScope } from './scopes';
import type { RegistrySession } from './session';
import type { WireResponse } from './transport';
import { digestOf } from './verify';

/** What manifest calls need. */
export interface ManifestDeps {
  session: RegistrySession;
  cache: BlobCache;
  caps: ManifestCaps & { manifestBytes: number };
}

const ACCEPT = [
  ...MANIFEST_MEDIA_TYPES,
  MediaType.dockerSchema1Signed,
  MediaType.dockerSchema1,
].join(', ');

/** A manifest and the `ETag` it was served with, if any. */
export interface ManifestWithTag {
  manifest: FetchedManifest;
  etag: string | undefined;
}

/**
 * Fetches a manifest by tag or digest and checks its bytes: against the
 * requested digest, against `Docker-Content-Digest`, and against its media
 * type. A manifest fetched by digest comes from the cache when present.
 */
export async function fetchManifest(
  deps: ManifestDeps,
  repo: RepositoryRef,
  reference: string,
  signal: AbortSignal,
): Promise<ManifestWithTag> {
  const ref = parseManifestRef(reference);
  const cached = await fromCache(deps, ref);
  if (cached) return { manifest: cached, etag: undefined };
  const res = await deps.session.expect(
    manifestRequest(repo, reference, 'GET', signal),
    [200],
    `getting manifest ${reference} of ${repo.repository}`,
  );
  const manifest = await readManifest(deps, res, ref, signal);
  await deps.cache.putBytes(manifest.digest, manifest.bytes);
  return { manifest, etag: header(res.headers, 'etag') };
}

/**
 * Looks a manifest up without fetching it; undefined when absent. The
 * descriptor needs `Docker-Content-Digest`, so undefined also when the
 * registry leaves it out.
 */
export async function headManifest(
  deps: ManifestDeps,
  repo: RepositoryRef,
  reference: string,
  signal: AbortSignal,
): Promise<Descriptor | undefined> {
  parseManifestRef(reference);
  const res = await deps.session.expect(
    manifestRequest(repo, reference, 'HEAD', signal),
    [200, 404],
    `looking up manifest ${reference} of ${repo.repository}`,
  );
  await discard(res.body);
  const digest = header(res.headers, 'docker-content-digest');
  const size = contentLength(res.headers);
  if (res.status === 404 || digest === undefined || size === undefined) {
    return undefined;
  }
  return {
    mediaType: contentType(res.headers) ?? MediaType.ociManifest,
    digest: parseDigest(digest, 'Docker-Content-Digest'),
    size,
  };
}

function manifestRequest(
  repo: RepositoryRef,
  reference: string,
  method: 'GET' | 'HEAD',
  signal: AbortSignal,
): Parameters<RegistrySession['request']>[0] {
  return {
    registry: repo.registry,
    method,
    path: repositoryPath(repo, `manifests/${reference}`),
    scopes: [pullScope(repo)],
    headers: { accept: ACCEPT },
    signal,
  };
}

async function fromCache(
  deps: ManifestDeps,
  ref: ManifestRef,
): Promise<FetchedManifest | undefined> {
  if (ref.kind !== 'digest') return undefined;
  const bytes = await deps.cache.readBytes(ref.digest);
  if (bytes === undefined || bytes.length > deps.caps.manifestBytes) {
    return undefined;
  }
  return parseManifest(bytes, ref.digest, undefined, deps.caps);
}

async function readManifest(
  deps: ManifestDeps,
  res: WireResponse,
  ref: ManifestRef,
  signal: AbortSignal,
): Promise<FetchedManifest> {
  const what = `manifest ${ref.kind === 'tag' ? ref.tag : ref.digest}`;
  const bytes = await readCapped(res, deps.caps.manifestBytes, what, signal);
  const digest = checkDigests(
    bytes,
    ref,
    header(res.headers, 'docker-content-digest'),
  );
  return parseManifest(bytes, digest, contentType(res.headers), deps.caps);
}

/**
 * The manifest's digest, after checking the bytes against the digest
 * asked for and the one the registry claims in `Docker-Content-Digest`.
 */
export function checkDigests(
  bytes: Uint8Array,
  ref: ManifestRef,
  claimed: string | undefined,
): Digest {
  const stated =
    claimed === undefined
      ? undefined
      : parseDigest(claimed, 'Docker-Content-Digest');
  if (stated !== undefined && digestOf(bytes, stated) !== stated) {
    throw mismatch(`Docker-Content-Digest ${stated}`, digestOf(bytes, stated));
  }
  if (ref.kind === 'tag') return stated ?? digestOf(bytes);
  const actual = digestOf(bytes, ref.digest);
  if (actual !== ref.digest) throw mismatch(`manifest ${ref.digest}`, actual);
  return actual;
}

function mismatch(what: string, actual: string): OciError {
  return new OciError(
    'digest-mismatch',
    `${what} does not match the manifest bytes (${actual}); refusing it`,
  );
}

/** What a manifest upload answered. */
export interface PutManifestResult {
  digest: Digest;
  /** True when the registry indexed the `subject` (`OCI-Subject`). */
  subjectIndexed: boolean;
}

/** Uploads a manifest under a tag or its digest. */
export async function putManifest(
  deps: ManifestDeps,
  repo: RepositoryRef,
  reference: string,
  manifest: { bytes: Uint8Array; mediaType: string },
  extra: { signal: AbortSignal; headers?: Record<string, string> },
): Promise<PutManifestResult> {
  const ref = parseManifestRef(reference);
  const digest = checkDigests(manifest.bytes, ref, undefined);
  const res = await deps.session.expect(
    {
      registry: repo.registry,
      method: 'PUT',
      path: repositoryPath(repo, `manifests/${reference}`),
      scopes: [pushScope(repo)],
      headers: { 'content-type': manifest.mediaType, ...extra.headers },
      body: manifest.bytes,
      signal: extra.signal,
    },
    [201],
    `pushing manifest ${reference} to ${repo.repository}`,
  );
  await discard(res.body);
  checkDigests(
    manifest.bytes,
    { kind: 'digest', digest },
    header(res.headers, 'docker-content-digest'),
  );
  const subject = header(res.headers, 'oci-subject');
  return { digest, subjectIndexed: subject !== undefined };
}

/** Deletes a manifest by digest (tags cannot be deleted portably). */
export async function deleteManifest(
  deps: ManifestDeps,
  repo: RepositoryRef,
  digest: Digest,
  signal: AbortSignal,
): Promise<void> {
  await deleteByDigest(deps.session, repo, 'manifest', digest, signal);
  await deps.cache.remove(digest);
}
