// Bundles every action and the CLI with esbuild into dist/<name>/index.js.
// Output is deterministic for a given esbuild version, so a test can
// compare dist/ with a fresh build.
import { build } from 'esbuild';
import {
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/**
 * The licences of the third-party packages a bundle contains, read from
 * each package's own files, so every bundle ships its notices.
 */
function licenceText(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (match) packages.set(match[2], join(root, match[1]));
  }
  const sections = [...packages.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, dir]) => {
      const manifest = JSON.parse(
        readFileSync(join(dir, 'package.json'), 'utf8'),
      );
      const file = readdirSync(dir).find((f) =>
        /^(licen[sc]e|copying)/i.test(f),
      );
      const text = file ? readFileSync(join(dir, file), 'utf8').trim() : '';
      const licence = manifest.license ?? 'UNKNOWN';
      return `${name}@${manifest.version} (${licence})\n\n${text}`;
    });
  const rule = `\n\n${'-'.repeat(72)}\n\n`;
  return `Third-party software bundled in this file:${rule}${sections.join(rule)}\n`;
}

rmSync(outRoot, { recursive: true, force: true });
for (const [name, entry] of Object.entries(entries())) {
  const result = await build({
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
    metafile: true,
    absWorkingDir: root,
    // Some bundled CommonJS dependencies call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __imagegateRequire } from 'node:module';\nconst require = __imagegateRequire(import.meta.url);",
    },
  });
  writeFileSync(
    join(outRoot, name, 'licenses.txt'),
    licenceText(result.metafile),
  );
  anchorSourceMap(join(outRoot, name, 'index.js.map'), name);
}

/**
 * Writes the source map's paths as they are from dist/<name>/, wherever the
 * bundle was written, so a build into a scratch folder (the freshness test)
 * gives the same bytes as the committed one.
 */
function anchorSourceMap(mapFile, name) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const canonical = join(root, 'dist', name);
  map.sources = map.sources.map((source) =>
    relative(canonical, resolve(dirname(mapFile), source)),
  );
  writeFileSync(mapFile, JSON.stringify(map));
}
