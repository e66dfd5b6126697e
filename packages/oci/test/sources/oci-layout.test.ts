import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  blobPath,
  buildImage,
  buildIndex,
  corpusAvailable,
  corpusPath,
  json,
  ociLayoutFiles,
  RecordingLogger,
  sha256,
  withTempDir,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { OciLayoutSource } from '../../src/sources/oci-layout';
import { walkImage } from '../../src/walk/walk-image';
import { codeOf, layoutIn, osImage, text, walkOnly } from './helpers';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };

describe('OciLayoutSource', () => {
  it('resolves the only image and walks its verified layers', async () => {
    const image = osImage('one');

    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: image }]),
      );
      const { image: resolved, result } = await walkOnly(
        new OciLayoutSource(path),
      );

      expect(resolved.digest).toBe(image.manifest.digest);
      expect(resolved.configDigest).toBe(image.config.digest);
      expect(resolved.config.rootfs.diff_ids).toEqual(image.diffIds);
      expect(text(resolved.manifestBytes)).toBe(text(image.manifest.bytes));
      expect(resolved.platform).toEqual(amd64);
      expect(result.complete).toBe(true);
      expect(result.view.lstat('/etc/os-release')?.size).toBe(7);
    });
  });

  it('chooses an image by its org.opencontainers.image.ref.name', async () => {
    const files = ociLayoutFiles([
      { item: osImage('a'), refName: 'a' },
      { item: osImage('b'), refName: 'b' },
    ]);

    await withTempDir(async (dir) => {
      const path = await layoutIn(dir, 'layout', files);
      const [image] = await new OciLayoutSource(path, { tag: 'b' }).resolve();

      expect(image?.digest).toBe(osImage('b').manifest.digest);
      expect(
        await codeOf(new OciLayoutSource(path, { tag: 'c' }).resolve()),
      ).toBe('not-found');
      expect(await codeOf(new OciLayoutSource(path).resolve())).toBe(
        'ambiguous',
      );
    });
  });

  it('chooses platforms from an index: explicit, all, and none that fits', async () => {
    const index = buildIndex([
      { item: osImage('amd', { platform: amd64 }) },
      { item: osImage('arm', { platform: { ...arm64, variant: 'v8' } }) },
    ]);

    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: index }]),
      );
      const source = new OciLayoutSource(path);

      const [arm] = await source.resolve(arm64);
      const all = await source.resolve('all');
      const wrong = await codeOf(
        source.resolve({ os: 'linux', architecture: 's390x' }),
      );

      expect(arm?.platform).toEqual({ ...arm64, variant: 'v8' });
      expect(arm?.index?.digest).toBe(index.index.digest);
      expect(all.map((image) => image.platform?.architecture)).toEqual([
        'amd64',
        'arm64',
      ]);
      expect(wrong).toBe('no-platform');
    });
  });

  it('takes the first of two manifests for one platform, with a warning', async () => {
    const first = osImage('first');
    const index = buildIndex([{ item: first }, { item: osImage('second') }]);
    const logger = new RecordingLogger();

    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: index }]),
      );
      const images = await new OciLayoutSource(path, { logger }).resolve(amd64);

      expect(images.map((image) => image.digest)).toEqual([
        first.manifest.digest,
      ]);
      expect(logger.text()).toContain('lists 2 manifests for linux/amd64');
    });
  });

  it('skips attestation manifests and takes a lone manifest without a platform', async () => {
    const image = osImage('only');
    const attestation = osImage('attestation', {
      platform: { os: 'unknown', architecture: 'unknown' },
    });
    const index = buildIndex([
      { item: image, platform: null },
      {
        item: attestation,
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      },
    ]);

    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: index }]),
      );
      const images = await new OciLayoutSource(path).resolve(arm64);

      expect(images.map((i) => i.digest)).toEqual([image.manifest.digest]);
    });
  });

  it('refuses an explicit platform that a lone manifest contradicts', async () => {
    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: osImage('x') }]),
      );

      expect(await codeOf(new OciLayoutSource(path).resolve(arm64))).toBe(
        'no-platform',
      );
    });
  });

  it('fails a walk whose layer blob was tampered with', async () => {
    const image = osImage('tampered');
    const files = ociLayoutFiles([{ item: image }]);
    const layer = image.layers[0];
    const bytes = new Uint8Array(layer?.bytes ?? []);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
    files.set(blobPath(layer?.digest ?? ''), bytes);

    await withTempDir(async (dir) => {
      const path = await layoutIn(dir, 'layout', files);
      const { result } = await walkOnly(new OciLayoutSource(path));

      expect(result.complete).toBe(false);
      expect(result.problems[0]?.code).toMatch(/digest-mismatch|bad-archive/);
    });
  });

  it('refuses a manifest blob whose size or bytes differ from its descriptor', async () => {
    const image = osImage('x');
    const longer = ociLayoutFiles([{ item: image }]);
    longer.set(
      blobPath(image.manifest.digest),
      json({ schemaVersion: 2, padding: 'x'.repeat(500) }),
    );
    const same = ociLayoutFiles([{ item: image }]);
    const flipped = new Uint8Array(image.manifest.bytes);
    flipped[2] = 0x41;
    same.set(blobPath(image.manifest.digest), flipped);

    await withTempDir(async (dir) => {
      const a = await layoutIn(dir, 'a', longer);
      const b = await layoutIn(dir, 'b', same);

      expect(await codeOf(new OciLayoutSource(a).resolve())).toBe(
        'digest-mismatch',
      );
      expect(await codeOf(new OciLayoutSource(b).resolve())).toBe(
        'digest-mismatch',
      );
    });
  });

  it.each([['no oci-layout file', { omitLayoutFile: true }, 'bad-archive']])(
    'refuses a layout with %s',
    async (_what, options, code) => {
      await withTempDir(async (dir) => {
        const path = await layoutIn(
          dir,
          'layout',
          ociLayoutFiles([{ item: osImage('x') }], options),
        );

        expect(await codeOf(new OciLayoutSource(path).resolve())).toBe(code);
      });
    },
  );

  it('refuses a blob that is a directory, not a file', async () => {
    const image = osImage('x');
    const files = ociLayoutFiles([{ item: image }]);
    files.delete(blobPath(image.manifest.digest));
    files.set(`${blobPath(image.manifest.digest)}/inside`, new Uint8Array(1));

    await withTempDir(async (dir) => {
      const path = await layoutIn(dir, 'layout', files);

      expect(await codeOf(new OciLayoutSource(path).resolve())).toBe(
        'bad-archive',
      );
    });
  });

  it('skips a foreign layer by default and marks the walk incomplete', async () => {
    const image = buildImage({
      layers: [
        {
          entries: [{ name: 'windows', content: 'base' }],
          urls: ['https://example.invalid/layer'],
        },
        { entries: [{ name: 'app', content: 'x' }] },
      ],
    });
    const files = ociLayoutFiles([{ item: image }]);
    files.delete(blobPath(image.layers[0]?.digest ?? ''));

    await withTempDir(async (dir) => {
      const path = await layoutIn(dir, 'layout', files);
      const source = new OciLayoutSource(path);
      const [resolved] = await source.resolve();
      if (resolved === undefined) throw new Error('no image');

      const skipped = await walkImage(source, resolved);
      const included = await walkImage(source, resolved, {
        includeForeignLayers: true,
      });

      expect(skipped.problems.map((p) => p.code)).toEqual(['unsupported']);
      expect(skipped.view.lstat('/app')?.type).toBe('file');
      expect(included.problems[0]?.code).toBe('not-found');
    });
  });

  it('walks zstd layers and checks them against the diff_ids', async () => {
    const image = buildImage({
      layers: [
        { entries: [{ name: 'z', content: 'zstd' }], compression: 'zstd' },
      ],
    });
    const lying = buildImage({
      layers: [
        { entries: [{ name: 'z', content: 'zstd' }], compression: 'zstd' },
      ],
      diffIds: [sha256('something else')],
    });

    await withTempDir(async (dir) => {
      const good = await layoutIn(
        dir,
        'good',
        ociLayoutFiles([{ item: image }]),
      );
      const bad = await layoutIn(dir, 'bad', ociLayoutFiles([{ item: lying }]));

      expect((await walkOnly(new OciLayoutSource(good))).result.complete).toBe(
        true,
      );
      const { result } = await walkOnly(new OciLayoutSource(bad));
      expect(result.problems[0]?.code).toBe('digest-mismatch');
    });
  });

  it('reports diff_ids that do not match the layer count', async () => {
    const image = buildImage({
      layers: [{ entries: [{ name: 'a' }] }],
      diffIds: [sha256('1'), sha256('2')],
    });

    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: image }]),
      );
      const { result } = await walkOnly(new OciLayoutSource(path));

      expect(result.complete).toBe(false);
      expect(result.problems.map((p) => p.code)).toEqual(['bad-manifest']);
    });
  });

  it('refuses indexes nested past the depth limit', async () => {
    let item = buildIndex([{ item: osImage('deep') }]);
    for (let i = 0; i < 5; i++) item = buildIndex([{ item, platform: amd64 }]);

    await withTempDir(async (dir) => {
      const path = await layoutIn(dir, 'layout', ociLayoutFiles([{ item }]));

      expect(await codeOf(new OciLayoutSource(path).resolve(amd64))).toBe(
        'limit',
      );
    });
  });

  it('skips a config past the size limit with a warning and goes on', async () => {
    const image = osImage('labels', {
      config: { Labels: { big: 'x'.repeat(10 * 1024 * 1024) } },
    });
    const logger = new RecordingLogger();

    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: image }]),
      );
      const { image: resolved, result } = await walkOnly(
        new OciLayoutSource(path, { logger }),
      );

      expect(resolved.config.rootfs.diff_ids).toEqual([]);
      expect(logger.text()).toContain('past the 8388608-byte limit');
      expect(result.complete).toBe(true);
    });
  });

  it.each([
    ['a manifest', 'manifest'],
    ['index.json', 'index'],
  ])('refuses %s over 4 MiB before reading it', async (_what, which) => {
    const image = osImage('x');
    const files = ociLayoutFiles([{ item: image }]);
    const huge = json({
      schemaVersion: 2,
      manifests: [],
      pad: 'x'.repeat(5 * 1024 * 1024),
    });
    if (which === 'index') files.set('index.json', huge);
    else
      files.set(
        'index.json',
        json({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: sha256(huge),
              size: huge.length,
            },
          ],
        }),
      );
    files.set(blobPath(sha256(huge)), huge);

    await withTempDir(async (dir) => {
      const path = await layoutIn(dir, 'layout', files);

      expect(await codeOf(new OciLayoutSource(path).resolve())).toBe(
        'too-large',
      );
    });
  });

  it('builds the same image bytes every time', () => {
    expect(osImage('same').manifest.digest).toBe(
      osImage('same').manifest.digest,
    );
  });

  it('names the directory in its name, with the tag', () => {
    expect(new OciLayoutSource('/images/app', { tag: 'v1' }).name).toBe(
      'oci:/images/app:v1',
    );
  });

  it('does not follow index.json outside the layout', async () => {
    await withTempDir(async (dir) => {
      const path = await layoutIn(
        dir,
        'layout',
        ociLayoutFiles([{ item: osImage('x') }]),
      );
      await writeFile(
        join(path, 'index.json'),
        json({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: 'sha256:../../../etc/passwd',
              size: 1,
            },
          ],
        }),
      );

      expect(await codeOf(new OciLayoutSource(path).resolve())).toBe(
        'bad-digest',
      );
    });
  });
});

describe('OciLayoutSource on real layouts', () => {
  const available = corpusAvailable();
  const gcr = (name: string) =>
    corpusPath('images', 'oci-layout', 'go-containerregistry', name);
  const stereoscope = (name: string) =>
    corpusPath('images', 'oci-layout', 'stereoscope', name);

  it.skipIf(!available)('resolves a one-image layout', async () => {
    const images = await new OciLayoutSource(
      gcr('test_index_one_image'),
    ).resolve();

    expect(images.map((image) => image.digest)).toEqual([
      'sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46',
    ]);
  });

  it.skipIf(!available).each([
    ['test_index', {}, 'ambiguous'],
    ['test_index', { tag: '1' }, 'bad-manifest'],
    ['test_index', { tag: '2' }, 'bad-manifest'],
    ['test_index_media_type', {}, 'unsupported'],
    ['test_gc_image_unknown_mediatype', {}, 'not-found'],
  ])('refuses %s %j', async (name, options, code) => {
    expect(
      await codeOf(new OciLayoutSource(gcr(name), options).resolve()),
    ).toBe(code);
  });

  it.skipIf(!available)(
    'walks stereoscope valid_oci_dir, listed twice under two tags',
    async () => {
      const { image, result } = await walkOnly(
        new OciLayoutSource(stereoscope('valid_oci_dir')),
      );

      expect(image.digest).toBe(
        'sha256:c1ed04a3da941a5dd09b58b16c37f065557863d382ef97995ddac885a8452ebb',
      );
      expect(result.complete).toBe(true);
    },
  );

  it.skipIf(!available)(
    'chooses each platform of stereoscope multiplatform_oci_dir',
    async () => {
      const source = new OciLayoutSource(stereoscope('multiplatform_oci_dir'));

      const all = await source.resolve('all');
      const [arm] = await source.resolve(arm64);

      expect(all.map((image) => image.platform?.architecture)).toEqual([
        'amd64',
        'arm64',
      ]);
      expect(arm?.digest).toBe(
        'sha256:5ed07065bcbc6c52e3ad28526557d7b6833613fc79257b1a786de85e37c03b05',
      );
      if (arm === undefined) return;
      const result = await walkImage(source, arm);
      expect(result.complete).toBe(true);
    },
  );

  it
    .skipIf(!available)
    .each(['invalid_file', 'no_manifests', 'valid_manifest'])(
    'refuses stereoscope %s',
    async (name) => {
      expect(
        await codeOf(new OciLayoutSource(stereoscope(name)).resolve()),
      ).toBe('bad-archive');
    },
  );
});
