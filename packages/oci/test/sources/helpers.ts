import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildImage,
  tarOfFiles,
  writeFiles,
  type BuiltImage,
  type ImageSpec,
} from '@imagegate/test-support';
import { OciError } from '../../src/errors';
import type { ImageSource } from '../../src/source';
import { walkImage } from '../../src/walk/walk-image';

/** A one-layer image holding /etc/os-release. */
export function osImage(id: string, spec: Partial<ImageSpec> = {}): BuiltImage {
  return buildImage({
    layers: [{ entries: [{ name: 'etc/os-release', content: `ID=${id}\n` }] }],
    ...spec,
  });
}

/** Writes files into `dir/name` and returns that directory. */
export async function layoutIn(
  dir: string,
  name: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<string> {
  const path = join(dir, name);
  await writeFiles(path, files);
  return path;
}

/** Writes files as one tar archive at `dir/name` and returns its path. */
export async function archiveIn(
  dir: string,
  name: string,
  files: ReadonlyMap<string, Uint8Array> | Uint8Array,
): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    files instanceof Uint8Array ? files : tarOfFiles(files),
  );
  return path;
}

/** The code of the OciError a promise rejects with. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (error === undefined) return 'resolved';
  return error instanceof OciError ? error.code : 'not an OciError';
}

/** Resolves the only image of a source and walks it, then closes it. */
export async function walkOnly(source: ImageSource) {
  try {
    const [image, ...rest] = await source.resolve();
    if (image === undefined || rest.length > 0)
      throw new Error('expected one image');
    const result = await walkImage(source, image);
    return { image, result };
  } finally {
    await source.close();
  }
}

/** Text of bytes. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
