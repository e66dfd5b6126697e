import { parseDigest, type Digest } from './digest';
import { OciError } from './errors';
import {
  DOCKER_HUB,
  isDockerHub,
  isRegistryHost,
  normaliseRegistry,
} from './reference-host';

export {
  isDockerHub,
  isRegistryHost,
  normaliseRegistry,
  registryApiHost,
} from './reference-host';

/**
 * A validated, normalised image reference. The tag, digest and every path
 * component have been checked against docker's grammar, so they are safe
 * to put in a URL or a path. With both a tag and a digest, the digest is
 * what identifies the image; the tag is kept for messages.
 */
export interface ImageReference {
  /** `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** `library/alpine`, `team/app`. */
  readonly repository: string;
  /** `latest` when the reference names neither a tag nor a digest. */
  readonly tag?: string;
  readonly digest?: Digest;
  /** `registry/repository`, without tag or digest. */
  readonly name: string;
  /** The short form docker prints: `alpine:3.20`, `team/app@sha256:…`. */
  readonly familiar: string;
  /** The full normalised form: `docker.io/library/alpine:latest`. */
  toString(): string;
}

/**
 * Docker's limit on a repository path (`library/alpine`), registry left
 * out, as the docker CLI applies it today.
 */
export const NAME_MAX_LENGTH = 255;

const TEXT_MAX_LENGTH = 1024;
const TAG = /^\w[\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const IMAGE_ID = /^[a-f0-9]{64}$/;
const DEFAULT_TAG = 'latest';
const OFFICIAL_PREFIX = 'library/';

/**
 * Parses an image reference with docker's grammar and normalisation:
 * `alpine` is `docker.io/library/alpine:latest`, `localhost:5000/app` keeps
 * its registry, `index.docker.io` and `registry-1.docker.io` become
 * `docker.io`. Throws `OciError('bad-reference')` naming the reference and
 * what is wrong with it. Where docker reads `h_st.io/a` as a path with an
 * empty registry (a quirk of its regular expression), this refuses it.
 */
export function parseReference(text: string): ImageReference {
  checkShape(text);
  const { nameText, tag, digestText } = splitSuffixes(text);
  const { registry, path } = splitRegistry(nameText);
  checkRegistry(text, registry);
  checkPath(text, path);
  const digest =
    digestText === undefined ? undefined : checkDigest(text, digestText);
  if (tag !== undefined) checkTag(text, tag);
  if (path.length > NAME_MAX_LENGTH) {
    fail(text, `the repository is longer than ${NAME_MAX_LENGTH} characters`);
  }
  const defaulted = tag ?? (digest === undefined ? DEFAULT_TAG : undefined);
  return makeReference(normaliseRegistry(registry), path, defaulted, digest);
}

/** The same image pinned to a digest, keeping the tag for messages. */
export function withDigest(
  reference: ImageReference,
  digest: string,
): ImageReference {
  const checked = checkDigest(reference.toString(), digest);
  const { registry, repository, tag } = reference;
  return makeReference(registry, repository, tag, checked);
}

function makeReference(
  registry: string,
  repository: string,
  tag: string | undefined,
  digest: Digest | undefined,
): ImageReference {
  const name = `${registry}/${repository}`;
  const suffix =
    (tag === undefined ? '' : `:${tag}`) +
    (digest === undefined ? '' : `@${digest}`);
  const full = name + suffix;
  return Object.freeze({
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
    name,
    familiar: familiarName(registry, repository) + suffix,
    toString: () => full,
  });
}

function familiarName(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB) return `${registry}/${repository}`;
  const short = repository.startsWith(OFFICIAL_PREFIX)
    ? repository.slice(OFFICIAL_PREFIX.length)
    : repository;
  return short.includes('/') ? repository : short;
}

function checkShape(text: string): void {
  if (text === '') fail(text, 'it is empty');
  if (text.length > TEXT_MAX_LENGTH) {
    fail(text, `it is longer than ${TEXT_MAX_LENGTH} characters`);
  }
  if (hasUserInfo(text)) {
    fail(
      text,
      "an '@' comes before a '/': credentials do not belong in a " +
        "reference, and a digest holds no '/'",
    );
  }
  if (IMAGE_ID.test(text)) {
    fail(text, 'a 64-character hex string is an image ID, not a name');
  }
}

/**
 * Where credentials written as `user:password@host/repo` end: the last `@`
 * that a `/` follows (a digest never holds a `/`); -1 when there is none.
 */
function userInfoEnd(text: string): number {
  const slash = text.lastIndexOf('/');
  return slash === -1 ? -1 : text.lastIndexOf('@', slash);
}

function hasUserInfo(text: string): boolean {
  return userInfoEnd(text) !== -1;
}

function splitSuffixes(text: string): {
  nameText: string;
  tag: string | undefined;
  digestText: string | undefined;
} {
  const at = text.indexOf('@');
  const digestText = at === -1 ? undefined : text.slice(at + 1);
  const rest = at === -1 ? text : text.slice(0, at);
  const colon = rest.lastIndexOf(':');
  if (colon <= rest.lastIndexOf('/')) {
    return { nameText: rest, tag: undefined, digestText };
  }
  return {
    nameText: rest.slice(0, colon),
    tag: rest.slice(colon + 1),
    digestText,
  };
}

/**
 * Docker's rule: the first component is a registry when it is
 * `localhost`, holds a `.` or a `:`, or has an uppercase letter (which a
 * repository may not); otherwise the registry is Docker Hub, and a
 * one-component Docker Hub name is an official image under `library/`.
 */
function splitRegistry(nameText: string): { registry: string; path: string } {
  const slash = nameText.indexOf('/');
  const first = slash === -1 ? '' : nameText.slice(0, slash);
  const isRegistry =
    first === 'localhost' ||
    /[.:]/.test(first) ||
    first.toLowerCase() !== first;
  const registry = isRegistry ? first : DOCKER_HUB;
  const path = isRegistry ? nameText.slice(slash + 1) : nameText;
  const isOfficial = isDockerHub(registry) && !path.includes('/');
  return { registry, path: isOfficial ? OFFICIAL_PREFIX + path : path };
}

function checkRegistry(text: string, registry: string): void {
  if (!isRegistryHost(registry)) {
    fail(text, `'${registry}' is not a valid registry host[:port]`);
  }
}

function checkPath(text: string, path: string): void {
  if (path.toLowerCase() !== path) {
    fail(text, `repository '${path}' must be lowercase`);
  }
  for (const component of path.split('/')) {
    if (component === '') fail(text, 'the repository has an empty component');
    if (!PATH_COMPONENT.test(component)) {
      fail(
        text,
        `repository component '${component}' may hold only a-z, 0-9 and ` +
          `single '.', '_', '__' or '-' runs between them`,
      );
    }
  }
}

function checkTag(text: string, tag: string): void {
  if (TAG.test(tag)) return;
  const what =
    tag.length > 128
      ? `the tag is ${tag.length} characters long; at most 128 are allowed`
      : `tag '${tag}' may hold only A-Z, a-z, 0-9, '_', '.' and '-', ` +
        `and may not start with '.' or '-'`;
  fail(text, what);
}

// Limitation: sha384 digests, which docker accepts, are refused here
// because parseDigest knows only sha256 and sha512.
function checkDigest(text: string, digestText: string): Digest {
  try {
    return parseDigest(digestText, `reference '${displayReference(text)}'`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new OciError('bad-reference', escapeControls(message), {
      cause: error,
    });
  }
}

function fail(text: string, what: string): never {
  throw new OciError(
    'bad-reference',
    `reference '${displayReference(text)}' is not valid: ` +
      escapeControls(what),
  );
}

/**
 * The reference as it may appear in a message: credentials before an `@`
 * are hidden, control characters escaped, and long text shortened.
 */
export function displayReference(text: string): string {
  const end = userInfoEnd(text);
  const hidden = end === -1 ? text : `***${text.slice(end)}`;
  const escaped = escapeControls(hidden);
  return escaped.length > 300 ? `${escaped.slice(0, 297)}...` : escaped;
}

/** Control characters as `\u0000` escapes, so a message stays one line. */
function escapeControls(text: string): string {
  return text.replace(
    /\p{Cc}/gu,
    (character) =>
      `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
