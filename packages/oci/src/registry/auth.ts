import type { Logger } from '@imagegate/findings';
import { OciError } from '../errors';
import type { Credential, CredentialProvider } from '../source';
import type { Challenge } from './challenge';
import type { Clock } from './clock';
import type { HttpClient } from './http';
import { hostnameOf } from './names';
import { opaqueCause, type SecretSet } from './redact';
import { basic, fetchToken, type IssuedToken } from './token';

// Limitation: token services on another host name (GitLab's, say) get no
// credentials unless listed in `realmHosts`; tokens there are anonymous.
/** Token services trusted with a registry's credentials by default. */
const KNOWN_REALMS: Record<string, readonly string[]> = {
  'registry-1.docker.io': ['auth.docker.io'],
  'docker.io': ['auth.docker.io'],
  'index.docker.io': ['auth.docker.io'],
};

/** A token is renewed this long before it expires. */
const EXPIRY_MARGIN_MS = 10_000;

/** What the authenticator is built from. */
export interface AuthDeps {
  http: HttpClient;
  credentials: CredentialProvider | undefined;
  secrets: SecretSet;
  clock: Clock;
  logger: Logger;
  realmHosts: Readonly<Record<string, readonly string[]>>;
}

/** Where and how to authenticate one request. */
export interface AuthTarget {
  /** The registry as the user named it, for credentials and messages. */
  registry: string;
  /** The host that serves its API. */
  host: string;
  /** Token scopes: `repository:NAME:pull` and so on. */
  scopes: readonly string[];
  signal: AbortSignal;
}

/**
 * Answers a registry's challenges: Basic credentials straight to the
 * registry, Bearer tokens from its token service, cached per host and
 * scope set. Credentials reach a token service only on the registry's own
 * host name or a host trusted for it; elsewhere tokens are anonymous.
 */
export class Authenticator {
  private readonly challenges = new Map<string, Challenge | undefined>();
  private readonly tokens = new Map<string, Promise<IssuedToken>>();
  private readonly credentials = new Map<
    string,
    Promise<Credential | undefined>
  >();

  constructor(private readonly deps: AuthDeps) {}

  /** Records the challenge a host answered with (none: no auth needed). */
  learn(host: string, challenge: Challenge | undefined): void {
    this.challenges.set(host, challenge);
  }

  /** Whether a host's challenge is known. */
  knows(host: string): boolean {
    return this.challenges.has(host);
  }

  /** The `Authorization` value for a request, if auth is needed. */
  async authorization(target: AuthTarget): Promise<string | undefined> {
    const challenge = this.challenges.get(target.host);
    if (challenge === undefined) return undefined;
    const credential = await this.credentialFor(target.registry);
    if (credential?.registryToken) {
      return `Bearer ${credential.registryToken}`;
    }
    if (challenge.scheme === 'basic') return basicFor(credential);
    const token = await this.bearer(challenge, target, credential);
    return `Bearer ${token}`;
  }

  /** Forgets the cached token for a request's scopes, after a 401. */
  forget(target: AuthTarget): void {
    this.tokens.delete(tokenKey(target));
  }

  private async bearer(
    challenge: Challenge,
    target: AuthTarget,
    credential: Credential | undefined,
  ): Promise<string> {
    const key = tokenKey(target);
    const cached = await this.tokens.get(key)?.catch(() => undefined);
    const now = this.deps.clock.now();
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now) {
      return cached.token;
    }
    const pending = this.requestToken(challenge, target, credential);
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return (await pending).token;
  }

  private async requestToken(
    challenge: Challenge,
    target: AuthTarget,
    credential: Credential | undefined,
  ): Promise<IssuedToken> {
    const realm = this.realmOf(challenge, target);
    const trusted = this.isTrustedRealm(realm, target);
    const sent = trusted ? credential : undefined;
    this.deps.logger.debug(
      `token for ${target.registry} (${target.scopes.join(' ')}) from ${realm.host}, ${sent ? 'with credentials' : 'anonymous'}`,
    );
    if (credential && !trusted) {
      this.deps.logger.warning(
        `${target.registry}'s token service ${realm.host} is on another host; not sending it the registry's credentials`,
      );
    }
    return fetchToken(this.deps.http, this.deps.secrets, {
      realm,
      service: challenge.params.service,
      scopes: target.scopes,
      credential: sent,
      registry: target.registry,
      signal: target.signal,
      now: this.deps.clock.now(),
    });
  }

  private realmOf(challenge: Challenge, target: AuthTarget): URL {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch {
      throw new OciError(
        'unauthorized',
        `${target.registry} asked for a token but named no valid token service`,
      );
    }
    const plainOk =
      realm.protocol === 'http:' && this.deps.http.allowsPlain(realm.host);
    if (realm.protocol !== 'https:' && !plainOk) {
      throw new OciError(
        'insecure-refused',
        `${target.registry} named a token service without TLS (${realm.protocol}//${realm.host}); refusing to use it`,
      );
    }
    return realm;
  }

  private isTrustedRealm(realm: URL, target: AuthTarget): boolean {
    const name = hostnameOf(realm.host);
    if (name === hostnameOf(target.host)) return true;
    if (name === hostnameOf(target.registry)) return true;
    const trusted = [
      ...(KNOWN_REALMS[target.host] ?? []),
      ...(this.deps.realmHosts[target.registry] ?? []),
    ];
    return trusted.some((host) => hostnameOf(host) === name);
  }

  private credentialFor(registry: string): Promise<Credential | undefined> {
    let found = this.credentials.get(registry);
    if (found === undefined) {
      found = this.lookUp(registry);
      this.credentials.set(registry, found);
    }
    return found;
  }

  private async lookUp(registry: string): Promise<Credential | undefined> {
    let credential: Credential | undefined;
    try {
      credential = await this.deps.credentials?.credentialFor(registry);
    } catch (error) {
      throw new OciError(
        'credentials',
        `cannot get the credentials for ${registry}; fix the credential helper or log in again`,
        { cause: opaqueCause(error, this.deps.secrets) },
      );
    }
    this.remember(credential);
    return credential;
  }

  private remember(credential: Credential | undefined): void {
    const { secrets } = this.deps;
    if (credential?.password !== undefined) {
      secrets.addCredential(credential.username, credential.password);
    }
    secrets.add(credential?.identityToken);
    secrets.add(credential?.registryToken);
  }
}

function basicFor(credential: Credential | undefined): string | undefined {
  if (credential?.password === undefined) return undefined;
  return basic(credential.username ?? '', credential.password);
}

// Limitation: the scope a 401 challenge names (`insufficient_scope`) is not
// merged in; the client asks for the scopes it computed for the call.
function tokenKey(target: AuthTarget): string {
  return `${target.host} ${[...target.scopes].sort().join(' ')}`;
}
