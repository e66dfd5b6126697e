import {
  countBySeverity,
  SEVERITIES,
  sortFindings,
  type Finding,
} from '@imagegate/findings';

/** The most a job summary or comment body may hold, in bytes. */
export const SUMMARY_MAX_BYTES = 65_535;

/** The longest cell text kept, so no single finding fills the summary. */
const MAX_CELL_CHARACTERS = 500;

/** What a findings summary shows. */
export interface SummaryInput {
  /** The heading; trusted text. */
  title: string;
  /** Trusted Markdown paragraphs under the heading, such as the verdict. */
  notes?: readonly string[];
  findings: readonly Finding[];
  /** The byte budget; defaults to {@link SUMMARY_MAX_BYTES}. */
  maxBytes?: number;
}

const TABLE_HEAD = [
  '| Severity | Rule | Location | Message |',
  '| --- | --- | --- | --- |',
];

/**
 * Markdown for a job summary: counts, then a table of the unsuppressed
 * findings, most severe first. Text from findings is escaped so it shows
 * as written and cannot add links, images, mentions or HTML. Rows that do
 * not fit in the byte budget are left out and counted in a closing note.
 */
export function renderSummary(input: SummaryInput): string {
  const maxBytes = input.maxBytes ?? SUMMARY_MAX_BYTES;
  const shown = sortFindings(input.findings).filter(
    (finding) => finding.suppression === undefined,
  );
  const head = [
    `## ${input.title}`,
    ...(input.notes ?? []),
    countLine(input.findings),
  ];
  if (shown.length === 0) return cutToBytes(joinBlocks(head), maxBytes);
  const rows = shown.map(tableRow);
  const fitting = rowsThatFit(head, rows, maxBytes);
  const table = [...TABLE_HEAD, ...rows.slice(0, fitting)].join('\n');
  const blocks = [...head, table];
  if (fitting < rows.length)
    blocks.push(omittedNote(rows.length - fitting, maxBytes));
  return cutToBytes(joinBlocks(blocks), maxBytes);
}

function joinBlocks(blocks: readonly string[]): string {
  return `${blocks.join('\n\n')}\n`;
}

/** How many rows fit with the head and, if any are left out, the note. */
function rowsThatFit(
  head: readonly string[],
  rows: readonly string[],
  maxBytes: number,
): number {
  const fixed = byteLength(joinBlocks([...head, TABLE_HEAD.join('\n')]));
  const reserve = byteLength(`\n\n${omittedNote(rows.length, maxBytes)}`);
  const all = rows.reduce((sum, row) => sum + byteLength(row) + 1, fixed);
  if (all <= maxBytes) return rows.length;
  let used = fixed + reserve;
  let count = 0;
  for (const row of rows) {
    used += byteLength(row) + 1;
    if (used > maxBytes) break;
    count += 1;
  }
  return count;
}

function omittedNote(count: number, maxBytes: number): string {
  const noun = count === 1 ? 'finding is' : 'findings are';
  return (
    `_${count} more ${noun} not shown: the summary is limited to ` +
    `${maxBytes.toLocaleString('en-US')} bytes. The SARIF file ` +
    `and the JSON report list every finding._`
  );
}

/** `**3** findings: 1 high, 2 medium; 1 suppressed`. */
function countLine(findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  const total = SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map(
    (s) => `${counts[s]} ${s}`,
  );
  const suppressed = findings.length - total;
  const noun = total === 1 ? 'finding' : 'findings';
  let line = `**${total}** ${noun}`;
  if (parts.length > 0) line += `: ${parts.join(', ')}`;
  if (suppressed > 0) line += `; ${suppressed} suppressed`;
  return line;
}

function tableRow(finding: Finding): string {
  const cells = [
    finding.severity,
    escapeMarkdown(finding.ruleId),
    escapeMarkdown(locationText(finding)),
    escapeMarkdown(finding.message),
  ];
  return `| ${cells.map(capCell).join(' | ')} |`;
}

function locationText(finding: Finding): string {
  const { path, line, image, packageName } = finding.location;
  if (path !== undefined) return line === undefined ? path : `${path}:${line}`;
  const where = image ?? 'image';
  return packageName === undefined ? where : `${where} ${packageName}`;
}

/** Cuts an escaped cell without splitting an escape or an entity. */
function capCell(cell: string): string {
  const characters = Array.from(cell);
  if (characters.length <= MAX_CELL_CHARACTERS) return cell;
  let cut = characters.slice(0, MAX_CELL_CHARACTERS).join('');
  cut = cut.replace(/&[#a-z0-9]*$/i, '').replace(/\\$/, '');
  return `${cut}…`;
}

/**
 * Escapes untrusted text for one line of Markdown, such as a table cell:
 * control characters and line breaks become spaces; Markdown punctuation
 * is backslash-escaped (so `|`, backticks, `[`, `](` and `![` stay text);
 * `&`, `<` and `>` become entities (so no HTML is rendered); `@` becomes
 * an entity (so no one is mentioned); `::` is broken up.
 * Limitation: a bare `https://` URL still becomes a link by GitHub's
 * autolinking; it loads nothing, unlike an image, so it is left as is.
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
      .replace(/[\\`*_{}[\]()#+!|~]/g, '\\$&')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/@/g, '&#64;')
      .replace(/:(?=:)/g, '&#58;')
  );
}

/** UTF-8 length of a string. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes, on a character boundary,
 * with a closing notice when anything was cut.
 * Limitation: the cut knows nothing of Markdown; in trusted text with
 * HTML (`<details>`) it may leave a tag open. The summary itself cuts
 * whole table rows first, so this only bites on huge notes.
 */
export function cutToBytes(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  const notice = '\n\n_The summary was cut here: it is limited in size._\n';
  const budget = maxBytes - byteLength(notice);
  if (budget < 0) return cutCharacters(text, maxBytes);
  return cutCharacters(text, budget) + notice;
}

function cutCharacters(text: string, budget: number): string {
  let used = 0;
  let kept = '';
  for (const character of text) {
    used += byteLength(character);
    if (used > budget) break;
    kept += character;
  }
  return kept;
}
