import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoBinaryCataloger } from '../src/catalogers/go-binary';
import { RustAuditCataloger } from '../src/catalogers/rust-audit';
import type { Cataloger } from '../src/types';

const run = promisify(execFile);

/** The Go toolchain's version, when `go` is on the PATH. */
function goVersion(): string | undefined {
  const probe = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

const version = goVersion();
const title =
  version === undefined
    ? 'binaries built by the Go toolchain (skipped: no `go` on the PATH)'
    : `binaries built by the Go toolchain (${version})`;

/** A module with a vendored dependency and a replaced one, so no network. */
const MODULE: Record<string, string> = {
  'go.mod': [
    'module example.com/app',
    '',
    'go 1.19',
    '',
    'require (',
    '\texample.com/dep v1.2.3',
    '\texample.com/old v1.0.0',
    ')',
    '',
    'replace example.com/old => example.com/new v1.1.0',
    '',
  ].join('\n'),
  'vendor/modules.txt': [
    '# example.com/dep v1.2.3',
    '## explicit; go 1.19',
    'example.com/dep',
    '# example.com/old v1.0.0 => example.com/new v1.1.0',
    '## explicit; go 1.19',
    'example.com/old',
    '# example.com/old => example.com/new v1.1.0',
    '',
  ].join('\n'),
  'vendor/example.com/dep/dep.go':
    'package dep\n\nfunc Hello() string { return "dep" }\n',
  'vendor/example.com/old/old.go':
    'package old\n\nfunc Hello() string { return "old" }\n',
  'main.go': [
    'package main',
    '',
    'import (',
    '\t"fmt"',
    '',
    '\t"example.com/dep"',
    '\t"example.com/old"',
    ')',
    '',
    'var version = "dev"',
    '',
    'func main() { fmt.Println(dep.Hello(), old.Hello(), version) }',
    '',
  ].join('\n'),
};

/** A cgo program whose C part puts cargo-auditable data in `.dep-v0`. */
function auditModule(compressed: Uint8Array): Record<string, string> {
  const bytes = [...compressed].join(',');
  return {
    'go.mod': 'module example.com/audited\n\ngo 1.19\n',
    'main.go': [
      'package main',
      '',
      '/*',
      `__attribute__((used, section(".dep-v0"))) static const unsigned char dep_v0[] = {${bytes}};`,
      '*/',
      'import "C"',
      '',
      'func main() {}',
      '',
    ].join('\n'),
  };
}

const AUDIT_JSON = JSON.stringify({
  packages: [
    {
      name: 'hello',
      version: '0.1.0',
      source: 'local',
      root: true,
      dependencies: [1, 2],
    },
    { name: 'serde', version: '1.0.197', source: 'crates.io' },
    { name: 'cc', version: '1.0.90', source: 'crates.io', kind: 'build' },
  ],
});

interface Target {
  name: string;
  env: Record<string, string>;
  flags: string[];
  /** The main module's version the build info gives. */
  mainVersion: string;
}

const TARGETS: Target[] = [
  {
    name: 'linux-amd64',
    env: { GOOS: 'linux', GOARCH: 'amd64' },
    flags: ['-ldflags', '-X main.version=v9.8.7'],
    mainVersion: 'v9.8.7',
  },
  {
    name: 'linux-386',
    env: { GOOS: 'linux', GOARCH: '386' },
    flags: ['-trimpath'],
    mainVersion: '',
  },
  {
    name: 'windows-amd64',
    env: { GOOS: 'windows', GOARCH: 'amd64' },
    flags: [],
    mainVersion: '',
  },
  {
    name: 'darwin-arm64',
    env: { GOOS: 'darwin', GOARCH: 'arm64' },
    flags: [],
    mainVersion: '',
  },
];

async function writeTree(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

async function goBuild(
  dir: string,
  output: string,
  env: Record<string, string>,
  flags: readonly string[],
): Promise<Uint8Array> {
  await run('go', ['build', ...flags, '-o', output, '.'], {
    cwd: dir,
    env: {
      ...process.env,
      GOPROXY: 'off',
      GOFLAGS: '-mod=vendor',
      GOWORK: 'off',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      ...env,
    },
  });
  return readFile(join(dir, output));
}

function catalogOne(cataloger: Cataloger, content: Uint8Array) {
  cataloger.add({ path: '/usr/local/bin/app', content, layerIndex: 0 });
  return cataloger.finish({ os: undefined });
}

describe.skipIf(version === undefined)(title, () => {
  let work = '';
  const built = new Map<string, Uint8Array>();
  let audited: Uint8Array | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'imagegate-go-'));
    await writeTree(join(work, 'app'), MODULE);
    for (const target of TARGETS) {
      const bytes = await goBuild(
        join(work, 'app'),
        target.name,
        target.env,
        target.flags,
      );
      built.set(target.name, bytes);
    }
    audited = await auditedBinary(join(work, 'audited'));
  }, 300_000);

  afterAll(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it.each(TARGETS.map((t) => [t.name, t] as const))(
    'reads the modules of a %s binary',
    (name, target) => {
      const content = built.get(name) ?? new Uint8Array(0);

      const result = catalogOne(new GoBinaryCataloger(), content);

      expect(result.packages.map((p) => `${p.name}@${p.version}`)).toEqual([
        `example.com/app@${target.mainVersion}`,
        `stdlib@${(version ?? '').replace(/^go/, 'v')}`,
        'example.com/dep@v1.2.3',
        'example.com/new@v1.1.0',
      ]);
      expect(result.packages[0]?.architecture).toBe(target.env.GOARCH);
      expect(result.complete).toBe(true);
    },
  );

  it('reads cargo-auditable data that a real linker placed in .dep-v0', (context) => {
    if (audited === undefined) {
      context.skip('cgo could not build (no C compiler)');
      return;
    }

    const result = catalogOne(new RustAuditCataloger(), audited);

    expect(result.packages.map((p) => p.purl)).toEqual([
      'pkg:cargo/hello@0.1.0',
      'pkg:cargo/serde@1.0.197',
    ]);
  });
});

/** The cgo program, externally linked; undefined when cgo cannot build. */
async function auditedBinary(dir: string): Promise<Uint8Array | undefined> {
  await writeTree(dir, auditModule(deflateSync(AUDIT_JSON)));
  try {
    return await goBuild(dir, 'audited', { CGO_ENABLED: '1', GOFLAGS: '' }, [
      '-ldflags=-linkmode=external',
    ]);
  } catch {
    return undefined;
  }
}
