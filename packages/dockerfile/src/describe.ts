import type { RuleDescriptor } from '@imagegate/findings';
import type { LintRule } from './rule';

/** A lint rule as reporters see it. */
export function describeRule(rule: LintRule): RuleDescriptor {
  return {
    id: rule.id,
    title: rule.title,
    description: rule.rationale,
    helpMarkdown: ruleHelpMarkdown(rule),
    severity: rule.severity,
    tags: [...rule.tags],
    aliases: [...rule.aliases],
  };
}

/** The help text of a rule, shared by SARIF and the docs pages. */
export function ruleHelpMarkdown(rule: LintRule): string {
  const parts = [
    `**${rule.title}** (\`${rule.id}\`, default severity ${rule.severity})`,
    rule.rationale,
    `**Fix:** ${rule.fix}`,
  ];
  if (rule.aliases.length > 0) {
    parts.push(
      `**Same as:** ${rule.aliases.map((alias) => `\`${alias}\``).join(', ')}`,
    );
  }
  return parts.join('\n\n');
}
