import { truncate } from 'node:fs/promises';
import {
  buildTar,
  corpusAvailable,
  corpusPath,
  gzipBytes,
  ociLayoutFiles,
  tarOfFiles,
  withTempDir,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { TarArchiveStore } from '../../src/sources/archive-store';
import { readStoredFile } from '../../src/sources/blob-store';
import { sourceLimits } from '../../src/sources/limits';
import { OciArchiveSource } from '../../src/sources/oci-layout';
import { archiveIn, codeOf, osImage, text, walkOnly } from './helpers';

describe('OciArchiveSource', () => {
  it('resolves and walks an OCI layout inside a tar without extracting it', async () => {
    const image = osImage('archived');

    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'image.tar',
        ociLayoutFiles([{ item: image, refName: 'v1' }]),
      );
      const { image: resolved, result } = await walkOnly(
        new OciArchiveSource(file, { tag: 'v1' }),
      );

      expect(resolved.digest).toBe(image.manifest.digest);
      expect(result.complete).toBe(true);
      expect(result.view.lstat('/etc/os-release')?.type).toBe('file');
    });
  });

  it('reads a gzip-compressed archive by decompressing it', async () => {
    const image = osImage('compressed');

    await withTempDir(async (dir) => {
      const tar = tarOfFiles(ociLayoutFiles([{ item: image }]));
      const file = await archiveIn(dir, 'image.tar.gz', gzipBytes(tar));
      const { result } = await walkOnly(new OciArchiveSource(file));

      expect(result.complete).toBe(true);
    });
  });

  it('stays fast and small on an archive padded with 8 GB of zeros', async () => {
    const image = osImage('padded');

    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'padded.tar',
        ociLayoutFiles([{ item: image }]),
      );
      await truncate(file, 8e9);
      const before = process.memoryUsage().rss;
      const began = Date.now();

      const { result } = await walkOnly(new OciArchiveSource(file));

      expect(result.complete).toBe(true);
      expect(Date.now() - began).toBeLessThan(5000);
      expect(process.memoryUsage().rss - before).toBeLessThan(
        128 * 1024 * 1024,
      );
    });
  });

  it('refuses a member name that appears twice when it is read', async () => {
    const files = ociLayoutFiles([{ item: osImage('a') }]);
    const tar = Buffer.concat([
      buildTar(
        [{ name: 'index.json', content: '{"schemaVersion":2,"manifests":[]}' }],
        { endMarker: false },
      ),
      tarOfFiles(files),
    ]);

    await withTempDir(async (dir) => {
      const file = await archiveIn(dir, 'twice.tar', tar);

      expect(await codeOf(new OciArchiveSource(file).resolve())).toBe(
        'ambiguous',
      );
    });
  });

  it('refuses an archive with more members than the limit', async () => {
    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'many.tar',
        ociLayoutFiles([{ item: osImage('a') }]),
      );

      const code = await codeOf(
        new OciArchiveSource(file, {
          limits: { maxArchiveMembers: 2 },
        }).resolve(),
      );

      expect(code).toBe('limit');
    });
  });

  it('refuses a file that is not a tar archive', async () => {
    await withTempDir(async (dir) => {
      const file = await archiveIn(
        dir,
        'junk.tar',
        new TextEncoder().encode('x'.repeat(2000)),
      );

      expect(await codeOf(new OciArchiveSource(file).resolve())).toBe(
        'bad-archive',
      );
    });
  });
});

describe('TarArchiveStore', () => {
  it('follows symbolic and hard links between members inside the archive', async () => {
    const tar = buildTar([
      { name: 'data/real', content: 'payload' },
      { name: 'a/layer.tar', type: 'symlink', linkname: '../data/real' },
      { name: 'b/layer.tar', type: 'hardlink', linkname: 'data/real' },
      { name: 'loop', type: 'symlink', linkname: 'loop' },
      { name: 'out', type: 'symlink', linkname: '../../../../etc/passwd' },
    ]);

    await withTempDir(async (dir) => {
      const file = await archiveIn(dir, 'links.tar', tar);
      const store = await TarArchiveStore.open(file, sourceLimits());
      try {
        const read = (path: string) => readStoredFile(store, path, 100);

        expect(text((await read('a/layer.tar')) ?? new Uint8Array())).toBe(
          'payload',
        );
        expect(text((await read('./b/layer.tar')) ?? new Uint8Array())).toBe(
          'payload',
        );
        expect(await read('out')).toBeUndefined();
        expect(await codeOf(read('loop'))).toBe('bad-archive');
      } finally {
        await store.close();
      }
    });
  });
});

describe('OciArchiveSource on real archives', () => {
  const available = corpusAvailable();
  const snyk = (name: string) =>
    corpusPath('images', 'snyk', 'oci-archives', name);

  it.skipIf(!available)('walks stereoscope valid-oci.tar', async () => {
    const file = corpusPath(
      'images',
      'oci-layout',
      'stereoscope',
      'valid-oci.tar',
    );

    const { result } = await walkOnly(new OciArchiveSource(file));

    expect(result.complete).toBe(true);
  });

  it.skipIf(!available)(
    'walks busybox-1.31.1.tar, every blob verified',
    async () => {
      const { image, result } = await walkOnly(
        new OciArchiveSource(snyk('busybox-1.31.1.tar')),
      );

      expect(image.digest).toBe(
        'sha256:320034a9c54581568f3df5587ab46296bdd3eb06435fd7c9dd567bbb71bf0b36',
      );
      expect(result.complete).toBe(true);
      expect(result.view.lstat('/bin/busybox')?.type).toBe('file');
      expect(result.view.isSameFile('/bin/sh', '/bin/busybox')).toBe(true);
    },
  );

  it.skipIf(!available).each(['alpine-3.12.0.tar', 'oci-with-manifest.tar'])(
    'reports the corrupt layer blob of %s, listed in archive-facts',
    async (name) => {
      const { result } = await walkOnly(new OciArchiveSource(snyk(name)));

      expect(result.complete).toBe(false);
      expect(result.problems[0]?.code).toBe('digest-mismatch');
    },
  );

  it.skipIf(!available)(
    'refuses nginx.tar, whose manifest blob is corrupt',
    async () => {
      expect(
        await codeOf(new OciArchiveSource(snyk('nginx.tar')).resolve()),
      ).toBe('digest-mismatch');
    },
  );
});
