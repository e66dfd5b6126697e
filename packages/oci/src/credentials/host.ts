import { displayReference } from '../reference';
import { isRegistryHost, normaliseRegistry } from '../reference-host';

const SCHEME = /^https?:\/\//i;
/** The paths docker and podman write after a host: `/`, `/v1/`, `/v2`. */
const API_PATH = /^(?:\/(?:v[12]\/?)?)?$/;

/**
 * The registry host that a credential entry or a lookup names, in one
 * canonical form so that matching is plain equality: lowercase, without
 * `http(s)://` or an API path (`/v1/`, `/v2/`), and Docker Hub's aliases as
 * `docker.io`. `https://index.docker.io/v1/` → `docker.io`,
 * `http://host:5000/v2/` → `host:5000`.
 *
 * Undefined when the key names no single host: a malformed host, one with
 * `user@`, or a namespace-scoped key without a scheme (`quay.io/team`),
 * which must not serve the whole registry.
 */
export function credentialHost(key: string): string | undefined {
  const trimmed = key.trim();
  const hasScheme = SCHEME.test(trimmed);
  const rest = trimmed.replace(SCHEME, '');
  const slash = rest.indexOf('/');
  const host = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (!hasScheme && !API_PATH.test(path)) return undefined;
  if (!isRegistryHost(host)) return undefined;
  return normaliseRegistry(host.toLowerCase());
}

/** The server URL docker's credential helpers store a registry under. */
export function helperServerUrl(host: string): string {
  return host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
}

/**
 * An auth-file key as it may appear in a message: anything up to an `@`
 * (user information) hidden, control characters escaped.
 */
export function displayKey(key: string): string {
  const at = key.lastIndexOf('@');
  const hidden = at === -1 ? key : `***${key.slice(at)}`;
  return displayReference(hidden.length > 200 ? hidden.slice(0, 200) : hidden);
}
