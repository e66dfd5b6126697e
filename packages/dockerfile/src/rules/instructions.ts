import type { LintRule } from '../rule';
import { INSTRUCTION_LEVEL_RULES } from './in-instructions';
import { LABEL_RULES } from './in-labels';
import { SHELL_RULES } from './in-shell';
import { STAGE_RULES } from './in-stages';

/** Instruction, stage, label and shell rules. */
export const INSTRUCTION_RULES: LintRule[] = [
  ...INSTRUCTION_LEVEL_RULES,
  ...STAGE_RULES,
  ...SHELL_RULES,
  ...LABEL_RULES,
];
