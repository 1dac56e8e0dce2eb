import type { CheckResult, Conclusion, Finding, Severity } from '../checks/types.js';
import { compareByLocation, countSeverities, hasPath, plural, problemsTitle, singleLine } from './common.js';

/** Stands in for the path of findings about the whole change (no file). */
export const PATHLESS_LOCATION = '<change>';

function positiveOr1(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1;
}

/** `path:line:col: severity [check/rule] message`, the compiler-style line editors and problem matchers read. */
export function formatFindingLine(finding: Finding): string {
  const location = hasPath(finding)
    ? `${finding.path}:${positiveOr1(finding.startLine)}:${positiveOr1(finding.startColumn)}`
    : PATHLESS_LOCATION;
  const message = singleLine(finding.message) || singleLine(finding.title);
  return `${location}: ${finding.severity} [${finding.checkId}/${finding.ruleId}] ${message}`;
}

/**
 * CLI text: one line per finding (by check, then file and position), one status line per check
 * that did not pass cleanly, then a tally.
 */
export function formatText(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    for (const finding of [...result.findings].sort(compareByLocation)) {
      lines.push(formatFindingLine(finding));
      for (const artifact of finding.artifacts ?? []) lines.push(`  ${artifact.kind} image: ${artifact.path}`);
    }
  }
  const statusLines = results
    .filter((result) => result.conclusion !== 'success')
    .map((result) => {
      const summary = singleLine(result.summary);
      return `${result.checkId}: ${result.conclusion}${summary ? ` — ${summary}` : ''}`;
    });
  if (statusLines.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(...statusLines);
  }
  if (lines.length > 0) lines.push('');
  lines.push(tallyLine(results));
  return `${lines.join('\n')}\n`;
}

function tallyLine(results: readonly CheckResult[]): string {
  const findings = results.flatMap((result) => result.findings);
  const checks = plural(results.length, 'check');
  if (findings.length === 0) return `No problems found (${checks}).`;
  const counts = countSeverities(findings);
  return `${plural(findings.length, 'problem')} (${problemsTitle(counts)}) in ${checks}.`;
}

/** The stable, documented JSON shape of `platform-kit check --format json`. */
export interface JsonReport {
  checks: Array<{
    id: string;
    conclusion: Conclusion;
    summary: string;
    findings: Array<{
      checkId: string;
      ruleId: string;
      severity: Severity;
      path: string | null;
      startLine: number | null;
      endLine: number | null;
      title: string;
      message: string;
    }>;
  }>;
}

/**
 * Every key is always present (absent values are null) and keys come in this order, so consumers
 * can rely on the shape. Findings keep the order the checks reported them in.
 */
export function toJsonReport(results: readonly CheckResult[]): JsonReport {
  return {
    checks: results.map((result) => ({
      id: result.checkId,
      conclusion: result.conclusion,
      summary: result.summary,
      findings: result.findings.map((finding) => ({
        checkId: finding.checkId,
        ruleId: finding.ruleId,
        severity: finding.severity,
        path: hasPath(finding) ? finding.path : null,
        startLine: finding.startLine ?? null,
        endLine: finding.endLine ?? finding.startLine ?? null,
        title: finding.title,
        message: finding.message,
      })),
    })),
  };
}

/** Pretty-printed with two spaces, without a trailing newline. */
export function formatJson(results: readonly CheckResult[]): string {
  return JSON.stringify(toJsonReport(results), null, 2);
}
