import { parseDigest, splitDigest, type Digest } from '../digest';
import {
  checkedArray,
  isObject,
  parseDescriptor,
  parseJson,
} from '../documents';
import { OciError } from '../errors';
import { MediaType } from '../media-types';
import type { Descriptor, ImageIndex } from '../types';
import { discard, header } from './body';
import type { FetchedManifest } from './manifest-parse';
import { checkDigests, fetchManifest, type ManifestDeps } from './manifests';
import { repositoryPath, type RepositoryRef } from './names';
import { readPages, type PagingDeps } from './pages';
import { pullScope, pushScope } from './scopes';

/** What referrer calls need. */
export interface ReferrersDeps {
  manifests: ManifestDeps;
  paging: PagingDeps;
}

/** How to list referrers. */
export interface ListReferrersOptions {
  /** Only referrers of this artifact type. */
  artifactType?: string;
  signal?: AbortSignal;
}

const MAX_TAG_UPDATES = 5;

/**
 * The tag the referrers tag schema keeps a subject's referrers under:
 * `<alg>-<hex>`, the hex cut to 64 characters to fit a tag.
 */
export function referrersTag(subject: Digest): string {
  const { algorithm, hex } = splitDigest(parseDigest(subject, 'subject'));
  return `${algorithm}-${hex.slice(0, 64)}`;
}

/**
 * Lists the manifests that refer to a subject: through the referrers API,
 * or, where the registry answers 404, through the referrers tag. When the
 * registry did not apply an `artifactType` filter, it is applied here.
 */
export async function listReferrers(
  deps: ReferrersDeps,
  repo: RepositoryRef,
  subject: Digest,
  options: ListReferrersOptions & { signal: AbortSignal },
): Promise<Descriptor[]> {
  parseDigest(subject, 'subject');
  let found: { descriptors: Descriptor[]; filtered: boolean };
  try {
    found = await fromApi(deps, repo, subject, options);
  } catch (error) {
    if (!(error instanceof OciError && error.code === 'not-found')) throw error;
    found = {
      descriptors: await fromTag(deps, repo, subject, options.signal),
      filtered: false,
    };
  }
  const type = options.artifactType;
  if (type === undefined || found.filtered) return found.descriptors;
  return found.descriptors.filter((d) => d.artifactType === type);
}

async function fromApi(
  deps: ReferrersDeps,
  repo: RepositoryRef,
  subject: Digest,
  options: ListReferrersOptions & { signal: AbortSignal },
): Promise<{ descriptors: Descriptor[]; filtered: boolean }> {
  const type = options.artifactType;
  const query =
    type === undefined ? '' : `?artifactType=${encodeURIComponent(type)}`;
  let filtered = type !== undefined;
  const what = `listing the referrers of ${subject} in ${repo.repository}`;
  const descriptors = await readPages(
    deps.paging,
    {
      registry: repo.registry,
      method: 'GET',
      path: repositoryPath(repo, `referrers/${subject}${query}`),
      scopes: [pullScope(repo)],
      headers: { accept: MediaType.ociIndex },
      signal: options.signal,
    },
    {
      ok: [200],
      what,
      decode: (body, res) => {
        filtered &&= /\bartifactType\b/.test(
          header(res.headers, 'oci-filters-applied') ?? '',
        );
        return decodeIndex(body, deps.manifests.caps.indexChildren, what);
      },
    },
  );
  return { descriptors, filtered };
}

function decodeIndex(body: Buffer, cap: number, what: string): Descriptor[] {
  const doc = parseJson(body, what);
  if (!isObject(doc)) {
    throw new OciError('bad-manifest', `${what}: the answer is not an index`);
  }
  const list = checkedArray(doc.manifests, 'manifests', cap, what);
  return list.map((d, i) => parseDescriptor(d, `${what}, entry ${i}`));
}

async function fromTag(
  deps: ReferrersDeps,
  repo: RepositoryRef,
  subject: Digest,
  signal: AbortSignal,
): Promise<Descriptor[]> {
  const current = await readTagIndex(deps, repo, subject, signal);
  return current.index.manifests;
}

interface TagIndex {
  index: ImageIndex;
  etag: string | undefined;
}

/** The index under the referrers tag: empty when absent, an error if not an index. */
async function readTagIndex(
  deps: ReferrersDeps,
  repo: RepositoryRef,
  subject: Digest,
  signal: AbortSignal,
): Promise<TagIndex> {
  const tag = referrersTag(subject);
  // Limitation: the referrers API is used as soon as it answers 200; a
  // registry with both the API and an older tag index shows only the API.
  let fetched: { manifest: FetchedManifest; etag: string | undefined };
  try {
    fetched = await fetchManifest(deps.manifests, repo, tag, signal);
  } catch (error) {
    if (error instanceof OciError && error.code === 'not-found') {
      return { index: emptyIndex(), etag: undefined };
    }
    throw error;
  }
  if (fetched.manifest.kind !== 'index') {
    throw new OciError(
      'bad-manifest',
      `the referrers tag ${tag} in ${repo.repository} holds an image manifest, not an index; leaving it alone`,
    );
  }
  return { index: fetched.manifest.index, etag: fetched.etag };
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

/**
 * Adds a referrer to the subject's referrers tag, for registries without
 * the referrers API. The index is read, merged (a digest already listed
 * is not added twice) and written with `If-Match`; a 412 starts over.
 */
export async function addToReferrersTag(
  deps: ReferrersDeps,
  repo: RepositoryRef,
  subject: Digest,
  referrer: Descriptor,
  signal: AbortSignal,
): Promise<void> {
  for (let attempt = 1; attempt <= MAX_TAG_UPDATES; attempt += 1) {
    const current = await readTagIndex(deps, repo, subject, signal);
    if (current.index.manifests.some((d) => d.digest === referrer.digest))
      return;
    const merged = {
      ...current.index,
      manifests: [...current.index.manifests, referrer],
    };
    if (await writeTagIndex(deps, repo, subject, merged, current.etag, signal))
      return;
  }
  throw new OciError(
    'registry',
    `the referrers tag ${referrersTag(subject)} in ${repo.repository} kept changing while being updated; try again`,
  );
}

// Limitation: registries that ignore If-Match (distribution 2.8 does) can
// lose one of two concurrent updates of the same referrers tag.
/** Writes the index; false when `If-Match` failed (412). */
async function writeTagIndex(
  deps: ReferrersDeps,
  repo: RepositoryRef,
  subject: Digest,
  index: ImageIndex,
  etag: string | undefined,
  signal: AbortSignal,
): Promise<boolean> {
  const bytes = Buffer.from(JSON.stringify(index));
  const tag = referrersTag(subject);
  const res = await deps.manifests.session.expect(
    {
      registry: repo.registry,
      method: 'PUT',
      path: repositoryPath(repo, `manifests/${tag}`),
      scopes: [pushScope(repo)],
      headers: {
        'content-type': index.mediaType,
        ...(etag === undefined ? {} : { 'if-match': etag }),
      },
      body: bytes,
      signal,
    },
    [201, 412],
    `updating the referrers tag ${tag} in ${repo.repository}`,
  );
  await discard(res.body);
  if (res.status === 412) return false;
  checkDigests(
    bytes,
    { kind: 'tag', tag },
    header(res.headers, 'docker-content-digest'),
  );
  return true;
}

/** The descriptor a referrer is listed under. */
export function referrerDescriptor(manifest: FetchedManifest): Descriptor {
  const content =
    manifest.kind === 'image' ? manifest.manifest : manifest.index;
  const artifactType =
    content.artifactType ??
    (manifest.kind === 'image'
      ? manifest.manifest.config.mediaType
      : undefined);
  return {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.bytes.length,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(content.annotations ? { annotations: { ...content.annotations } } : {}),
  };
}
