// A child process of `pnpm bench`: walks the image in an OCI layout with
// walkImage, or gunzips its layer blobs as the baseline (with Node's
// default zlib options, or with the walk's bigger chunks), and prints the
// bytes, the time and the peak RSS as one line of JSON.
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable, type TransformOptions } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { OciLayoutSource, walkImage } from '../packages/oci/src/index';

const [mode = 'walk', dir = ''] = process.argv.slice(2);

/**
 * The peak RSS of this process. On Linux `VmHWM`, because the
 * `resourceUsage().maxRSS` of a spawned child starts from its parent's
 * size at the fork, which is large in the bench.
 */
function peakRss(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** A sink that only counts bytes. */
function counter(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink.bytes += chunk.length;
      done();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

/** The zlib options the walk uses (see walk/decompress.ts). */
const TUNED: ZlibOptions & TransformOptions = {
  chunkSize: 64 * 1024,
  highWaterMark: 1024 * 1024,
};

const source = new OciLayoutSource(dir);
const [image] = await source.resolve();
if (image === undefined) throw new Error(`${dir}: no image`);
const start = process.hrtime.bigint();
let bytes = 0;
if (mode === 'walk') {
  const result = await walkImage(source, image);
  if (!result.complete) throw new Error('the walk is incomplete');
  bytes = result.decompressedBytes;
} else {
  for (const layer of image.manifest.layers) {
    const hex = layer.digest.slice('sha256:'.length);
    const sink = counter();
    await pipeline(
      createReadStream(join(dir, 'blobs', 'sha256', hex)),
      mode === 'gunzip' ? createGunzip() : createGunzip(TUNED),
      sink,
    );
    bytes += sink.bytes;
  }
}
const ms = Number(process.hrtime.bigint() - start) / 1e6;
await source.close();
const maxRssBytes = peakRss();
console.log(JSON.stringify({ mode, bytes, ms, maxRssBytes }));
