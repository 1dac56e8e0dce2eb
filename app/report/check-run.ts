import type { CheckResult, Conclusion, Finding, Severity } from '../checks/types.js';
import {
  annotationRange,
  checkRunName,
  clipUtf16,
  clipUtf8,
  compareByLocation,
  compareBySeverity,
  countSeverities,
  fitWithinBudget,
  hasPath,
  markdownText,
  moreFindingsLine,
  plural,
  problemsTitle,
} from './common.js';
import { findingMarkdown } from './markdown.js';

/** GitHub's limit on a check run's output.summary and output.text, each. */
export const CHECK_RUN_TEXT_LIMIT = 65_535;
/** What we fill up to, leaving slack below the limit. */
export const CHECK_RUN_TEXT_BUDGET = 65_000;
/** Annotations accepted per create/update request; they accumulate across updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
export const ANNOTATION_TITLE_LIMIT = 255;
/** message and raw_details may each hold 64 KB. */
const ANNOTATION_FIELD_BYTES = 60_000;
const CHECK_SUMMARY_LIMIT = 8_000;

export type AnnotationLevel = 'failure' | 'warning' | 'notice';

/** The annotation object of GitHub's "create a check run" / "update a check run" output. */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only when start_line === end_line. */
  start_column?: number;
  end_column?: number;
  annotation_level: AnnotationLevel;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunOutput {
  /** `platform-kit/<checkId>`. */
  name: string;
  conclusion: Conclusion;
  title: string;
  summary: string;
  text: string;
  /** Every finding with a path, most severe first; send with chunkAnnotations. */
  annotations: Annotation[];
}

export interface CheckRunOutputOptions {
  /** List at most this many file findings in `text` (the size budget applies regardless). */
  maxFindingsInText?: number;
  /** Annotate at most this many findings (most severe first); the rest stay listed in `text`. */
  maxAnnotations?: number;
}

export const ANNOTATION_LEVEL: Record<Severity, AnnotationLevel> = {
  error: 'failure',
  warning: 'warning',
  notice: 'notice',
};

/** Keeps the rule id visible when the title has to be cut. */
function titleWithRule(finding: Finding): string {
  const suffix = ` (${finding.checkId}/${finding.ruleId})`;
  if (suffix.length >= ANNOTATION_TITLE_LIMIT) return clipUtf16(finding.title, ANNOTATION_TITLE_LIMIT);
  return clipUtf16(finding.title, ANNOTATION_TITLE_LIMIT - suffix.length) + suffix;
}

function rawDetails(finding: Finding): string | undefined {
  const parts: string[] = [];
  if (finding.docsUrl) parts.push(`Docs: ${finding.docsUrl}`);
  if (finding.fix) parts.push(`Fix available: ${finding.fix.description}`);
  if (finding.suggestion !== undefined) parts.push(`Suggested replacement:\n${finding.suggestion}`);
  return parts.length > 0 ? clipUtf8(parts.join('\n\n'), ANNOTATION_FIELD_BYTES) : undefined;
}

/** An annotation for a finding that names a file; findings about the whole change have none. */
export function findingToAnnotation(finding: Finding): Annotation | undefined {
  if (!hasPath(finding)) return undefined;
  const range = annotationRange(finding);
  const annotation: Annotation = {
    path: finding.path,
    start_line: range.startLine,
    end_line: range.endLine,
    annotation_level: ANNOTATION_LEVEL[finding.severity],
    title: titleWithRule(finding),
    message: clipUtf8(finding.message || finding.title, ANNOTATION_FIELD_BYTES),
  };
  if (range.startColumn !== undefined) {
    annotation.start_column = range.startColumn;
    annotation.end_column = range.endColumn;
  }
  const details = rawDetails(finding);
  if (details !== undefined) annotation.raw_details = details;
  return annotation;
}

export function chunkAnnotations(annotations: readonly Annotation[], size = ANNOTATIONS_PER_REQUEST): Annotation[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: Annotation[][] = [];
  for (let start = 0; start < annotations.length; start += size) {
    chunks.push(annotations.slice(start, start + size));
  }
  return chunks;
}

function pathlessItem(finding: Finding): string {
  return findingMarkdown(finding, { showPath: false, suggestionFence: '' });
}

function renderSummary(result: CheckResult, fileFindings: number, annotated: number): string {
  const pathless = result.findings.filter((finding) => !hasPath(finding));
  const counts = countSeverities(result.findings);
  const lines: string[] = [];
  if (result.summary.trim()) lines.push(markdownText(clipUtf16(result.summary.trim(), CHECK_SUMMARY_LIMIT)), '');
  lines.push(
    '| Errors | Warnings | Notices |',
    '|---:|---:|---:|',
    `| ${counts.error} | ${counts.warning} | ${counts.notice} |`,
    '',
  );
  if (fileFindings > 0) {
    const annotatedNote =
      annotated < fileFindings
        ? `${annotated} of ${plural(fileFindings, 'finding')} on files are annotated (most severe first); all of them are listed below.`
        : `${plural(fileFindings, 'finding')} on files ${fileFindings === 1 ? 'is' : 'are'} annotated on the changed lines and listed below.`;
    lines.push(annotatedNote, '');
  }
  const head = `${lines.join('\n')}\n${pathless.length > 0 ? '### About the whole change\n\n' : ''}`;
  return fitWithinBudget({
    head,
    items: pathless.map(pathlessItem),
    more: (omitted) => moreFindingsLine(omitted),
    budget: CHECK_RUN_TEXT_BUDGET,
    unit: 'utf16',
  }).text;
}

/** Most severe first, so a cut made for size drops notices before errors. */
function renderText(fileFindings: readonly Finding[], maxFindings: number): string {
  if (fileFindings.length === 0) return 'No findings on files.';
  const sorted = [...fileFindings].sort(compareByLocation).sort(compareBySeverity);
  const listed = sorted.slice(0, Math.max(0, maxFindings));
  return fitWithinBudget({
    head: '### Findings on files\n\n',
    items: listed.map((finding) => findingMarkdown(finding, { showPath: true, suggestionFence: '' })),
    alreadyOmitted: sorted.length - listed.length,
    more: (omitted) => moreFindingsLine(omitted),
    budget: CHECK_RUN_TEXT_BUDGET,
    unit: 'utf16',
  }).text;
}

/** The output of one check run: `platform-kit/<checkId>`, within GitHub's size limits. */
export function checkRunOutput(result: CheckResult, opts: CheckRunOutputOptions = {}): CheckRunOutput {
  const fileFindings = result.findings.filter(hasPath);
  const allAnnotations = [...fileFindings]
    .sort(compareBySeverity)
    .map(findingToAnnotation)
    .filter((annotation): annotation is Annotation => annotation !== undefined);
  const annotations = allAnnotations.slice(0, Math.max(0, opts.maxAnnotations ?? allAnnotations.length));
  return {
    name: checkRunName(result.checkId),
    conclusion: result.conclusion,
    title: problemsTitle(countSeverities(result.findings)),
    summary: renderSummary(result, fileFindings.length, annotations.length),
    text: renderText(fileFindings, opts.maxFindingsInText ?? Number.POSITIVE_INFINITY),
    annotations,
  };
}
