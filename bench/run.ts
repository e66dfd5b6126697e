// pnpm bench: lint time for a 10,000-line Dockerfile and the lint action's
// cold start, each as a ratio to `node -e ""` measured in the same run, so
// the figures compare across machines; then the image rows of image.ts
// (layer walk, copy from a registry), each against its own baseline, and
// the SBOM rows of sbom.ts (imagegate and its peers on a Debian image).
// Reads the committed dist/ bundles.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copyTable, walkTables, writeBigImage, type Table } from './image';
import { sbomTables } from './sbom';

const root = resolve(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const imageRuns = Number(process.env.BENCH_IMAGE_RUNS ?? 5);
const sbomRuns = Number(process.env.BENCH_SBOM_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'imagegate-bench-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Prints a table whose first row is the baseline of the others. */
function printTable(table: Table): void {
  const baseline = table.rows[0]?.value;
  console.log('');
  console.log(`| what | ${table.unit} | ratio to baseline |`);
  console.log('|---|---:|---:|');
  for (const row of table.rows) {
    if (row.value === undefined) {
      console.log(`| ${row.name} | ${row.note ?? 'skipped'} | |`);
      continue;
    }
    const ratio = baseline ? `${(row.value / baseline).toFixed(2)}x` : '';
    console.log(
      `| ${row.name} | ${row.value.toFixed(table.digits)} | ${ratio} |`,
    );
  }
}

/** Median wall time in milliseconds of a command, after one warm-up. */
function time(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const samples: number[] = [];
  for (let index = 0; index <= runs; index += 1) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, {
      cwd: work,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0 && result.status !== 1) {
      throw new Error(`${args.join(' ')} exited with ${String(result.status)}`);
    }
    if (index > 0) samples.push(elapsed);
  }
  return median(samples);
}

/** A realistic 10,000-line Dockerfile: stages, long RUNs, labels. */
function largeDockerfile(): string {
  const lines = ['# syntax=docker/dockerfile:1', 'ARG BASE=debian:12'];
  let stage = 0;
  while (lines.length < 10_000) {
    lines.push(`FROM \${BASE} AS stage${stage}`);
    lines.push('RUN apt-get update && apt-get install -y curl wget \\');
    lines.push('    ca-certificates git && rm -rf /var/lib/apt/lists/*');
    for (let step = 0; step < 40; step += 1) {
      lines.push(`RUN echo step ${step} | tee -a /log && cd /tmp && make -j2`);
    }
    lines.push(`COPY --from=stage${Math.max(0, stage - 1)} /out /in`);
    lines.push('ENV API_TOKEN=example LABEL_X=1');
    lines.push('WORKDIR app');
    stage += 1;
  }
  lines.push('USER root', 'CMD node server.js');
  return `${lines.slice(0, 10_000).join('\n')}\n`;
}

try {
  writeFileSync(join(work, 'Large.Dockerfile'), largeDockerfile());
  writeFileSync(
    join(work, 'Dockerfile'),
    'FROM alpine:3.20\nRUN apk add --no-cache curl\nUSER 1000\n',
  );
  const summary = join(work, 'summary.md');
  const output = join(work, 'output.txt');
  writeFileSync(summary, '');
  writeFileSync(output, '');

  const baseline = time(['-e', '']);
  const cli = join(root, 'dist/cli/index.js');
  const lintLarge = time([
    cli,
    'lint',
    'Large.Dockerfile',
    '--format',
    'json',
    '--fail-on',
    'none',
  ]);
  const action = time([join(root, 'dist/lint/index.js')], {
    GITHUB_WORKSPACE: work,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    RUNNER_TEMP: work,
    INPUT_DOCKERFILES: 'Dockerfile',
    'INPUT_FAIL-ON': 'none',
    'INPUT_SARIF-FILE': 'lint.sarif',
    INPUT_CONFIG: '',
  });

  const rows = [
    ['node -e "" (baseline)', baseline],
    ['imagegate lint, 10,000-line Dockerfile', lintLarge],
    ['lint action cold start, small Dockerfile', action],
  ] as const;
  console.log(`median of ${runs} runs each, Node ${process.version}`);
  console.log('| what | ms | ratio to baseline |');
  console.log('|---|---:|---:|');
  for (const [name, ms] of rows) {
    console.log(
      `| ${name} | ${ms.toFixed(1)} | ${(ms / baseline).toFixed(2)}x |`,
    );
  }

  const layout = join(work, 'image');
  mkdirSync(layout);
  const compressed = await writeBigImage(layout);
  console.log('');
  console.log(
    `image rows: median of ${imageRuns} interleaved runs; the image has ` +
      `${(compressed / 1e6).toFixed(0)} MB of gzip layers`,
  );
  for (const table of walkTables(root, layout, imageRuns)) printTable(table);
  printTable(await copyTable(root, work, layout, imageRuns));

  console.log('');
  console.log(
    `SBOM rows: the Debian image of bench/debian-image.ts, median of ` +
      `${sbomRuns} interleaved runs, each tool without network when ` +
      '`unshare -n` works',
  );
  const sbom = await sbomTables(root, work, sbomRuns);
  for (const table of sbom.tables) printTable(table);
  console.log('');
  for (const line of sbom.differences) console.log(`- ${line}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
