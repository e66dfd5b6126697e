/** The registry name that every Docker Hub alias normalises to. */
export const DOCKER_HUB = 'docker.io';

/** The host that serves Docker Hub's registry API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  DOCKER_HUB,
  'index.docker.io',
  DOCKER_HUB_API_HOST,
]);

const DOMAIN_LABEL = /^[a-zA-Z0-9-]+$/;
const IPV6_BODY = /^[a-fA-F0-9:]+$/;
const PORT = /^[0-9]+$/;

/**
 * Whether the text is a registry host as docker's reference grammar
 * writes one: dot-separated labels of letters, digits and inner hyphens,
 * or an IPv6 address in brackets, then an optional `:port`.
 */
export function isRegistryHost(text: string): boolean {
  const { host, port } = splitPort(text);
  if (port !== undefined && !PORT.test(port)) return false;
  if (host.startsWith('[')) return isBracketedIpv6(host);
  return host.split('.').every(isDomainLabel);
}

/** Whether the registry is Docker Hub under any of its names. */
export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase());
}

/**
 * The registry as references name it: Docker Hub's aliases
 * (`index.docker.io`, `registry-1.docker.io`) become `docker.io`; any other
 * host is kept as written.
 */
export function normaliseRegistry(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB : registry;
}

/**
 * The host to send registry API requests to: `registry-1.docker.io` for
 * Docker Hub, the registry itself for every other one.
 */
export function registryApiHost(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_API_HOST : registry;
}

function splitPort(text: string): { host: string; port?: string } {
  const colon = text.lastIndexOf(':');
  const bracket = text.lastIndexOf(']');
  if (colon === -1 || colon < bracket) return { host: text };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

function isBracketedIpv6(host: string): boolean {
  return (
    host.length > 2 && host.endsWith(']') && IPV6_BODY.test(host.slice(1, -1))
  );
}

function isDomainLabel(label: string): boolean {
  return (
    DOMAIN_LABEL.test(label) && !label.startsWith('-') && !label.endsWith('-')
  );
}
