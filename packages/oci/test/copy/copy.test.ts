import { execFileSync } from 'node:child_process';
import { lstat, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  blobPath,
  buildImage,
  buildIndex,
  dockerArchive,
  ociArchive,
  withTempDir,
  writeOciLayout,
  type BuiltImage,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { copyLocations } from '../../src/copy/copy-locations';
import { OciError } from '../../src/errors';
import { manifestLinks } from '../../src/copy/manifest-links';
import type { Digest } from '../../src/digest';
import { MediaType } from '../../src/media-types';
import { openImageSource } from '../../src/open';

function image(arch: string, text = arch): BuiltImage {
  return buildImage({
    platform: { os: 'linux', architecture: arch },
    layers: [
      { entries: [{ name: 'etc/os-release', content: `ID=${text}\n` }] },
      { entries: [{ name: 'app/bin', content: `binary for ${text}` }] },
    ],
  });
}

const amd64 = image('amd64');
const arm64 = image('arm64');
const multi = buildIndex([{ item: amd64 }, { item: arm64 }]);

/** Every name under a folder, hidden ones included, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

async function errorOf(promise: Promise<unknown>): Promise<OciError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof OciError))
    throw new Error(`not an OciError: ${String(error)}`);
  return error;
}

/** Resolves a location and returns the digests it resolves to. */
async function digestsAt(text: string, all = false): Promise<string[]> {
  const source = openImageSource(text);
  try {
    const images = await source.resolve(all ? 'all' : undefined);
    return images.map((i) => i.digest);
  } finally {
    await source.close();
  }
}

describe('copyLocations', () => {
  it('copies one platform from an index into a new layout, keeping its digest', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: multi, refName: 'v1' }]);

      const result = await copyLocations(
        `oci:${dir}/src:v1`,
        `oci:${dir}/dst:copy`,
        { platform: { os: 'linux', architecture: 'arm64' } },
      );

      expect(result.root.digest).toBe(arm64.manifest.digest);
      expect(result.blobs).toEqual({
        copied: 3,
        existed: 0,
        mounted: 0,
        skipped: 0,
      });
      expect(await digestsAt(`oci:${dir}/dst:copy`)).toEqual([
        arm64.manifest.digest,
      ]);
      expect((await tree(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
    });
  });

  it('copies every platform and the index byte for byte with all', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: multi, refName: 'v1' }]);

      const result = await copyLocations(
        `oci:${dir}/src:v1`,
        `oci:${dir}/dst`,
        {
          platform: 'all',
        },
      );

      expect(result.root.digest).toBe(multi.index.digest);
      expect(result.manifests.sort()).toEqual(
        [amd64.manifest.digest, arm64.manifest.digest].sort(),
      );
      const copied = await readFile(
        join(dir, 'dst', blobPath(multi.index.digest)),
      );
      expect(Buffer.compare(copied, Buffer.from(multi.index.bytes))).toBe(0);
    });
  });

  it('round-trips layout, archive and layout with identical digests', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: multi, refName: 'v1' }]);

      await copyLocations(`oci:${dir}/src:v1`, `oci-archive:${dir}/a.tar:v2`, {
        platform: 'all',
      });
      await copyLocations(`oci-archive:${dir}/a.tar:v2`, `oci:${dir}/back:v3`, {
        platform: 'all',
      });

      expect(await digestsAt(`oci:${dir}/back:v3`, true)).toEqual(
        await digestsAt(`oci:${dir}/src:v1`, true),
      );
      expect(await digestsAt(`oci-archive:${dir}/a.tar:v2`, true)).toHaveLength(
        2,
      );
    });
  });

  it('copies a docker archive into an OCI archive', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'd.tar'), dockerArchive([{ image: amd64 }]));

      const result = await copyLocations(
        `docker-archive:${dir}/d.tar`,
        `oci-archive:${dir}/o.tar`,
      );

      expect(await digestsAt(`oci-archive:${dir}/o.tar`)).toEqual([
        result.root.digest,
      ]);
    });
  });

  it('adds to an existing layout, replacing the entry of the same tag', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [
        { item: amd64, refName: 'a' },
        { item: arm64, refName: 'b' },
      ]);
      await writeOciLayout(join(dir, 'dst'), [
        { item: amd64, refName: 'keep' },
      ]);

      await copyLocations(`oci:${dir}/src:a`, `oci:${dir}/dst:x`);
      const second = await copyLocations(
        `oci:${dir}/src:b`,
        `oci:${dir}/dst:x`,
      );

      expect(second.blobs.copied).toBe(3);
      expect(await digestsAt(`oci:${dir}/dst:keep`)).toEqual([
        amd64.manifest.digest,
      ]);
      expect(await digestsAt(`oci:${dir}/dst:x`)).toEqual([
        arm64.manifest.digest,
      ]);
    });
  });

  it('finds blobs already in the destination and copies nothing twice', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: amd64 }]);
      await copyLocations(`oci:${dir}/src`, `oci:${dir}/dst:one`);

      const again = await copyLocations(`oci:${dir}/src`, `oci:${dir}/dst:two`);

      expect(again.blobs).toEqual({
        copied: 0,
        existed: 3,
        mounted: 0,
        skipped: 0,
      });
    });
  });

  it('replaces a symlink or FIFO at a blob path of an existing layout, never reading it', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: arm64 }]);
      await writeOciLayout(join(dir, 'dst'), [
        { item: amd64, refName: 'keep' },
      ]);
      const layer = join(dir, 'dst', blobPath(arm64.layers[0]?.digest ?? ''));
      const config = join(dir, 'dst', blobPath(arm64.config.digest));
      await symlink('/etc/passwd', layer);
      execFileSync('mkfifo', [config]);

      const result = await copyLocations(`oci:${dir}/src`, `oci:${dir}/dst:x`);

      expect(result.blobs.copied).toBe(3);
      expect((await lstat(layer)).isFile()).toBe(true);
      expect((await lstat(config)).isFile()).toBe(true);
      expect(await digestsAt(`oci:${dir}/dst:x`)).toEqual([
        arm64.manifest.digest,
      ]);
    });
  });

  it('leaves nothing behind when a source blob is corrupt', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: amd64 }]);
      const layer = amd64.layers[1]?.digest ?? '';
      const bad = Buffer.from(amd64.layers[1]?.bytes ?? []);
      bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
      await writeFile(join(dir, 'src', blobPath(layer)), bad);
      const before = await tree(dir);

      const newLayout = await errorOf(
        copyLocations(`oci:${dir}/src`, `oci:${dir}/new/dst`),
      );
      const archive = await errorOf(
        copyLocations(`oci:${dir}/src`, `oci-archive:${dir}/out.tar`),
      );

      expect([newLayout.code, archive.code]).toEqual([
        'digest-mismatch',
        'digest-mismatch',
      ]);
      expect(newLayout.message).toContain(`${dir}/src`);
      expect(await tree(dir)).toEqual(before);
    });
  });

  it('leaves an existing layout as it was after a failed copy', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: arm64 }]);
      await writeOciLayout(join(dir, 'dst'), [
        { item: amd64, refName: 'keep' },
      ]);
      await writeFile(
        join(dir, 'src', blobPath(arm64.layers[0]?.digest ?? '')),
        'x',
      );
      const before = await tree(join(dir, 'dst'));
      const index = await readFile(join(dir, 'dst', 'index.json'));

      await errorOf(copyLocations(`oci:${dir}/src`, `oci:${dir}/dst:new`));

      expect(await tree(join(dir, 'dst'))).toEqual(before);
      expect(await readFile(join(dir, 'dst', 'index.json'))).toEqual(index);
    });
  });

  it('keeps an existing archive when the copy into it fails', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: arm64 }]);
      await writeFile(join(dir, 'src', blobPath(arm64.config.digest)), '{}');
      const old = ociArchive([{ item: amd64 }]);
      await writeFile(join(dir, 'out.tar'), old);

      await errorOf(
        copyLocations(`oci:${dir}/src`, `oci-archive:${dir}/out.tar`),
      );

      expect(await readFile(join(dir, 'out.tar'))).toEqual(Buffer.from(old));
      expect(await tree(dir)).not.toContainEqual(expect.stringMatching(/^\./));
    });
  });

  it.each([
    ['docker-archive:x.tar', 'unsupported'],
    ['oci:', 'bad-reference'],
    ['Not A Reference', 'bad-reference'],
  ])('refuses the destination %s before reading anything', async (to, code) => {
    await withTempDir(async (dir) => {
      const error = await errorOf(
        copyLocations(`oci:${dir}/missing`, to, { cwd: dir }),
      );

      expect(error.code).toBe(code);
    });
  });

  it('refuses to write into a folder that is neither empty nor a layout', async () => {
    await withTempDir(async (dir) => {
      await writeOciLayout(join(dir, 'src'), [{ item: amd64 }]);
      await writeFile(join(dir, 'notes.txt'), 'mine');

      const error = await errorOf(
        copyLocations(`oci:${dir}/src`, `oci:${dir}`),
      );

      expect(error.code).toBe('io');
      expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    });
  });
});

describe('manifestLinks', () => {
  const index = {
    mediaType: MediaType.ociIndex,
    digest: multi.index.digest as Digest,
    size: 1,
  };
  const manifest = { ...index, mediaType: MediaType.ociManifest };
  const child = {
    mediaType: MediaType.ociManifest,
    digest: amd64.manifest.digest,
    size: 5,
  };
  const encode = (value: unknown) =>
    new TextEncoder().encode(JSON.stringify(value));

  it('reads the children of an index and the blobs of a manifest', () => {
    const fromIndex = manifestLinks(
      encode({ schemaVersion: 2, manifests: [child] }),
      index,
      'x',
    );
    const fromManifest = manifestLinks(amd64.manifest.bytes, manifest, 'x');

    expect(fromIndex).toEqual({ kind: 'index', children: [child] });
    expect(fromManifest).toEqual({
      kind: 'manifest',
      blobs: [amd64.config, ...amd64.layers].map((b) => ({
        mediaType: b.mediaType,
        digest: b.digest,
        size: b.size,
      })),
    });
  });

  it.each([
    [
      'both layers and manifests',
      { schemaVersion: 2, manifests: [], layers: [] },
      'bad-manifest',
    ],
    [
      'another media type',
      { schemaVersion: 2, mediaType: MediaType.ociManifest, manifests: [] },
      'bad-manifest',
    ],
    [
      'a traversal digest',
      {
        schemaVersion: 2,
        manifests: [{ ...child, digest: 'sha256:../../etc/passwd' }],
      },
      'bad-digest',
    ],
    [
      'a negative size',
      { schemaVersion: 2, manifests: [{ ...child, size: -1 }] },
      'bad-manifest',
    ],
    [
      'too many children',
      {
        schemaVersion: 2,
        manifests: Array.from({ length: 1001 }, () => child),
      },
      'limit',
    ],
    ['schema version 1', { schemaVersion: 1, manifests: [] }, 'bad-manifest'],
  ])('refuses an index with %s', (_what, doc, code) => {
    const read = () => manifestLinks(encode(doc), index, 'x');

    expect(read).toThrow(OciError);
    expect(codeOfThrow(read)).toBe(code);
  });
});

function codeOfThrow(work: () => unknown): string {
  try {
    work();
    return 'returned';
  } catch (error) {
    return error instanceof OciError ? error.code : 'other';
  }
}
