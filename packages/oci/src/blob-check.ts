import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { hasherFor, splitDigest } from './digest';
import { OciError } from './errors';
import type { Descriptor } from './types';

/**
 * A stream that passes a blob through while checking it against its
 * descriptor: it errors with `OciError('digest-mismatch')` as soon as more
 * bytes than the size arrive, and at the end if the size or the digest
 * differ, so a consumer never sees a bad blob end cleanly. `outcome` ends
 * each message and tells the reader what the failure means for them.
 */
export class VerifyingStream extends Transform {
  private readonly hash;
  private seen = 0;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly where: string,
    private readonly outcome: string,
  ) {
    super();
    this.hash = hasherFor(descriptor.digest);
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: TransformCallback,
  ): void {
    this.seen += chunk.length;
    if (this.seen > this.descriptor.size) {
      callback(this.mismatch(`is longer than ${this.descriptor.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { size, digest } = this.descriptor;
    if (this.seen !== size) {
      callback(this.mismatch(`has ${this.seen} bytes, not ${size}`));
      return;
    }
    const { algorithm } = splitDigest(digest);
    const actual = `${algorithm}:${this.hash.digest('hex')}`;
    callback(actual === digest ? null : this.mismatch(`hashes to ${actual}`));
  }

  private mismatch(what: string): OciError {
    const { digest } = this.descriptor;
    return new OciError(
      'digest-mismatch',
      `${this.where}: blob ${digest} ${what}; ${this.outcome}`,
    );
  }
}

/** Reads a whole stream, failing past `maxBytes`. */
export async function readCapped(
  stream: Readable,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > maxBytes) throw tooLarge(what, maxBytes);
      chunks.push(buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** The error for content past its byte limit. */
export function tooLarge(what: string, maxBytes: number): OciError {
  return new OciError(
    'too-large',
    `${what} is larger than the ${maxBytes}-byte limit`,
  );
}
