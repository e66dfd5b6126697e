import type { Comment, Dockerfile } from '../model';
import type { LintRule, RuleHit } from '../rule';
import { lineRange } from './sec-stages';

const IGNORE_COMMENT = /^imagegate-ignore(-file)?(\s|$)/;

/** True for an `imagegate-ignore` comment with nothing after `--`. */
function lacksReason(comment: Comment): boolean {
  const text = comment.text.trim();
  if (!IGNORE_COMMENT.test(text)) return false;
  const separator = text.indexOf('--');
  return separator === -1 || text.slice(separator + 2).trim() === '';
}

function hitOnComment(dockerfile: Dockerfile, comment: Comment): RuleHit {
  const text = dockerfile.lines[comment.line - 1] ?? '';
  const names = comment.text.trim().split(/\s+/)[1] ?? '';
  const what = names === '' || names === '--' ? '' : ` of '${names}'`;
  return {
    range: lineRange(comment.line, text),
    message: `the imagegate-ignore${what} gives no reason, so it suppresses nothing; write '-- <reason>' after the rule names`,
  };
}

export const ignoreWithoutReason: LintRule = {
  id: 'ignore-without-reason',
  title: 'Suppression comment without a reason',
  severity: 'low',
  rationale:
    'An inline `# imagegate-ignore` hides a finding from every later reader, reviewer and audit. imagegate only honours one that says why, so the next person can judge whether the reason still holds; a comment without a reason suppresses nothing and leaves the author believing it does.',
  fix: 'Add the reason after two dashes: `# imagegate-ignore curl-pipe-shell -- installer is verified by the next step`, or remove the comment and fix the finding.',
  aliases: [],
  tags: ['suppression', 'maintainability'],
  check: ({ dockerfile }) =>
    dockerfile.comments
      .filter(lacksReason)
      .map((comment) => hitOnComment(dockerfile, comment)),
};
