import { parseDigest, type Digest } from '../digest';
import { discard, header } from './body';
import { putChunks } from './chunked-upload';
import { deleteByDigest } from './delete';
import { checkRepository, repositoryPath, type RepositoryRef } from './names';
import { pullScope, pushScope } from './scopes';
import type { WireResponse } from './transport';
import {
  bodyOf,
  cancel,
  finish,
  nextLocation,
  type BlobUpload,
  type Upload,
  type UploadDeps,
} from './upload-session';

export type { BlobUpload, UploadDeps } from './upload-session';

/** How to push a blob. */
export interface PushBlobOptions {
  /** Another repository on the same registry to mount the blob from. */
  mountFrom?: string;
  /** Upload in chunks of this many bytes (raised to the registry's minimum). */
  chunkSize?: number;
  signal?: AbortSignal;
}

/** How a blob got to the registry. */
export interface PushBlobResult {
  digest: Digest;
  outcome: 'existed' | 'mounted' | 'uploaded';
}

/**
 * Pushes a blob unless the registry has it: by cross-repository mount
 * when asked (falling back to an upload if the registry declines), then
 * in one PUT, or in PATCH chunks that resume after a 416 from the offset
 * the registry reports. A failed upload session is cancelled.
 */
export async function pushBlob(
  deps: UploadDeps,
  repo: RepositoryRef,
  blob: BlobUpload,
  options: PushBlobOptions & { signal: AbortSignal },
): Promise<PushBlobResult> {
  parseDigest(blob.digest);
  if (await blobExists(deps, repo, blob.digest, options.signal)) {
    return { digest: blob.digest, outcome: 'existed' };
  }
  const started = await startUpload(deps, repo, blob, options);
  if (started === 'mounted') return { digest: blob.digest, outcome: 'mounted' };
  const upload: Upload = {
    repo,
    blob,
    signal: options.signal,
    location: started.location,
  };
  try {
    if (options.chunkSize === undefined) await putWhole(deps, upload);
    else
      await putChunks(
        deps,
        upload,
        Math.max(options.chunkSize, started.minChunk),
      );
  } catch (error) {
    await cancel(deps, upload);
    throw error;
  }
  return { digest: blob.digest, outcome: 'uploaded' };
}

/**
 * Asks the registry to mount a blob from another repository on it, and
 * nothing else: true when it did; when it declines (it may, for instance
 * when the caller cannot pull from `from`), the upload session it opened
 * instead is cancelled and the answer is false, so the caller can fetch
 * the bytes only when they are needed.
 */
export async function mountBlob(
  deps: UploadDeps,
  repo: RepositoryRef,
  digest: Digest,
  from: string,
  signal: AbortSignal,
): Promise<boolean> {
  const blob: BlobUpload = {
    digest: parseDigest(digest),
    size: 0,
    data: new Uint8Array(0),
  };
  const started = await startUpload(deps, repo, blob, {
    mountFrom: from,
    signal,
  });
  if (started === 'mounted') return true;
  await cancel(deps, { repo, blob, signal, location: started.location });
  return false;
}

/** Whether the repository has the blob. */
export async function blobExists(
  deps: UploadDeps,
  repo: RepositoryRef,
  digest: Digest,
  signal: AbortSignal,
): Promise<boolean> {
  const res = await deps.session.expect(
    {
      registry: repo.registry,
      method: 'HEAD',
      path: repositoryPath(repo, `blobs/${parseDigest(digest)}`),
      scopes: [pushScope(repo)],
      signal,
    },
    [200, 404],
    `checking blob ${digest} in ${repo.repository}`,
  );
  await discard(res.body);
  return res.status === 200;
}

async function startUpload(
  deps: UploadDeps,
  repo: RepositoryRef,
  blob: BlobUpload,
  options: PushBlobOptions & { signal: AbortSignal },
): Promise<'mounted' | { location: URL; minChunk: number }> {
  const from = options.mountFrom;
  const query = from === undefined ? '' : mountQuery(repo, blob.digest, from);
  const res = await deps.session.expect(
    {
      registry: repo.registry,
      method: 'POST',
      path: repositoryPath(repo, `blobs/uploads/${query}`),
      scopes:
        from === undefined
          ? [pushScope(repo)]
          : [pushScope(repo), pullScope({ ...repo, repository: from })],
      signal: options.signal,
    },
    [201, 202],
    `starting the upload of ${blob.digest} to ${repo.repository}`,
  );
  await discard(res.body);
  if (res.status === 201) return 'mounted';
  if (from !== undefined)
    deps.logger.debug(
      `${repo.registry} declined to mount ${blob.digest} from ${from}; uploading`,
    );
  return { location: nextLocation(res), minChunk: minChunkOf(res) };
}

function mountQuery(repo: RepositoryRef, digest: Digest, from: string): string {
  checkRepository({ registry: repo.registry, repository: from });
  return `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
}

function minChunkOf(res: WireResponse): number {
  const text = header(res.headers, 'oci-chunk-min-length');
  return text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : 0;
}

async function putWhole(deps: UploadDeps, upload: Upload): Promise<void> {
  const res = await finish(deps, upload, bodyOf(upload.blob), upload.blob.size);
  await discard(res.body);
}

/** Deletes a blob from a repository (registries may refuse: 405). */
export async function deleteBlob(
  deps: UploadDeps,
  repo: RepositoryRef,
  digest: Digest,
  signal: AbortSignal,
): Promise<void> {
  await deleteByDigest(deps.session, repo, 'blob', digest, signal);
}
