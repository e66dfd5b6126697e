import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  isHeaderProblem,
  parseRpmHeader,
  type RpmHeader,
} from '../src/catalogers/rpm-header';

const available = corpusAvailable();

const INT32 = 4;
const STRING = 6;
const STRING_ARRAY = 8;
const I18NSTRING = 9;

interface TagSpec {
  tag: number;
  type: number;
  value: string | readonly string[] | readonly number[];
}

/** A header blob as rpm databases store it: intro, index, data. */
function headerBlob(specs: readonly TagSpec[]): Uint8Array {
  const data: number[] = [];
  const index: number[][] = [];
  for (const spec of specs) {
    if (spec.type === INT32) while (data.length % 4 !== 0) data.push(0);
    const offset = data.length;
    const values = typeof spec.value === 'string' ? [spec.value] : spec.value;
    for (const value of values) {
      if (typeof value === 'number') data.push(...be32(value));
      else data.push(...new TextEncoder().encode(value), 0);
    }
    index.push([spec.tag, spec.type, offset, values.length]);
  }
  return Uint8Array.from([
    ...be32(index.length),
    ...be32(data.length),
    ...index.flatMap((entry) => entry.flatMap(be32)),
    ...data,
  ]);
}

function be32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

const BASIC: readonly TagSpec[] = [
  { tag: 1000, type: STRING, value: 'bash' },
  { tag: 1001, type: STRING, value: '5.1.8' },
  { tag: 1002, type: STRING, value: '9.el9' },
  { tag: 1003, type: INT32, value: [2] },
  { tag: 1014, type: STRING, value: 'GPLv3+' },
  { tag: 1022, type: STRING, value: 'x86_64' },
  { tag: 1044, type: STRING, value: 'bash-5.1.8-9.el9.src.rpm' },
];

function parsed(blob: Uint8Array): RpmHeader {
  const header = parseRpmHeader(blob);
  if (isHeaderProblem(header)) throw new Error(header.problem);
  return header;
}

function problemOf(blob: Uint8Array): string {
  const header = parseRpmHeader(blob);
  return isHeaderProblem(header) ? header.problem : 'parsed';
}

function withWord(blob: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(blob);
  new DataView(copy.buffer).setUint32(at, value >>> 0);
  return copy;
}

describe('parseRpmHeader', () => {
  it('reads the tags the cataloger needs', () => {
    const header = parsed(headerBlob(BASIC));

    expect(header).toEqual({
      name: 'bash',
      version: '5.1.8',
      release: '9.el9',
      epoch: 2,
      license: 'GPLv3+',
      arch: 'x86_64',
      sourceRpm: 'bash-5.1.8-9.el9.src.rpm',
    });
  });

  it('reads the first string of array and i18n string tags', () => {
    const header = parsed(
      headerBlob([
        ...BASIC.filter((spec) => spec.tag !== 1014 && spec.tag !== 1000),
        { tag: 1000, type: STRING_ARRAY, value: ['first', 'second'] },
        { tag: 1014, type: I18NSTRING, value: ['MIT', 'Lizenz'] },
      ]),
    );

    expect([header.name, header.license]).toEqual(['first', 'MIT']);
  });

  it('lets a later entry of the same tag replace an earlier one', () => {
    const header = parsed(
      headerBlob([...BASIC, { tag: 1022, type: STRING, value: 'noarch' }]),
    );

    expect(header.arch).toBe('noarch');
  });

  it('skips the 8-byte magic a header read from a package starts with', () => {
    const blob = headerBlob(BASIC);
    const magic = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

    const header = parsed(Uint8Array.from([...magic, ...blob]));

    expect(header.name).toBe('bash');
  });

  it('keeps hostile names as plain data', () => {
    const name = '__proto__::error::x\u001b[31m</details>';
    const blob = headerBlob([
      { tag: 1000, type: STRING, value: name },
      ...BASIC.slice(1),
    ]);

    const header = parsed(blob);

    expect(header.name).toBe(name);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['a missing release', BASIC.filter((spec) => spec.tag !== 1002)],
    [
      'an empty name',
      [{ tag: 1000, type: STRING, value: '' }, ...BASIC.slice(1)],
    ],
  ])('refuses a header with %s', (_label, specs) => {
    expect(problemOf(headerBlob(specs))).toMatch(/name, version or release/);
  });

  it.each([
    ['no index entries', (b: Uint8Array) => withWord(b, 0, 0)],
    ['65,536 index entries', (b: Uint8Array) => withWord(b, 0, 0x10000)],
    ['a 4 GiB index count', (b: Uint8Array) => withWord(b, 0, 0xffffffff)],
    ['a 16 MiB data length', (b: Uint8Array) => withWord(b, 4, 0x1000000)],
    [
      'a data length past the blob',
      (b: Uint8Array) => withWord(b, 4, b.length),
    ],
  ])('refuses a header with %s', (_label, mutate) => {
    expect(problemOf(mutate(headerBlob(BASIC)))).toMatch(/out of range|needs/);
  });

  it.each([
    ['past the data', 0x7fffffff],
    ['negative', -4],
  ])('refuses a tag whose offset is %s', (_label, offset) => {
    const blob = headerBlob(BASIC);
    // The name entry is the first index entry; its offset is at 8 + 8.
    expect(problemOf(withWord(blob, 16, offset))).toMatch(/outside its data/);
  });

  it('refuses a string that runs to the end of the data unterminated', () => {
    const blob = headerBlob(BASIC);
    const cut = blob.subarray(0, blob.length - 1);
    const fixed = withWord(cut, 4, new DataView(cut.buffer).getUint32(4) - 1);

    expect(problemOf(fixed)).toMatch(/outside its data/);
  });

  it('never throws on any truncation of a header', () => {
    const blob = headerBlob(BASIC);

    for (let length = 0; length < blob.length; length++) {
      expect(isHeaderProblem(parseRpmHeader(blob.subarray(0, length)))).toBe(
        true,
      );
    }
  });

  it('reads a header of 65,535 index entries in bounded time', () => {
    const specs: TagSpec[] = [...BASIC];
    for (let i = 0; specs.length < 0xffff; i++) {
      specs.push({ tag: 5000 + i, type: STRING, value: 'x' });
    }
    const blob = headerBlob(specs);

    const header = parsed(blob);

    expect(header.name).toBe('bash');
  });
});

describe.skipIf(!available)('parseRpmHeader on go-rpmdb blob.bin', () => {
  const blob = available
    ? readFileSync(corpusPath('pkgdb', 'rpm', 'go-rpmdb', 'blob.bin'))
    : new Uint8Array(0);

  it('reads the NEVRA go-rpmdb reads (TestNevra)', () => {
    const header = parsed(blob);

    expect(header).toMatchObject({
      name: 'publicsuffix-list-dafsa',
      version: '20210518',
      release: '2.fc35',
      epoch: undefined,
      arch: 'noarch',
    });
  });

  it('never throws on flipped bytes', () => {
    let seed = 7;
    for (let round = 0; round < 300; round++) {
      const copy = Uint8Array.from(blob);
      for (let flips = 0; flips < 8; flips++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const at = seed % copy.length;
        copy[at] = (copy[at] ?? 0) ^ (seed >>> 24 || 1);
      }

      expect(() => parseRpmHeader(copy)).not.toThrow();
    }
  });
});
