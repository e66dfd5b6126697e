export { DockerfileError, type DockerfileErrorCode } from './errors';
export type {
  Argument,
  BaseImage,
  Comment,
  Dockerfile,
  Flag,
  Heredoc,
  Instruction,
  Position,
  Range,
  Stage,
} from './model';
export { parseDockerfile } from './parse';
export { readDockerfile } from './read';
export {
  decodeDockerfile,
  MAX_DOCKERFILE_BYTES,
  MAX_LINE_LENGTH,
} from './source';
export {
  splitCommands,
  runCommands,
  runScript,
  type ShellCommand,
} from './shell';
export {
  DEFAULT_LINT_OPTIONS,
  type LabelType,
  type LintOptions,
  type LintRule,
  type RuleContext,
  type RuleHit,
} from './rule';
export {
  EMPTY_LINT_CONFIG,
  findRule,
  parseLintConfig,
  type LintConfig,
  type RuleSetting,
} from './config';
export { lintDockerfile, LINT_TOOL, type FileReport } from './lint';
export { formatLintText } from './format-text';
export { MASK } from './redact';
export { ALL_RULES } from './rules/index';
export {
  findDockerfiles,
  lintReportRuns,
  runLint,
  type LintReportRun,
  type LintRequest,
  type LintRun,
} from './run';
export { describeRule, ruleHelpMarkdown } from './describe';
export {
  findLayerSource,
  mapLayersToDockerfile,
  type DockerfileLines,
  type ImageHistoryEntry,
  type LayerLineMap,
  type LayerOrigin,
  type LayerSource,
} from './history-map';
export { parseCreatedBy, type CreatedBy } from './created-by';
export { attributeFindings, NO_DOCKERFILE_NOTE } from './attribute-findings';
