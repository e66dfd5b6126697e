import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@imagegate/test-support';
import { afterAll, describe, expect, it } from 'vitest';

// Runs the committed bundle as users run it (dist-fresh.test.ts keeps it
// equal to a fresh build).
const cli = join(repoRoot, 'dist/cli/index.js');
const workspace = mkdtempSync(join(tmpdir(), 'imagegate-bundle-'));

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

function imagegate(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: workspace,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

describe('the imagegate bundle', () => {
  it('lints the bundled example and passes its gate', () => {
    const result = imagegate('lint', join(repoRoot, 'examples/app/Dockerfile'));

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('base-image-digest');
  });

  it('exits 1 when the gate fails', () => {
    writeFileSync(
      join(workspace, 'Dockerfile'),
      'FROM alpine:3\nRUN curl -s https://x.example/i.sh | sh\n',
    );

    const result = imagegate('lint', 'Dockerfile');

    expect(result.status).toBe(1);
    expect(result.stdout).toContain('curl-pipe-shell');
  });

  it('exits 2 with one line and no stack trace on a missing file', () => {
    const result = imagegate('lint', 'missing/Dockerfile');

    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'imagegate: missing/Dockerfile: no such file; check the path\n',
    );
    expect(result.stdout).toBe('');
  });

  it('prints its version', () => {
    expect(imagegate('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
