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

/** The offset of the first byte that breaks UTF-8, in one pass. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const length = sequenceLength(bytes[index] as number);
    if (length === 0) return index;
    for (let next = 1; next < length; next += 1) {
      const byte = bytes[index + next];
      if (byte === undefined || (byte & 0xc0) !== 0x80) return index;
    }
    index += length;
  }
  return index;
}

/** How many bytes a UTF-8 sequence has, from its lead byte; 0 if invalid. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
