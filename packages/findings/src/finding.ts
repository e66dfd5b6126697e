import type { Severity } from './severity';

/** Where a finding lives: a file and line, or an image and what is in it. */
export interface Location {
  /** Repository-relative path, with forward slashes. */
  path?: string;
  /** 1-based line numbers and columns, as editors and SARIF count them. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  image?: string;
  digest?: string;
  platform?: string;
  layerDigest?: string;
  packageName?: string;
}

/** Vulnerability facts that vulnerability findings add. */
export interface VulnerabilityDetails {
  id: string;
  aliases: string[];
  packageName: string;
  packageVersion: string;
  packageType: string;
  purl?: string;
  fixedVersion?: string;
  cvss: { version: string; vector: string; score: number }[];
}

/** Why a finding is present but does not count against the gate. */
export interface Suppression {
  kind: 'inline' | 'config' | 'exception' | 'vex';
  justification: string;
}

/** The one record every imagegate tool emits. */
export interface Finding {
  tool: string;
  ruleId: string;
  ruleAliases: string[];
  severity: Severity;
  title: string;
  message: string;
  fingerprint: string;
  location: Location;
  /** Rule documentation, for reporters that render help. */
  helpUri?: string;
  tags?: string[];
  vulnerability?: VulnerabilityDetails;
  suppression?: Suppression;
}
