import { silentLogger, type Logger } from '@imagegate/findings';
import { DEFAULT_CONFIG_LIMITS } from '../config';
import { DEFAULT_MANIFEST_CAPS } from '../documents';
import type { CredentialProvider } from '../source';
import { systemClock, type Clock } from './clock';

/** Caps on what the client reads from a registry. */
export interface RegistryLimits {
  /** Largest manifest or index read, in bytes; 4 MiB by default. */
  manifestBytes: number;
  /** Most children of an index; 1,000 by default. */
  indexChildren: number;
  /** Most layers of a manifest; 1,000 by default. */
  layers: number;
  /**
   * Largest image config read, in bytes; an image source skips a bigger
   * one with a warning. 8 MiB by default.
   */
  configBytes: number;
  /** Most redirects followed for one request; 20 by default. */
  redirects: number;
  /** Most pages of a tag or referrers listing; 1,000 by default. */
  pages: number;
}

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Tries per request, the first included; 5 by default. */
  attempts: number;
  /** First backoff step in ms, doubled per retry; 250 by default. */
  baseDelayMs: number;
  /** Largest backoff step in ms; 10 s by default. */
  maxDelayMs: number;
  /** Longest `Retry-After` honoured; longer fails at once. 60 s. */
  maxRetryAfterMs: number;
}

/** How to build a registry client. */
export interface RegistryClientOptions {
  /** Where credentials come from; anonymous when absent. */
  credentials?: CredentialProvider;
  logger?: Logger;
  /**
   * Registry hosts (`host[:port]`) the user allows without TLS
   * verification, falling back to plain HTTP. Loopback hosts may use
   * plain HTTP without being listed.
   */
  insecureRegistries?: readonly string[];
  /** A PEM file of extra CAs trusted for TLS, as well as the system's. */
  caFile?: string;
  /**
   * Token-service hosts trusted with a registry's credentials, by
   * registry host. The registry's own host name always is.
   */
  realmHosts?: Readonly<Record<string, readonly string[]>>;
  /** A content-addressed blob cache; a temporary one when absent. */
  cacheDir?: string;
  /** Parallel blob downloads; 4 by default. */
  concurrency?: number;
  /** Deadline for one HTTP exchange to answer or to send more body. */
  requestTimeoutMs?: number;
  /** Deadline for one client call, retries included; 10 min. */
  operationTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  limits?: Partial<RegistryLimits>;
  /** Environment read for `NODE_EXTRA_CA_CERTS`; `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  userAgent?: string;
}

/** The options with every default filled in. */
export interface Settings {
  credentials: CredentialProvider | undefined;
  logger: Logger;
  insecureRegistries: ReadonlySet<string>;
  caFile: string | undefined;
  realmHosts: Readonly<Record<string, readonly string[]>>;
  cacheDir: string | undefined;
  concurrency: number;
  requestTimeoutMs: number;
  operationTimeoutMs: number;
  retry: RetryPolicy;
  limits: RegistryLimits;
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  userAgent: string;
}

/** Fills in the defaults. */
export function settingsFrom(options: RegistryClientOptions): Settings {
  return {
    credentials: options.credentials,
    logger: options.logger ?? silentLogger,
    insecureRegistries: new Set(
      (options.insecureRegistries ?? []).map((h) => h.toLowerCase()),
    ),
    caFile: options.caFile,
    realmHosts: options.realmHosts ?? {},
    cacheDir: options.cacheDir,
    concurrency: Math.max(1, options.concurrency ?? 4),
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    operationTimeoutMs: options.operationTimeoutMs ?? 600_000,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    env: options.env ?? process.env,
    clock: options.clock ?? systemClock,
    userAgent: options.userAgent ?? 'imagegate',
  };
}

const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
};

const DEFAULT_LIMITS: RegistryLimits = {
  manifestBytes: DEFAULT_MANIFEST_CAPS.manifestBytes,
  indexChildren: DEFAULT_MANIFEST_CAPS.indexChildren,
  layers: DEFAULT_MANIFEST_CAPS.layers,
  configBytes: DEFAULT_CONFIG_LIMITS.maxConfigBytes,
  redirects: 20,
  pages: 1000,
};
