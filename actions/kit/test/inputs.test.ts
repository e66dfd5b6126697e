import { afterEach, describe, expect, it } from 'vitest';
import {
  InputError,
  readBoolean,
  readEnum,
  readList,
  readNumber,
  readOptional,
  readRequired,
  readSecret,
} from '../index';
import { capture } from './capture';

const NAME = 'imagegate-test';
const VARIABLE = 'INPUT_IMAGEGATE-TEST';

function setInput(value: string): void {
  process.env[VARIABLE] = value;
}

afterEach(() => {
  Reflect.deleteProperty(process.env, VARIABLE);
});

describe('readRequired', () => {
  it('returns the trimmed value', () => {
    setInput('  x  ');

    expect(readRequired(NAME)).toBe('x');
  });

  it('throws an input error naming the input when empty', () => {
    setInput(' ');

    expect(() => readRequired(NAME)).toThrow(
      new InputError(`input '${NAME}' is required; set it under 'with:'`),
    );
  });
});

describe('readOptional', () => {
  it.each([
    ['', undefined],
    ['value', 'value'],
  ])('reads %j as %j', (value, expected) => {
    setInput(value);

    expect(readOptional(NAME)).toBe(expected);
  });
});

describe('readBoolean', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('reads %j as %j', (value, expected) => {
    setInput(value);

    expect(readBoolean(NAME)).toBe(expected);
  });

  it.each(['tRUE', 'yes', '1', 'on'])('rejects %j', (value) => {
    setInput(value);

    expect(() => readBoolean(NAME)).toThrow(/use true or false/);
  });
});

describe('readList', () => {
  it('splits on newlines and commas and drops blanks', () => {
    setInput('a/Dockerfile, b/*.Dockerfile\n\n  c ,\n');

    expect(readList(NAME)).toEqual(['a/Dockerfile', 'b/*.Dockerfile', 'c']);
  });

  it('reads an empty input as an empty list', () => {
    expect(readList(NAME)).toEqual([]);
  });
});

describe('readNumber', () => {
  it('reads a number in range', () => {
    setInput('42');

    expect(readNumber(NAME, { min: 1, max: 100, integer: true })).toBe(42);
  });

  it.each([
    ['abc', {}, /use a number$/],
    ['1.5', { integer: true }, /use a whole number$/],
    ['0', { min: 1 }, /at least 1$/],
    ['101', { min: 1, max: 100 }, /from 1 to 100$/],
    ['Infinity', {}, /use a number$/],
  ])('rejects %j', (value, range, message) => {
    setInput(value);

    expect(() => readNumber(NAME, range)).toThrow(message);
  });
});

describe('readEnum', () => {
  const allowed = ['high', 'low', 'none'] as const;

  it('returns the allowed spelling whatever the case', () => {
    setInput('HIGH');

    expect(readEnum(NAME, allowed)).toBe('high');
  });

  it('names every allowed value in its error', () => {
    setInput('hihg');

    expect(() => readEnum(NAME, allowed)).toThrow(
      `input '${NAME}' is 'hihg'; use one of high, low, none`,
    );
  });

  it('throws errors with a code, as user errors have', () => {
    setInput('x');

    expect(() => readEnum(NAME, allowed)).toThrow(
      expect.objectContaining({ code: 'input' }),
    );
  });
});

describe('readSecret', () => {
  it('masks the value, each line and the base64 form', async () => {
    const key = '-----BEGIN KEY-----\nabc123\n-----END KEY-----';
    setInput(key);

    const { commands } = await capture(() => readSecret(NAME));

    expect(
      commands.filter((c) => c.name === 'add-mask').map((c) => c.message),
    ).toEqual([
      key,
      '-----BEGIN KEY-----',
      'abc123',
      '-----END KEY-----',
      Buffer.from(key).toString('base64'),
      encodeURIComponent(key),
    ]);
  });

  it('reads an empty input as undefined and masks nothing', async () => {
    let secret: string | undefined = 'unread';

    const { commands } = await capture(() => {
      secret = readSecret(NAME);
    });

    expect(secret).toBeUndefined();
    expect(commands).toEqual([]);
  });
});
