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
  loadBaselineFindings,
  loadResultRuns,
  renderPullRequestComment,
  ReportInputError,
  sarifToJson,
  type PullRequestView,
  type SarifRunInput,
} from '@imagegate/github';
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
  return loadResultRuns({
    patterns: flags.results,
    root: io.cwd,
    categoryPrefix: flags.categoryPrefix ?? '',
  }).catch(rethrowAsUsage);
}

async function loadBaseline(
  baseline: string | undefined,
  io: CliIo,
): Promise<Finding[] | undefined> {
  if (baseline === undefined) return undefined;
  const findings = await loadBaselineFindings(baseline, io.cwd).catch(
    rethrowAsUsage,
  );
  if (findings !== 'missing') return findings;
  io.stderr(
    `imagegate: warning: baseline '${baseline}' does not exist; every open finding counts as new\n`,
  );
  return undefined;
}

/** A results problem, in the words of the command line. */
function rethrowAsUsage(error: unknown): never {
  if (!(error instanceof ReportInputError)) throw error;
  const message =
    error.code === 'no-match'
      ? `--results '${error.subject}': matches no file`
      : error.message;
  throw new CliError(message, { cause: error });
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
