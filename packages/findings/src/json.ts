import type { Finding } from './finding';
import { sortFindings } from './collection';

/** The JSON document every tool writes: `{"findings": [...]}`. */
export interface FindingsDocument {
  findings: Finding[];
}

/** Serialises findings, sorted, with a trailing newline. */
export function findingsToJson(findings: readonly Finding[]): string {
  const document: FindingsDocument = { findings: sortFindings(findings) };
  return `${JSON.stringify(document, null, 2)}\n`;
}
