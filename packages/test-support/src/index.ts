export { corpusAvailable, corpusPath, corpusRoot, repoRoot } from './corpus';
export { RecordingLogger } from './logger';
export {
  ACTION_RUNTIME,
  inputVariable,
  parseOutputFile,
  parseWorkflowCommands,
  runActionBundle,
  type ActionRun,
  type RunActionOptions,
  type WorkflowCommand,
} from './run-action';
export { sarifSchemaCheck, type SchemaCheck } from './sarif-schema';
