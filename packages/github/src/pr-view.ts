import {
  diffFindings,
  SEVERITIES,
  sortFindings,
  type Finding,
  type Severity,
} from '@imagegate/findings';
import { escapeMarkdown } from './summary';

/** GitHub refuses comment bodies longer than this many characters. */
export const COMMENT_MAX_CHARACTERS = 65_536;

/** An exception (an accepted finding) and when it stops applying. */
export interface ExceptionExpiry {
  /** The vulnerability or rule id it accepts. */
  id: string;
  /** When it expires: an ISO 8601 date or date-time. */
  expires: string;
  /** The finding it covers, when it names one. */
  fingerprint?: string;
  /** Why it was granted; shown escaped. */
  justification?: string;
}

/** What the pull-request comment shows. */
export interface PullRequestReportInput {
  /** Keeps the comments of several images or jobs apart: `app-amd64`. */
  key: string;
  /** The heading, such as the image name; escaped. */
  title: string;
  /** Findings of the pull request's head. */
  head: readonly Finding[];
  /** Findings of the base branch; undefined when there is no baseline. */
  base?: readonly Finding[] | undefined;
  /** Exceptions with their expiry dates, from the policy. */
  exceptions?: readonly ExceptionExpiry[];
  /** The full report, such as the workflow run; http(s) only. */
  reportUrl?: string | undefined;
  /** Trusted Markdown paragraphs under the heading, such as the verdict. */
  notes?: readonly string[];
  /** Exceptions expiring within this many days are listed; 14. */
  expiryWarningDays?: number;
  /** Today, for expiry dates; the current time by default. */
  now?: Date;
  /** The character budget; just under {@link COMMENT_MAX_CHARACTERS}. */
  maxCharacters?: number;
}

/** An exception that expires soon, or has expired. */
export interface ExpiringException extends ExceptionExpiry {
  /** Whole days until it expires; negative once it has. */
  daysLeft: number;
  /** The package of the finding it covers, when that finding is open. */
  packageName: string | undefined;
}

/** Open findings of the head compared with the base, by fingerprint. */
export interface PullRequestView {
  hasBaseline: boolean;
  /** Open in the head, not in the base; most severe first. */
  added: Finding[];
  /** Open in the base, gone from the head; most severe first. */
  fixed: Finding[];
  /** Open in both. */
  unchanged: Finding[];
  /** Head findings accepted by an exception. */
  accepted: Finding[];
  expiring: ExpiringException[];
}

const DAY_MS = 86_400_000;

/**
 * Compares the head's findings with the base's. Suppressed findings are
 * not open: they count as neither new nor unchanged. Without a baseline
 * every open head finding is new.
 */
export function comparePullRequestFindings(
  input: Pick<
    PullRequestReportInput,
    'head' | 'base' | 'exceptions' | 'expiryWarningDays' | 'now'
  >,
): PullRequestView {
  const diff = diffFindings(input.base ?? [], input.head);
  const open = (finding: Finding): boolean => finding.suppression === undefined;
  return {
    hasBaseline: input.base !== undefined,
    added: sortFindings(diff.added.filter(open)),
    fixed: sortFindings(diff.fixed.filter(open)),
    unchanged: diff.unchanged.filter(open),
    accepted: input.head.filter(
      (finding) => finding.suppression?.kind === 'exception',
    ),
    expiring: expiringExceptions(input),
  };
}

function expiringExceptions(
  input: Pick<
    PullRequestReportInput,
    'head' | 'exceptions' | 'expiryWarningDays' | 'now'
  >,
): ExpiringException[] {
  const now = (input.now ?? new Date()).getTime();
  const window = input.expiryWarningDays ?? 14;
  const expiring: ExpiringException[] = [];
  for (const exception of input.exceptions ?? []) {
    const expires = Date.parse(exception.expires);
    // Limitation: an unreadable date is left out here; the policy
    // package, which reads the exceptions, reports it.
    if (Number.isNaN(expires)) continue;
    const daysLeft = Math.ceil((expires - now) / DAY_MS);
    if (daysLeft > window) continue;
    const covered = input.head.find(
      (f) => f.fingerprint === exception.fingerprint,
    );
    const packageName =
      covered?.vulnerability?.packageName ?? covered?.location.packageName;
    expiring.push({ ...exception, daysLeft, packageName });
  }
  return expiring.sort((a, b) => a.daysLeft - b.daysLeft);
}

/** The hidden marker that finds a key's comment again. */
export function commentMarker(key: string): string {
  return `<!-- imagegate:report:${markerSafe(key)} -->`;
}

/** Text that cannot end an HTML comment or break the marker's shape. */
export function markerSafe(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._:/-]/g, '-').slice(0, 100);
  return safe === '' ? 'default' : safe;
}

/** One part of the comment whose rows may be left out to fit. */
interface Section {
  heading: string;
  tableHead: string[];
  rows: string[];
  /** Shown when there are no rows. */
  empty: string | undefined;
  /** Names what was left out: `new findings`. */
  noun: string;
}

/**
 * The sticky pull-request comment: a hidden marker, counts by severity,
 * the new findings most severe first with their fixed versions, what the
 * pull request fixed, and exceptions expiring soon. All text from
 * findings is escaped. Rows that do not fit under GitHub's limit are left
 * out, counted, and the full report is linked.
 * Limitation: the budget counts UTF-16 code units, never fewer than the
 * characters GitHub counts, so a body full of emoji is cut a little early.
 */
export function renderPullRequestComment(
  input: PullRequestReportInput,
): string {
  const view = comparePullRequestFindings(input);
  const max = input.maxCharacters ?? COMMENT_MAX_CHARACTERS - 1;
  const link = reportLink(input.reportUrl);
  const head = [
    commentMarker(input.key),
    `### ${escapeMarkdown(input.title)}`,
    ...(input.notes ?? []),
    ...countBlocks(view),
  ];
  const sections = sectionsOf(view);
  const shown = fitRows(head, sections, link, max);
  const body = assemble(head, sections, shown, link);
  return cutComment(body, max, input.reportUrl);
}

function countBlocks(view: PullRequestView): string[] {
  const { added, fixed, unchanged } = view;
  if (!view.hasBaseline) {
    const total = plural(added.length, 'open finding');
    return [`${total}. No baseline was available to compare with.`];
  }
  const line =
    `**${added.length} new**, **${fixed.length} fixed** and ` +
    `${unchanged.length} unchanged open findings compared with the base branch.`;
  const rows = SEVERITIES.map((severity) => [
    severity,
    countOf(added, severity),
    countOf(fixed, severity),
    countOf(unchanged, severity),
  ]).filter(([, ...counts]) => counts.some((count) => count !== 0));
  if (rows.length === 0) return [line];
  const table = [
    '| Severity | New | Fixed | Unchanged |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
  return [line, table.join('\n')];
}

function countOf(findings: readonly Finding[], severity: Severity): number {
  return findings.filter((finding) => finding.severity === severity).length;
}

function sectionsOf(view: PullRequestView): Section[] {
  return [
    {
      heading: view.hasBaseline ? '#### New findings' : '#### Open findings',
      tableHead: [
        '| Severity | Finding | Package | Fixed in | Location |',
        '| --- | --- | --- | --- | --- |',
      ],
      rows: view.added.map(addedRow),
      empty: view.hasBaseline ? 'None.' : undefined,
      noun: view.hasBaseline ? 'new findings' : 'open findings',
    },
    {
      heading: '#### Fixed by this pull request',
      tableHead: [
        '| Severity | Finding | Package | Location |',
        '| --- | --- | --- | --- |',
      ],
      rows: view.hasBaseline ? view.fixed.map(fixedRow) : [],
      empty: undefined,
      noun: 'fixed findings',
    },
    exceptionSection(view),
  ];
}

function addedRow(finding: Finding): string {
  const fixedIn = finding.vulnerability?.fixedVersion;
  return tableRow([
    finding.severity,
    cell(findingName(finding), 200),
    cell(packageText(finding), 100),
    fixedIn === undefined ? 'no fix yet' : cell(fixedIn, 60),
    cell(locationText(finding), 120),
  ]);
}

function fixedRow(finding: Finding): string {
  return tableRow([
    finding.severity,
    cell(findingName(finding), 200),
    cell(packageText(finding), 100),
    cell(locationText(finding), 120),
  ]);
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** `CVE-2024-1234: curl heap overflow`, or the rule and title. */
export function findingName(finding: Finding): string {
  const id = finding.vulnerability?.id ?? finding.ruleId;
  return finding.title === '' ? id : `${id}: ${finding.title}`;
}

/** `curl 8.5.0`, or the package the location names. */
export function packageText(finding: Finding): string {
  const vulnerability = finding.vulnerability;
  if (vulnerability !== undefined) {
    return `${vulnerability.packageName} ${vulnerability.packageVersion}`;
  }
  return finding.location.packageName ?? '';
}

/** `Dockerfile:3`, or the image. */
export function locationText(finding: Finding): string {
  const { path, line, image } = finding.location;
  if (path !== undefined) return line === undefined ? path : `${path}:${line}`;
  return image ?? 'image';
}

function exceptionSection(view: PullRequestView): Section {
  const rows = view.expiring.map(exceptionRow);
  const accepted = view.accepted.length;
  return {
    heading: '#### Exceptions expiring soon',
    tableHead: [],
    rows,
    empty:
      accepted === 0
        ? undefined
        : `None; ${plural(accepted, 'finding')} accepted by exceptions.`,
    noun: 'exceptions',
  };
}

function exceptionRow(exception: ExpiringException): string {
  const what =
    exception.packageName === undefined
      ? `**${cell(exception.id, 100)}**`
      : `**${cell(exception.id, 100)}** (${cell(exception.packageName, 100)})`;
  const why =
    exception.justification === undefined
      ? ''
      : `: ${cell(exception.justification, 200)}`;
  return `- ${what} ${expiryText(exception)}${why}`;
}

function expiryText(exception: ExpiringException): string {
  const date = cell(exception.expires, 40);
  const days = exception.daysLeft;
  if (days < 0) return `expired on ${date}, ${plural(-days, 'day')} ago`;
  if (days === 0) return `expires today (${date})`;
  return `expires on ${date}, in ${plural(days, 'day')}`;
}

/** Cuts untrusted text to `max` characters, then escapes it. */
export function cell(text: string, max: number): string {
  const characters = Array.from(text);
  const kept =
    characters.length <= max
      ? text
      : `${characters.slice(0, max - 1).join('')}…`;
  return escapeMarkdown(kept);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A Markdown link to the full report; undefined unless http(s). */
export function reportLink(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return undefined;
  }
  const href = parsed.href.replace(/[()<>\s]/g, encodeURIComponent);
  return `[full report](${href})`;
}

function moreNote(
  count: number,
  noun: string,
  link: string | undefined,
): string {
  const where = link === undefined ? 'the job summary' : `the ${link}`;
  return `_${count} more ${noun} are not shown here: the comment is limited in size; ${where} lists them all._`;
}

/** How many rows of each section fit, filling sections in order. */
function fitRows(
  head: readonly string[],
  sections: readonly Section[],
  link: string | undefined,
  max: number,
): number[] {
  const all = sections.map((section) => section.rows.length);
  if (assemble(head, sections, all, link).length <= max) return all;
  const shown = sections.map(() => 0);
  // The skeleton with every table head and the longest notes.
  let used = assembleReserving(head, sections, link).length;
  for (const [index, section] of sections.entries()) {
    for (const row of section.rows) {
      if (used + row.length + 1 > max) return shown;
      used += row.length + 1;
      shown[index] = (shown[index] ?? 0) + 1;
    }
  }
  return shown;
}

function assembleReserving(
  head: readonly string[],
  sections: readonly Section[],
  link: string | undefined,
): string {
  const blocks = [...head];
  for (const section of sections) {
    blocks.push(section.heading);
    if (section.tableHead.length > 0) blocks.push(section.tableHead.join('\n'));
    blocks.push(moreNote(section.rows.length, section.noun, link));
  }
  if (link !== undefined) blocks.push(footer(link));
  return joinBlocks(blocks);
}

function assemble(
  head: readonly string[],
  sections: readonly Section[],
  shown: readonly number[],
  link: string | undefined,
): string {
  const blocks = [...head];
  for (const [index, section] of sections.entries()) {
    blocks.push(...sectionBlocks(section, shown[index] ?? 0, link));
  }
  if (link !== undefined) blocks.push(footer(link));
  return joinBlocks(blocks);
}

function sectionBlocks(
  section: Section,
  shown: number,
  link: string | undefined,
): string[] {
  if (section.rows.length === 0) {
    return section.empty === undefined ? [] : [section.heading, section.empty];
  }
  const rows = section.rows.slice(0, shown);
  const blocks = [section.heading];
  if (rows.length > 0) blocks.push([...section.tableHead, ...rows].join('\n'));
  const left = section.rows.length - shown;
  if (left > 0) blocks.push(moreNote(left, section.noun, link));
  return blocks;
}

function footer(link: string): string {
  return `<sub>The ${link} lists every finding.</sub>`;
}

function joinBlocks(blocks: readonly string[]): string {
  return `${blocks.filter((block) => block !== '').join('\n\n')}\n`;
}

/**
 * Cuts a comment body to `max` characters with a notice (linking the
 * full report, if given), when it is longer. A rendered comment starts
 * with its marker, so the marker survives the cut.
 * Limitation: the cut knows nothing of Markdown and may leave a table or
 * a tag of trusted notes open; rendered comments only need it when the
 * trusted notes alone are too long.
 */
export function cutComment(
  body: string,
  max: number = COMMENT_MAX_CHARACTERS - 1,
  reportUrl?: string,
): string {
  if (body.length <= max) return body;
  const link = reportLink(reportUrl);
  const see = link === undefined ? '' : ` See the ${link}.`;
  const notice = `\n\n_This comment was cut: it is limited in size.${see}_\n`;
  let kept = '';
  for (const character of body) {
    if (kept.length + character.length + notice.length > max) break;
    kept += character;
  }
  return kept + notice;
}
