import type { LintRule } from '../rule';
import { BASE_IMAGE_RULES } from './base-image';
import { INSTRUCTION_RULES } from './instructions';
import { PACKAGE_MANAGER_RULES } from './package-managers';
import { SECURITY_RULES } from './security';

/** Every lint rule, in documentation order. */
export const ALL_RULES: readonly LintRule[] = [
  ...BASE_IMAGE_RULES,
  ...SECURITY_RULES,
  ...INSTRUCTION_RULES,
  ...PACKAGE_MANAGER_RULES,
];
