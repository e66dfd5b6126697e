import type { LintRule } from '../rule';

/** Package manager hygiene: pinning, caches, non-interactive installs. */
export const PACKAGE_MANAGER_RULES: LintRule[] = [];
