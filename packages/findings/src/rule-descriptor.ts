import type { Severity } from './severity';

/**
 * What reporters need to know of a rule, whatever tool it belongs to:
 * enough for SARIF `reportingDescriptor`s, summaries and documentation.
 */
export interface RuleDescriptor {
  id: string;
  title: string;
  /** A paragraph on why the rule exists. */
  description: string;
  /** Help in Markdown: rationale, fix, equivalent ids. */
  helpMarkdown: string;
  severity: Severity;
  tags: string[];
  aliases: string[];
}
