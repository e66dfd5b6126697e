import { createHash } from 'node:crypto';
import {
  createServer as createHttp,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { BlobUpload, Descriptor, Digest } from '../../src/index';
import { MediaType } from '../../src/index';

/** A request the fake server saw. */
export interface Seen {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Answers a request; returns false to let the next route answer. */
export type Route = (
  req: Seen,
  res: ServerResponse,
) => boolean | undefined | Promise<boolean | undefined>;

/** A loopback HTTP(S) server whose answers tests script. */
export class FakeServer {
  readonly seen: Seen[] = [];
  routes: Route[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly scheme: 'http' | 'https',
  ) {}

  /** Starts on 127.0.0.1 on a free port. */
  static async start(
    routes: Route[] = [],
    tls?: { key: string; cert: string },
  ): Promise<FakeServer> {
    const server = tls ? createHttps(tls) : createHttp();
    const fake = new FakeServer(server, tls ? 'https' : 'http');
    fake.routes = routes;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void fake.handle(req, res);
    });
    server.on('connection', (socket: Socket) => {
      fake.track(socket);
    });
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    return fake;
  }

  /** `127.0.0.1:PORT`. */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The requests whose path starts with a prefix. */
  seenAt(method: string, prefix: string): Seen[] {
    return this.seen.filter(
      (s) => s.method === method && s.url.pathname.startsWith(prefix),
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: Seen = {
      method: req.method ?? '',
      url: new URL(req.url ?? '/', `${this.scheme}://${this.host}`),
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    this.seen.push(seen);
    for (const route of this.routes) {
      if ((await route(seen, res)) !== false) return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"NOT_FOUND","message":"no route"}]}');
  }
}

/** The sha256 digest of bytes. */
export function digestOf(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** A stored manifest or blob. */
export interface Stored {
  bytes: Buffer;
  mediaType: string;
}

/**
 * An in-memory registry: `/v2/`, manifests, blobs, uploads (whole and
 * chunked) and tag listing. Tests put routes in front of it to inject
 * faults.
 */
export class MemoryRegistry {
  readonly manifests = new Map<string, Stored>();
  readonly blobs = new Map<string, Buffer>();
  private readonly uploads = new Map<string, Buffer>();
  private uploadCount = 0;

  /** Adds a blob and returns its descriptor. */
  addBlob(
    content: Buffer | string,
    mediaType = 'application/octet-stream',
  ): Descriptor {
    const bytes = Buffer.from(content);
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** Adds a manifest under its digest and any tags. */
  addManifest(
    document: unknown,
    mediaType: string,
    ...tags: string[]
  ): Descriptor {
    const bytes = Buffer.from(JSON.stringify(document));
    const digest = digestOf(bytes);
    for (const key of [digest, ...tags]) {
      this.manifests.set(key, { bytes, mediaType });
    }
    return { mediaType, digest, size: bytes.length };
  }

  /** The route that serves it all. */
  readonly route: Route = (req, res) => {
    const path = req.url.pathname;
    if (path === '/v2/' || path === '/v2') return send(res, 200, '{}');
    const match = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(path);
    if (!match) return false;
    const [, , kind, rest] = match as unknown as [
      string,
      string,
      string,
      string,
    ];
    if (kind === 'manifests') return this.manifest(req, res, rest);
    if (kind === 'tags') return this.tags(res);
    return rest.startsWith('uploads/')
      ? this.upload(req, res, rest.slice('uploads/'.length))
      : this.blob(req, res, rest);
  };

  private manifest(req: Seen, res: ServerResponse, ref: string): boolean {
    if (req.method === 'PUT') {
      const mediaType = String(req.headers['content-type']);
      const digest = digestOf(req.body);
      this.manifests.set(digest, { bytes: req.body, mediaType });
      this.manifests.set(ref, { bytes: req.body, mediaType });
      res.writeHead(201, {
        'docker-content-digest': digest,
        location: `/v2/x/manifests/${digest}`,
      });
      res.end();
      return true;
    }
    const found = this.manifests.get(ref);
    if (!found)
      return send(
        res,
        404,
        '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
      );
    res.writeHead(200, {
      'content-type': found.mediaType,
      'content-length': found.bytes.length,
      'docker-content-digest': digestOf(found.bytes),
      etag: `"${digestOf(found.bytes)}"`,
    });
    res.end(req.method === 'HEAD' ? undefined : found.bytes);
    return true;
  }

  private blob(req: Seen, res: ServerResponse, digest: string): boolean {
    const found = this.blobs.get(digest);
    if (!found)
      return send(
        res,
        404,
        '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}',
      );
    res.writeHead(200, {
      'content-length': found.length,
      'docker-content-digest': digest,
    });
    res.end(req.method === 'HEAD' ? undefined : found);
    return true;
  }

  private upload(req: Seen, res: ServerResponse, id: string): boolean {
    if (req.method === 'POST') return this.startUpload(req, res);
    const sofar = this.uploads.get(id);
    if (sofar === undefined)
      return send(res, 404, '{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}');
    if (req.method === 'PATCH') return this.patch(req, res, id, sofar);
    if (req.method === 'GET') {
      res.writeHead(204, {
        range: `0-${sofar.length - 1}`,
        location: `/v2/x/blobs/uploads/${id}`,
      });
      res.end();
      return true;
    }
    if (req.method === 'DELETE') {
      this.uploads.delete(id);
      return send(res, 204, '');
    }
    return this.finish(req, res, id, sofar);
  }

  private startUpload(req: Seen, res: ServerResponse): boolean {
    const mount = req.url.searchParams.get('mount');
    if (mount && this.blobs.has(mount)) {
      res.writeHead(201, {
        location: `/v2/x/blobs/${mount}`,
        'docker-content-digest': mount,
      });
      res.end();
      return true;
    }
    const id = `u${(this.uploadCount += 1)}`;
    this.uploads.set(id, Buffer.alloc(0));
    res.writeHead(202, {
      location: `/v2/x/blobs/uploads/${id}?_state=abc`,
      range: '0-0',
    });
    res.end();
    return true;
  }

  private patch(
    req: Seen,
    res: ServerResponse,
    id: string,
    sofar: Buffer,
  ): boolean {
    const start = Number(
      /^([0-9]+)-/.exec(String(req.headers['content-range']))?.[1] ??
        sofar.length,
    );
    if (start !== sofar.length) return send(res, 416, '');
    const next = Buffer.concat([sofar, req.body]);
    this.uploads.set(id, next);
    res.writeHead(202, {
      location: `/v2/x/blobs/uploads/${id}?_state=n${next.length}`,
      range: `0-${next.length - 1}`,
    });
    res.end();
    return true;
  }

  private finish(
    req: Seen,
    res: ServerResponse,
    id: string,
    sofar: Buffer,
  ): boolean {
    const bytes = Buffer.concat([sofar, req.body]);
    const digest = req.url.searchParams.get('digest') ?? '';
    if (digestOf(bytes) !== digest)
      return send(res, 400, '{"errors":[{"code":"DIGEST_INVALID"}]}');
    this.blobs.set(digest, bytes);
    this.uploads.delete(id);
    res.writeHead(201, {
      'docker-content-digest': digest,
      location: `/v2/x/blobs/${digest}`,
    });
    res.end();
    return true;
  }

  private tags(res: ServerResponse): boolean {
    const tags = [...this.manifests.keys()].filter((k) => !k.includes(':'));
    return send(res, 200, JSON.stringify({ name: 'x', tags }));
  }
}

/** Sends a status and a body; returns true (handled). */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): true {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
  return true;
}

type TestPlatform = { os: string; architecture: string; variant?: string };

/** A minimal image: one layer, a config, a manifest. */
export function addImage(
  registry: MemoryRegistry,
  platform: TestPlatform = { os: 'linux', architecture: 'amd64' },
  ...tags: string[]
): { manifest: Descriptor; config: Descriptor; layer: Descriptor } {
  return addConfiguredImage(registry, platform, {}, ...tags);
}

/** A minimal image whose config holds `extra` as well. */
export function addConfiguredImage(
  registry: MemoryRegistry,
  platform: TestPlatform,
  extra: Record<string, unknown>,
  ...tags: string[]
): { manifest: Descriptor; config: Descriptor; layer: Descriptor } {
  const layer = registry.addBlob(
    `layer for ${JSON.stringify(platform)}`,
    MediaType.ociLayerGzip,
  );
  const config = registry.addBlob(
    JSON.stringify({
      ...platform,
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      ...extra,
    }),
    MediaType.ociConfig,
  );
  const manifest = registry.addManifest(
    {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config,
      layers: [layer],
    },
    MediaType.ociManifest,
    ...tags,
  );
  return { manifest, config, layer };
}

/** A blob to push, from text or bytes. */
export function uploadOf(content: string | Buffer): BlobUpload {
  const bytes = Buffer.from(content);
  return { digest: digestOf(bytes), size: bytes.length, data: bytes };
}
