import { readdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/index';
import {
  addImage,
  digestOf,
  MemoryRegistry,
  send,
  uploadOf,
  type Route,
} from './fake-server';
import { failure, onCleanup, startServer, testClient } from './helpers';

/** Answers the first `times` matching requests with `status`. */
function failFirst(
  times: number,
  status: number,
  headers: Record<string, string> = {},
  match: (path: string) => boolean = () => true,
): Route {
  let left = times;
  return (req, res) => {
    if (!match(req.url.pathname) || left <= 0) return false;
    left -= 1;
    return send(
      res,
      status,
      '{"errors":[{"code":"TOOMANYREQUESTS"}]}',
      headers,
    );
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return await readdir(dir, { recursive: true });
  } catch {
    return [];
  }
}

describe('registry faults', () => {
  it('waits as long as Retry-After asks on 429, then succeeds', async () => {
    const registry = new MemoryRegistry();
    const { manifest } = addImage(registry, undefined, 'v1');
    const isManifest = (p: string): boolean => p.includes('/manifests/');
    const fake = await startServer([
      failFirst(2, 429, { 'retry-after': '7' }, isManifest),
      registry.route,
    ]);
    const { client, clock } = await testClient();

    const fetched = await client.getManifest(
      { registry: fake.host, repository: 'app' },
      'v1',
    );

    expect(fetched.digest).toBe(manifest.digest);
    expect(clock.sleeps).toHaveLength(2);
    for (const ms of clock.sleeps) expect(ms).toBeGreaterThanOrEqual(7000);
  });

  it('fails at once, naming the status, when Retry-After exceeds the cap', async () => {
    const fake = await startServer([
      failFirst(99, 429, { 'retry-after': '3600' }, (p) => p !== '/v2/'),
    ]);
    fake.routes.push((_req, res) => send(res, 200, '{}'));
    const { client, clock } = await testClient();

    const error = await failure(
      client.getManifest({ registry: fake.host, repository: 'app' }, 'v1'),
    );

    expect(error.code).toBe('rate-limited');
    expect(error.message).toContain('429');
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up after the configured attempts of 429', async () => {
    const fake = await startServer([
      failFirst(99, 429, { 'retry-after': '1' }, (p) => p !== '/v2/'),
    ]);
    fake.routes.push((_req, res) => send(res, 200, '{}'));
    const { client } = await testClient({ retry: { attempts: 3 } });

    const error = await failure(
      client.getManifest({ registry: fake.host, repository: 'app' }, 'v1'),
    );

    expect(error.code).toBe('rate-limited');
    expect(fake.seenAt('GET', '/v2/app/manifests')).toHaveLength(3);
  });

  it('retries 502 and 503 with growing, jittered backoff', async () => {
    const registry = new MemoryRegistry();
    addImage(registry, undefined, 'v1');
    const isManifest = (p: string): boolean => p.includes('/manifests/');
    const fake = await startServer([
      failFirst(1, 502, {}, isManifest),
      failFirst(2, 503, {}, isManifest),
      registry.route,
    ]);
    const { client, clock } = await testClient();

    await client.getManifest({ registry: fake.host, repository: 'app' }, 'v1');

    expect(clock.sleeps).toEqual([187.5, 375, 750]);
  });

  it('does not repeat an upload start after a 503, but does after a 429', async () => {
    const registry = new MemoryRegistry();
    const isStart = (p: string): boolean => p.endsWith('/blobs/uploads/');
    const fake = await startServer([
      failFirst(1, 429, {}, isStart),
      failFirst(1, 503, {}, isStart),
      registry.route,
    ]);
    const { client } = await testClient();

    const error = await failure(
      client.pushBlob(
        { registry: fake.host, repository: 'app' },
        uploadOf('x'),
      ),
    );

    expect(error.code).toBe('registry');
    expect(fake.seenAt('POST', '/v2/app/blobs/uploads/')).toHaveLength(2);
  });

  it('restarts a blob download after a connection reset and re-hashes it', async () => {
    const registry = new MemoryRegistry();
    const { layer } = addImage(registry);
    let resets = 1;
    const reset: Route = (req, res) => {
      if (!req.url.pathname.endsWith(layer.digest) || resets-- <= 0)
        return false;
      res.writeHead(200, { 'content-length': layer.size });
      res.write('garbage-');
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    };
    const fake = await startServer([reset, registry.route]);
    const { client } = await testClient();

    const stream = await client.openBlob(
      { registry: fake.host, repository: 'app' },
      layer,
    );

    expect(await text(stream)).toBe(
      registry.blobs.get(layer.digest)?.toString(),
    );
    expect(fake.seenAt('GET', `/v2/app/blobs/${layer.digest}`)).toHaveLength(2);
  });

  it('reports a truncated blob and caches nothing', async () => {
    const bytes = Buffer.alloc(1000, 7);
    const layer: Descriptor = {
      mediaType: 'application/octet-stream',
      digest: digestOf(bytes),
      size: 1000,
    };
    const truncate: Route = (_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(bytes.subarray(0, 600));
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    };
    const fake = await startServer([
      (req, res) =>
        req.url.pathname === '/v2/' ? send(res, 200, '{}') : false,
      truncate,
    ]);
    const { client, cacheDir } = await testClient({ retry: { attempts: 2 } });

    const error = await failure(
      client.openBlob({ registry: fake.host, repository: 'app' }, layer),
    );

    expect(error.code).toBe('truncated');
    expect(error.message).toContain('truncated');
    expect(await filesUnder(cacheDir)).toEqual(['tmp']);
  });

  it('reports a truncated manifest', async () => {
    const truncate: Route = (req, res) => {
      if (req.url.pathname === '/v2/') return false;
      res.writeHead(200, {
        'content-length': 1000,
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      });
      res.write('{"schemaVersion":2,');
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    };
    const fake = await startServer([
      truncate,
      (_req, res) => send(res, 200, '{}'),
    ]);
    const { client } = await testClient({ retry: { attempts: 1 } });

    const error = await failure(
      client.getManifest({ registry: fake.host, repository: 'app' }, 'v1'),
    );

    expect(error.code).toBe('truncated');
  });

  it('stops waiting for a registry that accepts connections and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) =>
      silent.listen(0, '127.0.0.1', resolve),
    );
    onCleanup(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const { port } = silent.address() as { port: number };
    const { client } = await testClient({
      requestTimeoutMs: 100,
      operationTimeoutMs: 500,
    });
    const started = Date.now();

    const error = await failure(
      client.getManifest(
        { registry: `127.0.0.1:${port}`, repository: 'app' },
        'v1',
      ),
    );

    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
