import { KNOWN_DISAGREEMENTS_INSTRUCTIONS } from './known-disagreements-instructions';
import { KNOWN_DISAGREEMENTS_PACKAGES } from './known-disagreements-packages';
import { KNOWN_DISAGREEMENTS_SECURITY } from './known-disagreements-security';
import { DEFAULT_LINT_OPTIONS, type LintOptions } from '../src/index';

/**
 * Some hadolint specs run under a non-default configuration (allowed
 * registries, label schemas). This gives the options that match a case,
 * or undefined for the defaults.
 */
export function hadolintCaseOptions(testCase: {
  rule: string;
  describe: string;
  it: string;
  dockerfile: string;
}): LintOptions | undefined {
  return testCase.rule === '' ? undefined : { ...DEFAULT_LINT_OPTIONS };
}

/**
 * Cases where imagegate knowingly differs from hadolint, keyed by
 * `rule|dockerfile`, each with the reason.
 */
export const KNOWN_DISAGREEMENTS = new Map<string, string>([
  ...KNOWN_DISAGREEMENTS_PACKAGES,
  ...KNOWN_DISAGREEMENTS_INSTRUCTIONS,
  ...KNOWN_DISAGREEMENTS_SECURITY,
]);
