import type { Logger } from '@imagegate/findings';
import { OciError, type OciErrorCode } from '../errors';
import type { Authenticator, AuthTarget } from './auth';
import { discard, errorSummary } from './body';
import { parseChallenge } from './challenge';
import type { HttpClient } from './http';
import { apiHost } from './names';
import type { SecretSet } from './redact';
import {
  codeOf,
  type BodySource,
  type Method,
  type WireResponse,
} from './transport';

/** One call to a registry's API. */
export interface ApiRequest {
  /** The registry as the user named it. */
  registry: string;
  method: Method;
  /** A path such as `/v2/app/manifests/1.0`, or an absolute URL. */
  path: string | URL;
  /** Token scopes the call needs. */
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: BodySource;
  signal: AbortSignal;
  follow?: boolean;
  idempotent?: boolean;
}

/** What a session is built from. */
export interface SessionDeps {
  http: HttpClient;
  auth: Authenticator;
  secrets: SecretSet;
  logger: Logger;
}

const STATUS_CODES: Record<number, OciErrorCode> = {
  401: 'unauthorized',
  403: 'denied',
  404: 'not-found',
  429: 'rate-limited',
};

/**
 * Authenticated calls to registries. The first call to a host pings
 * `/v2/` to learn its scheme and its challenge; later calls send the
 * right `Authorization` up front and answer a 401 once.
 */
export class RegistrySession {
  private readonly bases = new Map<string, Promise<URL>>();

  constructor(private readonly deps: SessionDeps) {}

  /** Makes a call; any status is returned. */
  async request(req: ApiRequest): Promise<WireResponse> {
    const host = apiHost(req.registry);
    const base = await this.base(req.registry, req.signal);
    const url =
      typeof req.path === 'string' ? new URL(req.path, base) : req.path;
    this.checkUrl(url, base, req.registry);
    const target: AuthTarget = { ...req, host };
    const ours = url.origin === base.origin;
    const res = await this.send(req, url, ours ? target : undefined);
    if (res.status !== 401 || !ours) return res;
    const challenge = parseChallenge(res.headers['www-authenticate']);
    if (challenge === undefined) return res;
    await discard(res.body);
    this.deps.auth.learn(host, challenge);
    this.deps.auth.forget(target);
    return this.send(req, url, target);
  }

  /** Makes a call and throws a typed error unless the status is listed. */
  async expect(
    req: ApiRequest,
    ok: readonly number[],
    what: string,
  ): Promise<WireResponse> {
    const res = await this.request(req);
    if (ok.includes(res.status)) return res;
    throw await this.statusError(res, what, req.registry);
  }

  /** The typed error for an unexpected answer, with a redacted summary. */
  async statusError(
    res: WireResponse,
    what: string,
    registry: string,
  ): Promise<OciError> {
    const summary = await errorSummary(res.body, this.deps.secrets);
    const code = STATUS_CODES[res.status] ?? 'registry';
    const detail = summary ? ` (${summary})` : '';
    return new OciError(
      code,
      `${what} at ${registry}: HTTP ${res.status}${detail}${hintFor(code)}`,
    );
  }

  /** The origin serving a registry's API, found by pinging `/v2/`. */
  base(registry: string, signal: AbortSignal): Promise<URL> {
    const host = apiHost(registry);
    let found = this.bases.get(host);
    if (found === undefined) {
      found = this.ping(registry, host, signal);
      this.bases.set(host, found);
      found.catch(() => this.bases.delete(host));
    }
    return found;
  }

  private async send(
    req: ApiRequest,
    url: URL,
    target: AuthTarget | undefined,
  ): Promise<WireResponse> {
    const authorization = target
      ? await this.deps.auth.authorization(target)
      : undefined;
    return this.deps.http.send({
      ...req,
      url,
      headers: {
        ...req.headers,
        ...(authorization ? { authorization } : {}),
      },
    });
  }

  private async ping(
    registry: string,
    host: string,
    signal: AbortSignal,
  ): Promise<URL> {
    const res = await this.pingEither(host, signal);
    const what = `checking the registry API (/v2/)`;
    if (res.status !== 200 && res.status !== 401) {
      throw await this.statusError(res, what, registry);
    }
    const challenge =
      res.status === 401
        ? parseChallenge(res.headers['www-authenticate'])
        : undefined;
    await discard(res.body);
    this.deps.auth.learn(host, challenge);
    return new URL(res.url.origin);
  }

  private async pingEither(
    host: string,
    signal: AbortSignal,
  ): Promise<WireResponse> {
    const get = (scheme: string): Promise<WireResponse> =>
      this.deps.http.send({
        method: 'GET',
        url: new URL(`${scheme}://${host}/v2/`),
        signal,
      });
    try {
      return await get('https');
    } catch (error) {
      if (!this.deps.http.allowsPlain(host) || !mayFallBack(error)) {
        throw error;
      }
      this.deps.logger.debug(`${host} does not speak TLS; using plain HTTP`);
      return get('http');
    }
  }

  private checkUrl(url: URL, base: URL, registry: string): void {
    const plain = url.protocol === 'http:';
    const allowed =
      url.protocol === 'https:' ||
      (plain &&
        base.protocol === 'http:' &&
        this.deps.http.allowsPlain(url.host));
    if (allowed) return;
    throw new OciError(
      'insecure-refused',
      `${registry} sent the client to ${url.protocol}//${url.host}, which is not allowed without TLS`,
    );
  }
}

// Limitation: a loopback or insecure registry is tried over TLS first on
// every new client, so plain-HTTP ones cost one failed handshake.
/** Whether a failed TLS attempt may be retried in plain HTTP. */
function mayFallBack(error: unknown): boolean {
  if (!(error instanceof OciError)) return false;
  if (error.code !== 'tls' && error.code !== 'network') return false;
  const code = codeOf(error.cause);
  return !/CERT|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|ALTNAME/.test(code);
}

function hintFor(code: OciErrorCode): string {
  switch (code) {
    case 'unauthorized':
      return '; log in or check the credentials';
    case 'denied':
      return '; the credentials lack permission';
    case 'rate-limited':
      return '; rate limited, try again later';
    default:
      return '';
  }
}
