import { Decompress } from 'fzstd';
import { OciError } from '../errors';
import { formatBytes } from './limits';

/** Input is fed to the decoder in slices this big, to bound its output. */
const SLICE_BYTES = 1024;
/** The largest block the zstd format allows. */
const MAX_BLOCK_BYTES = 128 * 1024;
const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FCS_FIELD_BYTES = [0, 2, 4, 8] as const;
const DICT_ID_BYTES = [0, 1, 2, 4] as const;

/**
 * Decompresses a zstd stream. Each frame header is checked before the
 * decoder sees it, so a frame that asks for a window over
 * 2^`maxWindowLog` bytes (the `ZSTD_d_windowLogMax` rule) is refused
 * before any memory is set aside for it. Input goes in small slices and
 * output comes out between them, so memory stays bounded even for data
 * made of the largest run-length blocks.
 */
export async function* zstdDecompress(
  input: AsyncIterable<Uint8Array>,
  maxWindowLog: number,
): AsyncGenerator<Uint8Array> {
  const guard = new FrameGuard(maxWindowLog);
  const output: Uint8Array[] = [];
  const decoder = new Decompress((chunk) => {
    if (chunk.length > 0) output.push(chunk);
  });
  for await (const chunk of input) {
    for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
      const slice = chunk.subarray(at, at + SLICE_BYTES);
      guard.feed(slice);
      decode(decoder, slice, false);
      yield* output.splice(0);
    }
  }
  guard.end();
  decode(decoder, new Uint8Array(0), true);
  yield* output.splice(0);
}

function decode(decoder: Decompress, slice: Uint8Array, final: boolean): void {
  try {
    decoder.push(slice, final);
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new OciError('bad-archive', `zstd data is corrupt: ${detail}`, {
      cause: error,
    });
  }
}

type GuardState =
  'magic' | 'descriptor' | 'header' | 'block-header' | 'skippable-size';

/**
 * Follows zstd frame and block boundaries without decoding, to check each
 * frame header: window size, dictionary, block sizes.
 */
class FrameGuard {
  private state: GuardState = 'magic';
  private readonly pending: number[] = [];
  private need = 4;
  private skip = 0;
  private afterSkip: GuardState = 'magic';
  private singleSegment = false;
  private dictionaryBytes = 0;
  private hasChecksum = false;
  private fcsBytes = 0;
  private frames = 0;

  constructor(private readonly maxWindowLog: number) {}

  feed(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, bytes.length - at);
        this.skip -= skipped;
        at += skipped;
        if (this.skip === 0) this.state = this.afterSkip;
        continue;
      }
      this.pending.push(bytes[at] ?? 0);
      at++;
      if (this.pending.length === this.need) this.step();
    }
  }

  /** Throws unless the input ended on a frame boundary. */
  end(): void {
    const atBoundary =
      this.state === 'magic' && this.pending.length === 0 && this.skip === 0;
    if (!atBoundary || this.frames === 0) {
      throw new OciError('truncated', 'zstd data ends inside a frame');
    }
  }

  private step(): void {
    const bytes = this.pending.splice(0);
    switch (this.state) {
      case 'magic':
        this.magic(littleEndian(bytes));
        break;
      case 'descriptor':
        this.descriptor(bytes[0] ?? 0);
        break;
      case 'header':
        this.header(bytes);
        break;
      case 'block-header':
        this.blockHeader(littleEndian(bytes));
        break;
      case 'skippable-size':
        this.then(littleEndian(bytes), 'magic');
        break;
    }
  }

  private magic(value: number): void {
    if (value === ZSTD_MAGIC) {
      this.frames++;
      this.expect('descriptor', 1);
    } else if ((value & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      this.expect('skippable-size', 4);
    } else {
      throw new OciError(
        'bad-archive',
        'zstd data is corrupt: bad frame magic',
      );
    }
  }

  private descriptor(flags: number): void {
    if ((flags & 0x08) !== 0) {
      throw new OciError('bad-archive', 'zstd frame header is corrupt');
    }
    const fcsFlag = flags >> 6;
    this.singleSegment = ((flags >> 5) & 1) === 1;
    this.hasChecksum = ((flags >> 2) & 1) === 1;
    this.dictionaryBytes = DICT_ID_BYTES[flags & 3] ?? 0;
    const fcsBytes =
      fcsFlag === 0 && this.singleSegment ? 1 : (FCS_FIELD_BYTES[fcsFlag] ?? 0);
    const windowBytes = this.singleSegment ? 0 : 1;
    this.fcsBytes = fcsBytes;
    const length = windowBytes + this.dictionaryBytes + fcsBytes;
    if (length === 0) this.header([]);
    else this.expect('header', length);
  }

  private header(bytes: number[]): void {
    let at = 0;
    let window = 0;
    if (!this.singleSegment) {
      const descriptor = bytes[at++] ?? 0;
      const log = 10 + (descriptor >> 3);
      window = 2 ** log + (2 ** log / 8) * (descriptor & 7);
    }
    const dictionary = littleEndian(
      bytes.slice(at, (at += this.dictionaryBytes)),
    );
    if (dictionary !== 0) {
      throw new OciError('unsupported', 'zstd frames with a dictionary');
    }
    const size = littleEndian(bytes.slice(at, at + this.fcsBytes));
    if (this.singleSegment) window = this.fcsBytes === 2 ? size + 256 : size;
    this.checkWindow(window);
    this.expect('block-header', 3);
  }

  private checkWindow(window: number): void {
    const limit = 2 ** this.maxWindowLog;
    if (window > limit) {
      throw new OciError(
        'limit',
        `zstd frame needs a ${formatBytes(window)} window; the limit is ` +
          `${formatBytes(limit)} (windowLog ${this.maxWindowLog})`,
      );
    }
  }

  private blockHeader(value: number): void {
    const last = (value & 1) === 1;
    const type = (value >> 1) & 3;
    const size = value >>> 3;
    if (type === 3 || (type !== 1 && size > MAX_BLOCK_BYTES)) {
      throw new OciError('bad-archive', 'zstd data is corrupt: bad block');
    }
    const body = type === 1 ? 1 : size;
    if (last) this.then(body + (this.hasChecksum ? 4 : 0), 'magic');
    else this.then(body, 'block-header');
  }

  private expect(state: GuardState, need: number): void {
    this.state = state;
    this.need = need;
  }

  private then(skip: number, next: GuardState): void {
    this.need = next === 'magic' ? 4 : next === 'block-header' ? 3 : 1;
    this.afterSkip = next;
    this.skip = skip;
    this.state = next;
  }
}

function littleEndian(bytes: readonly number[]): number {
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    value = value * 256 + (bytes[i] ?? 0);
  }
  return value;
}
