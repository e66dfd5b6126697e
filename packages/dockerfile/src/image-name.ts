/** The parts of an image reference written in a FROM line. */
export interface ImageName {
  registry: string | undefined;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

/**
 * Splits `registry/repo:tag@digest` as docker does: the first component is
 * a registry when it has a dot or a port, or is `localhost`.
 * Limitation: this is a splitter for lint rules, not a validator; the full
 * reference grammar and its normalisation live with the registry client.
 */
export function splitImageName(reference: string): ImageName {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const isRegistry =
    first.includes('.') || first.includes(':') || first === 'localhost';
  return {
    registry: isRegistry ? first : undefined,
    repository: isRegistry ? rest.slice(slash + 1) : rest,
    tag,
    digest,
  };
}
