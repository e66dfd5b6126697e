import { randomUUID, sign } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** What the token issuer needs: who may do what, and how to sign. */
export interface TokenServerOptions {
  /** The `service` the registry expects as the token's audience. */
  service: string;
  /** The token's `iss`, as the registry's `auth.token.issuer`. */
  issuer: string;
  /** PEM EC P-256 private key that signs tokens. */
  signingKey: string;
  /** PEM certificate of the signing key, sent as the JWT's `x5c`. */
  signingCert: string;
  /** TLS key and certificate of the issuer's own HTTPS endpoint. */
  tls: { key: string; cert: string };
  /** Users and their passwords; they get every action they ask for. */
  users: Record<string, string>;
  /** OAuth2 refresh tokens and the user each one stands for. */
  refreshTokens?: Record<string, string>;
  /** Repositories anonymous callers may pull. */
  isPublic?: (repository: string) => boolean;
  /** Token lifetime in seconds; 300 by default. */
  ttlSeconds?: number;
}

/** One request the issuer answered, for assertions. */
export interface TokenRequestRecord {
  method: string;
  service: string | undefined;
  scopes: string[];
  /** The user the request authenticated as, if any. */
  user: string | undefined;
  hadAuthorization: boolean;
  grantType: string | undefined;
  status: number;
}

/** A running token issuer. */
export interface TokenServer {
  /** The realm URL to put into the registry's config. */
  realm: string;
  requests: TokenRequestRecord[];
  close(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Starts a small token issuer on loopback HTTPS, speaking the token
 * protocol of the distribution registry: `GET` with optional Basic
 * credentials, or `POST` with a refresh token. Tokens are ES256 JWTs with
 * the signing certificate in `x5c`, which the registry checks against its
 * `rootcertbundle`.
 */
export async function startTokenServer(
  options: TokenServerOptions,
): Promise<TokenServer> {
  const requests: TokenRequestRecord[] = [];
  const server = createServer(options.tls, (req, res) => {
    void answer(options, req, res).then((record) => {
      requests.push(record);
    });
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    realm: `https://127.0.0.1:${port}/token`,
    requests,
    close: () => closeServer(server),
  };
}

async function answer(
  options: TokenServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<TokenRequestRecord> {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const form = req.method === 'POST' ? await readForm(req) : undefined;
  const params = form ?? url.searchParams;
  const user = authenticate(options, req, form);
  const record: TokenRequestRecord = {
    method: req.method ?? '',
    service: params.get('service') ?? undefined,
    scopes: scopesOf(params),
    user: user ?? undefined,
    hadAuthorization: req.headers.authorization !== undefined,
    grantType: form?.get('grant_type') ?? undefined,
    status: user === null ? 401 : 200,
  };
  if (user === null) {
    sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] });
    return record;
  }
  const access = grant(options, record.scopes, user);
  const token = issue(options, user ?? '', access);
  sendJson(res, 200, {
    token,
    access_token: token,
    expires_in: options.ttlSeconds ?? 300,
    issued_at: new Date().toISOString(),
  });
  return record;
}

/** The user, undefined for anonymous, null for bad credentials. */
function authenticate(
  options: TokenServerOptions,
  req: IncomingMessage,
  form: URLSearchParams | undefined,
): string | null | undefined {
  if (form?.get('grant_type') === 'refresh_token') {
    const token = form.get('refresh_token') ?? '';
    return options.refreshTokens?.[token] ?? null;
  }
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString();
  const colon = decoded.indexOf(':');
  const [name, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return colon > 0 && options.users[name] === password ? name : null;
}

function scopesOf(params: URLSearchParams): string[] {
  return params
    .getAll('scope')
    .flatMap((scope) => scope.split(' '))
    .filter((scope) => scope !== '');
}

function grant(
  options: TokenServerOptions,
  scopes: string[],
  user: string | undefined,
): Access[] {
  return scopes.flatMap((scope) => {
    const [type, ...rest] = scope.split(':');
    const actions = (rest.pop() ?? '').split(',');
    const name = rest.join(':');
    if (type !== 'repository') return [];
    if (user !== undefined) return [{ type, name, actions }];
    const isPublic = options.isPublic?.(name) ?? false;
    return isPublic && actions.includes('pull')
      ? [{ type, name, actions: ['pull'] }]
      : [];
  });
}

function issue(
  options: TokenServerOptions,
  subject: string,
  access: Access[],
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [derBase64(options)] };
  const claims = {
    iss: options.issuer,
    sub: subject,
    aud: options.service,
    exp: now + (options.ttlSeconds ?? 300),
    nbf: now - 10,
    iat: now,
    jti: randomUUID(),
    access,
  };
  const input = `${base64url(header)}.${base64url(claims)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: options.signingKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

function derBase64(options: TokenServerOptions): string {
  return options.signingCert
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}
