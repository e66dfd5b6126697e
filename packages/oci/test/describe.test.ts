import { buildImage, type ImageSpec } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../src/digest';
import { describeImage } from '../src/describe';
import type { ResolvedImage } from '../src/source';
import type { HistoryEntry, ImageConfig, ImageManifest } from '../src/types';

/** Builds an image and describes it as a source would resolve it. */
function described(
  spec: ImageSpec,
  history?: (entries: HistoryEntry[]) => HistoryEntry[],
) {
  const image = buildImage(spec);
  const decode = (bytes: Uint8Array): unknown =>
    JSON.parse(new TextDecoder().decode(bytes));
  const config = decode(image.config.bytes) as ImageConfig;
  if (history) config.history = history(config.history ?? []);
  const resolved: ResolvedImage = {
    digest: image.manifest.digest as Digest,
    manifest: decode(image.manifest.bytes) as ImageManifest,
    manifestBytes: image.manifest.bytes,
    config,
    configDigest: image.config.digest as Digest,
    platform: { os: 'linux', architecture: 'amd64' },
  };
  return { image, description: describeImage(resolved, 'the-image') };
}

const twoLayers: ImageSpec = {
  layers: [
    { entries: [{ name: 'a', content: 'a' }], createdBy: 'COPY a /' },
    { entries: [{ name: 'b', content: 'b' }], createdBy: 'RUN make' },
  ],
  emptyLayerHistory: ['LABEL x=y'],
  config: {
    User: '1000:1000',
    Entrypoint: ['/bin/app'],
    Cmd: ['--serve'],
    WorkingDir: '/srv',
    ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
    Labels: { 'org.z': '1', 'org.a': '2' },
  },
};

describe('describeImage', () => {
  it('describes the manifest, the config and the layers', () => {
    const { image, description } = described(twoLayers);

    expect(description).toMatchObject({
      reference: 'the-image',
      digest: image.manifest.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      platform: 'linux/amd64',
      indexDigest: null,
      config: {
        digest: image.config.digest,
        user: '1000:1000',
        entrypoint: ['/bin/app'],
        cmd: ['--serve'],
        workingDir: '/srv',
        exposedPorts: ['53/udp', '8080/tcp'],
        envNames: ['PATH'],
      },
    });
    expect(Object.keys(description.config.labels)).toEqual(['org.a', 'org.z']);
  });

  it('joins layers to the history entries that made them, skipping empty ones', () => {
    const { image, description } = described(twoLayers);

    expect(description.layers).toEqual(
      image.layers.map((layer, i) => ({
        digest: layer.digest,
        size: layer.size,
        mediaType: layer.mediaType,
        createdBy: ['COPY a /', 'RUN make'][i],
      })),
    );
    expect(description.config.history.map((h) => h.emptyLayer)).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('adds the manifest, config and layer sizes into the total', () => {
    const { image, description } = described(twoLayers);

    expect(description.size).toBe(
      image.manifest.size +
        image.config.size +
        image.layers.reduce((total, layer) => total + layer.size, 0),
    );
  });

  it('leaves createdBy null when history and layers do not pair up', () => {
    const { description } = described(twoLayers, (entries) =>
      entries.slice(0, 2),
    );

    expect(description.layers.map((l) => l.createdBy)).toEqual([null, null]);
    expect(description.config.history).toHaveLength(2);
  });

  it('shows environment names and never their values', () => {
    const canary = 'canary-value-4711';
    const { description } = described({
      layers: [
        { entries: [], createdBy: `|1 TOKEN=${canary} /bin/sh -c make` },
      ],
      emptyLayerHistory: [
        `ENV API_KEY=${canary} MODE="a b"`,
        `/bin/sh -c #(nop) ENV LEGACY ${canary}`,
        `ARG PASSWORD=${canary}`,
        `RUN echo ${canary}`,
      ],
      config: { Env: ['PATH=/bin', `API_KEY=${canary}`, 'EMPTY'] },
    });

    const text = JSON.stringify(description);
    expect(description.config.envNames).toEqual(['PATH', 'API_KEY', 'EMPTY']);
    expect(text).not.toContain(canary);
    expect(description.config.history.map((h) => h.createdBy)).toEqual([
      'ENV API_KEY=*** MODE=***',
      '/bin/sh -c #(nop) ENV LEGACY ***',
      'ARG PASSWORD=***',
      'RUN echo ***',
      '|1 TOKEN=*** /bin/sh -c make',
    ]);
  });

  it('masks huge history entries and many values in linear time', () => {
    const started = Date.now();
    const { description } = described(
      {
        layers: [],
        config: {
          Env: Array.from({ length: 10_000 }, (_, i) => `V${i}=value-${i}`),
        },
      },
      () =>
        Array.from({ length: 200 }, (_, i) => ({
          created_by: `ENV ${'A'.repeat(50_000)}${i}`,
          empty_layer: true,
        })),
    );

    expect(description.config.history).toHaveLength(200);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps a __proto__ label as a plain key', () => {
    const { description } = described({
      layers: [],
      config: { Labels: JSON.parse('{"__proto__":{"polluted":"yes"}}') },
    });

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(description.config.labels)).toBe(
      Object.prototype,
    );
  });
});
