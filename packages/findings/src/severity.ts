/** Severities of the finding model, most severe first. */
export const SEVERITIES = [
  'critical',
  'high',
  'medium',
  'low',
  'negligible',
  'unknown',
] as const;

export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = {
  critical: 5,
  high: 4,
  medium: 3,
  low: 2,
  negligible: 1,
  unknown: 0,
};

/** A number that orders severities: higher is more severe. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** Reads a severity name, ignoring case; undefined when it is not one. */
export function parseSeverity(text: string): Severity | undefined {
  const lower = text.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(lower)
    ? (lower as Severity)
    : undefined;
}

/** True when `severity` is at or above `threshold`. */
export function isAtLeast(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] >= RANK[threshold];
}

/** Compares two severities so that sorting puts the most severe first. */
export function bySeverityDescending(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

/**
 * The `security-severity` score GitHub code scanning reads, for findings
 * that carry no CVSS score of their own.
 */
export function securitySeverityScore(severity: Severity): number {
  const scores: Record<Severity, number> = {
    critical: 9.5,
    high: 8.0,
    medium: 5.5,
    low: 2.0,
    negligible: 0.5,
    unknown: 0.0,
  };
  return scores[severity];
}
