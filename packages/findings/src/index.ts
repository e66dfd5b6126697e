export type {
  Finding,
  Location,
  Suppression,
  VulnerabilityDetails,
} from './finding';
export {
  SEVERITIES,
  bySeverityDescending,
  isAtLeast,
  parseSeverity,
  securitySeverityScore,
  severityRank,
  type Severity,
} from './severity';
export { fingerprint, normaliseText } from './fingerprint';
export {
  countBySeverity,
  diffFindings,
  failingFindings,
  sortFindings,
  type FindingsDiff,
} from './collection';
export { findingsToJson, type FindingsDocument } from './json';
export { silentLogger, type Logger } from './logger';
export type { RuleDescriptor } from './rule-descriptor';
export { IMAGEGATE_VERSION } from './version';
