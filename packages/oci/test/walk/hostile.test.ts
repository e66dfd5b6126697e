import { readFile } from 'node:fs/promises';
import {
  buildTar,
  corpusAvailable,
  corpusPath,
  gzipBytes,
  tarEndMarker,
  tarHeader,
  zstdBytes,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { walkLayers, type WalkResult } from '../../src/walk/walk';
import { layerOf, streamedLayer, walkAll } from './helpers';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Runs work while sampling the process's resident memory. */
async function measured(
  work: () => Promise<WalkResult>,
): Promise<{ result: WalkResult; growth: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - start };
  } finally {
    clearInterval(timer);
  }
}

/** A gzip stream of a few MB that inflates to several GB. */
function gzipBomb(): Uint8Array {
  const header = gzipBytes(
    tarHeader({ name: 'bomb', typeflag: '0', size: 8 * GiB }),
  );
  const zeros = gzipBytes(new Uint8Array(64 * MiB));
  return Buffer.concat([header, ...Array.from({ length: 60 }, () => zeros)]);
}

/** A zstd frame of run-length blocks: 4 bytes become 128 KiB each. */
function* zstdBomb(blocks: number): Generator<Uint8Array> {
  yield Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3]);
  const rle = Buffer.from([
    ((128 * 1024) << 3) | 2,
    (128 * 1024) >> 5,
    (128 * 1024) >> 13,
    0,
  ]);
  const batch = Buffer.concat(Array.from({ length: 4096 }, () => rle));
  for (let i = 0; i < blocks; i += 4096) yield batch;
}

/**
 * Tar headers of empty files `f/0000000`, `f/0000001`, ..., made as they
 * are read by patching one template's name and checksum.
 */
function* emptyFiles(count: number): Generator<Uint8Array> {
  const template = tarHeader({ name: 'f/0000000', typeflag: '0', size: 0 });
  let base = 8 * 0x20;
  template.forEach((byte, i) => {
    if (i < 148 || i >= 156) base += byte;
  });
  for (let i = 0; i < count; i += 128) {
    const chunk = Buffer.alloc(128 * 512);
    for (let j = 0; j < 128 && i + j < count; j++) {
      const header = chunk.subarray(j * 512, (j + 1) * 512);
      header.set(template);
      const digits = String(i + j).padStart(7, '0');
      let sum = base;
      for (let d = 0; d < 7; d++) {
        header[2 + d] = digits.charCodeAt(d);
        sum += digits.charCodeAt(d) - 0x30;
      }
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    }
    yield i + 128 >= count ? chunk.subarray(0, (count - i) * 512) : chunk;
  }
  yield tarEndMarker();
}

/** `bytes` zero bytes, in 1 MiB pieces of one shared buffer. */
function* zeros(bytes: number): Generator<Uint8Array> {
  const piece = new Uint8Array(MiB);
  for (let left = bytes; left > 0; left -= piece.length) {
    yield left >= piece.length ? piece : piece.subarray(0, left);
  }
}

describe('walkLayers on hostile layers', () => {
  it('stops a gzip bomb at the decompressed size limit with bounded memory', async () => {
    const bomb = gzipBomb();
    expect(bomb.length).toBeLessThan(8 * MiB);

    const { result, growth } = await measured(() =>
      walkLayers([layerOf(bomb)]),
    );

    expect(result.complete).toBe(false);
    expect(result.problems[0]?.code).toBe('limit');
    expect(result.problems[0]?.message).toContain('decompressed size limit');
    expect(result.decompressedBytes).toBeLessThan(300 * MiB);
    expect(growth).toBeLessThan(256 * MiB);
  });

  it('stops a zstd bomb of run-length blocks with bounded memory', async () => {
    const { result, growth } = await measured(() =>
      walkLayers([streamedLayer(() => zstdBomb(1_000_000))]),
    );

    expect(result.problems[0]?.message).toContain('decompressed size limit');
    expect(growth).toBeLessThan(256 * MiB);
  });

  it('applies the absolute per-layer and per-image limits', async () => {
    const layer = () =>
      layerOf(
        gzipBytes(buildTar([{ name: 'x', content: new Uint8Array(10 * MiB) }])),
      );

    const perLayer = await walkLayers([layer()], {
      limits: { maxLayerBytes: 4 * MiB },
    });
    const perImage = await walkLayers([layer(), layer()], {
      limits: { maxTotalBytes: 15 * MiB },
    });

    expect(perLayer.problems[0]?.message).toContain(
      'decompressed size limit of 4 MiB per layer',
    );
    expect(perImage.problems[0]).toMatchObject({ code: 'limit', layer: 1 });
    expect(perImage.problems[0]?.message).toContain(
      'decompressed size limit of 15 MiB per image',
    );
  });

  it('refuses a zstd frame declaring windowLog 31', async () => {
    const layer = zstdBytes(buildTar([{ name: 'a' }]), { windowLog: 31 });

    const { result, growth } = await measured(() =>
      walkLayers([layerOf(layer)]),
    );

    expect(result.complete).toBe(false);
    expect(result.problems[0]?.code).toBe('limit');
    expect(result.problems[0]?.message).toContain('window');
    expect(growth).toBeLessThan(128 * MiB);
  });

  it('stops 1,000,000 empty files at the entry limit and reports the walk incomplete', async () => {
    const { result, growth } = await measured(() =>
      walkLayers([streamedLayer(() => emptyFiles(1_000_000))]),
    );

    expect(result.complete).toBe(false);
    expect(result.problems[0]?.code).toBe('limit');
    expect(result.problems[0]?.message).toContain('entry limit');
    expect(result.entryCount).toBe(500_001);
    expect(growth).toBeLessThan(512 * MiB);
  }, 120_000);

  it('stops at a path 10,000 directories deep', async () => {
    const name = `${'d/'.repeat(10_000)}file`;

    const { result } = await walkAll([
      layerOf(buildTar([{ name, content: 'deep' }])),
    ]);

    expect(result.complete).toBe(false);
    expect(result.problems[0]?.code).toBe('limit');
    expect(result.problems[0]?.message).toContain('depth limit');
    expect(result.view.entryCount).toBe(0);
  });

  it('stops where symlinks lead deeper than the depth limit', async () => {
    const { result } = await walkAll(
      [
        layerOf(
          buildTar([
            { name: 'a/b/c/d', type: 'dir' },
            { name: 'a/b/c/d/up', type: 'symlink', linkname: '/a/b/c/d' },
            { name: `a/b/c/d/${'up/'.repeat(10)}x`, content: 'deep' },
          ]),
        ),
      ],
      { limits: { maxDepth: 12 } },
    );

    expect(result.problems[0]?.message).toContain('depth limit');
  });

  it('reads 8 GB of zero padding after the end marker in constant memory', async () => {
    const tar = buildTar([{ name: 'etc/os-release', content: 'ID=pad' }]);

    const { result, growth } = await measured(() =>
      walkLayers([streamedLayer(() => [tar, ...zeros(8e9)])]),
    );

    expect(result.complete).toBe(true);
    expect(result.view.lstat('/etc/os-release')?.size).toBe(6);
    expect(result.decompressedBytes).toBe(tar.length + 8e9);
    expect(result.anomalies).toEqual([]);
    expect(growth).toBeLessThan(128 * MiB);
  });

  it('skips an 8 GB file body without holding it', async () => {
    const header = tarHeader({ name: 'huge', typeflag: '0', size: 8e9 });

    const { result, growth } = await measured(() =>
      walkLayers([
        streamedLayer(() => [header, ...zeros(8e9), tarEndMarker()]),
      ]),
    );

    expect(result.complete).toBe(true);
    expect(result.view.lstat('/huge')?.size).toBe(8e9);
    expect(growth).toBeLessThan(128 * MiB);
  });

  it('ignores trailing garbage after the end marker and notes it', async () => {
    const hidden = buildTar([{ name: '.wh.etc' }]);
    const garbage = Buffer.concat([
      Buffer.from('garbage after the end'),
      hidden,
    ]);
    const tar = buildTar([{ name: 'etc/passwd', content: 'x' }], {
      trailing: garbage,
    });

    const result = await walkLayers([layerOf(gzipBytes(tar))]);

    expect(result.complete).toBe(true);
    expect(result.view.lstat('/etc/passwd')?.type).toBe('file');
    expect(result.anomalies.map((a) => a.kind)).toEqual(['trailing-data']);
  });

  it('reports an archive with a lone zero block as ambiguous', async () => {
    const tar = Buffer.concat([
      buildTar([{ name: 'a' }], { endMarker: false }),
      new Uint8Array(512),
      buildTar([{ name: '.wh.a' }]),
    ]);

    const result = await walkLayers([layerOf(tar)]);

    expect(result.problems[0]?.code).toBe('ambiguous');
  });
});

describe('walkLayers on the zip-slip samples', () => {
  const available = corpusAvailable();

  it.skipIf(!available)('re-roots zip-slip.tar inside the image', async () => {
    const tar = await readFile(
      corpusPath('malicious', 'zip-slip', 'zip-slip.tar'),
    );

    const { result, files } = await walkAll([layerOf(tar)]);

    expect(result.complete).toBe(true);
    expect([...files.keys()]).toEqual(['/good.txt', '/tmp/evil.txt']);
    expect(result.anomalies.map((a) => a.kind)).toEqual(['path-escape']);
  });

  it.skipIf(!available)(
    'keeps the Windows sample as one file name at the root',
    async () => {
      const tar = await readFile(
        corpusPath('malicious', 'zip-slip', 'zip-slip-win.tar'),
      );

      const { result } = await walkAll([layerOf(tar)]);

      expect(result.view.readdir('/')).toEqual([
        `${'..\\'.repeat(40)}Temp\\evil.txt`,
        'good.txt',
      ]);
    },
  );
});
