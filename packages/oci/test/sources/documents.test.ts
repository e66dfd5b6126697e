import { RecordingLogger } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { MediaType } from '../../src/media-types';
import { parseConfig } from '../../src/sources/config';
import { parseManifestDocument } from '../../src/sources/documents';
import { sourceLimits } from '../../src/sources/limits';

const limits = sourceLimits();
const digest = `sha256:${'a'.repeat(64)}`;
const descriptor = (mediaType: string) => ({ mediaType, digest, size: 1 });
const bytes = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value));

function manifest(extra: Record<string, unknown> = {}) {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: descriptor(MediaType.ociConfig),
    layers: [descriptor(MediaType.ociLayerGzip)],
    ...extra,
  };
}

function parse(
  value: unknown,
  type: string | undefined = MediaType.ociManifest,
) {
  return parseManifestDocument(
    typeof value === 'string' ? new TextEncoder().encode(value) : bytes(value),
    type,
    'manifest',
    limits,
  );
}

describe('parseManifestDocument', () => {
  it('reads a manifest and copies only known descriptor fields', () => {
    const doc = parse(
      manifest({
        layers: [
          {
            ...descriptor(MediaType.ociLayer),
            __proto__: { polluted: true },
            extra: 1,
          },
        ],
      }),
    );

    expect(doc.kind).toBe('manifest');
    expect(doc.kind === 'manifest' && doc.manifest.layers[0]).toEqual(
      descriptor(MediaType.ociLayer),
    );
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('tells an index from a manifest by media type or shape', () => {
    expect(
      parse({ schemaVersion: 2, manifests: [] }, MediaType.ociIndex).kind,
    ).toBe('index');
    const untyped = parseManifestDocument(
      bytes({ schemaVersion: 2, manifests: [] }),
      undefined,
      'index',
      limits,
    );
    expect(untyped.kind).toBe('index');
  });

  it.each<[string, unknown, string | undefined, string]>([
    [
      'a media type other than the descriptor says',
      manifest(),
      MediaType.dockerManifest,
      'bad-manifest',
    ],
    [
      'both layers and manifests',
      manifest({ manifests: [] }),
      MediaType.ociManifest,
      'bad-manifest',
    ],
    [
      'schema version 1',
      { schemaVersion: 1 },
      MediaType.ociManifest,
      'unsupported',
    ],
    [
      'an unknown media type',
      { ...manifest(), mediaType: 'application/x-other' },
      'application/x-other',
      'unsupported',
    ],
    [
      'invalid JSON',
      '{"schemaVersion":',
      MediaType.ociManifest,
      'bad-manifest',
    ],
    [
      'JSON nested 100,000 deep',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      MediaType.ociManifest,
      'bad-manifest',
    ],
    [
      'a bad layer digest',
      manifest({
        layers: [
          { ...descriptor(MediaType.ociLayer), digest: 'sha256:../../etc' },
        ],
      }),
      MediaType.ociManifest,
      'bad-digest',
    ],
    [
      'a negative size',
      manifest({ layers: [{ ...descriptor(MediaType.ociLayer), size: -1 }] }),
      MediaType.ociManifest,
      'bad-manifest',
    ],
    [
      '1,001 layers',
      manifest({
        layers: Array.from({ length: 1001 }, () =>
          descriptor(MediaType.ociLayer),
        ),
      }),
      MediaType.ociManifest,
      'limit',
    ],
    [
      '100,000 layers',
      manifest({
        layers: Array.from({ length: 100_000 }, () =>
          descriptor(MediaType.ociLayer),
        ),
      }),
      MediaType.ociManifest,
      'limit',
    ],
    [
      'an index of 10,000 children',
      {
        schemaVersion: 2,
        manifests: Array.from({ length: 10_000 }, () =>
          descriptor(MediaType.ociManifest),
        ),
      },
      MediaType.ociIndex,
      'limit',
    ],
  ])('refuses %s', (_what, value, type, code) => {
    expect(() => parse(value, type)).toThrow(expect.objectContaining({ code }));
  });
});

describe('parseConfig', () => {
  const config = (extra: Record<string, unknown>) =>
    bytes({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [digest] },
      history: [{ created_by: 'RUN x', empty_layer: true }],
      ...extra,
    });

  it('keeps the fields imagegate reads', () => {
    const parsed = parseConfig(
      config({
        config: {
          User: 'app',
          Env: ['A=1'],
          Cmd: null,
          Labels: { a: 'b' },
          ExposedPorts: { '80/tcp': {} },
        },
      }),
      'config',
      limits,
      new RecordingLogger(),
    );

    expect(parsed).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { diff_ids: [digest] },
      history: [{ created_by: 'RUN x', empty_layer: true }],
      config: { User: 'app', Env: ['A=1'], Cmd: null, Labels: { a: 'b' } },
    });
    expect(Object.keys(parsed.config?.ExposedPorts ?? {})).toEqual(['80/tcp']);
  });

  it('trims 100,000 environment variables and a 10 MB label with a warning each', () => {
    const logger = new RecordingLogger();
    const env = Array.from({ length: 100_000 }, (_, i) => `V${i}=x`);

    const parsed = parseConfig(
      config({
        config: { Env: env, Labels: { big: 'x'.repeat(10 * 1024 * 1024) } },
      }),
      'config',
      limits,
      logger,
    );

    expect(parsed.config?.Env).toHaveLength(10_000);
    expect(parsed.config?.Labels?.big?.length).toBe(64 * 1024);
    expect(
      logger.lines.filter((line) => line.level === 'warning'),
    ).toHaveLength(2);
  });

  it('keeps label names like __proto__ as plain data', () => {
    const parsed = parseConfig(
      new TextEncoder().encode(
        '{"config":{"Labels":{"__proto__":"x","constructor":"y"}},"rootfs":{}}',
      ),
      'config',
      limits,
      new RecordingLogger(),
    );

    expect(parsed.config?.Labels?.__proto__).toBe('x');
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });
});
