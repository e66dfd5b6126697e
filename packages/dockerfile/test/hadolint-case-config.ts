import { KNOWN_DISAGREEMENTS_INSTRUCTIONS } from './known-disagreements-instructions';
import { KNOWN_DISAGREEMENTS_PACKAGES } from './known-disagreements-packages';
import { KNOWN_DISAGREEMENTS_SECURITY } from './known-disagreements-security';
import {
  DEFAULT_LINT_OPTIONS,
  type LabelType,
  type LintOptions,
} from '../src/index';

/**
 * The label schema each label spec runs under, from its `let ?config`
 * line (DL3050 also turns strict labels on).
 */
const LABEL_SPEC_CONFIG: Record<
  string,
  { labelSchema: Record<string, LabelType>; strictLabels?: boolean }
> = {
  DL3049: { labelSchema: { foo: 'text' } },
  DL3050: { labelSchema: { required: 'text' }, strictLabels: true },
  DL3051: { labelSchema: { emptylabel: 'text' } },
  DL3052: { labelSchema: { urllabel: 'url' } },
  DL3053: { labelSchema: { datelabel: 'rfc3339' } },
  DL3054: { labelSchema: { spdxlabel: 'spdx' } },
  DL3055: { labelSchema: { githash: 'hash' } },
  DL3056: { labelSchema: { semver: 'semver' } },
  DL3058: { labelSchema: { maintainer: 'email' } },
};

/**
 * The allowed registries each DL3026 case sets, keyed by its `it` label;
 * cases not listed run with the default (no restriction).
 */
const REGISTRY_CASE_CONFIG: Record<string, string[]> = {
  'warn on non-allowed registry': ['docker.io'],
  'does not warn on allowed registries': ['x.com', 'random.com'],
  "doesn't warn on scratch image": ['x.com', 'random.com'],
  'allows all forms of docker.io': ['docker.io'],
  'allows using previous stages': ['random.com'],
  'warn on non-allowed wildcard registry': ['*.random.com'],
  'does not warn on allowed wildcard registries': ['x.com', '*.random.com'],
  'does not warn on * registry': ['*'],
  'does warn on copy from untrusted registry': ['trusted.com'],
  'does not warn on copy from untrusted registry': ['trusted.com'],
  'warn on run with bind mount from untrusted registry': ['trusted.com'],
  'warn on run with cache mount from untrusted registry': ['trusted.com'],
  "don't warn on run with bind mount from trusted registry": ['trusted.com'],
  "don't warn on run with cache mount from trusted registry": ['trusted.com'],
};

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
  const labels = LABEL_SPEC_CONFIG[testCase.rule];
  if (labels !== undefined) {
    return {
      ...DEFAULT_LINT_OPTIONS,
      labelSchema: labels.labelSchema,
      strictLabels: labels.strictLabels ?? false,
    };
  }
  const registries =
    testCase.rule === 'DL3026' ? REGISTRY_CASE_CONFIG[testCase.it] : undefined;
  return registries === undefined
    ? undefined
    : { ...DEFAULT_LINT_OPTIONS, allowedRegistries: registries };
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
