// The SBOM rows of `pnpm bench`, over the Debian image of debian-image.ts:
// `imagegate sbom docker-archive:FILE` (the built CLI bundle) against
// `gzip -dc` of the same layer blobs, and, when they are installed,
// snyk-docker-plugin and cdxgen on the same archive. Each command runs
// under `/usr/bin/time -v` for its peak RSS, and under `unshare -n` (no
// network) when that works, so no tool can fetch anything. Then the
// package sets: what each peer lists that imagegate does not.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  APP_PACKAGES,
  REMOVED_PACKAGE,
  debianImage,
  layerBlobs,
  missingDebianTools,
  type DebianImage,
} from './debian-image';
import { median, type Row, type Table } from './image';

/**
 * Where the peers are installed, each with `npm install --prefix`; never
 * in this repository. IMAGEGATE_BENCH_PEERS overrides it.
 */
const PEERS = process.env.IMAGEGATE_BENCH_PEERS ?? '/tmp/imagegate-peers';
const SNYK_DIR = join(PEERS, 'snyk');
const CDXGEN_BIN = join(PEERS, 'cdxgen/node_modules/.bin/cdxgen');
const TIME = '/usr/bin/time';

/** One measured run: wall time, peak RSS, and where its output went. */
interface Measured {
  ms: number;
  rssMiB: number;
}

interface Tool {
  name: string;
  /** Why the tool cannot run here; undefined when it can. */
  skip: string | undefined;
  /** The command line, given the output file. */
  command: (out: string) => string[];
  /** The packages of its output, as `type name@version` keys. */
  packages?: (out: string) => Set<string>;
}

/** The SBOM tables: time, peak RSS, and the package-set differences. */
export async function sbomTables(
  root: string,
  work: string,
  runs: number,
): Promise<{ tables: Table[]; differences: string[] }> {
  const missing = missingDebianTools();
  if (missing !== undefined || !existsSync(TIME)) {
    const note = `skipped: ${missing ?? `${TIME} missing`}`;
    const row = { name: 'SBOM of the Debian image', value: undefined, note };
    return {
      tables: [{ unit: 'ms', digits: 0, rows: [row] }],
      differences: [],
    };
  }
  const image = await debianImage();
  const tools = toolsFor(root, image);
  const results = measureAll(tools, work, runs);
  return {
    tables: [
      table('ms', 0, tools, results, (m) => m.ms),
      table('MiB peak RSS', 0, tools, results, (m) => m.rssMiB),
    ],
    differences: differences(tools, work),
  };
}

function toolsFor(root: string, image: DebianImage): Tool[] {
  const blobs = layerBlobs(image.layout);
  const cli = join(root, 'dist/cli/index.js');
  const node = process.execPath;
  return [
    {
      name: `gzip -dc of the ${blobs.length} layer blobs (baseline)`,
      skip: undefined,
      command: () => ['sh', '-c', 'gzip -dc "$@" >/dev/null', 'sh', ...blobs],
    },
    {
      name: 'imagegate sbom docker-archive: --format json',
      skip: existsSync(cli) ? undefined : `${cli} missing; pnpm build`,
      command: (out) => [
        node,
        cli,
        'sbom',
        `docker-archive:${image.archive}`,
        ...['--format', 'json', '--output', out],
      ],
      packages: imagegatePackages,
    },
    {
      name: 'snyk-docker-plugin scan() with app-vulns',
      skip: peerMissing(join(SNYK_DIR, 'node_modules/snyk-docker-plugin')),
      command: (out) => [node, snykDriver(), image.archive, out],
      packages: snykPackages,
    },
    {
      name: 'cdxgen -t docker',
      skip: peerMissing(CDXGEN_BIN),
      command: (out) => [CDXGEN_BIN, '-t', 'docker', '-o', out, image.archive],
      packages: cdxgenPackages,
    },
  ];
}

function peerMissing(path: string): string | undefined {
  if (existsSync(path)) return undefined;
  return `skipped: not installed at ${path} (see bench/sbom.ts)`;
}

/** A driver for snyk-docker-plugin, which is a library, not a CLI. */
function snykDriver(): string {
  const driver = join(SNYK_DIR, 'scan.cjs');
  writeFileSync(
    driver,
    [
      "const { scan } = require('snyk-docker-plugin');",
      "const { writeFileSync } = require('node:fs');",
      'const [file, out] = process.argv.slice(2);',
      "scan({ path: `docker-archive:${file}`, 'app-vulns': true })",
      '  .then((result) => writeFileSync(out, JSON.stringify(result)))',
      '  .catch((error) => { console.error(error); process.exit(2); });',
      '',
    ].join('\n'),
  );
  return driver;
}

/** Runs the tools interleaved, `runs` times after one warm-up each. */
function measureAll(
  tools: Tool[],
  work: string,
  runs: number,
): Map<Tool, Measured[] | string> {
  const results = new Map<Tool, Measured[] | string>();
  for (const tool of tools) results.set(tool, tool.skip ?? []);
  for (let index = 0; index <= runs; index += 1) {
    for (const tool of tools) {
      const samples = results.get(tool);
      if (typeof samples === 'string' || samples === undefined) continue;
      try {
        const measured = measure(tool, work);
        if (index > 0) samples.push(measured);
      } catch (error) {
        results.set(tool, `failed: ${(error as Error).message}`);
      }
    }
  }
  return results;
}

let canUnshare: boolean | undefined;

/** `unshare -n` when this process may make a network namespace. */
function offline(): string[] {
  canUnshare ??=
    spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  return canUnshare ? ['unshare', '-n'] : [];
}

function measure(tool: Tool, work: string): Measured {
  const out = outputFile(tool, work);
  const [command = '', ...args] = [
    ...offline(),
    TIME,
    '-v',
    ...tool.command(out),
  ];
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, HOME: work },
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(
      `exit ${String(result.status ?? result.signal)}: ` +
        result.stderr.slice(-300).replace(/\s+/g, ' '),
    );
  }
  const kib = /Maximum resident set size \(kbytes\): (\d+)/.exec(
    result.stderr,
  )?.[1];
  return { ms, rssMiB: Number(kib ?? 0) / 1024 };
}

function outputFile(tool: Tool, work: string): string {
  return join(work, `${tool.name.split(' ')[0] ?? 'tool'}.json`);
}

function table(
  unit: string,
  digits: number,
  tools: Tool[],
  results: Map<Tool, Measured[] | string>,
  pick: (measured: Measured) => number,
): Table {
  const rows: Row[] = tools.map((tool) => {
    const samples = results.get(tool);
    if (typeof samples === 'string' || samples === undefined) {
      return { name: tool.name, value: undefined, note: samples ?? '' };
    }
    return { name: tool.name, value: median(samples.map(pick)) };
  });
  return { unit, digits, rows };
}

/**
 * For each peer, the packages it lists that imagegate does not, counted
 * per ecosystem (purl type), with a few names of each.
 */
function differences(tools: Tool[], work: string): string[] {
  const read = (tool: Tool) => {
    const out = outputFile(tool, work);
    return tool.packages !== undefined && existsSync(out)
      ? tool.packages(out)
      : undefined;
  };
  const [, ours, ...peers] = tools;
  const imagegate = ours === undefined ? undefined : read(ours);
  if (ours === undefined || imagegate === undefined) {
    return ['imagegate produced no SBOM'];
  }
  const sources = imagegateSources(outputFile(ours, work));
  const removed = removedKey();
  const lines = [`imagegate: ${countByType(imagegate)}`];
  for (const peer of peers) {
    const theirs = read(peer);
    if (theirs === undefined) {
      lines.push(`${peer.name}: no output (${peer.skip ?? 'failed'})`);
      continue;
    }
    const extra = [...theirs].filter((key) => !imagegate.has(key));
    const missed = [...imagegate].filter((key) => !theirs.has(key));
    const asSources = extra.filter((key) => sources.has(key)).length;
    lines.push(
      `${peer.name}: lists ${countByType(theirs)}; ` +
        `not in imagegate: ${countByType(new Set(extra))}` +
        examples(extra) +
        ` (${asSources} of them the source package of one imagegate lists)` +
        `; in imagegate only: ${countByType(new Set(missed))}` +
        examples(missed) +
        `; lists the whited-out ${removed}: ${theirs.has(removed) ? 'yes' : 'no'}`,
    );
  }
  return lines;
}

function countByType(keys: Set<string>): string {
  const counts = new Map<string, number>();
  for (const key of keys) {
    const type = key.split(' ')[0] ?? '';
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  if (counts.size === 0) return 'none';
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
}

/** Up to six keys of each type other than `generic` (files). */
function examples(keys: string[]): string {
  const shown = new Map<string, string[]>();
  for (const key of [...keys].sort()) {
    const [type = '', name = ''] = key.split(' ');
    const list = shown.get(type) ?? [];
    if (type !== 'generic' && list.length < 6) list.push(name);
    shown.set(type, list);
  }
  const parts = [...shown]
    .filter(([, names]) => names.length > 0)
    .map(([type, names]) => `${type}: ${names.join(' ')}`);
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

function key(type: string, name: string, version: string): string {
  return `${type === 'pip' ? 'pypi' : type} ${name}@${version}`;
}

/** The whited-out npm package, as a key. */
function removedKey(): string {
  const spec = APP_PACKAGES.find((p) => p.startsWith(`${REMOVED_PACKAGE}@`));
  return key('npm', REMOVED_PACKAGE, spec?.split('@')[1] ?? '');
}

/** The source packages of imagegate's deb packages, as deb keys. */
function imagegateSources(out: string): Set<string> {
  const sbom = JSON.parse(readFileSync(out, 'utf8')) as {
    packages: {
      type: string;
      source: { name: string; version: string } | null;
    }[];
  };
  const keys = sbom.packages.flatMap((p) =>
    p.source === null ? [] : [key(p.type, p.source.name, p.source.version)],
  );
  return new Set(keys);
}

function imagegatePackages(out: string): Set<string> {
  const sbom = JSON.parse(readFileSync(out, 'utf8')) as {
    packages: { type: string; name: string; version: string }[];
  };
  return new Set(sbom.packages.map((p) => key(p.type, p.name, p.version)));
}

/** `pkg:type/namespace/name@version?…` as a key; undefined without one. */
function purlKey(purl: string | undefined): string | undefined {
  const match = /^pkg:([^/]+)\/(?:.*\/)?([^/@]+)@([^?#]+)/.exec(purl ?? '');
  if (match === null) return undefined;
  const [, type = '', name = '', version = ''] = match;
  const scope = /^pkg:npm\/(%40[^/]+)\//.exec(purl ?? '')?.[1];
  const full = scope === undefined ? name : `${scope}/${name}`;
  return key(type, decodeURIComponent(full), decodeURIComponent(version));
}

function cdxgenPackages(out: string): Set<string> {
  const bom = JSON.parse(readFileSync(out, 'utf8')) as {
    components?: { purl?: string }[];
  };
  const keys = (bom.components ?? []).map((c) => purlKey(c.purl));
  return new Set(keys.filter((k) => k !== undefined));
}

interface SnykGraph {
  pkgManager: { name: string };
  pkgs: {
    id: string;
    info: { name: string; version?: string; purl?: string };
  }[];
  graph: { rootNodeId: string; nodes: { nodeId: string; pkgId: string }[] };
}

function snykPackages(out: string): Set<string> {
  const result = JSON.parse(readFileSync(out, 'utf8')) as {
    scanResults: { facts: { type: string; data: unknown }[] }[];
  };
  const keys = new Set<string>();
  for (const scan of result.scanResults) {
    for (const fact of scan.facts) {
      if (fact.type !== 'depGraph') continue;
      const graph = fact.data as SnykGraph;
      const root = graph.graph.nodes.find(
        (node) => node.nodeId === graph.graph.rootNodeId,
      )?.pkgId;
      for (const pkg of graph.pkgs) {
        if (pkg.id === root) continue;
        const fromPurl = purlKey(pkg.info.purl);
        // Snyk names a deb `source/binary`.
        const type = graph.pkgManager.name;
        const name =
          type === 'deb'
            ? (pkg.info.name.split('/').pop() ?? pkg.info.name)
            : pkg.info.name;
        keys.add(fromPurl ?? key(type, name, pkg.info.version ?? ''));
      }
    }
  }
  return keys;
}
