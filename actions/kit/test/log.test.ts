import * as core from '@actions/core';
import { describe, expect, it } from 'vitest';
import { actionsLogger, logUntrusted } from '../index';
import { capture } from './capture';

const HOSTILE = [
  '::error::injected',
  'prefix ##[warning]legacy',
  '::add-mask::x',
  '::stop-commands::guess',
].join('\n');

describe('logUntrusted', () => {
  it('prints the text with no command firing, then resumes', async () => {
    const { stdout, commands } = await capture(() => {
      logUntrusted(HOSTILE);
      core.warning('after');
    });

    expect(stdout).toContain(HOSTILE);
    expect(commands.map((c) => c.name)).toEqual(['stop-commands', 'warning']);
    expect(commands[0]?.message).toMatch(/^imagegate-[0-9a-f]{32}$/);
  });

  it('uses a fresh token each time', async () => {
    const { commands } = await capture(() => {
      logUntrusted('a');
      logUntrusted('b');
    });

    const [first, second] = commands.map((c) => c.message);
    expect(first).not.toBe(second);
  });
});

describe('actionsLogger', () => {
  it('fences info lines that look like commands', async () => {
    const { commands } = await capture(() => {
      actionsLogger.info('::error::from a file name');
    });

    expect(commands.map((c) => c.name)).toEqual(['stop-commands']);
  });

  it('prints plain info lines as they are', async () => {
    const { stdout } = await capture(() => {
      actionsLogger.info('linting 3 files');
    });

    expect(stdout).toBe('linting 3 files\n');
  });

  it.each(['debug', 'warning', 'error'] as const)(
    'sends %s lines as that command, data escaped',
    async (level) => {
      const { commands } = await capture(() => {
        actionsLogger[level]('a\n::error::b');
      });

      expect(commands).toEqual([
        { name: level, properties: {}, message: 'a\n::error::b' },
      ]);
    },
  );
});

describe('logUntrusted on control characters', () => {
  it('shows ANSI escapes and lone carriage returns as ?', async () => {
    const { stdout } = await capture(() => {
      logUntrusted('\u001b[2Jred\rover\r\nnext');
    });

    expect(stdout).toContain('?[2Jred?over\nnext\n');
  });
});
