import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryRegistry, send, uploadOf, type Route } from './fake-server';
import { failure, startServer, testClient } from './helpers';

async function setUp(routes: Route[] = []) {
  const registry = new MemoryRegistry();
  const fake = await startServer([...routes, registry.route]);
  const test = await testClient();
  const repo = { registry: fake.host, repository: 'team/app' };
  return { registry, fake, repo, ...test };
}

describe('blob push', () => {
  it('uploads a blob in one PUT, and skips it when present', async () => {
    const { registry, fake, repo, client } = await setUp();
    const blob = uploadOf('monolithic blob');

    const first = await client.pushBlob(repo, blob);
    const second = await client.pushBlob(repo, blob);

    expect([first.outcome, second.outcome]).toEqual(['uploaded', 'existed']);
    expect(registry.blobs.get(blob.digest)?.toString()).toBe('monolithic blob');
    expect(fake.seenAt('PUT', '/v2/x/blobs/uploads/')).toHaveLength(1);
    expect(fake.seenAt('PATCH', '/v2/')).toHaveLength(0);
  });

  it('uploads a file in chunks no smaller than OCI-Chunk-Min-Length', async () => {
    const minimum: Route = (req, res) => {
      if (req.method !== 'POST') return false;
      res.setHeader('oci-chunk-min-length', '4');
      return false;
    };
    const { registry, fake, repo, client, cacheDir } = await setUp([minimum]);
    const path = join(cacheDir, 'blob.bin');
    const bytes = Buffer.from('0123456789abcdef-chunked');
    await writeFile(path, bytes);
    const blob = { ...uploadOf(bytes), data: { path } };

    const result = await client.pushBlob(repo, blob, { chunkSize: 3 });

    expect(result.outcome).toBe('uploaded');
    expect(registry.blobs.get(blob.digest)).toEqual(bytes);
    const ranges = fake
      .seenAt('PATCH', '/v2/x/blobs/uploads/')
      .map((s) => s.headers['content-range']);
    expect(ranges).toEqual(['0-3', '4-7', '8-11', '12-15', '16-19', '20-23']);
  });

  it('follows each relative Location, resolved against the URL that answered', async () => {
    const { fake, repo, client } = await setUp();

    await client.pushBlob(repo, uploadOf('relative locations'), {
      chunkSize: 8,
    });

    const states = fake
      .seenAt('PATCH', '/v2/x/blobs/uploads/')
      .map((s) => s.url.searchParams.get('_state'));
    expect(states).toEqual(['abc', 'n8', 'n16']);
  });

  it('resumes after a 416 from the offset the registry reports', async () => {
    let refused = false;
    const refuseOnce: Route = (req, res) => {
      const secondChunk =
        req.method === 'PATCH' &&
        String(req.headers['content-range']).startsWith('5-');
      if (!secondChunk || refused) return false;
      refused = true;
      return send(res, 416, '');
    };
    const { registry, fake, repo, client } = await setUp([refuseOnce]);
    const blob = uploadOf('resumable upload body');

    await client.pushBlob(repo, blob, { chunkSize: 5 });

    expect(registry.blobs.get(blob.digest)?.toString()).toBe(
      'resumable upload body',
    );
    expect(fake.seenAt('GET', '/v2/x/blobs/uploads/')).toHaveLength(1);
  });

  it('cancels the upload with DELETE when it fails', async () => {
    const broken: Route = (req, res) =>
      req.method === 'PATCH'
        ? send(res, 400, '{"errors":[{"code":"BLOB_UPLOAD_INVALID"}]}')
        : false;
    const { fake, repo, client } = await setUp([broken]);

    const error = await failure(
      client.pushBlob(repo, uploadOf('doomed'), { chunkSize: 2 }),
    );

    expect(error.code).toBe('registry');
    expect(fake.seenAt('DELETE', '/v2/x/blobs/uploads/')).toHaveLength(1);
  });

  it('mounts a blob from another repository', async () => {
    const { registry, fake, repo, client } = await setUp();
    const blob = uploadOf('shared layer');
    registry.blobs.set(blob.digest, Buffer.from('shared layer'));
    fake.routes.unshift((req, res) =>
      req.method === 'HEAD' &&
      req.url.pathname.startsWith('/v2/team/app/blobs/')
        ? send(res, 404, '')
        : false,
    );

    const result = await client.pushBlob(repo, blob, {
      mountFrom: 'team/base',
    });

    expect(result.outcome).toBe('mounted');
    const post = fake.seenAt('POST', '/v2/team/app/blobs/uploads/')[0];
    expect(post?.url.searchParams.get('from')).toBe('team/base');
    expect(post?.url.searchParams.get('mount')).toBe(blob.digest);
  });

  it('uploads when the registry declines the mount', async () => {
    const { repo, client } = await setUp();

    const result = await client.pushBlob(repo, uploadOf('not mountable'), {
      mountFrom: 'team/base',
    });

    expect(result.outcome).toBe('uploaded');
  });

  it('mounts without the bytes, and cancels the session of a declined mount', async () => {
    const { registry, fake, repo, client } = await setUp();
    const shared = uploadOf('mountable layer');
    registry.blobs.set(shared.digest, Buffer.from('mountable layer'));
    const missing = uploadOf('nowhere to mount from');

    const mounted = await client.mountBlob(repo, shared.digest, 'team/base');
    const declined = await client.mountBlob(repo, missing.digest, 'team/base');

    expect([mounted, declined]).toEqual([true, false]);
    expect(fake.seenAt('POST', '/v2/team/app/blobs/uploads/')).toHaveLength(2);
    expect(fake.seenAt('DELETE', '/v2/x/blobs/uploads/')).toHaveLength(1);
    expect(fake.seenAt('PUT', '/v2/')).toHaveLength(0);
  });
});

describe('tag listing', () => {
  it('follows Link pagination', async () => {
    const pages: Route = (req, res) => {
      if (!req.url.pathname.endsWith('/tags/list')) return false;
      const last = req.url.searchParams.get('last');
      const page =
        last === null ? ['a', 'b'] : last === 'b' ? ['c', 'd'] : ['e'];
      const next =
        page.at(-1) === 'e'
          ? {}
          : {
              link: `</v2/team/app/tags/list?n=2&last=${page.at(-1)}>; rel="next"`,
            };
      return send(
        res,
        200,
        JSON.stringify({ name: 'team/app', tags: page }),
        next,
      );
    };
    const { repo, client } = await setUp([pages]);

    const tags = await client.listTags(repo, { pageSize: 2 });

    expect(tags).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('refuses a next page on another host', async () => {
    const elsewhere: Route = (req, res) =>
      req.url.pathname.endsWith('/tags/list')
        ? send(res, 200, '{"tags":["a"]}', {
            link: '<http://localhost:1/v2/team/app/tags/list?last=a>; rel="next"',
          })
        : false;
    const { repo, client } = await setUp([elsewhere]);

    const error = await failure(client.listTags(repo));

    expect(error.code).toBe('registry');
  });

  it('leaves out tag strings that are not valid tags', async () => {
    const body = JSON.stringify({ tags: ['ok', '../x', 't'.repeat(200)] });
    const odd: Route = (req, res) =>
      req.url.pathname.endsWith('/tags/list') ? send(res, 200, body) : false;
    const { repo, client } = await setUp([odd]);

    expect(await client.listTags(repo)).toEqual(['ok']);
  });
});

describe('manifest push and delete', () => {
  it('pushes a manifest and checks the digest the registry reports', async () => {
    const { registry, repo, client } = await setUp();
    const bytes = Buffer.from(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}',
    );

    const put = await client.putManifest(repo, 'v1', {
      bytes,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });

    expect(registry.manifests.get('v1')?.bytes).toEqual(bytes);
    expect(put.subjectIndexed).toBe(false);
  });

  it('rejects a pushed manifest the registry stores under another digest', async () => {
    const lying: Route = (req, res) =>
      req.method === 'PUT'
        ? send(res, 201, '', {
            'docker-content-digest': `sha256:${'1'.repeat(64)}`,
          })
        : false;
    const { repo, client } = await setUp([lying]);

    const error = await failure(
      client.putManifest(repo, 'v1', {
        bytes: Buffer.from('{}'),
        mediaType: 'application/vnd.oci.image.index.v1+json',
      }),
    );

    expect(error.code).toBe('digest-mismatch');
  });

  it('deletes a manifest by digest', async () => {
    const deleted: Route = (req, res) =>
      req.method === 'DELETE' ? send(res, 202, '') : false;
    const { fake, repo, client } = await setUp([deleted]);
    const digest = uploadOf('m').digest;

    await client.deleteManifest(repo, digest);

    expect(
      fake.seenAt('DELETE', `/v2/team/app/manifests/${digest}`),
    ).toHaveLength(1);
  });
});
