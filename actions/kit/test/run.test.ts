import { describe, expect, it } from 'vitest';
import { InputError, runAction } from '../index';
import { capture } from './capture';

class CodedError extends Error {
  readonly code = 'not-found';
}

describe('runAction', () => {
  it('leaves the step passing when main succeeds', async () => {
    const { commands, exitCode } = await capture(() =>
      runAction(() => Promise.resolve()),
    );

    expect(commands).toEqual([]);
    expect(exitCode).toBeUndefined();
  });

  it.each([
    new InputError("input 'fail-on' is 'x'; use one of high, none"),
    new CodedError('Dockerfile.prod: not found'),
  ])('fails with the message alone for user error %#', async (error) => {
    const { stdout, commands, exitCode } = await capture(() =>
      runAction(() => Promise.reject(error)),
    );

    expect(commands).toEqual([
      { name: 'error', properties: {}, message: error.message },
    ]);
    expect(stdout).not.toMatch(/\bat /);
    expect(exitCode).toBe(1);
  });

  it('fails an internal error with its message, stack at debug', async () => {
    const cause = new Error('socket closed');
    const error = new TypeError('boom', { cause });

    const { commands, exitCode } = await capture(() =>
      runAction(() => Promise.reject(error)),
    );

    expect(commands.map((c) => c.name)).toEqual(['debug', 'error']);
    expect(commands[0]?.message).toMatch(
      /^TypeError: boom\n {4}at [\s\S]*\ncaused by: Error: socket closed/,
    );
    expect(commands[1]?.message).toBe('internal error: boom');
    expect(exitCode).toBe(1);
  });

  it('reports a thrown non-error as an internal error', async () => {
    const { commands } = await capture(() =>
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      runAction(() => Promise.reject('text')),
    );

    expect(commands.at(-1)?.message).toBe('internal error: text');
  });
});
