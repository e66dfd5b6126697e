// Bundles every action and the CLI with esbuild into dist/<name>/index.js.
// Output is deterministic for a given esbuild version, so a test can
// compare dist/ with a fresh build.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');

/** Entry points: one per action folder with a main.ts, and the CLI. */
function entries() {
  const found = { cli: join(root, 'packages/cli/src/main.ts') };
  for (const name of readdirSync(join(root, 'actions'))) {
    const main = join(root, 'actions', name, 'main.ts');
    if (existsSync(main)) found[name] = main;
  }
  return found;
}

rmSync(outRoot, { recursive: true, force: true });
for (const [name, entry] of Object.entries(entries())) {
  await build({
    entryPoints: [entry],
    outfile: join(outRoot, name, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'external',
    logLevel: 'warning',
    absWorkingDir: root,
    // Some bundled CommonJS dependencies call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __imagegateRequire } from 'node:module';\nconst require = __imagegateRequire(import.meta.url);",
    },
  });
}
