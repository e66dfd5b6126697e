import type { Severity } from '@imagegate/findings';
import type { Dockerfile, Instruction, Range, Stage } from './model';

/** The kinds of value a label schema can require (hadolint's schema). */
export type LabelType =
  'text' | 'url' | 'email' | 'semver' | 'rfc3339' | 'spdx' | 'hash';

/** Settings that rules read; they come from the lint configuration. */
export interface LintOptions {
  /** Registries base images may come from; empty allows any. */
  allowedRegistries: string[];
  /** Base image patterns (`*` matches any run of characters); empty allows any. */
  allowedBaseImages: string[];
  /** Labels every image must carry, with the type of their value. */
  labelSchema: Record<string, LabelType>;
  /** Reject labels that the schema does not name. */
  strictLabels: boolean;
}

export const DEFAULT_LINT_OPTIONS: LintOptions = {
  allowedRegistries: [],
  allowedBaseImages: [],
  labelSchema: {},
  strictLabels: false,
};

/** What a rule sees: the parsed file and the options. */
export interface RuleContext {
  dockerfile: Dockerfile;
  options: LintOptions;
}

/** One place where a rule fires. */
export interface RuleHit {
  range: Range;
  message: string;
  /** Values no output may show (a secret's value); they are masked. */
  secrets?: string[];
}

/** A lint rule: its documentation and its check. */
export interface LintRule {
  /** Stable kebab-case id users write in configuration. */
  id: string;
  title: string;
  severity: Severity;
  /** Why the rule exists, in a paragraph. */
  rationale: string;
  /** How to fix what it reports. */
  fix: string;
  /** Equivalent hadolint (`DLxxxx`) or dockle/CIS ids. */
  aliases: string[];
  tags: string[];
  check(context: RuleContext): RuleHit[];
}

/** A hit on a whole instruction. */
export function hitOn(
  instruction: Instruction,
  message: string,
  secrets?: string[],
): RuleHit {
  return secrets === undefined
    ? { range: instruction.range, message }
    : { range: instruction.range, message, secrets };
}

/** The stage an image is built from: the last one. */
export function finalStage(dockerfile: Dockerfile): Stage | undefined {
  return dockerfile.stages.at(-1);
}

/** Instructions of one keyword, ONBUILD triggers included. */
export function instructionsOf(
  dockerfile: Dockerfile,
  ...keywords: string[]
): Instruction[] {
  return dockerfile.instructions.filter((i) => keywords.includes(i.keyword));
}
