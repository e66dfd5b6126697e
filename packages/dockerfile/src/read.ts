import { readFile, stat } from 'node:fs/promises';
import { DockerfileError } from './errors';
import type { Dockerfile } from './model';
import { parseDockerfile } from './parse';
import { decodeDockerfile, MAX_DOCKERFILE_BYTES } from './source';

/**
 * Reads and parses a Dockerfile from disk, with clear errors. `shownAs` is
 * the path used in findings and messages (the one the user wrote).
 */
export async function readDockerfile(
  path: string,
  shownAs = path,
): Promise<Dockerfile> {
  const bytes = await readBytes(path, shownAs);
  return parseDockerfile(decodeDockerfile(bytes, shownAs), shownAs);
}

async function readBytes(path: string, shownAs: string): Promise<Uint8Array> {
  const info = await stat(path).catch((error: unknown) => {
    throw fileError(shownAs, error);
  });
  if (!info.isFile()) {
    throw new DockerfileError(
      'not-a-file',
      `${shownAs}: is a directory or special file, not a Dockerfile; name the Dockerfile inside it`,
    );
  }
  if (info.size > MAX_DOCKERFILE_BYTES) {
    throw new DockerfileError(
      'too-large',
      `${shownAs}: ${info.size} bytes is over the ${MAX_DOCKERFILE_BYTES}-byte limit for a Dockerfile; check that this is the right file`,
    );
  }
  return readFile(path).catch((error: unknown) => {
    throw fileError(shownAs, error);
  });
}

function fileError(path: string, cause: unknown): DockerfileError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new DockerfileError(
      'not-found',
      `${path}: no such file; check the path`,
      { cause },
    );
  }
  return new DockerfileError(
    'unreadable',
    `${path}: cannot be read (${code ?? 'unknown error'}); check its permissions`,
    { cause },
  );
}
