import { readFileSync } from 'node:fs';
import {
  buildTar,
  corpusAvailable,
  corpusPath,
  type TarEntrySpec,
} from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import type { FileSystemView } from '../../src/walk/view';
import { contentOf, layerOf, walkAll } from './helpers';

/**
 * containerd's TestBreakouts cases, transcribed in the corpus: each writes
 * a layer (over a lower layer made by `apply`) and states what must hold
 * inside the root afterwards, or that applying must fail.
 */
interface Call {
  call: string;
  args: unknown[];
}

interface BreakoutCase {
  name: string;
  w: unknown;
  apply?: Call;
  validator?: Call | string | null;
  err?: string;
}

type Name = string | { op: '+'; l: string; r: string };

interface WrittenEntry {
  type: 'dir' | 'file' | 'symlink' | 'hardlink';
  name: Name;
  linkname?: string;
  content?: string | number[] | null;
  mode?: string;
}

const available = corpusAvailable();
const cases: BreakoutCase[] = available
  ? (
      JSON.parse(
        readFileSync(
          corpusPath('malicious', 'containerd-breakouts', 'breakouts.json'),
          'utf8',
        ),
      ) as { cases: BreakoutCase[] }
    ).cases
  : [];

function nameOf(name: Name): string {
  return typeof name === 'string' ? name : `${name.l}${name.r}`;
}

function bytesOf(content: WrittenEntry['content']): Uint8Array | string {
  if (Array.isArray(content)) return new Uint8Array(content);
  return content ?? '';
}

function written(entry: WrittenEntry): TarEntrySpec {
  return {
    name: nameOf(entry.name),
    type: entry.type,
    content: entry.type === 'file' ? bytesOf(entry.content) : '',
    ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
    ...(entry.mode === undefined
      ? {}
      : { mode: Number.parseInt(entry.mode, 8) }),
  };
}

function applied(call: Call): TarEntrySpec {
  const [a, b, mode] = call.args as [string, unknown, number | undefined];
  switch (call.call) {
    case 'fstest.CreateDir':
      return { name: a, type: 'dir', mode: b as number };
    case 'fstest.CreateFile':
      return {
        name: a,
        content: b as string,
        ...(mode === undefined ? {} : { mode }),
      };
    case 'fstest.Symlink':
      return { name: b as string, type: 'symlink', linkname: a };
    case 'fstest.Link':
      return { name: b as string, type: 'hardlink', linkname: a };
    default:
      throw new Error(`unknown setup call ${call.call}`);
  }
}

/** Checks a validator against the view; files holds delivered contents. */
function holds(
  validator: Call,
  view: FileSystemView,
  content: (path: string) => string | undefined,
): boolean {
  const args = validator.args;
  const [a, b] = args.map((arg) =>
    typeof arg === 'object' && arg !== null && 'op' in arg
      ? nameOf(arg as Name)
      : arg,
  );
  switch (validator.call) {
    case 'all':
      return args.every(
        (arg) => typeof arg !== 'object' || holds(arg as Call, view, content),
      );
    case 'fileContent':
    case 'fileValue': {
      const expected = Array.isArray(b)
        ? new TextDecoder().decode(new Uint8Array(b as number[]))
        : b;
      return content(a as string) === expected;
    }
    case 'sameFile':
      return view.isSameFile(a as string, b as string);
    case 'notSameFile':
      return !view.isSameFile(a as string, b as string);
    case 'sameSymlinkFile':
      return (
        view.lstat(a as string)?.linkTarget ===
        view.lstat(b as string)?.linkTarget
      );
    case 'fileNotExists':
      return view.lstat(a as string) === undefined;
    default:
      throw new Error(`unknown validator ${validator.call}`);
  }
}

const runnable = cases.filter((c) => Array.isArray(c.w));

describe('containerd breakout cases', () => {
  it.skipIf(!available)('covers the corpus', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(30);
  });

  it.skipIf(!available).each(runnable.map((c) => [c.name, c] as const))(
    'keeps %s inside the root',
    async (_name, breakout) => {
      const lower =
        breakout.apply?.args.map((call) => applied(call as Call)) ?? [];
      const upper = (breakout.w as WrittenEntry[]).map(written);
      const layers = [
        ...(lower.length > 0 ? [layerOf(buildTar(lower))] : []),
        layerOf(buildTar(upper)),
      ];

      const { result, files } = await walkAll(layers);

      if (breakout.err !== undefined) {
        expect(result.complete).toBe(false);
        expect(result.problems[0]?.code).toBe('bad-archive');
        return;
      }
      expect(result.problems).toEqual([]);
      expect(result.view.lstat('/')?.type).toBe('dir');
      const content = (path: string) => {
        const resolution = result.view.resolve(path);
        return resolution.found
          ? contentOf(files.get(resolution.path))
          : undefined;
      };
      if (
        typeof breakout.validator === 'object' &&
        breakout.validator !== null
      ) {
        expect(holds(breakout.validator, result.view, content)).toBe(true);
      }
    },
  );
});
