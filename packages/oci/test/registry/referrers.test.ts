import { describe, expect, it } from 'vitest';
import { MediaType, referrersTag, type Descriptor } from '../../src/index';
import {
  addImage,
  digestOf,
  MemoryRegistry,
  send,
  type Route,
} from './fake-server';
import { failure, startServer, testClient } from './helpers';

const SIGNATURE = 'application/vnd.example.signature';
const SBOM = 'application/vnd.example.sbom';

async function setUp(routes: Route[] = []) {
  const registry = new MemoryRegistry();
  const fake = await startServer([...routes, registry.route]);
  const { client } = await testClient();
  const repo = { registry: fake.host, repository: 'app' };
  const { manifest: subject } = addImage(registry, undefined, 'v1');
  return { registry, fake, repo, client, subject };
}

function referrer(subject: Descriptor, artifactType: string, note = '') {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType,
      config: {
        mediaType: MediaType.ociEmpty,
        digest: digestOf('{}'),
        size: 2,
      },
      layers: [],
      subject,
      annotations: { note },
    }),
  );
  return { bytes, mediaType: MediaType.ociManifest, digest: digestOf(bytes) };
}

function indexOf(manifests: Descriptor[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests,
  });
}

describe('referrers', () => {
  it('names the fallback tag after the subject digest', () => {
    expect(referrersTag(`sha256:${'ab'.repeat(32)}` as never)).toBe(
      `sha256-${'ab'.repeat(32)}`,
    );
  });

  it('filters by artifactType itself when the registry did not', async () => {
    const entries = [
      {
        mediaType: MediaType.ociManifest,
        digest: digestOf('1'),
        size: 1,
        artifactType: SIGNATURE,
      },
      {
        mediaType: MediaType.ociManifest,
        digest: digestOf('2'),
        size: 1,
        artifactType: SBOM,
      },
    ];
    const api: Route = (req, res) =>
      req.url.pathname.includes('/referrers/')
        ? send(res, 200, indexOf(entries), {
            'content-type': MediaType.ociIndex,
          })
        : false;
    const { repo, client, subject } = await setUp([api]);

    const found = await client.listReferrers(repo, subject.digest, {
      artifactType: SBOM,
    });

    expect(found.map((d) => d.artifactType)).toEqual([SBOM]);
  });

  it('trusts the registry filter when OCI-Filters-Applied says so', async () => {
    const entries = [
      {
        mediaType: MediaType.ociManifest,
        digest: digestOf('1'),
        size: 1,
        artifactType: SIGNATURE,
      },
    ];
    const api: Route = (req, res) =>
      req.url.pathname.includes('/referrers/')
        ? send(res, 200, indexOf(entries), {
            'oci-filters-applied': 'artifactType',
          })
        : false;
    const { fake, repo, client, subject } = await setUp([api]);

    const found = await client.listReferrers(repo, subject.digest, {
      artifactType: SBOM,
    });

    expect(found).toHaveLength(1);
    expect(
      fake
        .seenAt('GET', '/v2/app/referrers/')[0]
        ?.url.searchParams.get('artifactType'),
    ).toBe(SBOM);
  });

  it('writes and reads the tag fallback when the registry lacks the API', async () => {
    const { registry, fake, repo, client, subject } = await setUp();
    const signature = referrer(subject, SIGNATURE, 'one');
    const sbom = referrer(subject, SBOM, 'two');

    const first = await client.pushReferrer(repo, signature);
    await client.pushReferrer(repo, sbom);
    await client.pushReferrer(repo, signature);
    const all = await client.listReferrers(repo, subject.digest);
    const sboms = await client.listReferrers(repo, subject.digest, {
      artifactType: SBOM,
    });

    expect(first).toEqual({
      digest: signature.digest,
      referrersTag: referrersTag(subject.digest),
    });
    expect(all.map((d) => d.digest)).toEqual([signature.digest, sbom.digest]);
    expect(all[0]).toMatchObject({
      artifactType: SIGNATURE,
      size: signature.bytes.length,
      annotations: { note: 'one' },
    });
    expect(sboms.map((d) => d.digest)).toEqual([sbom.digest]);
    expect(registry.manifests.has(signature.digest)).toBe(true);
    const tagPuts = fake.seenAt(
      'PUT',
      `/v2/app/manifests/${referrersTag(subject.digest)}`,
    );
    expect(tagPuts).toHaveLength(2);
    expect(tagPuts[1]?.headers['if-match']).toMatch(/^"sha256:/);
  });

  it('lists nothing when neither the API nor the tag exists', async () => {
    const { repo, client, subject } = await setUp();

    expect(await client.listReferrers(repo, subject.digest)).toEqual([]);
  });

  it('refuses to touch a fallback tag that holds an image manifest', async () => {
    const { registry, fake, repo, client, subject } = await setUp();
    addImage(
      registry,
      { os: 'linux', architecture: 'arm64' },
      referrersTag(subject.digest),
    );

    const listing = await failure(client.listReferrers(repo, subject.digest));
    const pushing = await failure(
      client.pushReferrer(repo, referrer(subject, SIGNATURE)),
    );

    expect([listing.code, pushing.code]).toEqual([
      'bad-manifest',
      'bad-manifest',
    ]);
    expect(
      fake.seenAt('PUT', `/v2/app/manifests/${referrersTag(subject.digest)}`),
    ).toEqual([]);
  });

  it('re-reads and merges after a 412 on the tag, without duplicates', async () => {
    let conflicts = 1;
    const racer: Route = (req, res) => {
      if (
        req.method !== 'PUT' ||
        !req.url.pathname.includes('/manifests/sha256-') ||
        conflicts-- <= 0
      )
        return false;
      return send(res, 412, '{"errors":[{"code":"PRECONDITION_FAILED"}]}');
    };
    const { fake, repo, client, subject } = await setUp([racer]);
    const signature = referrer(subject, SIGNATURE);

    await client.pushReferrer(repo, signature);

    const listed = await client.listReferrers(repo, subject.digest);
    expect(listed.map((d) => d.digest)).toEqual([signature.digest]);
    expect(fake.seenAt('PUT', '/v2/app/manifests/sha256-')).toHaveLength(2);
  });

  it('skips the tag when the registry indexes the subject itself', async () => {
    const subjectAware: Route = (req, res) => {
      if (req.method === 'PUT') res.setHeader('oci-subject', 'sha256:whatever');
      return false;
    };
    const { fake, repo, client, subject } = await setUp([subjectAware]);

    const result = await client.pushReferrer(
      repo,
      referrer(subject, SIGNATURE),
    );

    expect(result.referrersTag).toBeUndefined();
    expect(fake.seenAt('PUT', '/v2/app/manifests/sha256-')).toEqual([]);
  });
});
