import { OciError } from './errors';
import {
  displayReference,
  parseReference,
  type ImageReference,
} from './reference';

/**
 * Where an image is, in skopeo's transport syntax: a registry reference
 * (bare or after `docker://`), an OCI layout directory, an OCI archive or
 * a docker archive (`docker save`).
 */
export type ImageLocation =
  | { kind: 'registry'; reference: ImageReference }
  | { kind: 'oci'; dir: string; tag?: string }
  | { kind: 'oci-archive'; file: string; tag?: string }
  | { kind: 'docker-archive'; file: string };

const DOCKER_PREFIX = 'docker://';

/** Transports of containers/image that imagegate does not read. */
const UNSUPPORTED_TRANSPORTS: ReadonlyMap<string, string> = new Map([
  ['containers-storage', 'push it to a registry or copy it with skopeo'],
  ['docker-daemon', 'save it with `docker save -o FILE`, use docker-archive'],
  ['dir', 'copy it with skopeo to an oci: directory'],
  ['ostree', 'copy it with skopeo to an oci: directory'],
  ['sif', 'copy it with skopeo to an oci: directory'],
  ['tarball', 'copy it with skopeo to an oci-archive: file'],
]);

const TEXT_MAX_LENGTH = 4096;

/**
 * The OCI image-spec grammar for `org.opencontainers.image.ref.name`:
 * alphanumeric runs joined by one of `-._:@+` or `--`, in `/`-separated
 * components.
 */
const OCI_REF_COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const OCI_REF_NAME = new RegExp(
  `^${OCI_REF_COMPONENT}(?:/${OCI_REF_COMPONENT})*$`,
);

/**
 * Parses an image location: `alpine`, `docker://ghcr.io/a/b:1`,
 * `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]` or `docker-archive:FILE`.
 * As in skopeo, the path ends at the first `:`. Throws
 * `OciError('bad-reference')` for malformed text and
 * `OciError('unsupported')` for a transport imagegate does not read.
 *
 * Limitation: a path that itself holds a `:` (a Windows drive letter, for
 * one) cannot be written; skopeo has the same rule on Linux.
 */
export function parseImageLocation(text: string): ImageLocation {
  if (text.length > TEXT_MAX_LENGTH) {
    throw new OciError(
      'bad-reference',
      `image '${displayReference(text)}': longer than ` +
        `${TEXT_MAX_LENGTH} characters`,
    );
  }
  if (text.startsWith(DOCKER_PREFIX)) {
    return registryLocation(text.slice(DOCKER_PREFIX.length), text);
  }
  const colon = text.indexOf(':');
  const transport = colon === -1 ? '' : text.slice(0, colon);
  const details = text.slice(colon + 1);
  switch (transport) {
    case 'oci':
      return ociLocation(text, details);
    case 'oci-archive':
      return ociArchiveLocation(text, details);
    case 'docker-archive':
      return dockerArchiveLocation(text, details);
  }
  const advice = UNSUPPORTED_TRANSPORTS.get(transport);
  if (advice !== undefined) {
    throw new OciError(
      'unsupported',
      `image '${displayReference(text)}': the ${transport} transport is ` +
        `not supported; ${advice}`,
    );
  }
  return registryLocation(text, text);
}

/** The location in the syntax `parseImageLocation` reads. */
export function formatImageLocation(location: ImageLocation): string {
  switch (location.kind) {
    case 'registry':
      return location.reference.toString();
    case 'oci':
      return withTag(`oci:${location.dir}`, location.tag);
    case 'oci-archive':
      return withTag(`oci-archive:${location.file}`, location.tag);
    case 'docker-archive':
      return `docker-archive:${location.file}`;
  }
}

function registryLocation(referenceText: string, text: string): ImageLocation {
  try {
    return { kind: 'registry', reference: parseReference(referenceText) };
  } catch (error) {
    if (!looksLikePath(text)) throw error;
    throw new OciError(
      'bad-reference',
      `${error instanceof Error ? error.message : String(error)}; for a ` +
        'file or directory write oci:DIR, oci-archive:FILE or ' +
        'docker-archive:FILE',
      { cause: error },
    );
  }
}

function looksLikePath(text: string): boolean {
  return /^(?:\/|\.\.?\/|~\/)/.test(text) || /\.tar(?:\.gz)?$/.test(text);
}

function ociLocation(text: string, details: string): ImageLocation {
  const { path, tag } = splitPathAndTag(text, details);
  return { kind: 'oci', dir: path, ...(tag === undefined ? {} : { tag }) };
}

function ociArchiveLocation(text: string, details: string): ImageLocation {
  const { path, tag } = splitPathAndTag(text, details);
  return {
    kind: 'oci-archive',
    file: path,
    ...(tag === undefined ? {} : { tag }),
  };
}

// Limitation: `docker-archive:FILE:REF` and `docker-archive:FILE:@INDEX`,
// which pick one image out of a multi-image archive, are refused rather
// than supported.
function dockerArchiveLocation(text: string, details: string): ImageLocation {
  const colon = details.indexOf(':');
  if (colon !== -1) {
    throw new OciError(
      'unsupported',
      `image '${displayReference(text)}': choosing an image inside a ` +
        'docker archive is not supported; save only the image you need',
    );
  }
  return { kind: 'docker-archive', file: checkPath(text, details) };
}

function splitPathAndTag(
  text: string,
  details: string,
): { path: string; tag: string | undefined } {
  const colon = details.indexOf(':');
  const path = checkPath(
    text,
    colon === -1 ? details : details.slice(0, colon),
  );
  const tag = colon === -1 ? '' : details.slice(colon + 1);
  if (tag === '') return { path, tag: undefined };
  if (!OCI_REF_NAME.test(tag)) {
    throw new OciError(
      'bad-reference',
      `image '${displayReference(text)}': '${displayReference(tag)}' is ` +
        'not a valid OCI reference name (letters, digits and single ' +
        "'-', '.', '_', ':', '@' or '+' between them, '/' between parts)",
    );
  }
  return { path, tag };
}

function checkPath(text: string, path: string): string {
  if (path === '' || path.includes('\u0000')) {
    throw new OciError(
      'bad-reference',
      `image '${displayReference(text)}': the path is empty or holds a NUL`,
    );
  }
  return path;
}

function withTag(base: string, tag: string | undefined): string {
  return tag === undefined ? base : `${base}:${tag}`;
}
