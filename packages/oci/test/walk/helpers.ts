import { Readable } from 'node:stream';
import {
  buildTar,
  gzipBytes,
  type TarEntrySpec,
} from '@imagegate/test-support';
import type { WalkedFile } from '../../src/walk/subscribers';
import {
  walkLayers,
  type LayerInput,
  type WalkOptions,
  type WalkResult,
} from '../../src/walk/walk';

/** A layer whose blob is these bytes, served in chunks of `chunkSize`. */
export function layerOf(bytes: Uint8Array, chunkSize = 64 * 1024): LayerInput {
  return { open: () => Promise.resolve(chunked(bytes, chunkSize)) };
}

/** A gzip layer of tar entries. */
export function tarLayer(entries: TarEntrySpec[]): LayerInput {
  return layerOf(gzipBytes(buildTar(entries)));
}

/** A layer served by a generator, for streams too big to hold. */
export function streamedLayer(
  make: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): LayerInput {
  return { open: () => Promise.resolve(toAsync(make())) };
}

function chunked(bytes: Uint8Array, size: number): Readable {
  return Readable.from(slices(bytes, size));
}

function* slices(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.subarray(at, at + size);
  }
}

async function* toAsync(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield* source;
}

/** A walk with a subscriber that wants every file. */
export async function walkAll(
  layers: LayerInput[],
  options: WalkOptions = {},
): Promise<{ result: WalkResult; files: Map<string, WalkedFile> }> {
  const files = new Map<string, WalkedFile>();
  const result = await walkLayers(layers, {
    ...options,
    subscribers: [
      {
        name: 'everything',
        paths: ['/**'],
        maxBytes: 1024 * 1024,
        onFile: (file) => {
          files.set(file.path, file);
        },
      },
      ...(options.subscribers ?? []),
    ],
  });
  return { result, files };
}

/** The text of a file's content, or why it has none. */
export function contentOf(file: WalkedFile | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (file.content === undefined) return `<${file.skipped ?? 'none'}>`;
  return new TextDecoder().decode(file.content);
}

/** Every path of a view, the root left out. */
export function pathsOf(result: WalkResult): string[] {
  return [...result.view.entries()].map((info) => info.path).slice(1);
}
