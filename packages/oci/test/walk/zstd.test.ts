import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { zstdBytes } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { OciError } from '../../src/errors';
import { zstdDecompress } from '../../src/walk/zstd';

/**
 * Frames made for these tests with the zstd 1.5 command-line tool from a
 * 30,720-byte tar: `-19` (one single-segment frame, compressed blocks,
 * XXH64 checksum), from a pipe (a 2 MiB window descriptor, no checksum),
 * and from a pipe with `--long=28` (a 256 MiB window).
 */
const SINGLE_SEGMENT =
  'KLUv/WQAdzUIAJKKIBmAbwM0PweVuxeFfKaYOZ9Q5M7k7xvUxkkBC3yVnygLfPD1yhrlJGlQ59C8XOecc865u7u7u3d3d3d3H0ZBwOe8AWw+TF2TMiw1kVWxhJ4RSa3HooedrxlHfiY3llQ0NV7iufP23nuPeOyF+NHZn5O2tjR+tXYhbytgd1sIi7ZD8zI9qKHEQoEkqdGeATBHFBRkmgMhDMIQVgSEEEEREEERFGFFnRQYtsYB8GdVY/LiY/NHYN9+gJkEF5Ielt5HIFYl3zHzP2f+bK5z9o9dvubW9+qaGk//pcvRDF1nLi7FBGHsKFRgKb+VySfoGbDrJN4PHAcO7zX0f4/y46ZgLmEYDWh3jfTY';
const STREAMED =
  'KLUv/QBYhQkAEgwlH1Bp2wbAa9IqURh4Tf4zVRUAME7gU4vszTu2owobMySFbtxJt4XAAAFatPifm+IEM0NbBtKMOBwJraaqqqpmZmZmZiIiIiIi4nAktJpYaJZyioTFCu4AWRiEY4O+AGZMN4tySbfFqVPW/VixJH4nbWp+d3fT/3fTAKpVYiDNp9di/2GqG3PQnR8I8ec/Qsf/HwNpDkyoAcXBBAqMmvYNQAMRKcg0BxKAYAgYjGANYgjeIWgIGIJFUzRGxGYDnaceiH82HXOBHw4wKQCjikpMFQWcKYmrDSDWwsZovc5G/eUejr+zd3fOnTs317N/7PI1bn2vrlPj6Vu6djQc6Egn66VYh3dHTIFBpwM2wg3yCNe5ciTbqwooVM3R2Jg+6Jf9g4kB8D5TmCLmO/eLFA==';
const LONG_28 =
  'KLUv/QSQRQkAgosjH2BJ2wYQ+tIaokSfN/keCKhBuxHz1it786mLgsA4RwJFN+6kW4KgwAAtWvzPLfGBmaEtQzWrqqpqZmZmZiYiIiIiCgQgB1pNLJqlHGJhsYNLUAujcIzQN8CM6WZRLumWuHTKuh8jlsPvHJua393d4/+7aYDUKTFU8+m12H9Y6sYcdOcIQvz5QQj5/2Oo5kOoIcmBBAoLCpr2DSADkVHQaQ4SoFAYhiPYoxgChuAZgoaAIbjhN1FVVZsNnacPiP+EGuNibQwwybij0kRMpwbOlDTmIxCr';
const TAR_SHA256 =
  '50e4cbb25480910abeca3f9932a50a5c51c2d904466f370fb7c745903248f4de';

function chunks(bytes: Uint8Array, size: number): Readable {
  return Readable.from(slices(bytes, size));
}

function* slices(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.subarray(at, at + size);
  }
}

async function inflate(bytes: Uint8Array, maxWindowLog = 27, chunk = 100) {
  const parts: Uint8Array[] = [];
  for await (const part of zstdDecompress(chunks(bytes, chunk), maxWindowLog)) {
    parts.push(part);
  }
  return Buffer.concat(parts);
}

async function failure(promise: Promise<unknown>): Promise<OciError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof OciError)) throw new Error('expected an OciError');
  return error;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('zstdDecompress', () => {
  it.each([
    ['a single-segment frame with a checksum', SINGLE_SEGMENT],
    ['a streamed frame with a window descriptor', STREAMED],
  ])('inflates %s made by the zstd tool', async (_what, base64) => {
    const out = await inflate(Buffer.from(base64, 'base64'), 27, 7);

    expect(out.length).toBe(30_720);
    expect(sha256(out)).toBe(TAR_SHA256);
  });

  it('inflates several frames and skippable frames in a row', async () => {
    const skippable = Buffer.from([
      0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3,
    ]);
    const input = Buffer.concat([
      zstdBytes(Buffer.from('first ')),
      skippable,
      zstdBytes(Buffer.from('second')),
    ]);

    const out = await inflate(input);

    expect(out.toString()).toBe('first second');
  });

  it('inflates raw blocks larger than one block', async () => {
    const data = Buffer.alloc(300 * 1024, 0x61);

    const out = await inflate(zstdBytes(data), 27, 4096);

    expect(out.equals(data)).toBe(true);
  });

  it('refuses a frame declaring windowLog 31 before allocating it', async () => {
    const frame = zstdBytes(Buffer.from('tiny'), { windowLog: 31 });
    const before = process.memoryUsage().arrayBuffers;

    const error = await failure(inflate(frame));

    expect(error.code).toBe('limit');
    expect(error.message).toContain('windowLog 27');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(
      64 * 1024 * 1024,
    );
  });

  it('refuses a real --long=28 frame under the default limit', async () => {
    const error = await failure(inflate(Buffer.from(LONG_28, 'base64')));

    expect(error.code).toBe('limit');
  });

  it.each<[string, Uint8Array, string]>([
    [
      'data that is not zstd after a frame',
      Buffer.concat([zstdBytes(Buffer.from('a')), Buffer.from('junk')]),
      'bad-archive',
    ],
    [
      'a frame cut short',
      zstdBytes(Buffer.alloc(1000, 1)).subarray(0, 500),
      'truncated',
    ],
    [
      'a reserved block type',
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, 0x07, 0x00, 0x00]),
      'bad-archive',
    ],
    [
      'a frame that needs a dictionary',
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x01, 0x38, 0x05, 0x01, 0x00, 0x00]),
      'unsupported',
    ],
  ])('refuses %s', async (_what, input, code) => {
    expect((await failure(inflate(input))).code).toBe(code);
  });
});
