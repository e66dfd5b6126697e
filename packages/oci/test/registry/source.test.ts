import { text } from 'node:stream/consumers';
import { RecordingLogger } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  MediaType,
  RegistryImageSource,
  type RegistryClientOptions,
} from '../../src/index';
import {
  addConfiguredImage,
  addImage,
  MemoryRegistry,
  type FakeServer,
} from './fake-server';
import { failure, startServer, testClient } from './helpers';

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
  const fake = await startServer([registry.route]);
  return { registry, fake, amd, arm, index };
}

/** A source for `app:REFERENCE` on the fake server, with a logger. */
async function sourceOn(
  fake: FakeServer,
  reference: string,
  clientOptions: RegistryClientOptions = {},
) {
  const { client } = await testClient(clientOptions);
  const logger = new RecordingLogger();
  const source = new RegistryImageSource({
    registry: fake.host,
    repository: 'app',
    reference,
    client,
    logger,
  });
  return { source, logger };
}

const amd64 = { os: 'linux', architecture: 'amd64' };

describe('RegistryImageSource', () => {
  it('resolves the requested platform of an index', async () => {
    const { fake, arm, index } = await setUp();
    const { source } = await sourceOn(fake, 'v1');

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
    const { source } = await sourceOn(fake, 'v1');

    const images = await source.resolve('all');

    expect(images.map((i) => i.config.architecture)).toEqual([
      'amd64',
      'arm64',
    ]);
  });

  it('refuses a single-platform image for another platform asked for', async () => {
    const { fake, amd } = await setUp();
    const { source } = await sourceOn(fake, amd.manifest.digest);

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

  it('trims 100,000 environment variables with a warning and goes on', async () => {
    const registry = new MemoryRegistry();
    const env = Array.from({ length: 100_000 }, (_, i) => `V${i}=x`);
    addConfiguredImage(registry, amd64, { config: { Env: env } }, 'big');
    const { source, logger } = await sourceOn(
      await startServer([registry.route]),
      'big',
    );

    const [image] = await source.resolve();

    expect(image?.config.config?.Env).toHaveLength(10_000);
    expect(logger.text()).toContain('100000 Env entries');
  });

  it('skips a config past the size limit with a warning, without reading it', async () => {
    const registry = new MemoryRegistry();
    const labels = { big: 'x'.repeat(4096) };
    const { config } = addConfiguredImage(
      registry,
      amd64,
      { config: { Labels: labels } },
      'big',
    );
    const fake = await startServer([registry.route]);
    const { source, logger } = await sourceOn(fake, 'big', {
      limits: { configBytes: 1024 },
    });

    const [image] = await source.resolve(amd64);

    expect(image?.config.rootfs.diff_ids).toEqual([]);
    expect(logger.text()).toContain('past the 1024-byte limit');
    expect(fake.seenAt('GET', `/v2/app/blobs/${config.digest}`)).toEqual([]);
  });

  it('refuses all on an index that lists no platform images', async () => {
    const registry = new MemoryRegistry();
    const { manifest } = addImage(registry);
    const index = { schemaVersion: 2, manifests: [manifest, manifest] };
    registry.addManifest(index, MediaType.ociIndex, 'v1');
    const { source } = await sourceOn(
      await startServer([registry.route]),
      'v1',
    );

    const error = await failure(source.resolve('all'));

    expect(error.code).toBe('no-platform');
  });
});
