import { describe, expect, it } from 'vitest';
import type { Credential, CredentialProvider } from '../../src/index';
import type { FakeServer } from './fake-server';
import {
  addImage,
  MemoryRegistry,
  send,
  uploadOf,
  type Route,
} from './fake-server';
import {
  everythingIn,
  failure,
  leakForms,
  startServer,
  testClient,
} from './helpers';

const PASSWORD = 'canary-pass-7f3a9c';
const TOKEN = 'canary-token-51be20';

function provider(credential: Credential | undefined): CredentialProvider {
  return { credentialFor: () => Promise.resolve(credential) };
}

/** A route that demands a Bearer token issued by `issuer`. */
function bearerGate(realm: () => string, token = TOKEN): Route {
  return (req, res) => {
    if (req.headers.authorization === `Bearer ${token}`) return false;
    return send(res, 401, '{"errors":[{"code":"UNAUTHORIZED"}]}', {
      'www-authenticate': `Bearer realm="${realm()}",service="fake"`,
    });
  };
}

function issuer(token = TOKEN): Route {
  return (req, res) =>
    req.url.pathname === '/token'
      ? send(res, 200, JSON.stringify({ token, expires_in: 300 }))
      : false;
}

describe('registry auth', () => {
  it('answers a Basic challenge with the credentials', async () => {
    const registry = new MemoryRegistry();
    const { manifest } = addImage(registry, undefined, 'v1');
    const expected = `Basic ${Buffer.from(`user:${PASSWORD}`).toString('base64')}`;
    const fake = await startServer([
      (req, res) =>
        req.headers.authorization === expected
          ? false
          : send(res, 401, '{}', { 'www-authenticate': 'Basic realm="fake"' }),
      registry.route,
    ]);
    const { client } = await testClient({
      credentials: provider({ username: 'user', password: PASSWORD }),
    });

    const fetched = await client.getManifest(
      { registry: fake.host, repository: 'app' },
      'v1',
    );

    expect(fetched.digest).toBe(manifest.digest);
    expect(
      fake.seenAt('GET', '/v2/app/manifests').at(-1)?.headers.authorization,
    ).toBe(expected);
  });

  it('caches a token per scope and asks for push only when pushing', async () => {
    const registry = new MemoryRegistry();
    addImage(registry, undefined, 'v1');
    const fake: FakeServer = await startServer([]);
    fake.routes = [
      issuer(),
      bearerGate(() => `http://${fake.host}/token`),
      registry.route,
    ];
    const { client } = await testClient();
    const repo = { registry: fake.host, repository: 'app' };

    await client.getManifest(repo, 'v1');
    await client.getManifest(repo, 'v1');
    await client.listTags(repo);
    await client.pushBlob(repo, uploadOf('pushed'));

    const scopes = fake
      .seenAt('GET', '/token')
      .map((r) => r.url.searchParams.getAll('scope'));
    expect(scopes).toEqual([
      ['repository:app:pull'],
      ['repository:app:pull,push'],
    ]);
    expect(
      fake
        .seenAt('GET', '/token')
        .every((r) => r.headers.authorization === undefined),
    ).toBe(true);
  });

  it('keeps registry credentials from a token service on another host', async () => {
    const registry = new MemoryRegistry();
    addImage(registry, undefined, 'v1');
    const realm = await startServer([issuer()]);
    const fake = await startServer([
      bearerGate(() => `http://localhost:${realm.port}/token`),
      registry.route,
    ]);
    const { client, logger } = await testClient({
      credentials: provider({ username: 'user', password: PASSWORD }),
    });

    await client.getManifest({ registry: fake.host, repository: 'app' }, 'v1');

    expect(realm.seen).toHaveLength(1);
    expect(realm.seen[0]?.headers.authorization).toBeUndefined();
    expect(logger.text()).toContain('not sending it the registry');
  });

  it('sends credentials to a token service the user trusts for the registry', async () => {
    const registry = new MemoryRegistry();
    addImage(registry, undefined, 'v1');
    const realm = await startServer([issuer()]);
    const fake = await startServer([
      bearerGate(() => `http://localhost:${realm.port}/token`),
      registry.route,
    ]);
    const { client } = await testClient({
      credentials: provider({ username: 'user', password: PASSWORD }),
      realmHosts: { [fake.host]: ['localhost'] },
    });

    await client.getManifest({ registry: fake.host, repository: 'app' }, 'v1');

    expect(realm.seen[0]?.headers.authorization).toMatch(/^Basic /);
  });

  it('refuses a token service without TLS off loopback', async () => {
    const fake = await startServer([
      bearerGate(() => 'http://auth.example.invalid/token'),
    ]);
    const { client } = await testClient();

    const error = await failure(
      client.getManifest({ registry: fake.host, repository: 'app' }, 'v1'),
    );

    expect(error.code).toBe('insecure-refused');
  });

  it('trades an identity token for an access token with a POST', async () => {
    const registry = new MemoryRegistry();
    addImage(registry, undefined, 'v1');
    const fake: FakeServer = await startServer([]);
    fake.routes = [
      (req, res) =>
        req.method === 'POST' && req.url.pathname === '/token'
          ? send(res, 200, JSON.stringify({ access_token: TOKEN }))
          : false,
      bearerGate(() => `http://${fake.host}/token`),
      registry.route,
    ];
    const { client } = await testClient({
      credentials: provider({ identityToken: 'refresh-canary-1' }),
    });

    await client.getManifest({ registry: fake.host, repository: 'app' }, 'v1');

    const form = new URLSearchParams(
      fake.seenAt('POST', '/token')[0]?.body.toString(),
    );
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe('refresh-canary-1');
    expect(form.get('scope')).toBe('repository:app:pull');
  });

  it('sends a registry token as it is', async () => {
    const registry = new MemoryRegistry();
    addImage(registry, undefined, 'v1');
    const fake = await startServer([
      bearerGate(() => 'https://unused.invalid/token', 'given-token'),
      registry.route,
    ]);
    const { client } = await testClient({
      credentials: provider({ registryToken: 'given-token' }),
    });

    await client.getManifest({ registry: fake.host, repository: 'app' }, 'v1');

    expect(fake.seenAt('GET', '/v2/app/').at(-1)?.headers.authorization).toBe(
      'Bearer given-token',
    );
  });

  it('fails cleanly when the credential helper fails, without going anonymous', async () => {
    const fake = await startServer([
      bearerGate(() => 'http://127.0.0.1:1/token'),
    ]);
    const failing: CredentialProvider = {
      credentialFor: () =>
        Promise.reject(new Error(`helper crashed: ${PASSWORD}`)),
    };
    const { client } = await testClient({ credentials: failing });

    const error = await failure(
      client.pushBlob(
        { registry: fake.host, repository: 'app' },
        uploadOf('x'),
      ),
    );

    expect(error.code).toBe('credentials');
    expect(fake.seenAt('HEAD', '/v2/app/')).toHaveLength(0);
    for (const form of leakForms(PASSWORD))
      expect(everythingIn(error)).not.toContain(form);
  });

  it('keeps echoed credentials and tokens out of errors, causes and logs', async () => {
    const echo: Route = (req, res) =>
      send(
        res,
        401,
        JSON.stringify({
          errors: [
            {
              code: 'DENIED',
              message: `bad ${req.headers.authorization} token=${TOKEN}`,
            },
          ],
        }),
      );
    const fake: FakeServer = await startServer([]);
    fake.routes = [
      (req, res) =>
        req.url.pathname === '/token' && !req.url.search.includes('push')
          ? send(res, 200, JSON.stringify({ token: TOKEN }))
          : false,
      (req, res) =>
        req.url.pathname === '/token'
          ? send(
              res,
              403,
              `denied for ${req.headers.authorization} ?access_token=${TOKEN}`,
            )
          : false,
      (req, res) =>
        req.url.pathname === '/v2/'
          ? send(res, 401, '{}', {
              'www-authenticate': `Bearer realm="http://${fake.host}/token"`,
            })
          : false,
      echo,
    ];
    const { client, logger } = await testClient({
      credentials: provider({ username: 'user', password: PASSWORD }),
    });
    const repo = { registry: fake.host, repository: 'app' };

    const errors = [
      await failure(client.getManifest(repo, 'v1')),
      await failure(client.pushBlob(repo, uploadOf('x'))),
    ];

    expect(errors.map((e) => e.code)).toEqual(['unauthorized', 'unauthorized']);
    const sinks = errors.map(everythingIn).join('\n') + logger.text();
    for (const secret of [...leakForms(PASSWORD), ...leakForms(TOKEN)]) {
      expect(sinks).not.toContain(secret);
    }
  });
});
