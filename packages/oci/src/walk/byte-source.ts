import type { FileHandle } from 'node:fs/promises';

const EMPTY = new Uint8Array(0);

/**
 * Bytes read front to back, from a stream or from a file at an offset, so
 * that one tar reader serves both the layer walk and archive indexing.
 */
export interface ByteSource {
  /** Bytes consumed so far. */
  readonly position: number;
  /** Exactly `length` bytes; fewer only where the input ends. */
  read(length: number): Promise<Uint8Array>;
  /** Skips `length` bytes; returns how many there were. */
  skip(length: number): Promise<number>;
}

/**
 * A byte source over chunks from an async iterable (a decompressed layer).
 * Reads that fall inside one chunk return a view of it, not a copy.
 */
export class StreamByteSource implements ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = EMPTY;
  private offset = 0;
  private ended = false;
  private consumed = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  get position(): number {
    return this.consumed;
  }

  async read(length: number): Promise<Uint8Array> {
    if (this.chunk.length - this.offset >= length) {
      return this.take(length);
    }
    const parts: Uint8Array[] = [];
    let missing = length;
    while (missing > 0 && (await this.fill())) {
      const part = this.take(
        Math.min(missing, this.chunk.length - this.offset),
      );
      parts.push(part);
      missing -= part.length;
    }
    return concat(parts, length - missing);
  }

  async skip(length: number): Promise<number> {
    let missing = length;
    while (missing > 0 && (await this.fill())) {
      missing -= this.take(
        Math.min(missing, this.chunk.length - this.offset),
      ).length;
    }
    return length - missing;
  }

  /** The next bytes, at most `max`, without copying; empty at the end. */
  async readSome(max: number): Promise<Uint8Array> {
    if (!(await this.fill())) return EMPTY;
    return this.take(Math.min(max, this.chunk.length - this.offset));
  }

  /**
   * Reads and discards everything left, showing each piece to `inspect`.
   * Returns the number of bytes drained.
   */
  async drain(inspect?: (piece: Uint8Array) => void): Promise<number> {
    let drained = 0;
    while (await this.fill()) {
      const piece = this.take(this.chunk.length - this.offset);
      inspect?.(piece);
      drained += piece.length;
    }
    return drained;
  }

  /** Stops the underlying iterable, releasing its stream. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.iterator.return?.();
  }

  private take(length: number): Uint8Array {
    const piece = this.chunk.subarray(this.offset, this.offset + length);
    this.offset += length;
    this.consumed += length;
    return piece;
  }

  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done === true) {
        this.ended = true;
        return false;
      }
      this.chunk = next.value;
      this.offset = 0;
    }
    return true;
  }
}

/**
 * A byte source over a file read with positional reads, so skipping a
 * member's body costs nothing and a 10 GB archive is never read whole.
 */
export class FileByteSource implements ByteSource {
  private offset = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  get position(): number {
    return this.offset;
  }

  async read(length: number): Promise<Uint8Array> {
    const wanted = Math.min(length, this.size - this.offset);
    const buffer = Buffer.alloc(Math.max(wanted, 0));
    let filled = 0;
    while (filled < wanted) {
      const { bytesRead } = await this.handle.read(
        buffer,
        filled,
        wanted - filled,
        this.offset + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.offset += filled;
    return buffer.subarray(0, filled);
  }

  skip(length: number): Promise<number> {
    const skipped = Math.max(0, Math.min(length, this.size - this.offset));
    this.offset += skipped;
    return Promise.resolve(skipped);
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
