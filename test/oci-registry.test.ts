import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { promisify } from 'node:util';
import {
  registryAvailable,
  startRegistry,
  type TestRegistry,
} from '@imagegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaType,
  OciError,
  referrersTag,
  RegistryClient,
  RegistryImageSource,
  type BlobUpload,
  type Credential,
  type Descriptor,
  type Digest,
  type RepositoryRef,
} from '@imagegate/oci';

const run = promisify(execFile);
const canRun = registryAvailable('/usr/bin/skopeo');

function sha256(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

function upload(content: Buffer | string): BlobUpload {
  const bytes = Buffer.from(content);
  return { digest: sha256(bytes), size: bytes.length, data: bytes };
}

function provider(credential: Credential | undefined) {
  return { credentialFor: () => Promise.resolve(credential) };
}

/** A small image: a config, two layers, a manifest. */
function image(label: string) {
  const layers = [
    upload(`layer one of ${label}`),
    upload(Buffer.alloc(5000, label)),
  ];
  const config = upload(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { label } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      history: [{ created_by: 'test' }],
    }),
  );
  const describe = (b: BlobUpload, mediaType: string): Descriptor => ({
    mediaType,
    digest: b.digest,
    size: b.size,
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: describe(config, MediaType.ociConfig),
      layers: layers.map((l) => describe(l, MediaType.ociLayerGzip)),
    }),
  );
  return { layers, config, manifest, digest: sha256(manifest) };
}

/** Runs skopeo against the test registry only (loopback, its CA). */
async function skopeo(registry: TestRegistry, args: string[]): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'imagegate-skopeo-'));
  try {
    const { stdout } = await run(
      'skopeo',
      [
        ...args.slice(0, 1),
        '--cert-dir',
        registry.ca.certDir,
        '--creds',
        `${registry.username}:${registry.password}`,
        ...args.slice(1),
      ],
      {
        env: { PATH: process.env.PATH, HOME: home },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return stdout;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

describe.skipIf(!canRun).each(['htpasswd', 'token'] as const)(
  'registry client against the real registry (%s auth)',
  (auth) => {
    let registry: TestRegistry;
    let client: RegistryClient;
    let repo: RepositoryRef;

    beforeAll(async () => {
      registry = await startRegistry({
        auth,
        isPublic: (name) => name.startsWith('public/'),
      });
      client = new RegistryClient({
        caFile: registry.ca.caFile,
        credentials: provider({
          username: registry.username,
          password: registry.password,
        }),
      });
      repo = { registry: registry.host, repository: 'imagegate/app' };
    });

    afterAll(async () => {
      await client.close();
      await registry.stop();
    });

    it('pushes blobs whole, in chunks and by mount, and pulls them back', async () => {
      const base = { ...repo, repository: 'imagegate/base' };
      const [whole, chunked] = image('blobs').layers as [
        BlobUpload,
        BlobUpload,
      ];

      const results = [
        await client.pushBlob(base, whole),
        await client.pushBlob(base, chunked, { chunkSize: 1024 }),
        await client.pushBlob(repo, whole, { mountFrom: 'imagegate/base' }),
        await client.pushBlob(base, whole),
      ];

      expect(results.map((r) => r.outcome)).toEqual([
        'uploaded',
        'uploaded',
        'mounted',
        'existed',
      ]);
      const back = await client.openBlob(repo, {
        mediaType: 'x',
        digest: whole.digest,
        size: whole.size,
      });
      expect(await text(back)).toBe(
        Buffer.from(whole.data as Uint8Array).toString(),
      );
      const chunks = await client.getBlob(base, {
        mediaType: 'x',
        digest: chunked.digest,
        size: chunked.size,
      });
      expect(chunks).toEqual(Buffer.from(chunked.data as Uint8Array));
    });

    it('pushes a manifest whose digest skopeo agrees with', async () => {
      const built = image('manifest');
      for (const blob of [...built.layers, built.config])
        await client.pushBlob(repo, blob);

      const put = await client.putManifest(repo, 'v1', {
        bytes: built.manifest,
        mediaType: MediaType.ociManifest,
      });
      const fetched = await client.getManifest(repo, 'v1');
      const raw = await skopeo(registry, [
        'inspect',
        '--raw',
        `docker://${registry.host}/${repo.repository}:v1`,
      ]);
      const inspected = JSON.parse(
        await skopeo(registry, [
          'inspect',
          `docker://${registry.host}/${repo.repository}:v1`,
        ]),
      ) as { Digest: string; Labels: Record<string, string> };

      expect(put.digest).toBe(built.digest);
      expect(fetched.digest).toBe(built.digest);
      expect(sha256(raw)).toBe(built.digest);
      expect(inspected.Digest).toBe(built.digest);
      expect(inspected.Labels.label).toBe('manifest');
    });

    it('resolves the image as an image source', async () => {
      const built = image('source');
      for (const blob of [...built.layers, built.config])
        await client.pushBlob(repo, blob);
      await client.putManifest(repo, 'source', {
        bytes: built.manifest,
        mediaType: MediaType.ociManifest,
      });
      const source = new RegistryImageSource({
        ...repo,
        reference: 'source',
        client,
      });

      const [resolved] = await source.resolve();

      expect(resolved?.digest).toBe(built.digest);
      expect(resolved?.config.config?.Labels).toEqual({ label: 'source' });
      await source.close();
    });

    it('lists tags', async () => {
      const built = image('tags');
      for (const blob of [...built.layers, built.config])
        await client.pushBlob(repo, blob);
      const tagged = { ...repo, repository: 'imagegate/tags' };
      for (const blob of [...built.layers, built.config])
        await client.pushBlob(tagged, blob, { mountFrom: repo.repository });
      for (const tag of ['a', 'b', 'c', 'd', 'e']) {
        await client.putManifest(tagged, tag, {
          bytes: built.manifest,
          mediaType: MediaType.ociManifest,
        });
      }

      const tags = await client.listTags(tagged, { pageSize: 2 });

      expect([...tags].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('writes and reads referrers through the tag fallback', async () => {
      const built = image('subject');
      for (const blob of [...built.layers, built.config])
        await client.pushBlob(repo, blob);
      await client.putManifest(repo, 'subject', {
        bytes: built.manifest,
        mediaType: MediaType.ociManifest,
      });
      const empty = upload('{}');
      await client.pushBlob(repo, empty);
      const signature = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          artifactType: 'application/vnd.example.signature',
          config: {
            mediaType: MediaType.ociEmpty,
            digest: empty.digest,
            size: empty.size,
          },
          layers: [
            {
              mediaType: MediaType.ociEmpty,
              digest: empty.digest,
              size: empty.size,
            },
          ],
          subject: {
            mediaType: MediaType.ociManifest,
            digest: built.digest,
            size: built.manifest.length,
          },
        }),
      );

      const pushed = await client.pushReferrer(repo, {
        bytes: signature,
        mediaType: MediaType.ociManifest,
      });
      const listed = await client.listReferrers(repo, built.digest);
      const raw = await skopeo(registry, [
        'inspect',
        '--raw',
        `docker://${registry.host}/${repo.repository}:${referrersTag(built.digest)}`,
      ]);

      expect(pushed.referrersTag).toBe(referrersTag(built.digest));
      expect(listed.map((d) => d.digest)).toEqual([sha256(signature)]);
      expect(listed[0]?.artifactType).toBe('application/vnd.example.signature');
      expect(
        (JSON.parse(raw) as { manifests: Descriptor[] }).manifests[0]?.digest,
      ).toBe(sha256(signature));
    });

    it('deletes a manifest', async () => {
      const built = image('deleted');
      for (const blob of [...built.layers, built.config])
        await client.pushBlob(repo, blob);
      await client.putManifest(repo, 'doomed', {
        bytes: built.manifest,
        mediaType: MediaType.ociManifest,
      });

      await client.deleteManifest(repo, built.digest);

      expect(await client.headManifest(repo, built.digest)).toBeUndefined();
    });

    it('refuses wrong credentials without echoing them', async () => {
      const wrong = 'wrong-canary-password-42';
      const other = new RegistryClient({
        caFile: registry.ca.caFile,
        credentials: provider({ username: registry.username, password: wrong }),
      });

      const error = await other
        .getManifest(repo, 'v1')
        .catch((e: unknown) => e);
      await other.close();

      expect(error).toBeInstanceOf(OciError);
      expect((error as OciError).code).toBe('unauthorized');
      expect(JSON.stringify(error) + String(error)).not.toContain(wrong);
    });
  },
);

describe.skipIf(!canRun)(
  'registry client against the real token service',
  () => {
    let registry: TestRegistry;

    beforeAll(async () => {
      registry = await startRegistry({
        auth: 'token',
        isPublic: (name) => name.startsWith('public/'),
      });
      const owner = new RegistryClient({
        caFile: registry.ca.caFile,
        credentials: provider({
          username: registry.username,
          password: registry.password,
        }),
      });
      const built = image('public');
      const repo = { registry: registry.host, repository: 'public/app' };
      for (const blob of [...built.layers, built.config])
        await owner.pushBlob(repo, blob);
      await owner.putManifest(repo, 'v1', {
        bytes: built.manifest,
        mediaType: MediaType.ociManifest,
      });
      await owner.close();
    });

    afterAll(async () => {
      await registry.stop();
    });

    it('pulls a public repository with an anonymous token, and cannot push', async () => {
      const anonymous = new RegistryClient({ caFile: registry.ca.caFile });
      const repo = { registry: registry.host, repository: 'public/app' };

      const fetched = await anonymous.getManifest(repo, 'v1');
      const push = await anonymous
        .pushBlob(repo, upload('nope'))
        .catch((e: unknown) => e);
      await anonymous.close();

      expect(fetched.kind).toBe('image');
      expect((push as OciError).code).toBe('unauthorized');
      const anonymousRequests =
        registry.tokenServer?.requests.filter((r) => !r.hadAuthorization) ?? [];
      expect(anonymousRequests.map((r) => r.scopes)).toContainEqual([
        'repository:public/app:pull',
      ]);
    });

    it('asks the token service for push scope only when pushing', async () => {
      const client = new RegistryClient({
        caFile: registry.ca.caFile,
        credentials: provider({
          username: registry.username,
          password: registry.password,
        }),
      });
      const repo = { registry: registry.host, repository: 'scoped/app' };
      const before = registry.tokenServer?.requests.length ?? 0;

      await client.getManifest({ ...repo, repository: 'public/app' }, 'v1');
      await client.pushBlob(repo, upload('scoped'));
      await client.pushBlob(repo, upload('scoped again'));
      await client.close();

      const scopes = registry.tokenServer?.requests
        .slice(before)
        .map((r) => r.scopes);
      expect(scopes).toEqual([
        ['repository:public/app:pull'],
        ['repository:scoped/app:pull,push'],
      ]);
    });

    it('trades an identity token for access', async () => {
      const client = new RegistryClient({
        caFile: registry.ca.caFile,
        credentials: provider({ identityToken: registry.refreshToken ?? '' }),
      });

      const fetched = await client.getManifest(
        { registry: registry.host, repository: 'public/app' },
        'v1',
      );
      await client.close();

      expect(fetched.kind).toBe('image');
      expect(
        registry.tokenServer?.requests.some(
          (r) => r.grantType === 'refresh_token',
        ),
      ).toBe(true);
    });
  },
);
