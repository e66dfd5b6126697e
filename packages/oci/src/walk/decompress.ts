import { Readable, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { OciError } from '../errors';
import { formatBytes, type WalkLimits } from './limits';
import { zstdDecompress } from './zstd';

/** How a layer blob is compressed, told from its first bytes. */
export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * Tells the compression from magic bytes, as containerd does, rather than
 * trusting the media type: docker archives often call gzip data a tar.
 */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  const zstd = [0x28, 0xb5, 0x2f, 0xfd];
  if (zstd.every((byte, i) => head[i] === byte)) return 'zstd';
  return 'none';
}

/**
 * Counts compressed and decompressed bytes and stops a layer that inflates
 * past a cap: per layer, for the whole image, or by ratio once past a
 * floor. Every stop is an `OciError('limit')` whose message says
 * "decompressed size limit".
 */
export class ByteMeter {
  private total = 0;
  private compressed = 0;
  private decompressed = 0;
  private label = '';

  constructor(private readonly limits: WalkLimits) {}

  /** Decompressed bytes of every layer so far. */
  get totalBytes(): number {
    return this.total;
  }

  /** Bytes of the current layer: as stored and as inflated. */
  get layerBytes(): { compressed: number; decompressed: number } {
    return { compressed: this.compressed, decompressed: this.decompressed };
  }

  startLayer(label: string): void {
    this.label = label;
    this.compressed = 0;
    this.decompressed = 0;
  }

  addCompressed(bytes: number): void {
    this.compressed += bytes;
  }

  addDecompressed(bytes: number): void {
    this.decompressed += bytes;
    this.total += bytes;
    const { maxLayerBytes, maxTotalBytes } = this.limits;
    if (this.decompressed > maxLayerBytes) {
      throw this.stop(`${formatBytes(maxLayerBytes)} per layer`);
    }
    if (this.total > maxTotalBytes) {
      throw this.stop(`${formatBytes(maxTotalBytes)} per image`);
    }
    this.checkRatio();
  }

  private checkRatio(): void {
    const { maxRatio, ratioFloorBytes } = this.limits;
    if (this.decompressed <= ratioFloorBytes) return;
    if (this.decompressed <= maxRatio * this.compressed) return;
    throw this.stop(
      `${maxRatio}x the compressed size (${formatBytes(this.decompressed)} ` +
        `from ${formatBytes(this.compressed)})`,
    );
  }

  private stop(what: string): OciError {
    return new OciError(
      'limit',
      `${this.label}: decompressed size limit of ${what} exceeded`,
    );
  }
}

/** A layer's decompressed bytes and how they were compressed. */
export interface Decompressed {
  compression: Compression;
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Opens a layer blob for reading decompressed: gzip (one member or
 * several), zstd, or an uncompressed tar. Every byte in and out is
 * counted by the meter, which stops the stream at a cap.
 *
 * Limitation: bzip2 and xz layers, which very old Docker versions could
 * load, are read as uncompressed and fail as a bad tar archive.
 */
export async function openDecompressed(
  input: AsyncIterable<Uint8Array>,
  meter: ByteMeter,
  limits: WalkLimits,
): Promise<Decompressed> {
  const source = counted(input, meter)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < 4) {
    const next = await source.next();
    if (next.done === true) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const compression = sniffCompression(Buffer.concat(head));
  const raw = replay(head, source);
  return {
    compression,
    chunks: metered(inflate(raw, compression, limits), meter),
  };
}

function inflate(
  raw: AsyncIterable<Uint8Array>,
  compression: Compression,
  limits: WalkLimits,
): AsyncIterable<Uint8Array> {
  switch (compression) {
    case 'gzip':
      return gunzip(raw);
    case 'zstd':
      return zstdDecompress(raw, limits.maxZstdWindowLog);
    case 'none':
      return raw;
  }
}

async function* counted(
  input: AsyncIterable<Uint8Array>,
  meter: ByteMeter,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) {
    meter.addCompressed(chunk.length);
    yield chunk;
  }
}

async function* replay(
  head: Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}

async function* metered(
  chunks: AsyncIterable<Uint8Array>,
  meter: ByteMeter,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    meter.addDecompressed(chunk.length);
    yield chunk;
  }
}

/**
 * zlib inflates on a worker thread, one output chunk per round trip, and
 * only while its readable buffer has room. With Node's defaults (16 KiB
 * chunks, a 16 KiB buffer) it stalls whenever the walk hashes or parses;
 * bigger chunks and a 1 MiB buffer keep it busy meanwhile (`pnpm bench`).
 */
const GUNZIP_OPTIONS: ZlibOptions & TransformOptions = {
  chunkSize: 64 * 1024,
  highWaterMark: 1024 * 1024,
};

async function* gunzip(
  raw: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const source = Readable.from(raw, { objectMode: false });
  const inflater = createGunzip(GUNZIP_OPTIONS);
  source.on('error', (error) => inflater.destroy(error));
  source.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Uint8Array;
  } catch (error: unknown) {
    throw gzipError(error);
  } finally {
    source.destroy();
    inflater.destroy();
  }
}

function gzipError(error: unknown): unknown {
  if (error instanceof OciError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'Z_BUF_ERROR') {
    return new OciError('truncated', 'gzip data is truncated', {
      cause: error,
    });
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    const detail = error instanceof Error ? error.message : code;
    return new OciError('bad-archive', `gzip data is corrupt: ${detail}`, {
      cause: error,
    });
  }
  return error;
}
