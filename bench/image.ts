// The image rows of `pnpm bench`: the layer walk against raw gunzip of the
// same blobs (throughput and peak RSS, each in a child process), and
// `imagegate copy` against `skopeo copy` pulling the same image from a
// local registry into an OCI layout. Each figure is a median over
// interleaved runs, as a ratio to its baseline measured in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  buildImage,
  startRegistry,
  writeOciLayout,
  type LayerSpec,
  type TestRegistry,
} from '../packages/test-support/src/index';

/** One row of a table: a figure, or why it could not be measured. */
export interface Row {
  name: string;
  value: number | undefined;
  note?: string;
}

/** A table whose first row is the baseline of the others. */
export interface Table {
  unit: string;
  /** Digits after the point. */
  digits: number;
  rows: Row[];
}

const MiB = 1024 * 1024;
const LAYERS = 6;
const LAYER_BYTES = 48 * MiB;

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** A small deterministic PRNG (mulberry32), so every run builds the same image. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 16 MiB of text-like data: lines of words from a 2,048-word vocabulary
 * and numbers. gzip shrinks it to about 40%, as it does source trees and
 * package files, neither trivially nor not at all.
 */
function textPool(next: () => number): Uint8Array {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = () =>
    Array.from(
      { length: 2 + Math.floor(next() * 9) },
      () => letters[Math.floor(next() * 26)],
    ).join('');
  const vocabulary = Array.from({ length: 2048 }, word);
  const lines: string[] = [];
  for (let size = 0; size < 16 * MiB;) {
    const count = 4 + Math.floor(next() * 10);
    const words = Array.from({ length: count }, () =>
      next() < 0.15
        ? String(Math.floor(next() * 100_000))
        : vocabulary[Math.floor(next() * vocabulary.length)],
    );
    const line = `${words.join(' ')}\n`;
    lines.push(line);
    size += line.length;
  }
  return new TextEncoder().encode(lines.join(''));
}

/**
 * Writes the bench image to an OCI layout: six gzip layers of 48 MiB of
 * files from 512 bytes to 128 KiB (about 3,400 files a layer), 288 MiB in
 * all and about 125 MB compressed. Returns the layer bytes.
 */
export async function writeBigImage(dir: string): Promise<number> {
  const next = random(42);
  const pool = textPool(next);
  const layers: LayerSpec[] = [];
  for (let layer = 0; layer < LAYERS; layer += 1) {
    const entries = [];
    for (let size = 0, i = 0; size < LAYER_BYTES; i += 1) {
      const length = Math.floor(512 * 256 ** next());
      const start = Math.floor(next() * (pool.length - length));
      const name = `usr/share/app${layer}/d${i % 64}/file${i}.txt`;
      entries.push({ name, content: pool.subarray(start, start + length) });
      size += length;
    }
    layers.push({ entries, createdBy: `COPY app${layer} /usr/share/` });
  }
  const image = buildImage({ layers });
  await writeOciLayout(dir, [{ item: image, refName: 'v1' }]);
  return image.layers.reduce((total, blob) => total + blob.size, 0);
}

interface ChildResult {
  bytes: number;
  ms: number;
  maxRssBytes: number;
}

type Mode = 'walk' | 'gunzip' | 'gunzip-64k';

function child(root: string, mode: Mode, dir: string): ChildResult {
  const script = join(root, 'bench/walk-child.ts');
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', script, mode, dir],
    { cwd: root, encoding: 'utf8', maxBuffer: MiB },
  );
  return JSON.parse(output) as ChildResult;
}

/** Walk and gunzip, interleaved: throughput and peak RSS tables. */
export function walkTables(root: string, dir: string, runs: number): Table[] {
  const walk: ChildResult[] = [];
  const gunzip: ChildResult[] = [];
  const tuned: ChildResult[] = [];
  for (let i = 0; i < runs; i += 1) {
    gunzip.push(child(root, 'gunzip', dir));
    tuned.push(child(root, 'gunzip-64k', dir));
    walk.push(child(root, 'walk', dir));
  }
  const rate = (results: ChildResult[]) =>
    median(results.map((r) => r.bytes / MiB / (r.ms / 1000)));
  const rss = (results: ChildResult[]) =>
    median(results.map((r) => r.maxRssBytes / MiB));
  const inflated = ((walk[0]?.bytes ?? 0) / MiB).toFixed(0);
  return [
    {
      unit: 'MiB/s inflated',
      digits: 1,
      rows: [
        {
          name: `zlib gunzip of the layer blobs, ${inflated} MiB (baseline)`,
          value: rate(gunzip),
        },
        {
          name: "zlib gunzip with the walk's 64 KiB chunks and 1 MiB buffer",
          value: rate(tuned),
        },
        {
          name: 'walkImage of the same image (goal ≥ 0.8x)',
          value: rate(walk),
        },
      ],
    },
    {
      unit: 'MiB peak RSS',
      digits: 0,
      rows: [
        { name: 'zlib gunzip child process (baseline)', value: rss(gunzip) },
        { name: 'walkImage child process', value: rss(walk) },
      ],
    },
  ];
}

const TOOLS = [
  '/usr/bin/docker-registry',
  '/usr/bin/skopeo',
  '/usr/bin/openssl',
  '/usr/bin/htpasswd',
];

/** Pulls from a local registry into an OCI layout: imagegate and skopeo. */
export async function copyTable(
  root: string,
  work: string,
  layout: string,
  runs: number,
): Promise<Table> {
  const table = (rows: Row[]): Table => ({ unit: 'ms', digits: 0, rows });
  const names = [
    'skopeo copy, registry to oci: (baseline)',
    'imagegate copy, registry to oci:',
  ];
  const missing = TOOLS.filter((tool) => !existsSync(tool));
  if (missing.length > 0) {
    const note = `skipped: ${missing.join(', ')} missing`;
    return table(names.map((name) => ({ name, value: undefined, note })));
  }
  const registry = await startRegistry({ auth: 'htpasswd' });
  try {
    const copy = copier(root, work, registry);
    const reference = `${registry.host}/bench/big:1`;
    copy.imagegate(`oci:${layout}:v1`, reference);
    const skopeo: number[] = [];
    const imagegate: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      skopeo.push(
        timed(() => {
          copy.skopeo(reference);
        }),
      );
      const expected = layoutDigest(copy.dir);
      imagegate.push(
        timed(() => {
          copy.imagegate(reference, `oci:${copy.dir}:v1`);
        }),
      );
      if (layoutDigest(copy.dir) !== expected) {
        throw new Error(`imagegate and skopeo pulled different manifests`);
      }
    }
    return table([
      { name: names[0] ?? '', value: median(skopeo) },
      { name: names[1] ?? '', value: median(imagegate) },
    ]);
  } finally {
    await registry.stop();
  }
}

function timed(work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs each tool against the registry, from scratch every time. */
function copier(root: string, work: string, registry: TestRegistry) {
  const dockerConfig = join(work, 'docker');
  mkdirSync(dockerConfig, { recursive: true });
  const auth = Buffer.from(`${registry.username}:${registry.password}`);
  writeFileSync(
    join(dockerConfig, 'config.json'),
    JSON.stringify({
      auths: { [registry.host]: { auth: auth.toString('base64') } },
    }),
  );
  const out = join(work, 'pulled');
  const cache = join(work, 'cache');
  const fresh = () => {
    rmSync(out, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  };
  const check = (result: ReturnType<typeof spawnSync>, what: string) => {
    if (result.status !== 0) {
      throw new Error(`${what} failed: ${String(result.stderr)}`);
    }
  };
  return {
    dir: out,
    imagegate: (from: string, to = from) => {
      fresh();
      const cli = join(root, 'dist/cli/index.js');
      const result = spawnSync(
        process.execPath,
        [cli, 'copy', from, to, '--ca-file', registry.ca.caFile],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            HOME: work,
            DOCKER_CONFIG: dockerConfig,
            IMAGEGATE_CACHE_DIR: cache,
          },
        },
      );
      check(result, `imagegate copy ${from} ${to}`);
    },
    skopeo: (from: string) => {
      fresh();
      const result = spawnSync(
        'skopeo',
        [
          'copy',
          ...['--src-cert-dir', registry.ca.certDir],
          ...['--src-creds', `${registry.username}:${registry.password}`],
          `docker://${from}`,
          `oci:${out}:v1`,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } },
      );
      check(result, `skopeo copy ${from}`);
    },
  };
}

/** The manifest digest an OCI layout's `index.json` names first. */
export function layoutDigest(dir: string): string {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  return index.manifests[0]?.digest ?? '';
}
