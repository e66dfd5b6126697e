import type { Finding } from './finding';
import { bySeverityDescending, isAtLeast, type Severity } from './severity';

/** Orders findings most severe first, then by file, line and rule. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    bySeverityDescending(a.severity, b.severity) ||
    compareText(a.location.path ?? '', b.location.path ?? '') ||
    (a.location.line ?? 0) - (b.location.line ?? 0) ||
    (a.location.column ?? 0) - (b.location.column ?? 0) ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.fingerprint, b.fingerprint)
  );
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Findings that count against the gate: unsuppressed, at the threshold. */
export function failingFindings(
  findings: readonly Finding[],
  threshold: Severity,
): Finding[] {
  return findings.filter(
    (finding) =>
      finding.suppression === undefined &&
      isAtLeast(finding.severity, threshold),
  );
}

/** Counts unsuppressed findings per severity. */
export function countBySeverity(
  findings: readonly Finding[],
): Record<Severity, number> {
  const counts: Record<Severity, number> = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    negligible: 0,
    unknown: 0,
  };
  for (const finding of findings) {
    if (finding.suppression === undefined) counts[finding.severity] += 1;
  }
  return counts;
}

/** What a head run adds to, fixes in and keeps from a base run. */
export interface FindingsDiff {
  added: Finding[];
  fixed: Finding[];
  unchanged: Finding[];
}

/** Compares two runs by fingerprint. */
export function diffFindings(
  base: readonly Finding[],
  head: readonly Finding[],
): FindingsDiff {
  const baseKeys = new Set(base.map((finding) => finding.fingerprint));
  const headKeys = new Set(head.map((finding) => finding.fingerprint));
  return {
    added: head.filter((finding) => !baseKeys.has(finding.fingerprint)),
    fixed: base.filter((finding) => !headKeys.has(finding.fingerprint)),
    unchanged: head.filter((finding) => baseKeys.has(finding.fingerprint)),
  };
}
