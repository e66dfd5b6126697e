import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryRegistry, type Route } from './fake-server';
import { failure, startServer, testClient } from './helpers';

describe('blob downloads', () => {
  it('downloads in parallel, never more at once than the limit', async () => {
    const registry = new MemoryRegistry();
    const blobs = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) =>
      registry.addBlob(`blob ${n}`),
    );
    let inFlight = 0;
    let most = 0;
    const slow: Route = async (req, res) => {
      if (!req.url.pathname.includes('/blobs/')) return false;
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight -= 1;
      return registry.route(req, res);
    };
    const fake = await startServer([slow, registry.route]);
    const { client, cacheDir } = await testClient({ concurrency: 2 });

    await client.prefetchBlobs({ registry: fake.host, repository: 'app' }, [
      ...blobs,
      ...blobs,
    ]);

    expect(most).toBe(2);
    expect(fake.seenAt('GET', '/v2/app/blobs/')).toHaveLength(6);
    const hex = blobs[0]?.digest.slice('sha256:'.length) ?? '';
    expect(await readFile(join(cacheDir, 'blobs', 'sha256', hex), 'utf8')).toBe(
      'blob a',
    );
  });

  it('refuses to read a blob larger than the cap into memory', async () => {
    const registry = new MemoryRegistry();
    const big = registry.addBlob(Buffer.alloc(2048));
    const fake = await startServer([registry.route]);
    const { client } = await testClient();

    const error = await failure(
      client.getBlob({ registry: fake.host, repository: 'app' }, big, {
        maxBytes: 1024,
      }),
    );

    expect(error.code).toBe('too-large');
    expect(fake.seenAt('GET', '/v2/app/blobs/')).toEqual([]);
  });
});
