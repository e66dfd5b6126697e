import { createReadStream } from 'node:fs';
import type { Logger } from '@imagegate/findings';
import type { Digest } from '../digest';
import { OciError } from '../errors';
import { discard, header } from './body';
import type { RepositoryRef } from './names';
import { pushScope } from './scopes';
import type { ApiRequest, RegistrySession } from './session';
import type { BodySource, WireResponse } from './transport';

/** A blob to push: its digest, size and where its bytes are. */
export interface BlobUpload {
  digest: Digest;
  size: number;
  /** The bytes, or a file holding them. */
  data: Uint8Array | { path: string };
}

/** What uploads need. */
export interface UploadDeps {
  session: RegistrySession;
  logger: Logger;
}

/** An upload session the registry has opened. */
export interface Upload {
  repo: RepositoryRef;
  blob: BlobUpload;
  signal: AbortSignal;
  /** Where the next request of the session goes. */
  location: URL;
}

export function call(
  upload: Upload,
  method: 'GET' | 'PATCH' | 'PUT' | 'DELETE',
): ApiRequest {
  return {
    registry: upload.repo.registry,
    method,
    path: upload.location,
    scopes: [pushScope(upload.repo)],
    signal: upload.signal,
  };
}

/** The upload `Location`, resolved against the URL that answered. */
export function nextLocation(res: WireResponse): URL {
  const location = header(res.headers, 'location');
  if (location === undefined || location === '') {
    throw new OciError(
      'registry',
      `${res.url.host} started an upload without a Location`,
    );
  }
  return new URL(location, res.url);
}

export async function finish(
  deps: UploadDeps,
  upload: Upload,
  body: BodySource,
  length: number,
): Promise<WireResponse> {
  const url = new URL(upload.location);
  url.search += `${url.search ? '&' : '?'}digest=${encodeURIComponent(upload.blob.digest)}`;
  const res = await deps.session.expect(
    {
      ...call(upload, 'PUT'),
      path: url,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(length),
      },
      body,
      idempotent: false,
    },
    [201],
    `completing the upload of ${upload.blob.digest} to ${upload.repo.repository}`,
  );
  checkStoredDigest(res, upload.blob.digest);
  return res;
}

export function checkStoredDigest(res: WireResponse, digest: Digest): void {
  const stored = header(res.headers, 'docker-content-digest');
  if (stored === undefined || stored === digest) return;
  throw new OciError(
    'digest-mismatch',
    `${res.url.host} stored ${digest} as ${stored}; the blob is not what was pushed`,
  );
}

export async function cancel(deps: UploadDeps, upload: Upload): Promise<void> {
  try {
    const res = await deps.session.request(call(upload, 'DELETE'));
    await discard(res.body);
  } catch {
    deps.logger.debug(`could not cancel the upload of ${upload.blob.digest}`);
  }
}

export function bodyOf(blob: BlobUpload): BodySource {
  const data = blob.data;
  return data instanceof Uint8Array ? data : () => createReadStream(data.path);
}
