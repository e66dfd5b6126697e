import { describe, expect, it } from 'vitest';
import { DEFAULT_MANIFEST_CAPS, parseManifestDocument } from '../src/documents';
import { MediaType } from '../src/media-types';

const caps = DEFAULT_MANIFEST_CAPS;
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
    caps,
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

    expect(doc.kind).toBe('image');
    expect(doc.kind === 'image' && doc.manifest.layers[0]).toEqual(
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
      caps,
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
    [
      'a schema 1 media type',
      manifest(),
      MediaType.dockerSchema1Signed,
      'unsupported',
    ],
    [
      'an index with a config',
      { schemaVersion: 2, manifests: [], config: descriptor('x') },
      MediaType.ociIndex,
      'bad-manifest',
    ],
    [
      'a platform that is not an object',
      manifest({
        layers: [{ ...descriptor(MediaType.ociLayer), platform: 'linux' }],
      }),
      MediaType.ociManifest,
      'bad-manifest',
    ],
    [
      'urls that are not strings',
      manifest({
        layers: [{ ...descriptor(MediaType.ociLayer), urls: [1] }],
      }),
      MediaType.ociManifest,
      'bad-manifest',
    ],
  ])('refuses %s', (_what, value, type, code) => {
    expect(() => parse(value, type)).toThrow(expect.objectContaining({ code }));
  });

  it('takes the media type from the declared one when the document has none', () => {
    const { mediaType, ...untyped } = manifest();

    const doc = parse(untyped, MediaType.dockerManifest);

    expect(mediaType).toBe(MediaType.ociManifest);
    expect(doc.mediaType).toBe(MediaType.dockerManifest);
    expect(doc.kind === 'image' && doc.manifest.mediaType).toBe(
      MediaType.dockerManifest,
    );
  });

  it('keeps a descriptor platform, its variant and OS version', () => {
    const platform = {
      os: 'windows',
      architecture: 'amd64',
      variant: '',
      'os.version': '10.0.20348.1',
    };
    const child = { ...descriptor(MediaType.ociManifest), platform };

    const doc = parse(
      { schemaVersion: 2, manifests: [child] },
      MediaType.ociIndex,
    );

    expect(doc.kind === 'index' && doc.index.manifests[0]?.platform).toEqual({
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.20348.1',
    });
  });
});
