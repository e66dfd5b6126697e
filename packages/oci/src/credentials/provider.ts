import { homedir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '@imagegate/findings';
import { OciError } from '../errors';
import type { Credential, CredentialProvider } from '../source';
import { readAuthFile, type AuthFile } from './auth-file';
import { runCredentialHelper } from './helper';
import { credentialHost, displayKey } from './host';
import { secretForms } from './secrets';

/** A credential given directly, as the actions' inputs give one. */
export interface ExplicitCredential {
  /** `ghcr.io`, `registry.example.com:5000`, `https://index.docker.io/v1/`. */
  host: string;
  username?: string;
  password: string;
}

/** Where credentials come from, and who hears about their secrets. */
export interface CredentialOptions {
  /** Used first, in order; the first entry for a host wins. */
  explicit?: readonly ExplicitCredential[];
  /** Read docker's `config.json` (default true). */
  dockerConfig?: boolean;
  /** Read podman's `auth.json` (default true). */
  podmanAuth?: boolean;
  /** Locates the files and runs the helpers; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** `os.homedir()` by default. */
  homeDir?: string;
  /** Deadline for one credential helper run; 30 s by default. */
  helperTimeoutMs?: number;
  /**
   * Called with every form of every secret as soon as it is acquired, so
   * an action can pass each to `core.setSecret` before anything is logged.
   */
  onSecret?: (value: string) => void;
  logger?: Logger;
}

/** A credential and where it came from (never the secret itself). */
interface Found {
  credential: Credential;
  origin: string;
}

interface Context {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  timeoutMs: number;
  logger: Logger;
  /** Secrets the helpers' environment must not carry. */
  explicitSecrets: ReadonlySet<string>;
  files: Map<string, Promise<AuthFile | undefined>>;
}

type Lookup = (host: string, context: Context) => Promise<Found | undefined>;

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A credential provider over, in order: explicit entries, docker's config
 * (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`) and podman's
 * `auth.json` (`$REGISTRY_AUTH_FILE`, else
 * `$XDG_RUNTIME_DIR/containers/auth.json` then
 * `~/.config/containers/auth.json`). Hosts match exactly after
 * normalisation (see `credentialHost`); Docker Hub's aliases share one
 * entry. Within one file, as docker does, `credHelpers[host]` comes first,
 * then `credsStore`, then the `auths` entry. A failing helper or a broken
 * file is an `OciError('credentials')`, never a fall back to anonymous.
 * Answers are cached per host.
 */
export function createCredentialProvider(
  options: CredentialOptions = {},
): CredentialProvider {
  const explicit = explicitEntries(options.explicit ?? []);
  const report = reporter(options.onSecret);
  for (const found of explicit.values()) report(found.credential);
  const context = makeContext(options, explicit);
  const lookups = sourceLookups(options, explicit);
  const cache = new Map<string, Promise<Credential | undefined>>();
  return {
    async credentialFor(host: string): Promise<Credential | undefined> {
      const key = lookupHost(host);
      let pending = cache.get(key);
      if (pending === undefined) {
        pending = findCredential(key, lookups, context, report);
        cache.set(key, pending);
        void pending.catch(() => cache.delete(key));
      }
      return pending;
    },
  };
}

/**
 * The docker config file that `DOCKER_CONFIG` or the home directory names.
 *
 * Limitation: docker's legacy `~/.dockercfg` is not read.
 */
export function dockerConfigPath(
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
): string {
  const dir = env.DOCKER_CONFIG || join(homeDir, '.docker');
  return join(dir, 'config.json');
}

/** Podman's auth files, in the order containers/image reads them. */
export function podmanAuthPaths(
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  const configHome = env.XDG_CONFIG_HOME || join(homeDir, '.config');
  const paths = [join(configHome, 'containers', 'auth.json')];
  if (env.XDG_RUNTIME_DIR) {
    paths.unshift(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  }
  return paths;
}

async function findCredential(
  host: string,
  lookups: readonly Lookup[],
  context: Context,
  report: (credential: Credential) => void,
): Promise<Credential | undefined> {
  for (const lookup of lookups) {
    const found = await lookup(host, context);
    if (found === undefined) continue;
    report(found.credential);
    context.logger.debug(`credentials for ${host}: ${found.origin}`);
    return found.credential;
  }
  context.logger.debug(`no credentials for ${host}; anonymous access`);
  return undefined;
}

function sourceLookups(
  options: CredentialOptions,
  explicit: ReadonlyMap<string, Found>,
): Lookup[] {
  const lookups: Lookup[] = [(host) => Promise.resolve(explicit.get(host))];
  if (options.dockerConfig !== false) lookups.push(lookupDockerConfig);
  if (options.podmanAuth !== false) lookups.push(lookupPodmanAuth);
  return lookups;
}

async function lookupDockerConfig(
  host: string,
  context: Context,
): Promise<Found | undefined> {
  const path = dockerConfigPath(context.env, context.homeDir);
  const file = await cachedFile(path, context);
  return file && lookupInFile(file, host, context, true);
}

async function lookupPodmanAuth(
  host: string,
  context: Context,
): Promise<Found | undefined> {
  for (const path of podmanAuthPaths(context.env, context.homeDir)) {
    const file = await cachedFile(path, context);
    const found = file && (await lookupInFile(file, host, context, false));
    if (found) return found;
  }
  return undefined;
}

// Limitation: podman's namespace-scoped keys (`quay.io/team`) are skipped,
// because a lookup names only a host; the host-wide entry still applies.
async function lookupInFile(
  file: AuthFile,
  host: string,
  context: Context,
  allowCredsStore: boolean,
): Promise<Found | undefined> {
  const named = file.helpers.get(host);
  const helper = named ?? (allowCredsStore ? file.credsStore : undefined);
  if (helper !== undefined) {
    const setting = named === undefined ? 'credsStore' : 'credHelpers';
    const origin = `${setting} in ${file.path}`;
    const credential = await runCredentialHelper({
      helper,
      host,
      origin,
      env: helperEnv(context),
      timeoutMs: context.timeoutMs,
    });
    if (credential) {
      return { credential, origin: `helper ${helper} (${origin})` };
    }
  }
  const entry = file.entries.get(host);
  if (entry === undefined) return undefined;
  const origin = `${file.path}, auths['${displayKey(entry.key)}']`;
  return { credential: entry.credential, origin };
}

function cachedFile(
  path: string,
  context: Context,
): Promise<AuthFile | undefined> {
  let pending = context.files.get(path);
  if (pending === undefined) {
    pending = readAuthFile(path).then((file) => {
      if (file && file.skipped.length > 0) {
        const keys = file.skipped.map(displayKey).join(', ');
        context.logger.debug(
          `${path}: skipped keys for no single host: ${keys}`,
        );
      }
      return file;
    });
    context.files.set(path, pending);
  }
  return pending;
}

/**
 * The helpers' environment: ours, less the actions' `INPUT_*` variables
 * and any variable holding an explicit secret, which no helper needs.
 */
function helperEnv(context: Context): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(context.env)) {
    if (name.startsWith('INPUT_')) continue;
    if (value !== undefined && context.explicitSecrets.has(value)) continue;
    env[name] = value;
  }
  return env;
}

function explicitEntries(
  entries: readonly ExplicitCredential[],
): Map<string, Found> {
  const found = new Map<string, Found>();
  entries.forEach((entry, index) => {
    const host = credentialHost(entry.host);
    const shown = displayKey(entry.host);
    const where = `explicit credential ${index + 1} for '${shown}'`;
    if (host === undefined) explicitError(where, 'names no registry host');
    if (entry.password === '') explicitError(where, 'has an empty password');
    if (found.has(host)) return;
    const credential: Credential = { password: entry.password };
    if (entry.username) credential.username = entry.username;
    found.set(host, { credential, origin: where });
  });
  return found;
}

function explicitError(where: string, what: string): never {
  throw new OciError('credentials', `${where} ${what}`);
}

function makeContext(
  options: CredentialOptions,
  explicit: ReadonlyMap<string, Found>,
): Context {
  const secrets = new Set<string>();
  for (const { credential } of explicit.values()) {
    if (credential.password) secrets.add(credential.password);
  }
  return {
    env: options.env ?? process.env,
    homeDir: options.homeDir ?? homedir(),
    timeoutMs: options.helperTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    logger: options.logger ?? silentLogger,
    explicitSecrets: secrets,
    files: new Map(),
  };
}

function reporter(
  onSecret: ((value: string) => void) | undefined,
): (credential: Credential) => void {
  return (credential) => {
    if (onSecret === undefined) return;
    for (const form of secretForms(credential)) onSecret(form);
  };
}

function lookupHost(host: string): string {
  const key = credentialHost(host);
  if (key === undefined) {
    throw new OciError(
      'credentials',
      `cannot look up credentials: '${displayKey(host)}' is not a ` +
        'registry host',
    );
  }
  return key;
}
