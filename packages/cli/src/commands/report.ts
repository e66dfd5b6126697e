import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import {
  countBySeverity,
  failingFindings,
  findingsToJson,
  SEVERITIES,
  type Finding,
} from '@imagegate/findings';
import {
  buildSarif,
  comparePullRequestFindings,
  mergeResultRuns,
  readResults,
  renderPullRequestComment,
  sarifToJson,
  type PullRequestView,
  type SarifRunInput,
} from '@imagegate/github';
import { glob } from 'tinyglobby';
import { parseFailOn, type FailOn } from '../gate';
import { CliError, writeReport, type CliIo } from '../io';

/** The options `imagegate report` takes, as commander parses them. */
export interface ReportFlags {
  results: string[];
  baseline?: string;
  format: string;
  output?: string;
  failOnNew: string;
  categoryPrefix?: string;
}

const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

/** The largest results file read. */
const MAX_RESULTS_BYTES = 256 * 1024 * 1024;

/**
 * `imagegate report --results FILE...`: merges findings JSON and SARIF
 * files, compares them with a baseline, and writes the report as text,
 * findings JSON, SARIF or Markdown (the pull request comment the report
 * action posts). Exit status 1 when a new unsuppressed finding is at or
 * above `--fail-on-new`. It calls no GitHub API: the report action does.
 *
 * A baseline that does not exist is a warning: the base branch may not
 * have been reported yet, and every open finding then counts as new.
 * Limitation: `--format json` writes the merged findings only (so they
 * can be the next baseline), not which of them are new.
 */
export async function reportCommand(
  flags: ReportFlags,
  io: CliIo,
): Promise<number> {
  const format = parseFormat(flags.format);
  const failOn = parseFailOn(flags.failOnNew);
  const runs = await loadRuns(flags, io);
  const head = runs.flatMap((run) => run.findings);
  const base = await loadBaseline(flags.baseline, io);
  const view = comparePullRequestFindings({ head, base });
  const failing = failOn === 'none' ? [] : failingFindings(view.added, failOn);
  const report: Report = { runs, head, base, view, failing, failOn };
  await writeReport(io, flags.output, render(report, format));
  return failing.length > 0 ? 1 : 0;
}

interface Report {
  runs: SarifRunInput[];
  head: Finding[];
  base: Finding[] | undefined;
  view: PullRequestView;
  failing: Finding[];
  failOn: FailOn;
}

function parseFormat(text: string): Format {
  const format = FORMATS.find((name) => name === text);
  if (format === undefined) {
    throw new CliError(`--format '${text}': use one of ${FORMATS.join(', ')}`);
  }
  return format;
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

async function loadRuns(
  flags: ReportFlags,
  io: CliIo,
): Promise<SarifRunInput[]> {
  const files = await expand(flags.results, io.cwd);
  const runs: SarifRunInput[] = [];
  for (const file of files) {
    const shown = relative(io.cwd, file) || file;
    runs.push(
      ...readResults(await readText(file, shown), shown, { root: io.cwd }),
    );
  }
  const prefix = categoryPrefix(flags.categoryPrefix ?? '');
  return mergeResultRuns(runs).map((run) => ({
    ...run,
    category: `${prefix}${run.category}`,
  }));
}

function categoryPrefix(prefix: string): string {
  const trimmed = prefix.trim();
  if (trimmed === '' || trimmed.endsWith('/')) return trimmed;
  return `${trimmed}/`;
}

/** The files the arguments name: paths as given, globs expanded. */
async function expand(
  patterns: readonly string[],
  cwd: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    const found = /[*?[{]/.test(pattern)
      ? (await glob(pattern, { cwd, absolute: true, onlyFiles: true })).sort()
      : [resolve(cwd, pattern)];
    if (found.length === 0)
      throw new CliError(`--results '${pattern}': matches no file`);
    for (const file of found) if (!files.includes(file)) files.push(file);
  }
  return files;
}

async function readText(path: string, shown: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_RESULTS_BYTES)
      throw new CliError(
        `${shown}: ${size} bytes is more than the ${MAX_RESULTS_BYTES} a results file may hold`,
      );
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError(
      `${shown}: cannot read the results file (${code}); check the path`,
      { cause: error },
    );
  }
}

async function loadBaseline(
  baseline: string | undefined,
  io: CliIo,
): Promise<Finding[] | undefined> {
  if (baseline === undefined) return undefined;
  const path = resolve(io.cwd, baseline);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) {
    io.stderr(
      `imagegate: warning: baseline '${baseline}' does not exist; every open finding counts as new\n`,
    );
    return undefined;
  }
  const text = await readText(path, baseline);
  return readResults(text, baseline, { root: io.cwd }).flatMap(
    (run) => run.findings,
  );
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

function render(report: Report, format: Format): string {
  switch (format) {
    case 'text':
      return renderText(report);
    case 'json':
      return findingsToJson(report.head);
    case 'sarif':
      return sarifToJson(buildSarif(report.runs));
    case 'markdown':
      return renderPullRequestComment({
        key: 'report',
        title: 'imagegate report',
        head: report.head,
        base: report.base,
        notes: [verdict(report, true)],
      });
  }
}

/** The gate's verdict, in Markdown or plain text. */
function verdict(report: Report, markdown: boolean): string {
  const strong = (text: string): string => (markdown ? `**${text}**` : text);
  if (report.failOn === 'none')
    return `${strong('Passed')}: --fail-on-new is none.`;
  const count = report.failing.length;
  if (count === 0)
    return `${strong('Passed')}: no new finding at or above ${report.failOn}.`;
  return `${strong('Failed')}: ${plural(count, 'new finding')} at or above ${report.failOn}.`;
}

function renderText(report: Report): string {
  const { view } = report;
  const lines = [
    `imagegate report: ${countText(report.head)}`,
    view.hasBaseline
      ? `${view.added.length} new, ${view.fixed.length} fixed, ${view.unchanged.length} unchanged compared with the baseline`
      : 'no baseline: every open finding counts as new',
    verdict(report, false),
  ];
  const sections: [string, Finding[]][] = [
    [view.hasBaseline ? 'New findings' : 'Open findings', view.added],
    ['Fixed findings', view.hasBaseline ? view.fixed : []],
  ];
  for (const [heading, findings] of sections) {
    if (findings.length === 0) continue;
    lines.push('', `${heading}:`, ...findings.map(findingLine));
  }
  return `${lines.join('\n')}\n`;
}

/** `3 open findings (2 high, 1 medium); 1 suppressed`. */
function countText(findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map(
    (s) => `${counts[s]} ${s}`,
  );
  const open = SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
  const suppressed = findings.length - open;
  let text = plural(open, 'open finding');
  if (parts.length > 0) text += ` (${parts.join(', ')})`;
  if (suppressed > 0) text += `; ${suppressed} suppressed`;
  return text;
}

function findingLine(finding: Finding): string {
  const cells = [
    finding.severity.padEnd(10),
    finding.tool,
    placeText(finding),
    finding.ruleId,
    finding.message,
  ];
  return `  ${cells.map(printable).join('  ')}`;
}

function placeText(finding: Finding): string {
  const { path, line, image, packageName } = finding.location;
  if (path !== undefined) return line === undefined ? path : `${path}:${line}`;
  const where = image ?? 'image';
  return packageName === undefined ? where : `${where} ${packageName}`;
}

/** Text from results files, shown on a terminal: no control characters. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
