import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { createTestCa, type TestCa } from '@imagegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addImage,
  MemoryRegistry,
  send,
  type FakeServer,
  type Route,
} from './fake-server';
import { failure, startServer, testClient } from './helpers';

const PASSWORD = 'canary-redirect-pass';

let ca: TestCa;
let caDir: string;

beforeAll(async () => {
  caDir = await mkdtemp(join(tmpdir(), 'imagegate-ca-'));
  ca = await createTestCa(caDir);
});

afterAll(async () => {
  await rm(caDir, { recursive: true, force: true });
});

function redirect(status: number, to: () => string): Route {
  return (_req, res) => {
    res.writeHead(status, { location: to() });
    res.end();
    return true;
  };
}

const credentials = {
  credentialFor: () =>
    Promise.resolve({ username: 'user', password: PASSWORD }),
};

/** A registry that demands Basic auth and sends blob GETs elsewhere. */
async function registryRedirectingBlobs(
  to: () => string,
  tls?: { key: string; cert: string },
): Promise<{ fake: FakeServer; registry: MemoryRegistry }> {
  const registry = new MemoryRegistry();
  const gate: Route = (req, res) =>
    req.headers.authorization
      ? false
      : send(res, 401, '{}', { 'www-authenticate': 'Basic realm="r"' });
  const blobs: Route = (req, res) =>
    req.url.pathname.includes('/blobs/') ? redirect(307, to)(req, res) : false;
  const fake = await startServer([gate, blobs, registry.route], tls);
  return { fake, registry };
}

describe('registry redirects', () => {
  it('follows a blob redirect to another host without credentials or cookies', async () => {
    const storage = new MemoryRegistry();
    const { layer } = addImage(storage);
    const cdn = await startServer([
      (req, res) =>
        req.url.searchParams.has('back') ? false : storage.route(req, res),
    ]);
    const { fake } = await registryRedirectingBlobs(
      () => `http://localhost:${cdn.port}/v2/app/blobs/${layer.digest}`,
    );
    const { client } = await testClient({ credentials });

    const stream = await client.openBlob(
      { registry: fake.host, repository: 'app' },
      layer,
    );

    expect(await text(stream)).toContain('layer for');
    const there = cdn.seen[0]?.headers ?? {};
    expect(there.authorization).toBeUndefined();
    expect(there.cookie).toBeUndefined();
    expect(
      fake.seenAt('GET', '/v2/app/blobs/').at(-1)?.headers.authorization,
    ).toMatch(/^Basic /);
  });

  it('does not re-add credentials when a redirect comes back to the registry', async () => {
    const storage = new MemoryRegistry();
    const { layer } = addImage(storage);
    let registryHost = '';
    const bounce = await startServer([
      redirect(302, () => `http://${registryHost}/back/${layer.digest}`),
    ]);
    const { fake } = await registryRedirectingBlobs(
      () => `http://localhost:${bounce.port}/hop`,
    );
    registryHost = fake.host;
    fake.routes.unshift((req, res) =>
      req.url.pathname.startsWith('/back/')
        ? storage.route(
            { ...req, url: new URL(`http://x/v2/app/blobs/${layer.digest}`) },
            res,
          )
        : false,
    );
    const { client } = await testClient({ credentials });

    await text(
      await client.openBlob({ registry: fake.host, repository: 'app' }, layer),
    );

    expect(fake.seenAt('GET', '/back/')).toHaveLength(1);
    expect(
      fake.seenAt('GET', '/back/')[0]?.headers.authorization,
    ).toBeUndefined();
  });

  it('refuses a redirect from https to http', async () => {
    const storage = new MemoryRegistry();
    const { layer } = addImage(storage);
    const plain = await startServer([storage.route]);
    const { fake } = await registryRedirectingBlobs(
      () => `http://127.0.0.1:${plain.port}/v2/app/blobs/${layer.digest}`,
      ca.server,
    );
    const { client } = await testClient({ credentials, caFile: ca.caFile });

    const error = await failure(
      client.openBlob({ registry: fake.host, repository: 'app' }, layer),
    );

    expect(error.code).toBe('insecure-refused');
    expect(plain.seen).toEqual([]);
  });

  it('gives up after 20 redirects', async () => {
    const { layer } = addImage(new MemoryRegistry());
    let hops = 0;
    const loop: Route = (req, res) => {
      if (req.url.pathname === '/v2/') return false;
      hops += 1;
      return redirect(302, () => `/hop/${hops}`)(req, res);
    };
    const fake = await startServer([loop, (_req, res) => send(res, 200, '{}')]);
    const { client } = await testClient({ retry: { attempts: 1 } });

    const error = await failure(
      client.openBlob({ registry: fake.host, repository: 'app' }, layer),
    );

    expect(error.code).toBe('redirect');
    expect(hops).toBe(21);
  });

  it('fails cleanly on a redirect without Location', async () => {
    const { layer } = addImage(new MemoryRegistry());
    const fake = await startServer([
      (req, res) => (req.url.pathname === '/v2/' ? false : send(res, 302, '')),
      (_req, res) => send(res, 200, '{}'),
    ]);
    const { client } = await testClient();

    const error = await failure(
      client.openBlob({ registry: fake.host, repository: 'app' }, layer),
    );

    expect(error.code).toBe('redirect');
    expect(error.message).toContain('without a Location');
  });
});

describe('registry TLS', () => {
  async function tlsRegistry(): Promise<FakeServer> {
    const registry = new MemoryRegistry();
    addImage(registry, undefined, 'v1');
    return startServer([registry.route], ca.server);
  }

  it('refuses a certificate from an unknown CA', async () => {
    const fake = await tlsRegistry();
    const { client } = await testClient();

    const error = await failure(
      client.getManifest({ registry: fake.host, repository: 'app' }, 'v1'),
    );

    expect(error.code).toBe('tls');
    expect(fake.seen).toEqual([]);
  });

  it('trusts the CA file', async () => {
    const fake = await tlsRegistry();
    const { client } = await testClient({ caFile: ca.caFile });

    const fetched = await client.getManifest(
      { registry: fake.host, repository: 'app' },
      'v1',
    );

    expect(fetched.kind).toBe('image');
    expect(fake.seen.every((s) => s.url.protocol === 'https:')).toBe(true);
  });

  it('honours NODE_EXTRA_CA_CERTS', async () => {
    const fake = await tlsRegistry();
    const { client } = await testClient({
      env: { NODE_EXTRA_CA_CERTS: ca.caFile },
    });

    const fetched = await client.getManifest(
      { registry: fake.host, repository: 'app' },
      'v1',
    );

    expect(fetched.kind).toBe('image');
  });

  it('skips verification only for registries named insecure', async () => {
    const fake = await tlsRegistry();
    const { client } = await testClient({ insecureRegistries: [fake.host] });

    const fetched = await client.getManifest(
      { registry: fake.host, repository: 'app' },
      'v1',
    );

    expect(fetched.kind).toBe('image');
  });

  it('refuses a CA file without certificates', async () => {
    const error = await failure(testClient({ caFile: ca.server.keyFile }));

    expect(error.code).toBe('tls');
  });
});
