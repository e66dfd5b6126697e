import {
  fingerprint,
  normaliseText,
  type Finding,
  type Severity,
} from '@imagegate/findings';
import { EMPTY_LINT_CONFIG, type LintConfig } from './config';
import type { Dockerfile } from './model';
import { redactor } from './redact';
import type { LintRule, RuleHit } from './rule';
import { readSuppressions, suppressionFor } from './suppress';

export const LINT_TOOL = 'imagegate-lint';

/** The findings for one Dockerfile and its lines with secrets masked. */
export interface FileReport {
  path: string;
  findings: Finding[];
  /** The file's lines, with every secret a rule found masked. */
  lines: string[];
}

/** Runs the enabled rules over a parsed Dockerfile. */
export function lintDockerfile(
  dockerfile: Dockerfile,
  rules: readonly LintRule[],
  config: LintConfig = EMPTY_LINT_CONFIG,
): FileReport {
  const suppressions = readSuppressions(dockerfile, rules);
  const context = { dockerfile, options: config.options };
  const hits = rules
    .filter((rule) => config.rules.get(rule.id)?.enabled !== false)
    .flatMap((rule) => rule.check(context).map((hit) => ({ rule, hit })));
  const redact = redactor(hits.flatMap(({ hit }) => hit.secrets ?? []));
  const lines = dockerfile.lines.map(redact);
  const seen = new Map<string, number>();
  const findings = hits.map(({ rule, hit }) => {
    const severity = config.rules.get(rule.id)?.severity ?? rule.severity;
    const identity = identityOf(rule, hit, lines, dockerfile.path);
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    const finding = toFinding(rule, hit, severity, redact, dockerfile.path);
    finding.fingerprint = fingerprint([identity, String(occurrence)]);
    const suppression = suppressionFor(
      suppressions,
      rule.id,
      hit.range.start.line,
    );
    if (suppression !== undefined) {
      finding.suppression = {
        kind: 'inline',
        justification: suppression.reason,
      };
    }
    return finding;
  });
  return { path: dockerfile.path, findings, lines };
}

/** What stays the same when the same problem is found again. */
function identityOf(
  rule: LintRule,
  hit: RuleHit,
  lines: readonly string[],
  path: string,
): string {
  const text = lines
    .slice(hit.range.start.line - 1, hit.range.end.line)
    .join('\n');
  return [LINT_TOOL, rule.id, path, normaliseText(text)].join('\u0000');
}

function toFinding(
  rule: LintRule,
  hit: RuleHit,
  severity: Severity,
  redact: (text: string) => string,
  path: string,
): Finding {
  return {
    tool: LINT_TOOL,
    ruleId: rule.id,
    ruleAliases: [...rule.aliases],
    severity,
    title: rule.title,
    message: redact(hit.message),
    fingerprint: '',
    location: {
      path,
      line: hit.range.start.line,
      column: hit.range.start.column,
      endLine: hit.range.end.line,
      endColumn: hit.range.end.column,
    },
    tags: [...rule.tags],
  };
}
