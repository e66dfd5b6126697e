import { readFile } from 'node:fs/promises';
import {
  buildImage,
  corpusAvailable,
  corpusPath,
  dockerArchiveFiles,
  json,
  RecordingLogger,
  withTempDir,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { MediaType } from '../../src/media-types';
import { DockerArchiveSource } from '../../src/sources/docker-archive';
import {
  fullReference,
  parseDockerArchiveManifest,
} from '../../src/sources/docker-manifest';
import { sourceLimits } from '../../src/sources/limits';
import { archiveIn, codeOf, osImage, walkOnly } from './helpers';

const twoLayers = () =>
  buildImage({
    format: 'docker',
    layers: [
      {
        entries: [{ name: 'etc/os-release', content: 'ID=base' }],
        compression: 'none',
      },
      {
        entries: [
          { name: 'etc/.wh.os-release' },
          { name: 'app', content: 'x' },
        ],
        compression: 'gzip',
      },
    ],
  });

describe('DockerArchiveSource', () => {
  it('makes a manifest for a pre-25 archive and walks its layers against the diff_ids', async () => {
    const image = twoLayers();

    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'save.tar',
        dockerArchiveFiles([{ image, repoTags: ['app:1'] }]),
      );
      const { image: resolved, result } = await walkOnly(
        new DockerArchiveSource(file),
      );

      expect(resolved.manifest.mediaType).toBe(MediaType.dockerManifest);
      expect(resolved.configDigest).toBe(image.config.digest);
      expect(
        resolved.manifest.layers.map((l) => [l.digest, l.mediaType]),
      ).toEqual([
        [
          image.layers[0]?.digest,
          'application/vnd.docker.image.rootfs.diff.tar',
        ],
        [image.layers[1]?.digest, MediaType.dockerLayerGzip],
      ]);
      expect(result.complete).toBe(true);
      expect(result.view.lstat('/etc/os-release')).toBeUndefined();
      expect(result.view.lstat('/app')?.layer).toBe(1);
    });
  });

  it('gives the same made manifest digest every time', async () => {
    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'save.tar',
        dockerArchiveFiles([{ image: twoLayers() }]),
      );

      const [first] = await new DockerArchiveSource(file).resolve();
      const [second] = await new DockerArchiveSource(file).resolve();

      expect(first?.digest).toBe(second?.digest);
    });
  });

  it('uses the real manifest of a Docker 25 archive', async () => {
    const image = osImage('modern');

    await withTempDir(async (dir) => {
      const files = dockerArchiveFiles(
        [{ image, repoTags: ['modern:latest'] }],
        { layout: 'docker25' },
      );
      const file = await archiveIn(dir, 'save.tar', files);
      const { image: resolved, result } = await walkOnly(
        new DockerArchiveSource(file),
      );

      expect(resolved.digest).toBe(image.manifest.digest);
      expect(result.complete).toBe(true);
    });
  });

  it('chooses among several images by tag or position', async () => {
    const a = osImage('a');
    const b = osImage('b');

    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'two.tar',
        dockerArchiveFiles([
          { image: a, repoTags: ['registry.example/team/a:1'] },
          { image: b, repoTags: ['b:latest'] },
        ]),
      );
      const configOf = async (
        options: ConstructorParameters<typeof DockerArchiveSource>[1],
      ) =>
        (await new DockerArchiveSource(file, options).resolve())[0]
          ?.configDigest;

      expect(await configOf({ reference: 'b' })).toBe(b.config.digest);
      expect(await configOf({ reference: 'docker.io/library/b:latest' })).toBe(
        b.config.digest,
      );
      expect(await configOf({ reference: 'registry.example/team/a:1' })).toBe(
        a.config.digest,
      );
      expect(await configOf({ index: 0 })).toBe(a.config.digest);
      expect(await codeOf(new DockerArchiveSource(file).resolve())).toBe(
        'ambiguous',
      );
      expect(
        await codeOf(
          new DockerArchiveSource(file, { reference: 'c' }).resolve(),
        ),
      ).toBe('not-found');
    });
  });

  it('refuses a content-addressed config whose bytes do not match its name', async () => {
    const image = osImage('x');
    const files = dockerArchiveFiles([{ image }], { layout: 'docker25' });
    const entries = [
      { Config: `blobs/sha256/${'0'.repeat(64)}`, RepoTags: [], Layers: [] },
    ];
    files.set(`blobs/sha256/${'0'.repeat(64)}`, image.config.bytes);
    files.set('manifest.json', json(entries));

    await withTempDir(async (dir) => {
      const file = await archiveIn(dir, 'bad.tar', files);

      expect(await codeOf(new DockerArchiveSource(file).resolve())).toBe(
        'digest-mismatch',
      );
    });
  });

  it('warns about an older config name that is not its digest, and goes on', async () => {
    const image = osImage('x');
    const files = dockerArchiveFiles([{ image }]);
    const logger = new RecordingLogger();
    const entries = [
      { Config: `${'0'.repeat(64)}.json`, RepoTags: [], Layers: [] },
    ];
    files.set(`${'0'.repeat(64)}.json`, image.config.bytes);
    files.set('manifest.json', json(entries));

    await withTempDir(async (dir) => {
      const file = await archiveIn(dir, 'renamed.tar', files);
      const images = await new DockerArchiveSource(file, { logger }).resolve();

      expect(images).toHaveLength(1);
      expect(logger.text()).toContain('its name is not its digest');
    });
  });

  it('refuses an archive without manifest.json', async () => {
    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'empty.tar',
        new Map([['repositories', json({})]]),
      );

      expect(await codeOf(new DockerArchiveSource(file).resolve())).toBe(
        'bad-archive',
      );
    });
  });

  it('refuses a manifest.json naming more layers than the limit before reading them', async () => {
    const entries = [
      {
        Config: 'c.json',
        RepoTags: [],
        Layers: Array.from({ length: 1001 }, (_, i) => `${i}/layer.tar`),
      },
    ];

    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'wide.tar',
        new Map([['manifest.json', json(entries)]]),
      );

      expect(await codeOf(new DockerArchiveSource(file).resolve())).toBe(
        'limit',
      );
    });
  });
});

describe('parseDockerArchiveManifest', () => {
  const limits = sourceLimits();
  const parse = (text: string) =>
    parseDockerArchiveManifest(
      new TextEncoder().encode(text),
      'manifest.json',
      limits,
    );

  it.each([
    ['an empty file', ''],
    ['null', 'null'],
    ['an empty list', '[]'],
    ['a blank config', '[{"Config":"","RepoTags":[],"Layers":[]}]'],
    ['a layer that is not a path', '[{"Config":"c.json","Layers":[1]}]'],
  ])('refuses %s', (_what, text) => {
    expect(() => parse(text)).toThrow(
      expect.objectContaining({ code: 'bad-archive' }),
    );
  });

  it('reads entries with their tags and layers', () => {
    const entries = parse(
      '[{"Config":"c.json","RepoTags":null,"Layers":["a/layer.tar"]}]',
    );

    expect(entries).toEqual([
      { config: 'c.json', repoTags: [], layers: ['a/layer.tar'] },
    ]);
  });
});

describe('fullReference', () => {
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.20', 'docker.io/library/alpine:3.20'],
    ['index.docker.io/library/alpine', 'docker.io/library/alpine:latest'],
    ['team/app', 'docker.io/team/app:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['ghcr.io/a/b:1', 'ghcr.io/a/b:1'],
    [
      'bazel/v1/tarball:test_image_3',
      'docker.io/bazel/v1/tarball:test_image_3',
    ],
  ])('writes %s in full', (reference, full) => {
    expect(fullReference(reference)).toBe(full);
  });
});

describe('DockerArchiveSource on real archives', () => {
  const available = corpusAvailable();
  const gcr = (name: string) =>
    corpusPath('malicious', 'go-containerregistry', name);
  const snyk = (name: string) =>
    corpusPath('images', 'snyk', 'docker-archives', name);

  it.skipIf(!available).each([
    ['no_manifest.tar', 'bad-archive'],
    ['null_manifest.tar', 'bad-archive'],
    ['test_bundle.tar', 'ambiguous'],
  ])('refuses %s', async (name, code) => {
    expect(await codeOf(new DockerArchiveSource(gcr(name)).resolve())).toBe(
      code,
    );
  });

  it
    .skipIf(!available)
    .each([
      'test_image_1',
      'test_image_2:latest',
      'index.docker.io/library/test_image_1:latest',
    ])('loads the %s image of test_bundle.tar', async (reference) => {
    const { result } = await walkOnly(
      new DockerArchiveSource(gcr('test_bundle.tar'), { reference }),
    );

    expect(result.complete).toBe(true);
  });

  it.skipIf(!available)(
    'loads the Docker 25 archive hello-world-v25.tar',
    async () => {
      const { image, result } = await walkOnly(
        new DockerArchiveSource(gcr('hello-world-v25.tar')),
      );

      expect(image.configDigest).toBe(
        'sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44',
      );
      expect(result.complete).toBe(true);
      expect(result.view.lstat('/hello')?.type).toBe('file');
    },
  );

  it.skipIf(!available)(
    'reads a layer that test_link.tar shares through a link',
    async () => {
      const source = new DockerArchiveSource(gcr('test_link.tar'), {
        reference: 'bazel/v1/tarball:test_image_3',
      });

      const { image, result } = await walkOnly(source);

      expect(image.config.rootfs.diff_ids).toContain(
        'sha256:8897395fd26dc44ad0e2a834335b33198cb41ac4d98dfddf58eced3853fa7b17',
      );
      expect(result.complete).toBe(true);
      expect(result.layers.every((layer) => layer.decompressedBytes > 0)).toBe(
        true,
      );
    },
  );

  it.skipIf(!available).each([
    ['whiteout_image.tar', '/foo.txt'],
    ['whiteout_dir.tar', '/a/foo'],
  ])('removes what %s whites out', async (name, path) => {
    const { result } = await walkOnly(new DockerArchiveSource(gcr(name)));

    expect(result.complete).toBe(true);
    expect(result.view.lstat(path)).toBeUndefined();
  });

  it.skipIf(!available)(
    'delivers the later content of overwritten_file.tar',
    async () => {
      const found: string[] = [];
      const source = new DockerArchiveSource(gcr('overwritten_file.tar'));
      const [image] = await source.resolve();
      if (image === undefined) throw new Error('no image');
      const { walkImage } = await import('../../src/walk/walk-image');

      const result = await walkImage(source, image, {
        subscribers: [
          {
            name: 't',
            paths: ['/foo.txt'],
            maxBytes: 100,
            onFile: (f) => void found.push(new TextDecoder().decode(f.content)),
          },
        ],
      });
      await source.close();

      expect(result.complete).toBe(true);
      expect(found).toHaveLength(1);
      expect(found[0]).not.toContain('foo');
    },
  );

  it.skipIf(!available)(
    'loads an image whose history has empty layers',
    async () => {
      const { result } = await walkOnly(
        new DockerArchiveSource(
          gcr('source_image_with_empty_layer_history.tar'),
        ),
      );

      expect(result.complete).toBe(true);
    },
  );

  it.skipIf(!available)(
    'keeps setuid bits as the last layer left them in dockle symbolic.tar',
    async () => {
      const file = corpusPath('malicious', 'dockle-symlink', 'symbolic.tar');

      const { result } = await walkOnly(new DockerArchiveSource(file));

      expect(result.complete).toBe(true);
      expect(
        (result.view.lstat('/app/once-suid.txt')?.mode ?? 0) & 0o4000,
      ).toBe(0);
      expect((result.view.lstat('/app/suid.txt')?.mode ?? 0) & 0o4000).toBe(
        0o4000,
      );
      expect((result.view.lstat('/app/gid.txt')?.mode ?? 0) & 0o2000).toBe(
        0o2000,
      );
      expect(result.view.lstat('/app/credentials.json')?.type).toBe('file');
      expect(result.view.isSameFile('/bin/sh', '/bin/[')).toBe(true);
    },
  );

  it
    .skipIf(!available)
    .each([
      'docker-save/hello-world.tar',
      'skopeo-copy/nginx-compressed-layers.tar',
    ])('loads snyk %s', async (name) => {
    const { result } = await walkOnly(new DockerArchiveSource(snyk(name)));

    expect(result.view.entryCount).toBeGreaterThan(0);
    expect(
      result.problems
        .map((p) => p.code)
        .filter((code) => code !== 'bad-manifest'),
    ).toEqual([]);
  });

  it.skipIf(!available)(
    'reports the layer of snyk centos-6.tar that does not match its diff_id',
    async () => {
      const { result } = await walkOnly(
        new DockerArchiveSource(snyk('skopeo-copy/centos-6.tar')),
      );

      expect(result.complete).toBe(false);
      expect(result.problems[0]?.code).toBe('digest-mismatch');
    },
  );

  it.skipIf(!available)('refuses snyk unsupported-image.tar', async () => {
    const file = corpusPath(
      'images',
      'snyk',
      'docker-oci-archives',
      'unsupported-image.tar',
    );

    expect(await codeOf(new DockerArchiveSource(file).resolve())).toBe(
      'bad-archive',
    );
  });

  it.skipIf(!available).each([
    ['empty-file', 'bad-archive'],
    ['no-descriptors.json', 'bad-archive'],
    ['single-blank-manifest.json', 'bad-archive'],
  ])('refuses the stereoscope manifest.json fixture %s', async (name, code) => {
    const bytes = await readFile(
      corpusPath('images', 'docker-manifest', 'stereoscope', name),
    );

    expect(() =>
      parseDockerArchiveManifest(bytes, name, sourceLimits()),
    ).toThrow(expect.objectContaining({ code }));
  });

  it.skipIf(!available)(
    'reads the stereoscope manifest.json with tags',
    async () => {
      const name = 'valid-multi-manifest-with-tags.json';
      const bytes = await readFile(
        corpusPath('images', 'docker-manifest', 'stereoscope', name),
      );

      const entries = parseDockerArchiveManifest(bytes, name, sourceLimits());

      expect(entries[0]?.repoTags).toContain('anchore/anchore-engine:latest');
    },
  );
});
