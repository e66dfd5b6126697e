import { createHash, type Hash } from 'node:crypto';
import { pipeline, type Readable, Transform } from 'node:stream';
import { hasherFor, type Digest } from '../digest';
import { OciError } from '../errors';
import type { Descriptor } from '../types';

/** The digest of some bytes, in the algorithm of `like` or sha256. */
export function digestOf(bytes: Uint8Array, like?: Digest): Digest {
  const algorithm = like ? algorithmOf(like) : 'sha256';
  const hex = createHash(algorithm).update(bytes).digest('hex');
  return `${algorithm}:${hex}` as Digest;
}

/** The algorithm part of a digest. */
export function algorithmOf(digest: Digest): string {
  return digest.slice(0, digest.indexOf(':'));
}

/**
 * Passes bytes through while hashing and counting them. It fails with
 * `too-large` as soon as more bytes than the descriptor's size arrive,
 * and at the end with `truncated` for fewer or `digest-mismatch` for
 * other bytes, so a consumer never sees a clean end on bad content.
 */
export class DigestCheck extends Transform {
  private readonly hash: Hash;
  private received = 0;

  constructor(
    private readonly descriptor: Pick<Descriptor, 'digest' | 'size'>,
    private readonly what: string,
  ) {
    super();
    this.hash = hasherFor(descriptor.digest);
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.received += chunk.length;
    if (this.received > this.descriptor.size) {
      done(this.overrun());
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: (error?: Error | null) => void): void {
    done(this.finalCheck());
  }

  /** Bytes seen so far. */
  get count(): number {
    return this.received;
  }

  private finalCheck(): OciError | null {
    const { digest, size } = this.descriptor;
    if (this.received < size) {
      return new OciError(
        'truncated',
        `${this.what} was truncated: ${this.received} of ${size} bytes`,
      );
    }
    const actual = `${algorithmOf(digest)}:${this.hash.digest('hex')}`;
    if (actual === digest) return null;
    return new OciError(
      'digest-mismatch',
      `${this.what}: digest mismatch; expected ${digest}, got ${actual}`,
    );
  }

  private overrun(): OciError {
    return new OciError(
      'digest-mismatch',
      `${this.what}: digest mismatch; more than the ${this.descriptor.size} bytes its descriptor declares`,
    );
  }
}

/** A stream of `source` that fails unless it matches the descriptor. */
export function verifying(
  source: Readable,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  what: string,
): Readable {
  const check = new DigestCheck(descriptor, what);
  return pipeline(source, check, () => undefined);
}
