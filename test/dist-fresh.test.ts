import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '@imagegate/test-support';
import { afterAll, describe, expect, it } from 'vitest';

function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(root, path));
    }
  };
  walk(root);
  return files.sort();
}

describe('dist/', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'imagegate-dist-'));
  afterAll(() => {
    rmSync(fresh, { recursive: true, force: true });
  });

  it('matches a fresh build byte for byte (run `pnpm build` and commit dist/)', () => {
    execFileSync(
      process.execPath,
      [join(repoRoot, 'scripts/build.mjs'), fresh],
      { stdio: 'pipe' },
    );
    const committed = join(repoRoot, 'dist');

    const freshFiles = listFiles(fresh);
    expect(listFiles(committed)).toEqual(freshFiles);
    const stale = freshFiles.filter(
      (file) =>
        !readFileSync(join(fresh, file)).equals(
          readFileSync(join(committed, file)),
        ),
    );
    expect(stale).toEqual([]);
  });
});
