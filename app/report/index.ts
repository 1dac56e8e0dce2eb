export {
  ANNOTATION_LEVEL,
  ANNOTATION_TITLE_LIMIT,
  ANNOTATIONS_PER_REQUEST,
  CHECK_RUN_TEXT_BUDGET,
  CHECK_RUN_TEXT_LIMIT,
  checkRunOutput,
  chunkAnnotations,
  findingToAnnotation,
  type Annotation,
  type AnnotationLevel,
  type CheckRunOutput,
  type CheckRunOutputOptions,
} from './check-run.js';
export { COMMENT_BUDGET, COMMENT_LIMIT, isStickyComment, renderComment, STICKY_MARKER, type CommentMeta } from './comment.js';
export {
  ANNOTATIONS_SHOWN_PER_JOB,
  ANNOTATIONS_SHOWN_PER_STEP,
  JOB_SUMMARY_BUDGET_BYTES,
  renderJobSummary,
  reportToActions,
  type ActionsCoreLike,
  type ActionsReport,
  type ReportToActionsOptions,
} from './actions.js';
export { formatFindingLine, formatJson, formatText, PATHLESS_LOCATION, toJsonReport, type JsonReport } from './text.js';
export {
  FINGERPRINT_KEY,
  formatSarif,
  MAX_SARIF_RESULTS,
  pathToUri,
  SARIF_LEVEL,
  toSarif,
  type SarifLevel,
  type SarifLog,
  type SarifOptions,
} from './sarif.js';
export { checkRunName, combinedConclusion, countSeverities, problemsTitle, type SeverityCounts } from './common.js';
