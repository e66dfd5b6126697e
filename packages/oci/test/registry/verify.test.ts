import { readdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MediaType, type Descriptor, type Digest } from '../../src/index';
import {
  addImage,
  digestOf,
  MemoryRegistry,
  send,
  type Route,
} from './fake-server';
import { failure, startServer, testClient } from './helpers';

const ping: Route = (req, res) =>
  req.url.pathname === '/v2/' ? send(res, 200, '{}') : false;

/** Serves one document for every manifest request. */
function serveManifest(
  body: Buffer | string,
  headers: Record<string, string>,
): Route {
  return (req, res) => {
    if (!req.url.pathname.includes('/manifests/')) return false;
    res.writeHead(200, {
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
    return true;
  };
}

const config: Descriptor = {
  mediaType: MediaType.ociConfig,
  digest: digestOf('{}'),
  size: 2,
};

function imageJson(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config,
    layers: [],
    ...extra,
  });
}

async function fetchWith(route: Route, reference = 'v1', options = {}) {
  const fake = await startServer([ping, route]);
  const { client } = await testClient(options);
  const promise = client.getManifest(
    { registry: fake.host, repository: 'app' },
    reference,
  );
  return { fake, promise };
}

describe('manifest and blob verification', () => {
  it('rejects a blob whose bytes hash to another digest, and keeps nothing', async () => {
    const registry = new MemoryRegistry();
    const { layer } = addImage(registry);
    registry.blobs.set(layer.digest, Buffer.from('x'.repeat(layer.size)));
    const fake = await startServer([registry.route]);
    const { client, cacheDir } = await testClient();

    const error = await failure(
      client.openBlob({ registry: fake.host, repository: 'app' }, layer),
    );

    expect(error.code).toBe('digest-mismatch');
    expect(await readdir(cacheDir, { recursive: true })).toEqual(['tmp']);
    expect(fake.seenAt('GET', '/v2/app/blobs/')).toHaveLength(1);
  });

  it('rejects a manifest fetched by tag whose Docker-Content-Digest is wrong', async () => {
    const body = imageJson();
    const wrong = digestOf('something else');
    const { promise } = await fetchWith(
      serveManifest(body, {
        'content-type': MediaType.ociManifest,
        'docker-content-digest': wrong,
      }),
    );

    expect((await failure(promise)).code).toBe('digest-mismatch');
  });

  it('rejects a manifest fetched by digest whose bytes differ', async () => {
    const { promise } = await fetchWith(
      serveManifest(imageJson(), { 'content-type': MediaType.ociManifest }),
      digestOf('another manifest'),
    );

    expect((await failure(promise)).code).toBe('digest-mismatch');
  });

  it('rejects a mediaType that disagrees with Content-Type', async () => {
    const { promise } = await fetchWith(
      serveManifest(imageJson(), { 'content-type': MediaType.ociIndex }),
    );

    const error = await failure(promise);

    expect(error.code).toBe('bad-manifest');
    expect(error.message).toContain(`as '${MediaType.ociIndex}'`);
  });

  it('rejects a document with both layers and manifests', async () => {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [],
      layers: [],
    });
    const { promise } = await fetchWith(
      serveManifest(body, { 'content-type': MediaType.ociIndex }),
    );

    expect((await failure(promise)).code).toBe('bad-manifest');
  });

  it('refuses schema 1 with a message that says what to do', async () => {
    const body = JSON.stringify({
      schemaVersion: 1,
      name: 'app',
      tag: 'v1',
      fsLayers: [],
    });
    const { promise } = await fetchWith(
      serveManifest(body, { 'content-type': MediaType.dockerSchema1Signed }),
    );

    const error = await failure(promise);

    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(/schema 1.*re-push/);
  });

  it('stops reading a 50 MB manifest at the cap, before buffering it', async () => {
    let sent = 0;
    let closed = false;
    const endless: Route = (req, res) => {
      if (!req.url.pathname.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': MediaType.ociManifest });
      res.on('close', () => (closed = true));
      void stream(res, 50 * 1024 * 1024, (n) => (sent = n));
      return true;
    };
    const { promise } = await fetchWith(endless);

    const error = await failure(promise);

    expect(error.code).toBe('too-large');
    await until(() => closed);
    expect(sent).toBeLessThan(20 * 1024 * 1024);
  });

  it('refuses a manifest whose Content-Length is over the cap without reading it', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 32);
    const { promise } = await fetchWith(
      serveManifest(body, { 'content-type': MediaType.ociManifest }),
    );

    expect((await failure(promise)).code).toBe('too-large');
  });

  it('caps an index of 10,000 children before building descriptors', async () => {
    const child = {
      mediaType: MediaType.ociManifest,
      digest: digestOf('c'),
      size: 1,
    };
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: Array.from({ length: 10_000 }, () => child),
    });
    const { promise } = await fetchWith(
      serveManifest(body, { 'content-type': MediaType.ociIndex }),
    );

    const error = await failure(promise);

    expect(error.code).toBe('limit');
    expect(error.message).toContain('10000');
  });

  it('caps a manifest of 100,000 layers', async () => {
    const layer = {
      mediaType: MediaType.ociLayerGzip,
      digest: digestOf('l'),
      size: 1,
    };
    const body = imageJson({
      layers: Array.from({ length: 100_000 }, () => layer),
    });
    const { promise } = await fetchWith(
      serveManifest(body, { 'content-type': MediaType.ociManifest }),
      'v1',
      { limits: { manifestBytes: 64 * 1024 * 1024 } },
    );

    expect((await failure(promise)).code).toBe('limit');
  });

  it.each([
    ['a traversal digest', 'sha256:../../etc/passwd'],
    ['an uppercase digest', `sha256:${'A'.repeat(64)}`],
    ['a 63-character digest', `sha256:${'a'.repeat(63)}`],
    ['a 129-character tag', 't'.repeat(129)],
    ['a tag with a slash', '../x'],
  ])('rejects %s before any request', async (_name, reference) => {
    const fake = await startServer([ping]);
    const { client } = await testClient();

    const error = await failure(
      client.getManifest({ registry: fake.host, repository: 'app' }, reference),
    );

    expect(['bad-digest', 'bad-reference']).toContain(error.code);
    expect(fake.seen.filter((s) => s.url.pathname !== '/v2/')).toEqual([]);
  });

  it.each(['../etc', 'App', 'a//b', ''])(
    'rejects the repository name %j',
    async (repository) => {
      const fake = await startServer([ping]);
      const { client } = await testClient();

      const error = await failure(
        client.getManifest({ registry: fake.host, repository }, 'v1'),
      );

      expect(error.code).toBe('bad-reference');
      expect(fake.seen).toEqual([]);
    },
  );

  it('rejects a blob descriptor with a bad digest before any request', async () => {
    const fake = await startServer([ping]);
    const { client } = await testClient();
    const bad = {
      mediaType: 'x',
      digest: 'sha256:../../etc/passwd' as Digest,
      size: 1,
    };

    const error = await failure(
      client.openBlob({ registry: fake.host, repository: 'app' }, bad),
    );

    expect(error.code).toBe('bad-digest');
    expect(fake.seenAt('GET', '/v2/app/')).toEqual([]);
  });
});

async function stream(
  res: ServerResponse,
  total: number,
  progress: (sent: number) => void,
): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 32);
  let sent = 0;
  while (sent < total && !res.destroyed) {
    if (!res.write(chunk)) {
      await new Promise((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
    sent += chunk.length;
    progress(sent);
  }
  res.end();
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
