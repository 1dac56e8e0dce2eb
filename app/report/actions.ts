import type { AnnotationProperties } from '@actions/core';
import type { CheckResult, Finding, Severity } from '../checks/types.js';
import {
  annotationRange,
  artifactList,
  checkRunName,
  clipUtf16,
  codeSpan,
  combinedConclusion,
  compareBySeverity,
  CONCLUSION_EMOJI,
  countSeverities,
  fitWithinBudget,
  hasPath,
  locationLabel,
  markdownText,
  moreFindingsLine,
  problemsTitle,
  SEVERITIES,
  SEVERITY_EMOJI,
  tableCell,
  type SeverityCounts,
} from './common.js';

/**
 * The part of @actions/core this reporter uses; the real module satisfies it, and tests can pass
 * a recording fake.
 */
export interface ActionsCoreLike {
  error(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
  info(message: string): void;
  summary: {
    addRaw(text: string, addEOL?: boolean): unknown;
    write(options?: { overwrite?: boolean }): Promise<unknown>;
  };
}

/** Annotations of each level GitHub shows per step; later ones exist only in the log. */
export const ANNOTATIONS_SHOWN_PER_STEP: Record<Severity, number> = { error: 10, warning: 10, notice: 10 };
/** Annotations GitHub shows per job, all steps together. */
export const ANNOTATIONS_SHOWN_PER_JOB = 50;
/** GitHub's job summary limit is 1 MiB per step; the rest of the step may write to it too. */
export const JOB_SUMMARY_BUDGET_BYTES = 1_000_000;
const MESSAGE_LIMIT = 2_000;

export interface ReportToActionsOptions {
  /** Heading of the job summary section. */
  heading?: string;
  /** Bytes (UTF-8) the summary may take. */
  summaryBudgetBytes?: number;
  /** Write the job summary (default true); off, the Markdown is only returned. */
  writeSummary?: boolean;
}

export interface ActionsReport {
  annotations: SeverityCounts;
  /** Annotations emitted beyond what GitHub shows for one step. */
  hiddenAnnotations: SeverityCounts;
  summaryMarkdown: string;
  summaryWritten: boolean;
}

function annotationProperties(finding: Finding): AnnotationProperties {
  const properties: AnnotationProperties = { title: `${clipUtf16(finding.title, 200)} (${finding.checkId}/${finding.ruleId})` };
  if (!hasPath(finding)) return properties;
  const range = annotationRange(finding);
  properties.file = finding.path;
  properties.startLine = range.startLine;
  properties.endLine = range.endLine;
  if (range.startColumn !== undefined) {
    properties.startColumn = range.startColumn;
    properties.endColumn = range.endColumn;
  }
  return properties;
}

function annotationMessage(finding: Finding): string {
  const message = finding.message || finding.title;
  return finding.docsUrl ? `${message}\nDocs: ${finding.docsUrl}` : message;
}

function hiddenCounts(emitted: SeverityCounts): SeverityCounts {
  return {
    error: Math.max(0, emitted.error - ANNOTATIONS_SHOWN_PER_STEP.error),
    warning: Math.max(0, emitted.warning - ANNOTATIONS_SHOWN_PER_STEP.warning),
    notice: Math.max(0, emitted.notice - ANNOTATIONS_SHOWN_PER_STEP.notice),
  };
}

function hiddenNote(hidden: SeverityCounts): string | undefined {
  const parts = SEVERITIES.filter((severity) => hidden[severity] > 0).map(
    (severity) => `${hidden[severity]} ${severity}`,
  );
  if (parts.length === 0) return undefined;
  const total = hidden.error + hidden.warning + hidden.notice;
  return (
    `> [!NOTE]\n> GitHub shows only the first ${ANNOTATIONS_SHOWN_PER_STEP.error} error, ${ANNOTATIONS_SHOWN_PER_STEP.warning} warning ` +
    `and ${ANNOTATIONS_SHOWN_PER_STEP.notice} notice annotations of a step (and ${ANNOTATIONS_SHOWN_PER_JOB} per job): ` +
    `${total} annotation${total === 1 ? '' : 's'} (${parts.join(', ')}) will not be shown. Every finding is listed in the table below.\n`
  );
}

function findingRow(finding: Finding): string {
  const location = hasPath(finding) ? codeSpan(locationLabel(finding)) : 'whole change';
  const rule = codeSpan(`${finding.checkId}/${finding.ruleId}`);
  const ruleCell = finding.docsUrl ? `[${rule}](${finding.docsUrl})` : rule;
  const images = finding.artifacts && finding.artifacts.length > 0 ? `<br>Images: ${artifactList(finding.artifacts).replace(/\|/g, '\\|')}` : '';
  const message = `${tableCell(clipUtf16(`${finding.title}: ${finding.message}`, MESSAGE_LIMIT))}${images}`;
  return `| ${location} | ${SEVERITY_EMOJI[finding.severity]} ${finding.severity} | ${ruleCell} | ${message} |\n`;
}

export function renderJobSummary(
  results: readonly CheckResult[],
  hidden: SeverityCounts,
  options: { heading: string; budgetBytes: number },
): string {
  const findings = results.flatMap((result) => result.findings);
  const counts = countSeverities(findings);
  const conclusion = combinedConclusion(results);
  const lines = [
    `## ${CONCLUSION_EMOJI[conclusion]} ${markdownText(options.heading)}: ${problemsTitle(counts)}`,
    '',
    '| Check | Result | Errors | Warnings | Notices |',
    '|---|---|---:|---:|---:|',
    ...results.map((result) => {
      const c = countSeverities(result.findings);
      const outcome = `${CONCLUSION_EMOJI[result.conclusion]} ${result.conclusion}`;
      return `| ${tableCell(checkRunName(result.checkId))} | ${outcome} | ${c.error} | ${c.warning} | ${c.notice} |`;
    }),
    '',
  ];
  const note = hiddenNote(hidden);
  if (note) lines.push(note);
  if (findings.length > 0) {
    lines.push('### Findings', '', '| Location | Severity | Rule | Message |', '|---|---|---|---|');
  }
  return `${fitWithinBudget({
    head: `${lines.join('\n')}\n`,
    items: [...findings].sort(compareBySeverity).map(findingRow),
    more: (omitted) => `\n${moreFindingsLine(omitted, 'the job summary is limited to 1 MiB')}`,
    budget: options.budgetBytes,
    unit: 'utf8',
  }).text}\n`;
}

/**
 * Publishes results in a workflow step: one annotation per finding (most severe first, since
 * GitHub shows only the first few of each level) and a job summary listing every finding.
 */
export async function reportToActions(
  results: readonly CheckResult[],
  core: ActionsCoreLike,
  opts: ReportToActionsOptions = {},
): Promise<ActionsReport> {
  const findings = [...results.flatMap((result) => result.findings)].sort(compareBySeverity);
  const emitted: SeverityCounts = { error: 0, warning: 0, notice: 0 };
  for (const finding of findings) {
    core[finding.severity](annotationMessage(finding), annotationProperties(finding));
    emitted[finding.severity] += 1;
  }
  const hidden = hiddenCounts(emitted);
  const summaryMarkdown = renderJobSummary(results, hidden, {
    heading: opts.heading ?? 'Platform Kit',
    budgetBytes: opts.summaryBudgetBytes ?? JOB_SUMMARY_BUDGET_BYTES,
  });
  let summaryWritten = false;
  if (opts.writeSummary ?? true) {
    try {
      core.summary.addRaw(summaryMarkdown);
      await core.summary.write();
      summaryWritten = true;
    } catch (error) {
      // Outside a runner (or with an unwritable file) there is no job summary; annotations still stand.
      core.info(`Job summary not written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { annotations: emitted, hiddenAnnotations: hidden, summaryMarkdown, summaryWritten };
}
