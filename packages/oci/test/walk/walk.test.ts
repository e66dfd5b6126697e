import {
  buildTar,
  gzipBytes,
  sha256,
  zstdBytes,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/digest';
import { OciError } from '../../src/errors';
import type { WalkedFile } from '../../src/walk/subscribers';
import { walkLayers } from '../../src/walk/walk';
import { contentOf, layerOf, pathsOf, tarLayer, walkAll } from './helpers';

describe('walkLayers: layering', () => {
  it('lets a later layer replace a file, and delivers the final content', async () => {
    const { result, files } = await walkAll([
      tarLayer([{ name: 'etc/motd', content: 'old' }]),
      tarLayer([{ name: 'etc/motd', content: 'new', mode: 0o600 }]),
    ]);

    expect(result.complete).toBe(true);
    expect(contentOf(files.get('/etc/motd'))).toBe('new');
    expect(result.view.lstat('/etc/motd')).toMatchObject({
      type: 'file',
      mode: 0o600,
      size: 3,
      layer: 1,
    });
  });

  it('removes a whited-out file and never delivers it', async () => {
    const { result, files } = await walkAll([
      tarLayer([
        { name: 'etc/passwd', content: 'root' },
        { name: 'etc/group', content: 'wheel' },
      ]),
      tarLayer([{ name: 'etc/.wh.passwd' }]),
    ]);

    expect(result.view.lstat('/etc/passwd')).toBeUndefined();
    expect(files.has('/etc/passwd')).toBe(false);
    expect(contentOf(files.get('/etc/group'))).toBe('wheel');
    expect(pathsOf(result)).toEqual(['/etc', '/etc/group']);
  });

  it('removes a whited-out directory with everything below it', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'a/b/c', content: '1' },
        { name: 'keep', content: '2' },
      ]),
      tarLayer([{ name: '.wh.a' }]),
    ]);

    expect(pathsOf(result)).toEqual(['/keep']);
  });

  it.each([
    ['before', [{ name: '.wh.x' }, { name: 'x', content: 'same layer' }]],
    ['after', [{ name: 'x', content: 'same layer' }, { name: '.wh.x' }]],
  ])(
    'keeps a file the whiteout layer itself adds %s the whiteout',
    async (_order, entries) => {
      const { files } = await walkAll([
        tarLayer([{ name: 'x', content: 'lower' }]),
        tarLayer(entries),
      ]);

      expect(contentOf(files.get('/x'))).toBe('same layer');
    },
  );

  it('empties an opaque directory of lower entries but keeps its own', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'app/old', content: '1' },
        { name: 'app/sub/old', content: '2' },
        { name: 'other', content: '3' },
      ]),
      tarLayer([
        { name: 'app/', type: 'dir' },
        { name: 'app/new', content: '4' },
        { name: 'app/.wh..wh..opq' },
      ]),
    ]);

    expect(pathsOf(result)).toEqual(['/app', '/app/new', '/other']);
  });

  it('treats only the last component as a whiteout', async () => {
    const { files } = await walkAll([
      tarLayer([{ name: 'etc/passwd', content: 'all users' }]),
      tarLayer([{ name: '.wh.etc/somefile', content: 'non-empty' }]),
    ]);

    expect(contentOf(files.get('/etc/passwd'))).toBe('all users');
    expect(contentOf(files.get('/.wh.etc/somefile'))).toBe('non-empty');
  });

  it('confines a whiteout name with traversal to a plain file', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'x', content: 'kept' },
        { name: 'a/b', content: 'kept' },
      ]),
      tarLayer([{ name: 'a/.wh.../../x', content: 'plain' }]),
    ]);

    expect(pathsOf(result)).toEqual(['/a', '/a/b', '/a/x', '/x']);
    expect(result.complete).toBe(true);
  });

  it('confines an opaque whiteout at the root to the lower layers', async () => {
    const { result } = await walkAll([
      tarLayer([{ name: 'etc/passwd', content: 'lower' }]),
      tarLayer([
        { name: '.wh..wh..opq' },
        { name: 'etc/hostname', content: 'upper' },
      ]),
    ]);

    expect(pathsOf(result)).toEqual(['/etc', '/etc/hostname']);
    expect(result.view.lstat('/')?.type).toBe('dir');
  });

  it('ignores AUFS bookkeeping entries and notes them', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'a', content: '1' },
        { name: '.wh..wh.plnk/1.2', content: 'hard link store' },
      ]),
    ]);

    expect(pathsOf(result)).toEqual(['/a']);
    expect(result.anomalies.map((a) => a.kind)).toEqual(['aufs-metadata']);
  });

  it.each(['.wh..', '.wh...', 'etc/.wh..', 'etc/.wh...', '.wh.'])(
    'stops on the invalid whiteout %j',
    async (name) => {
      const { result } = await walkAll([
        tarLayer([{ name: 'etc/passwd', content: 'inside' }]),
        tarLayer([{ name }]),
      ]);

      expect(result.complete).toBe(false);
      expect(result.problems[0]).toMatchObject({
        code: 'bad-archive',
        layer: 1,
      });
    },
  );

  it('replaces a directory by a file, dropping what was below', async () => {
    const { result } = await walkAll([
      tarLayer([{ name: 'd/x', content: '1' }]),
      tarLayer([{ name: 'd', content: 'now a file' }]),
    ]);

    expect(pathsOf(result)).toEqual(['/d']);
    expect(result.view.lstat('/d')?.type).toBe('file');
  });

  it('merges a directory entry over an existing directory', async () => {
    const { result } = await walkAll([
      tarLayer([{ name: 'd/x', content: '1' }]),
      tarLayer([{ name: 'd/', type: 'dir', mode: 0o700, uid: 5 }]),
    ]);

    expect(pathsOf(result)).toEqual(['/d', '/d/x']);
    expect(result.view.lstat('/d')).toMatchObject({
      mode: 0o700,
      uid: 5,
      layer: 1,
    });
  });

  it('records types, owners, link targets and the adding layer', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'bin/busybox', content: 'elf', mode: 0o4755, uid: 1, gid: 2 },
        { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
        { name: 'bin/ash', type: 'hardlink', linkname: 'bin/busybox' },
        { name: 'dev/null', type: 'char' },
        { name: 'dev/sda', type: 'block' },
        { name: 'run/pipe', type: 'fifo' },
      ]),
    ]);

    const view = result.view;
    expect(view.lstat('/bin/busybox')).toMatchObject({
      type: 'file',
      mode: 0o4755,
      uid: 1,
      gid: 2,
      size: 3,
      layer: 0,
    });
    expect(view.lstat('/bin/sh')).toMatchObject({
      type: 'symlink',
      linkTarget: 'busybox',
    });
    expect(view.lstat('/bin/ash')).toMatchObject({
      type: 'file',
      hardlinkTo: '/bin/busybox',
      size: 3,
    });
    expect(view.isSameFile('/bin/ash', '/bin/busybox')).toBe(true);
    expect(view.isSameFile('/bin/sh', '/bin/busybox')).toBe(true);
    expect(
      ['char', 'block', 'fifo'].map(
        (t, i) =>
          view.lstat(['/dev/null', '/dev/sda', '/run/pipe'][i] ?? '')?.type ===
          t,
      ),
    ).toEqual([true, true, true]);
    expect(view.readdir('/bin')).toEqual(['ash', 'busybox', 'sh']);
  });

  it('applies PAX and GNU long names', async () => {
    const longName = `${'x'.repeat(150)}/file`;
    const { files } = await walkAll([
      tarLayer([
        { name: longName, content: 'pax' },
        { name: `gnu/${'y'.repeat(150)}`, content: 'gnu', longNames: 'gnu' },
      ]),
    ]);

    expect(contentOf(files.get(`/${longName}`))).toBe('pax');
    expect(contentOf(files.get(`/gnu/${'y'.repeat(150)}`))).toBe('gnu');
  });
});

describe('walkLayers: hostile paths', () => {
  it('re-roots escaping and absolute names inside the image and notes them', async () => {
    const { result, files } = await walkAll([
      tarLayer([
        { name: '../../../../etc/passwd', content: 'escaped' },
        { name: '/etc/shadow', content: 'absolute' },
      ]),
    ]);

    expect(contentOf(files.get('/etc/passwd'))).toBe('escaped');
    expect(contentOf(files.get('/etc/shadow'))).toBe('absolute');
    expect(result.anomalies.map((a) => [a.kind, a.entry])).toEqual([
      ['path-escape', '../../../../etc/passwd'],
      ['absolute-path', '/etc/shadow'],
    ]);
    expect(result.complete).toBe(true);
  });

  it.each([
    ['absolute', '/etc'],
    ['relative and escaping', '../../../../etc'],
  ])(
    'writes through a parent symlink (%s) only inside the root',
    async (_kind, target) => {
      const { result, files } = await walkAll([
        tarLayer([
          { name: 'etc/', type: 'dir' },
          { name: 'd', type: 'symlink', linkname: target },
          { name: 'd/cron.d/x', content: 'job' },
        ]),
      ]);

      expect(contentOf(files.get('/etc/cron.d/x'))).toBe('job');
      expect(result.view.lstat('/d')?.type).toBe('symlink');
      expect(result.view.lstat('/d/cron.d/x')?.path).toBe('/etc/cron.d/x');
    },
  );

  it.each(['.', '/', '', './', '..'])(
    'keeps the root a directory when an entry named %j tries to replace it',
    async (name) => {
      const { result } = await walkAll([
        tarLayer([
          { name: 'etc/passwd', content: 'x' },
          { name, type: 'symlink', linkname: '/tmp' },
        ]),
      ]);

      expect(result.view.lstat('/')?.type).toBe('dir');
      expect(result.view.lstat('/etc/passwd')?.type).toBe('file');
      expect(result.anomalies.map((a) => a.kind)).toContain('root-entry');
    },
  );

  it('changes metadata of the entry itself, never through a symlink', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'etc/', type: 'dir', mode: 0o755 },
        { name: 'x', type: 'symlink', linkname: '/etc' },
      ]),
      tarLayer([{ name: 'x/', type: 'dir', mode: 0o777, uid: 1000 }]),
    ]);

    expect(result.view.lstat('/etc')).toMatchObject({ mode: 0o755, uid: 0 });
    expect(result.view.lstat('/x')).toMatchObject({
      type: 'dir',
      mode: 0o777,
      uid: 1000,
    });
  });

  it.each([
    ['an absolute path', '/etc/shadow'],
    ['a path escaping from a deep directory', '../../../../etc/shadow'],
  ])('keeps a hard link to %s inside the root', async (_what, linkname) => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'etc/shadow', content: 'secret' },
        { name: 'a/b/c/link', type: 'hardlink', linkname },
      ]),
    ]);

    expect(result.view.isSameFile('/a/b/c/link', '/etc/shadow')).toBe(true);
  });

  it.each([
    ['C:../x', 'hardlink-missing'],
    ['missing/file', 'hardlink-missing'],
    ['etc', 'hardlink-directory'],
  ])('skips a hard link to %j', async (linkname, kind) => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'etc/passwd', content: 'x' },
        { name: 'link', type: 'hardlink', linkname },
      ]),
    ]);

    expect(result.view.lstat('/link')).toBeUndefined();
    expect(result.anomalies.map((a) => a.kind)).toContain(kind);
  });

  it('skips an entry whose parent is a file', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'f', content: '1' },
        { name: 'f/x', content: '2' },
      ]),
    ]);

    expect(pathsOf(result)).toEqual(['/f']);
    expect(result.anomalies.map((a) => a.kind)).toEqual([
      'parent-not-directory',
    ]);
  });

  it('bounds symlink loops and reports the file as unresolved', async () => {
    const { result, files } = await walkAll([
      tarLayer([
        { name: 'etc/os-release', type: 'symlink', linkname: 'a' },
        { name: 'etc/a', type: 'symlink', linkname: 'b' },
        { name: 'etc/b', type: 'symlink', linkname: 'a' },
        {
          name: 'usr/lib/os-release',
          type: 'symlink',
          linkname: '/usr/lib/os-release',
        },
      ]),
    ]);

    expect(result.view.resolve('/etc/os-release')).toMatchObject({
      found: false,
      reason: 'loop',
    });
    expect(result.view.stat('/usr/lib/os-release')).toBeUndefined();
    expect(files.get('/etc/os-release')?.skipped).toBe('unresolved');
    expect(result.complete).toBe(true);
  });

  it('resolves absolute and relative symlink chains within the root', async () => {
    const { result } = await walkAll([
      tarLayer([
        { name: 'usr/lib/os-release', content: 'ID=x' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        {
          name: 'etc/os-release',
          type: 'symlink',
          linkname: '../../../lib/os-release',
        },
      ]),
    ]);

    expect(result.view.resolve('/etc/os-release')).toMatchObject({
      found: true,
      path: '/usr/lib/os-release',
    });
  });
});

describe('walkLayers: subscribers', () => {
  function collect(paths: string[], maxBytes = 1024) {
    const files: WalkedFile[] = [];
    return {
      files,
      subscriber: {
        name: 'test',
        paths,
        maxBytes,
        onFile: (file: WalkedFile) => {
          files.push(file);
        },
      },
    };
  }

  it('delivers literal and glob matches in path order, keeping nothing else', async () => {
    const { files, subscriber } = collect([
      '/etc/os-release',
      '**/*.jar',
      '/missing',
    ]);

    await walkLayers(
      [
        tarLayer([
          { name: 'etc/os-release', content: 'ID=debian' },
          { name: 'etc/hostname', content: 'box' },
          { name: 'opt/app/lib/a.jar', content: 'jar a' },
          { name: 'b.jar', content: 'jar b' },
        ]),
      ],
      { subscribers: [subscriber] },
    );

    expect(files.map((f) => [f.path, contentOf(f)])).toEqual([
      ['/b.jar', 'jar b'],
      ['/etc/os-release', 'ID=debian'],
      ['/opt/app/lib/a.jar', 'jar a'],
    ]);
  });

  it('follows a wanted symlink to a target that comes later', async () => {
    const { files, subscriber } = collect(['/etc/os-release']);

    await walkLayers(
      [
        tarLayer([
          {
            name: 'etc/os-release',
            type: 'symlink',
            linkname: '../usr/lib/os-release',
          },
          { name: 'usr/lib/os-release', content: 'ID=alpine' },
        ]),
      ],
      { subscribers: [subscriber] },
    );

    expect(files.map((f) => [f.path, f.resolvedPath, contentOf(f)])).toEqual([
      ['/etc/os-release', '/usr/lib/os-release', 'ID=alpine'],
    ]);
  });

  it('reports a symlink target that streamed by before as unavailable', async () => {
    const { files, subscriber } = collect(['/etc/os-release']);

    await walkLayers(
      [
        tarLayer([{ name: 'usr/lib/os-release', content: 'ID=alpine' }]),
        tarLayer([
          {
            name: 'etc/os-release',
            type: 'symlink',
            linkname: '/usr/lib/os-release',
          },
        ]),
      ],
      { subscribers: [subscriber] },
    );

    expect(files[0]).toMatchObject({
      content: undefined,
      skipped: 'unavailable',
    });
  });

  it('sends files over maxBytes without content', async () => {
    const { files, subscriber } = collect(['/big', '/empty'], 4);

    await walkLayers(
      [tarLayer([{ name: 'big', content: 'too long' }, { name: 'empty' }])],
      { subscribers: [subscriber] },
    );

    expect(files.map((f) => [f.path, f.skipped, f.content?.length])).toEqual([
      ['/big', 'too-large', undefined],
      ['/empty', undefined, 0],
    ]);
  });

  it('stops keeping contents past the buffer limit and marks the walk incomplete', async () => {
    const { files, subscriber } = collect(['/*'], 100);

    const result = await walkLayers(
      [
        tarLayer([
          { name: 'a', content: 'x'.repeat(60) },
          { name: 'b', content: 'y'.repeat(60) },
        ]),
      ],
      { subscribers: [subscriber], limits: { maxBufferedBytes: 100 } },
    );

    expect(result.complete).toBe(false);
    expect(result.problems[0]?.code).toBe('limit');
    expect(files.map((f) => f.skipped)).toEqual([undefined, 'unavailable']);
  });

  it('releases kept content of files that a later layer deletes', async () => {
    const { subscriber } = collect(['/*'], 100);

    const result = await walkLayers(
      [
        tarLayer([{ name: 'a', content: 'x'.repeat(80) }]),
        tarLayer([{ name: '.wh.a' }, { name: 'b', content: 'y'.repeat(80) }]),
      ],
      { subscribers: [subscriber], limits: { maxBufferedBytes: 100 } },
    );

    expect(result.complete).toBe(true);
  });

  it('records a subscriber that throws as a problem', async () => {
    const result = await walkLayers([tarLayer([{ name: 'a', content: '1' }])], {
      subscribers: [
        {
          name: 'broken',
          paths: ['/a'],
          maxBytes: 10,
          onFile: () => {
            throw new Error('parse failed');
          },
        },
      ],
    });

    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'subscriber',
        message: expect.stringContaining('parse failed') as unknown,
      }),
    ]);
  });

  it('sends devices as not-a-file', async () => {
    const { files, subscriber } = collect(['/dev/*']);

    await walkLayers([tarLayer([{ name: 'dev/null', type: 'char' }])], {
      subscribers: [subscriber],
    });

    expect(files.map((f) => f.skipped)).toEqual(['not-a-file']);
  });
});

describe('walkLayers: streams', () => {
  const tar = buildTar([{ name: 'etc/os-release', content: 'ID=test' }]);

  it.each([
    ['gzip', gzipBytes(tar)],
    [
      'multi-member gzip',
      Buffer.concat([
        gzipBytes(tar.subarray(0, 700)),
        gzipBytes(tar.subarray(700)),
      ]),
    ],
    ['zstd', zstdBytes(tar)],
    ['no', tar],
  ])('reads a layer with %s compression', async (name, bytes) => {
    const { result, files } = await walkAll([layerOf(bytes, 100)]);

    expect(result.complete).toBe(true);
    expect(result.layers[0]?.compression).toBe(
      name.includes('gzip') ? 'gzip' : name === 'zstd' ? 'zstd' : 'none',
    );
    expect(contentOf(files.get('/etc/os-release'))).toBe('ID=test');
  });

  it('checks the uncompressed bytes against the diff_id', async () => {
    const good = await walkLayers([
      { ...layerOf(gzipBytes(tar)), diffId: parseDigest(sha256(tar)) },
    ]);
    const bad = await walkLayers([
      { ...layerOf(gzipBytes(tar)), diffId: parseDigest(sha256('other')) },
    ]);

    expect(good.complete).toBe(true);
    expect(bad.complete).toBe(false);
    expect(bad.problems[0]?.code).toBe('digest-mismatch');
  });

  it('stops at a layer that fails to open and walks nothing after it', async () => {
    const result = await walkLayers([
      {
        open: () =>
          Promise.reject(
            new OciError('digest-mismatch', 'blob sha256:abc is corrupt'),
          ),
        label: 'sha256:abc',
      },
      tarLayer([{ name: 'a' }]),
    ]);

    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'digest-mismatch',
        layer: 0,
        message: 'layer 0 (sha256:abc): blob sha256:abc is corrupt',
      }),
    ]);
    expect(result.layers.map((l) => l.complete)).toEqual([false]);
  });

  it('turns a stream error into an io problem', async () => {
    const result = await walkLayers([
      {
        open: () =>
          Promise.resolve(
            (async function* () {
              yield gzipBytes(tar).subarray(0, 10);
              await Promise.resolve();
              throw new Error('ECONNRESET');
            })(),
          ),
      },
    ]);

    expect(result.problems[0]).toMatchObject({
      code: 'io',
      message: 'layer 0: ECONNRESET',
    });
  });

  it('reports corrupt gzip data as a bad archive', async () => {
    const bytes = gzipBytes(tar);
    bytes[20] = (bytes[20] ?? 0) ^ 0xff;

    const result = await walkLayers([layerOf(bytes)]);

    expect(result.problems[0]?.code).toMatch(/bad-archive|truncated/);
  });

  it('skips a layer marked to skip and notes why', async () => {
    const result = await walkLayers([
      {
        open: () => Promise.reject(new Error('must not open')),
        skip: { code: 'unsupported', message: 'foreign layer' },
      },
      tarLayer([{ name: 'a', content: '1' }]),
    ]);

    expect(result.complete).toBe(false);
    expect(result.view.lstat('/a')?.type).toBe('file');
  });

  it('refuses more layers than the layer limit before reading any', async () => {
    const layers = Array.from({ length: 3 }, () => tarLayer([]));

    const result = await walkLayers(layers, { limits: { maxLayers: 2 } });

    expect(result.problems[0]?.code).toBe('limit');
    expect(result.layers).toEqual([]);
  });

  it('rejects when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));

    await expect(
      walkLayers([tarLayer([{ name: 'a' }])], { signal: controller.signal }),
    ).rejects.toThrow('cancelled');
  });
});
