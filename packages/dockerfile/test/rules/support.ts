/**
 * Helpers the rule tests share. They come in two families:
 *
 * - `hit*` helpers run `rule.check` directly on the text with a newline
 *   appended: the rule's raw hits, nothing masked or suppressed.
 * - `report*` and `finding*` helpers go through `lintDockerfile` with the
 *   text as given, as users see it: secrets masked, suppressions applied,
 *   fingerprints set.
 *
 * Both take the options a test changes; the rest keep their defaults.
 */
import type { Finding } from '@imagegate/findings';
import {
  DEFAULT_LINT_OPTIONS,
  lintDockerfile,
  parseDockerfile,
  type FileReport,
  type LintConfig,
  type LintOptions,
  type LintRule,
  type RuleHit,
} from '../../src/index';

/** What each helper takes: a rule, Dockerfile text, the options to change. */
type Args = [rule: LintRule, text: string, options?: Partial<LintOptions>];

/** The default lint options with `options` laid over them. */
export function optionsWith(options: Partial<LintOptions> = {}): LintOptions {
  return { ...DEFAULT_LINT_OPTIONS, ...options };
}

/** A lint configuration that enables every rule and sets `options`. */
export function configWith(options: Partial<LintOptions> = {}): LintConfig {
  return { rules: new Map(), options: optionsWith(options) };
}

/** The hits of `rule.check` on `text` with a newline appended. */
export function hitsOf(
  rule: LintRule,
  text: string,
  options: Partial<LintOptions> = {},
): RuleHit[] {
  const dockerfile = parseDockerfile(`${text}\n`, 'Dockerfile');
  return rule.check({ dockerfile, options: optionsWith(options) });
}

/** The line each hit of {@link hitsOf} starts on. */
export function hitLinesOf(...args: Args): number[] {
  return hitsOf(...args).map((hit) => hit.range.start.line);
}

/** The message of each hit of {@link hitsOf}, unmasked. */
export function hitMessagesOf(...args: Args): string[] {
  return hitsOf(...args).map((hit) => hit.message);
}

/** The report of `lintDockerfile` on `text` with `rule` alone. */
export function reportOf(
  rule: LintRule,
  text: string,
  options: Partial<LintOptions> = {},
): FileReport {
  const dockerfile = parseDockerfile(text, 'Dockerfile');
  return lintDockerfile(dockerfile, [rule], configWith(options));
}

/** The findings of {@link reportOf}. */
export function findingsOf(...args: Args): Finding[] {
  return reportOf(...args).findings;
}

/** The line of each finding of {@link findingsOf}, 0 where it has none. */
export function findingLinesOf(...args: Args): number[] {
  return findingsOf(...args).map((f) => f.location.line ?? 0);
}

/** The message of each finding of {@link findingsOf}, masked. */
export function findingMessagesOf(...args: Args): string[] {
  return findingsOf(...args).map((f) => f.message);
}

/** The line (0 where it has none) and message of each finding. */
export function linesAndMessagesOf(...args: Args): [number, string][] {
  return findingsOf(...args).map((f) => [f.location.line ?? 0, f.message]);
}

/** How many findings {@link findingsOf} returns. */
export function findingCountOf(...args: Args): number {
  return findingsOf(...args).length;
}
