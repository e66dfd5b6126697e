import { parseDigest, type Digest } from '../digest';
import { OciError } from '../errors';
import { shorten } from '../text';

/** A repository on a registry, as the client addresses it. */
export interface RepositoryRef {
  /** The registry host as the user named it: `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** The repository path: `library/alpine`. */
  repository: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** Docker Hub's names for itself, and the host that serves its API. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io']);
const DOCKER_HUB_API = 'registry-1.docker.io';

/**
 * Checks a repository reference before any URL is built from it: a
 * registry host with an optional port, and lowercase path components.
 */
export function checkRepository(ref: RepositoryRef): RepositoryRef {
  checkHost(ref.registry);
  const parts = ref.repository.split('/');
  const valid =
    ref.repository.length <= 255 && parts.every((p) => COMPONENT.test(p));
  if (!valid) {
    throw new OciError(
      'bad-reference',
      `'${shorten(ref.repository)}' is not a valid repository name on ${ref.registry}`,
    );
  }
  return ref;
}

/** Checks a registry host (`name[:port]` or `[ipv6]:port`). */
export function checkHost(host: string): string {
  const port = /:([0-9]+)$/.exec(host)?.[1];
  const badPort = port !== undefined && (+port < 1 || +port > 65535);
  if (!HOST.test(host) || badPort || host.length > 255) {
    throw new OciError(
      'bad-reference',
      `'${shorten(host)}' is not a valid registry host`,
    );
  }
  return host;
}

/** Checks a tag: up to 128 word characters, dots and dashes. */
export function checkTag(tag: string): string {
  if (!TAG.test(tag)) {
    throw new OciError(
      'bad-reference',
      `'${shorten(tag)}' is not a valid tag; tags are 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'`,
    );
  }
  return tag;
}

/** A manifest reference: a tag, or a digest when it contains a colon. */
export type ManifestRef =
  { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/** Checks a tag or digest used to address a manifest. */
export function parseManifestRef(reference: string): ManifestRef {
  return reference.includes(':')
    ? { kind: 'digest', digest: parseDigest(reference, 'manifest reference') }
    : { kind: 'tag', tag: checkTag(reference) };
}

/** The host that serves a registry's API (Docker Hub's differs). */
export function apiHost(registry: string): string {
  return DOCKER_HUB.has(registry.toLowerCase()) ? DOCKER_HUB_API : registry;
}

/** The host name without port or IPv6 brackets, lowercased. */
export function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  if (bracketed) return (bracketed[1] ?? '').toLowerCase();
  return host.replace(/:[0-9]+$/, '').toLowerCase();
}

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopback(host: string): boolean {
  const name = hostnameOf(host);
  return (
    name === 'localhost' ||
    name === '::1' ||
    /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(name)
  );
}

/** The URL path of an API endpoint in a repository. */
export function repositoryPath(ref: RepositoryRef, rest: string): string {
  return `/v2/${ref.repository}/${rest}`;
}
