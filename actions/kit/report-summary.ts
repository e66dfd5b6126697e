import type { Finding } from '@imagegate/findings';
import {
  cutToBytes,
  escapeMarkdown,
  renderSummary,
  type PullRequestView,
} from '@imagegate/github';
import type { FailOn } from './lint-stage';

// The report stage's Markdown: the job summary and the check run's.

/** What the report's summaries show. */
export interface ReportFacts {
  /** The heading; trusted text. */
  title: string;
  failOnNew: FailOn;
  findings: readonly Finding[];
  view: PullRequestView;
  /** New unsuppressed findings at or above `failOnNew`. */
  failing: readonly Finding[];
}

/** The gate's verdict, in Markdown or plain text. */
export function verdictText(report: ReportFacts, markdown: boolean): string {
  const { failOnNew } = report;
  const strong = (text: string): string => (markdown ? `**${text}**` : text);
  const code = (text: string): string => (markdown ? `\`${text}\`` : text);
  if (failOnNew === 'none')
    return `${strong('Passed')}: ${code('fail-on-new')} is ${code('none')}.`;
  const count = report.failing.length;
  if (count === 0)
    return `${strong('Passed')}: no new finding at or above ${code(failOnNew)}.`;
  return `${strong('Failed')}: ${plural(count, 'new finding')} at or above ${code(failOnNew)}.`;
}

function comparisonText(view: PullRequestView): string {
  if (!view.hasBaseline)
    return `No baseline to compare with: all ${plural(view.added.length, 'open finding')} count as new.`;
  return (
    `**${view.added.length} new**, **${view.fixed.length} fixed** and ` +
    `${view.unchanged.length} unchanged open findings compared with the baseline.`
  );
}

/**
 * The job summary: the verdict, the comparison, what was skipped and
 * why, then a table per tool and image, all within `maxBytes`.
 */
export function renderReportSummary(
  report: ReportFacts,
  notes: readonly string[],
  maxBytes: number,
): string {
  const head = [
    `## ${report.title}`,
    verdictText(report, true),
    comparisonText(report.view),
    ...(notes.length === 0 ? [] : [notes.map((n) => `- ${n}`).join('\n')]),
  ].join('\n\n');
  const budget = maxBytes - byteLength(head) - 2;
  const body = renderFindingsMarkdown(report, budget);
  return cutToBytes(`${head}\n\n${body}`, maxBytes);
}

/**
 * A table per tool and image, each given a share of `maxBytes`: tables
 * that fit whole keep their size, and the rest share what is left.
 */
export function renderFindingsMarkdown(
  report: ReportFacts,
  maxBytes: number,
): string {
  const added = new Set(report.view.added);
  const groups = [...groupFindings(report.findings)].map(
    ([title, findings]) => ({
      title: escapeMarkdown(title),
      notes: [`${findings.filter((f) => added.has(f)).length} new.`],
      findings,
    }),
  );
  if (groups.length === 0) return '_No findings._\n';
  const sizes = groups.map((g) => byteLength(renderGroup(g, Infinity)));
  const shares = shareBudget(sizes, Math.max(maxBytes, 0));
  return groups.map((g, i) => renderGroup(g, shares[i] ?? 0)).join('\n');
}

interface Group {
  title: string;
  notes: string[];
  findings: readonly Finding[];
}

function renderGroup(group: Group, maxBytes: number): string {
  // One level below the report's own heading.
  return `#${renderSummary({ ...group, maxBytes: Math.max(maxBytes - 1, 0) })}`;
}

/** Water-filling: the smallest needs first, each at most an even share. */
function shareBudget(sizes: readonly number[], budget: number): number[] {
  const shares = sizes.map(() => 0);
  const order = sizes.map((size, index) => ({ size, index }));
  order.sort((a, b) => a.size - b.size);
  let left = budget - sizes.length;
  for (const [position, { size, index }] of order.entries()) {
    const even = Math.floor(left / (order.length - position));
    shares[index] = Math.min(size, even);
    left -= shares[index] ?? 0;
  }
  return shares;
}

/** Findings by `tool · image`, in the order they come; untrusted names. */
export function groupFindings(
  findings: readonly Finding[],
): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const { image, platform } = finding.location;
    const where =
      image === undefined
        ? 'repository files'
        : platform === undefined
          ? image
          : `${image} (${platform})`;
    const title = `${finding.tool} · ${where}`;
    const group = groups.get(title);
    if (group === undefined) groups.set(title, [finding]);
    else group.push(finding);
  }
  return groups;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
