import type { LintRule } from '../rule';

/** Instruction, stage, label and shell rules. */
export const INSTRUCTION_RULES: LintRule[] = [];
