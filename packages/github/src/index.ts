export {
  buildSarif,
  FINGERPRINT_KEY,
  SARIF_LIMITS,
  sarifLevel,
  sarifToJson,
  type SarifLevel,
  type SarifLocation,
  type SarifLog,
  type SarifResult,
  type SarifRule,
  type SarifRun,
  type SarifRunInput,
  type SarifSuppression,
  type SarifTool,
} from './sarif';
export {
  cutToBytes,
  escapeMarkdown,
  renderSummary,
  SUMMARY_MAX_BYTES,
  type SummaryInput,
} from './summary';
export {
  ANNOTATION_LEVELS,
  ANNOTATIONS_PER_LEVEL,
  annotationLevel,
  chooseAnnotations,
  omittedAnnotationsNote,
  type Annotation,
  type AnnotationChoice,
  type AnnotationLevel,
} from './annotations';
