import type { LintRule } from '../rule';

/** Image security rules: users, secrets, tools, base images. */
export const SECURITY_RULES: LintRule[] = [];
