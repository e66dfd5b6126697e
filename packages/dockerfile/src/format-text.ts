import { sortFindings, type Finding } from '@imagegate/findings';
import type { FileReport } from './lint';

/**
 * Formats lint reports for a terminal: one heading line per finding, its
 * message, and the offending line (secrets masked) with a caret.
 */
export function formatLintText(reports: readonly FileReport[]): string {
  const blocks: string[] = [];
  for (const report of reports) {
    for (const finding of sortFindings(report.findings)) {
      if (finding.suppression === undefined)
        blocks.push(formatFinding(finding, report.lines));
    }
  }
  const total = blocks.length;
  const files = reports.length;
  const summary = `${total} finding${total === 1 ? '' : 's'} in ${files} Dockerfile${files === 1 ? '' : 's'}`;
  return [...blocks, summary].join('\n\n') + '\n';
}

function formatFinding(finding: Finding, lines: readonly string[]): string {
  const { path = '', line = 1, column = 1 } = finding.location;
  const heading = `${path}:${line}:${column}: ${finding.severity} ${finding.ruleId} ${finding.title}`;
  const source = lines[line - 1] ?? '';
  const gutter = String(line).padStart(5);
  const caret = ' '.repeat(gutter.length + 3 + column - 1) + '^';
  return [
    heading,
    `  ${finding.message}`,
    `${gutter} | ${printable(source)}`,
    caret,
  ].join('\n');
}

/** Keeps control characters in a source line from driving the terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}
