import { createHash, type Hash } from 'node:crypto';
import { OciError } from './errors';
import { shorten } from './text';

/** A validated `algorithm:hex` content digest. */
export type Digest = string & { readonly __brand: 'Digest' };

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

/**
 * Validates a digest before it reaches a URL or a path: a known algorithm,
 * the exact length, lowercase hex only. `sha256:../../etc/passwd`,
 * uppercase hex and short digests are all refused.
 */
export function parseDigest(text: string, where = 'digest'): Digest {
  const colon = text.indexOf(':');
  const algorithm = colon === -1 ? '' : text.slice(0, colon);
  const hex = text.slice(colon + 1);
  const length = HEX_LENGTH[algorithm];
  if (
    length === undefined ||
    hex.length !== length ||
    !/^[0-9a-f]+$/.test(hex)
  ) {
    throw new OciError(
      'bad-digest',
      `${where}: '${shorten(text)}' is not a valid digest; expected sha256: followed by 64 lowercase hex characters`,
    );
  }
  return text as Digest;
}

/** True when the text is a valid digest. */
export function isDigest(text: string): text is Digest {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}

/** The algorithm and hex parts of a validated digest. */
export function splitDigest(digest: Digest): {
  algorithm: string;
  hex: string;
} {
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon), hex: digest.slice(colon + 1) };
}

/** The sha256 digest of some bytes. */
export function sha256Digest(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** A hash for verifying a stream against an expected digest. */
export function hasherFor(digest: Digest): Hash {
  return createHash(splitDigest(digest).algorithm);
}
