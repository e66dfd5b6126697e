import { DockerfileError } from './errors';

/** Largest Dockerfile we read; real ones are far below this. */
export const MAX_DOCKERFILE_BYTES = 2 * 1024 * 1024;
/** Longest line we read; a longer one is almost surely not a Dockerfile. */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Decodes Dockerfile bytes to text, refusing what is not a Dockerfile:
 * binary content, invalid UTF-8, and sizes past the caps.
 */
export function decodeDockerfile(bytes: Uint8Array, path: string): string {
  if (bytes.byteLength > MAX_DOCKERFILE_BYTES) {
    throw new DockerfileError(
      'too-large',
      `${path}: ${bytes.byteLength} bytes is over the ${MAX_DOCKERFILE_BYTES}-byte limit for a Dockerfile; check that this is the right file`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new DockerfileError(
      'binary',
      `${path}:${lineOfOffset(bytes, nul)}: contains a NUL byte, so it is binary, not a Dockerfile; check the path`,
    );
  }
  const text = decodeUtf8(bytes, path);
  assertLineLengths(text, path);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const line = lineOfOffset(bytes, firstInvalidUtf8(bytes));
    throw new DockerfileError(
      'encoding',
      `${path}:${line}: is not valid UTF-8; save the file as UTF-8`,
      { cause: error },
    );
  }
}

function assertLineLengths(text: string, path: string): void {
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > MAX_LINE_LENGTH) {
      throw new DockerfileError(
        'line-too-long',
        `${path}:${line}: line is ${end - start} characters long, over the ${MAX_LINE_LENGTH}-character limit; split it with line continuations`,
      );
    }
    start = end + 1;
    line += 1;
  }
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index += 1) {
    if (bytes[index] === 0x0a) line += 1;
  }
  return line;
}

/** The offset of the first byte that breaks UTF-8, found by halving. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let low = 0;
  let high = bytes.byteLength;
  // Invariant: bytes[0, low) may decode; bytes[0, high) does not.
  while (high - low > 4) {
    const middle = Math.floor((low + high) / 2);
    try {
      decoder.decode(bytes.subarray(0, middle), { stream: true });
      decoder.decode();
      low = middle;
    } catch {
      high = middle;
    }
  }
  return low;
}
