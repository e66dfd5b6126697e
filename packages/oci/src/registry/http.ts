import type { Logger } from '@imagegate/findings';
import type { Clock } from './clock';
import { isLoopback } from './names';
import type { RetryPolicy } from './options';
import { followRedirects } from './redirects';
import type { SecretSet } from './redact';
import { withRetries } from './retry';
import type { Agents } from './tls';
import {
  exchange,
  type BodySource,
  type Method,
  type WireResponse,
} from './transport';

/** One request as the layers above the wire describe it. */
export interface HttpRequest {
  method: Method;
  url: URL;
  headers?: Record<string, string>;
  body?: BodySource;
  signal: AbortSignal;
  /** Follow redirects; GET and HEAD only, by default. */
  follow?: boolean;
  /** Safe to repeat; GET, HEAD, PUT and DELETE by default. */
  idempotent?: boolean;
}

/** What the HTTP layer is built from. */
export interface HttpDeps {
  agents: Agents;
  secrets: SecretSet;
  clock: Clock;
  logger: Logger;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  maxRedirects: number;
  userAgent: string;
  insecureHosts: ReadonlySet<string>;
}

// Limitation: HTTP/1.1 only (no HTTP/2), one connection pool per client.
/**
 * HTTP for the registry client: retries around redirects around single
 * exchanges, with TLS verified except for hosts the user named insecure.
 */
export class HttpClient {
  constructor(private readonly deps: HttpDeps) {}

  /** Whether a host may be spoken to without TLS. */
  allowsPlain(host: string): boolean {
    return this.isInsecure(host) || isLoopback(host);
  }

  /** Whether the user named the host insecure. */
  isInsecure(host: string): boolean {
    return this.deps.insecureHosts.has(host.toLowerCase());
  }

  /** Sends a request; any status is returned, failures are thrown. */
  async send(req: HttpRequest): Promise<WireResponse> {
    const describe = `${req.method} ${req.url.host}${req.url.pathname}`;
    const res = await withRetries(() => this.redirected(req), {
      policy: this.deps.retry,
      clock: this.deps.clock,
      logger: this.deps.logger,
      signal: req.signal,
      idempotent:
        req.idempotent ?? (req.method !== 'POST' && req.method !== 'PATCH'),
      describe,
    });
    this.deps.logger.debug(`${describe} -> ${res.status}`);
    return res;
  }

  private redirected(req: HttpRequest): Promise<WireResponse> {
    const wire = {
      method: req.method,
      url: req.url,
      headers: { 'user-agent': this.deps.userAgent, ...req.headers },
      signal: req.signal,
      ...(req.body === undefined ? {} : { body: req.body }),
    };
    const follow =
      req.follow ?? (req.method === 'GET' || req.method === 'HEAD');
    if (!follow) return this.once(wire);
    return followRedirects((r) => this.once(r), wire, {
      maxRedirects: this.deps.maxRedirects,
      allowsPlain: (host) => this.allowsPlain(host),
    });
  }

  private once(wire: Parameters<typeof exchange>[0]): Promise<WireResponse> {
    const insecure = this.isInsecure(wire.url.host);
    return exchange(wire, {
      dispatcher: insecure
        ? this.deps.agents.unverified
        : this.deps.agents.verified,
      timeoutMs: this.deps.requestTimeoutMs,
      secrets: this.deps.secrets,
    });
  }
}
