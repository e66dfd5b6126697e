export { InputError } from './errors';
export {
  maskSecret,
  readBoolean,
  readEnum,
  readList,
  readNumber,
  readOptional,
  readRequired,
  readSecret,
  type NumberRange,
} from './inputs';
export { actionsLogger, logUntrusted } from './log';
export { annotateFindings, writeJobSummary } from './report';
export { runAction } from './run';
export {
  FAIL_ON,
  lintGateMessage,
  runLintStage,
  type FailOn,
  type LintStageInputs,
  type LintStageResult,
} from './lint-stage';
export {
  JOB_SUMMARY_MAX_BYTES,
  reportGateMessage,
  runReportStage,
  type ReportStageInputs,
  type ReportStageOptions,
  type ReportStageResult,
} from './report-stage';
