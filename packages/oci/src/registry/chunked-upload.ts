import { open } from 'node:fs/promises';
import { OciError } from '../errors';
import { discard, header } from './body';
import type { WireResponse } from './transport';
import {
  call,
  finish,
  nextLocation,
  type BlobUpload,
  type Upload,
  type UploadDeps,
} from './upload-session';

const MAX_RESUMES = 3;

export async function putChunks(
  deps: UploadDeps,
  upload: Upload,
  chunkSize: number,
): Promise<void> {
  let offset = 0;
  let resumes = 0;
  while (offset < upload.blob.size) {
    const length = Math.min(chunkSize, upload.blob.size - offset);
    const res = await patch(deps, upload, offset, length);
    if (res.status === 416) {
      resumes += 1;
      if (resumes > MAX_RESUMES) throw resumeError(upload);
      offset = await uploadedSoFar(deps, upload);
      continue;
    }
    upload.location = nextLocation(res);
    offset = rangeEnd(res) ?? offset + length;
  }
  const res = await finish(deps, upload, new Uint8Array(0), 0);
  await discard(res.body);
}

async function patch(
  deps: UploadDeps,
  upload: Upload,
  offset: number,
  length: number,
): Promise<WireResponse> {
  const chunk = await readChunk(upload.blob, offset, length);
  const res = await deps.session.request({
    ...call(upload, 'PATCH'),
    headers: {
      'content-type': 'application/octet-stream',
      'content-range': `${offset}-${offset + length - 1}`,
      'content-length': String(length),
    },
    body: chunk,
  });
  if (res.status === 202 || res.status === 416) {
    await discard(res.body);
    return res;
  }
  throw await deps.session.statusError(
    res,
    `uploading a chunk of ${upload.blob.digest}`,
    upload.repo.registry,
  );
}

/** Asks the registry how much of the upload it holds, after a 416. */
async function uploadedSoFar(
  deps: UploadDeps,
  upload: Upload,
): Promise<number> {
  const res = await deps.session.expect(
    call(upload, 'GET'),
    [204],
    `checking the upload of ${upload.blob.digest}`,
  );
  await discard(res.body);
  upload.location = header(res.headers, 'location')
    ? nextLocation(res)
    : upload.location;
  return rangeEnd(res) ?? 0;
}

/** The offset after the `Range: 0-N` an upload reports. */
function rangeEnd(res: WireResponse): number | undefined {
  const match = /^(?:bytes=)?0-([0-9]+)$/.exec(
    header(res.headers, 'range') ?? '',
  );
  return match ? Number(match[1]) + 1 : undefined;
}

async function readChunk(
  blob: BlobUpload,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const data = blob.data;
  if (data instanceof Uint8Array) return data.subarray(offset, offset + length);
  const file = await open(data.path, 'r');
  try {
    const chunk = Buffer.alloc(length);
    const { bytesRead } = await file.read(chunk, 0, length, offset);
    if (bytesRead !== length) {
      throw new OciError('io', `${data.path} is shorter than the blob size`);
    }
    return chunk;
  } finally {
    await file.close();
  }
}

function resumeError(upload: Upload): OciError {
  return new OciError(
    'registry',
    `${upload.repo.registry} kept refusing chunks of ${upload.blob.digest} (HTTP 416); giving up`,
  );
}
