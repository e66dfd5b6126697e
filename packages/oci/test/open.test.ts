import { join } from 'node:path';
import {
  buildImage,
  withTempDir,
  writeOciLayout,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { OciError } from '../src/errors';
import {
  imageCacheDir,
  openImageDestination,
  openImageSource,
} from '../src/open';

describe('imageCacheDir', () => {
  it.each([
    [{ IMAGEGATE_CACHE_DIR: '/c' }, '/c'],
    [{ XDG_CACHE_HOME: '/x' }, '/x/imagegate/blobs'],
    [{}, '/home/u/.cache/imagegate/blobs'],
    [
      { IMAGEGATE_CACHE_DIR: '', XDG_CACHE_HOME: '' },
      '/home/u/.cache/imagegate/blobs',
    ],
  ])('reads %j', (env, expected) => {
    expect(imageCacheDir(env, '/home/u')).toBe(expected);
  });
});

describe('openImageSource', () => {
  it('reads a relative layout path from the given working directory', async () => {
    const image = buildImage({ layers: [] });

    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'img'), [{ item: image, refName: 'v1' }]);
      const source = openImageSource('oci:img:v1', { cwd: dir });
      try {
        const [resolved] = await source.resolve();

        expect(source.name).toBe(`oci:${dir}/img:v1`);
        expect(resolved?.digest).toBe(image.manifest.digest);
      } finally {
        await source.close();
      }
    });
  });

  it('names the image in errors that do not', async () => {
    const source = openImageSource('oci:/nonexistent/dir');
    const error: unknown = await source.resolve().catch((e: unknown) => e);
    await source.close();

    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).message).toContain('/nonexistent/dir');
  });
});

describe('openImageDestination', () => {
  it('refuses to write a docker archive', () => {
    expect(() => openImageDestination('docker-archive:/tmp/x.tar')).toThrow(
      /writing a docker archive is not supported/,
    );
  });
});
