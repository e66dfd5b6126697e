import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { MediaType, RegistryImageSource } from '../../src/index';
import { addImage, FakeServer, MemoryRegistry } from './fake-server';
import { failure, onCleanup, testClient } from './helpers';

async function setUp() {
  const registry = new MemoryRegistry();
  const amd = addImage(registry, { os: 'linux', architecture: 'amd64' });
  const arm = addImage(registry, {
    os: 'linux',
    architecture: 'arm64',
    variant: 'v8',
  });
  const index = registry.addManifest(
    {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { ...amd.manifest, platform: { os: 'linux', architecture: 'amd64' } },
        {
          ...arm.manifest,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
      ],
    },
    MediaType.ociIndex,
    'v1',
  );
  const fake = await FakeServer.start([registry.route]);
  onCleanup(() => fake.close());
  return { registry, fake, amd, arm, index };
}

describe('RegistryImageSource', () => {
  it('resolves the requested platform of an index', async () => {
    const { fake, arm, index } = await setUp();
    const { client } = await testClient();
    const source = new RegistryImageSource({
      registry: fake.host,
      repository: 'app',
      reference: 'v1',
      client,
    });

    const [image] = await source.resolve({
      os: 'linux',
      architecture: 'arm64',
    });

    expect(image?.digest).toBe(arm.manifest.digest);
    expect(image?.index?.digest).toBe(index.digest);
    expect(image?.config.architecture).toBe('arm64');
    expect(image?.platform).toEqual({
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    expect(await text(await source.openBlob(arm.layer))).toContain('arm64');
  });

  it('resolves every platform with all', async () => {
    const { fake } = await setUp();
    const { client } = await testClient();
    const source = new RegistryImageSource({
      registry: fake.host,
      repository: 'app',
      reference: 'v1',
      client,
    });

    const images = await source.resolve('all');

    expect(images.map((i) => i.config.architecture)).toEqual([
      'amd64',
      'arm64',
    ]);
  });

  it('refuses a single-platform image for another platform asked for', async () => {
    const { fake, amd } = await setUp();
    const { client } = await testClient();
    const source = new RegistryImageSource({
      registry: fake.host,
      repository: 'app',
      reference: amd.manifest.digest,
      client,
    });

    const error = await failure(
      source.resolve({ os: 'linux', architecture: 'arm64' }),
    );

    expect(error.code).toBe('no-platform');
  });

  it('downloads nothing on a second scan with the same cache', async () => {
    const { fake, amd } = await setUp();
    const { cacheDir } = await testClient();
    const scan = async () => {
      const source = new RegistryImageSource({
        registry: fake.host,
        repository: 'app',
        reference: 'v1',
        clientOptions: { cacheDir },
      });
      const [image] = await source.resolve({
        os: 'linux',
        architecture: 'amd64',
      });
      await text(await source.openBlob(image?.manifest.layers[0] ?? amd.layer));
      await source.close();
    };

    await scan();
    const before = fake.seen.length;
    await scan();

    const second = fake.seen
      .slice(before)
      .map((s) => `${s.method} ${s.url.pathname}`);
    expect(second).toEqual(['GET /v2/', 'HEAD /v2/app/manifests/v1']);
  });
});
