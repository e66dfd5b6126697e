import { DockerfileError } from './errors';
import type { Dockerfile } from './model';
import { findRule, ruleNames } from './config';
import type { LintRule } from './rule';
import { didYouMean } from './suggest';

/** An inline `# imagegate-ignore` comment. */
export interface InlineSuppression {
  /** The comment's own line. */
  line: number;
  /** Rule ids it names (aliases resolved). */
  ruleIds: string[];
  reason: string;
  /** The instruction line it covers; undefined for file-wide ones. */
  appliesToLine: number | undefined;
}

const PATTERN = /^imagegate-ignore(-file)?(?:\s+([^\s]+))?\s*(?:--\s*(.*))?$/;

/**
 * Reads `# imagegate-ignore RULE[,RULE] -- reason` (the next instruction)
 * and `# imagegate-ignore-file RULE[,RULE] -- reason` (the whole file).
 * A rule name that no rule answers to is an error naming the line; a
 * missing reason is kept with an empty reason so a rule can report it.
 */
export function readSuppressions(
  dockerfile: Dockerfile,
  rules: readonly LintRule[],
): InlineSuppression[] {
  const starts = dockerfile.instructions.map((i) => i.range.start.line);
  return dockerfile.comments.flatMap((comment) => {
    const match = PATTERN.exec(comment.text.trim());
    if (match === null) return [];
    const [, fileWide, names = '', reason = ''] = match;
    return [
      {
        line: comment.line,
        ruleIds: resolveNames(names, rules, dockerfile.path, comment.line),
        reason: reason.trim(),
        appliesToLine: fileWide
          ? undefined
          : starts.find((start) => start > comment.line),
      },
    ];
  });
}

function resolveNames(
  names: string,
  rules: readonly LintRule[],
  path: string,
  line: number,
): string[] {
  if (names === '') {
    throw new DockerfileError(
      'unknown-rule',
      `${path}:${line}: imagegate-ignore names no rule; write '# imagegate-ignore RULE -- reason'`,
    );
  }
  return names.split(',').map((name) => {
    const rule = findRule(rules, name);
    if (rule === undefined) {
      throw new DockerfileError(
        'unknown-rule',
        `${path}:${line}: unknown rule '${name}'${didYouMean(name, ruleNames(rules))}`,
      );
    }
    return rule.id;
  });
}

/** The suppression covering a rule at a line, if a reasoned one does. */
export function suppressionFor(
  suppressions: readonly InlineSuppression[],
  ruleId: string,
  line: number,
): InlineSuppression | undefined {
  return suppressions.find(
    (s) =>
      s.reason !== '' &&
      s.ruleIds.includes(ruleId) &&
      (s.appliesToLine === undefined || s.appliesToLine === line),
  );
}
