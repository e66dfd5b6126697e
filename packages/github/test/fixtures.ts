import type { Finding, RuleDescriptor, Severity } from '@imagegate/findings';

/** A lint-like finding on a Dockerfile line; overrides win. */
export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    tool: 'imagegate-lint',
    ruleId: 'no-latest-tag',
    ruleAliases: ['DL3007'],
    severity: 'medium',
    title: "Base image uses the 'latest' tag",
    message: "'alpine:latest' uses the moving 'latest' tag",
    fingerprint: 'f'.repeat(32),
    location: {
      path: 'Dockerfile',
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 19,
    },
    ...overrides,
  };
}

/** A finding of `severity` on `line`, with a distinct fingerprint. */
export function findingAt(line: number, severity: Severity): Finding {
  return finding({
    severity,
    fingerprint: `${severity}-${line}`,
    location: { path: 'Dockerfile', line, column: 1, endLine: line },
  });
}

/** A rule descriptor; overrides win. */
export function rule(overrides: Partial<RuleDescriptor> = {}): RuleDescriptor {
  return {
    id: 'no-latest-tag',
    title: "Base image uses the 'latest' tag",
    description: '`latest` moves with every release.',
    helpMarkdown: "**Base image uses the 'latest' tag**\n\nPin a tag.",
    severity: 'medium',
    tags: ['base-image', 'reproducibility'],
    aliases: ['DL3007'],
    ...overrides,
  };
}
