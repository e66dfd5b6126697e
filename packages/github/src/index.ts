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
export {
  commentMarker,
  comparePullRequestFindings,
  COMMENT_MAX_CHARACTERS,
  cutComment,
  renderPullRequestComment,
  type ExceptionExpiry,
  type ExpiringException,
  type PullRequestReportInput,
  type PullRequestView,
} from './pr-view';
export {
  isOwnComment,
  upsertStickyComment,
  type StickyCommentRequest,
  type StickyCommentResult,
} from './pr-comment';
export {
  addedLines,
  findingMarker,
  postReviewComments,
  type ReviewCounts,
  type ReviewRequest,
  type ReviewResult,
} from './pr-review';
export {
  createGitHubClient,
  describeGitHubError,
  GITHUB_API_URL,
  GitHubError,
  isCodeScanningOff,
  redactTokens,
  toGitHubError,
  type GitHubClient,
  type GitHubClientOptions,
  type GitHubErrorCode,
} from './client';
export {
  resolveCommitAndRef,
  SARIF_MAX_GZIP_BYTES,
  uploadSarif,
  type CommitAndRef,
  type UploadSarifRequest,
  type UploadSarifResult,
} from './code-scanning';
export {
  CHECK_ANNOTATIONS_MAX,
  CHECK_ANNOTATIONS_PER_REQUEST,
  checkAnnotations,
  publishCheckRun,
  type CheckAnnotation,
  type CheckRunRequest,
  type CheckRunResult,
} from './check-run';
export {
  plainText,
  sendWebhook,
  signWebhookBody,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  webhookPayload,
  type WebhookFinding,
  type WebhookMeta,
  type WebhookPayload,
  type WebhookRequest,
  type WebhookResult,
} from './webhook';
export {
  findingsToRuns,
  mergeResultRuns,
  readResults,
  sarifToRuns,
  severityFromScore,
  type ReadResultsOptions,
} from './sarif-read';
export {
  loadBaselineFindings,
  loadResultRuns,
  MAX_RESULTS_BYTES,
  ReportInputError,
  type ReportInputErrorCode,
  type ResultsRequest,
} from './report-input';
