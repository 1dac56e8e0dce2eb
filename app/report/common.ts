import type { Conclusion, Finding, FindingArtifact, Severity } from '../checks/types.js';

/** Most severe first: reporters list and annotate in this order so truncation drops notices first. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'notice'];

export type SeverityCounts = Record<Severity, number>;

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function countSeverities(findings: readonly Finding[]): SeverityCounts {
  const counts: SeverityCounts = { error: 0, warning: 0, notice: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** "2 errors, 1 warning" (zero counts left out), or "No problems found". */
export function problemsTitle(counts: SeverityCounts): string {
  const parts = SEVERITIES.filter((severity) => counts[severity] > 0).map((severity) =>
    plural(counts[severity], severity),
  );
  return parts.length > 0 ? parts.join(', ') : 'No problems found';
}

export { overallConclusion as combinedConclusion } from '../checks/engine.js';

export const CONCLUSION_EMOJI: Record<Conclusion, string> = {
  success: '✅',
  failure: '❌',
  neutral: '⚪',
};

export const SEVERITY_EMOJI: Record<Severity, string> = {
  error: '❌',
  warning: '⚠️',
  notice: 'ℹ️',
};

export function checkRunName(checkId: string): string {
  return `platform-kit/${checkId}`;
}

/** Stable sort: findings about the whole change first, then by path, line and column. */
export function compareByLocation(a: Finding, b: Finding): number {
  if (!hasPath(a) || !hasPath(b)) return (hasPath(a) ? 1 : 0) - (hasPath(b) ? 1 : 0);
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return (a.startLine ?? 0) - (b.startLine ?? 0) || (a.startColumn ?? 0) - (b.startColumn ?? 0);
}

export function compareBySeverity(a: Finding, b: Finding): number {
  return severityRank(a.severity) - severityRank(b.severity);
}

function positiveInteger(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
}

export interface LineRange {
  startLine: number;
  endLine: number;
  /** Only when the range is on one line: GitHub rejects columns on multi-line annotations. */
  startColumn?: number;
  endColumn?: number;
}

/**
 * A range GitHub accepts: lines ≥ 1 (line 1 when the finding has none), end ≥ start, and
 * columns only on single-line ranges with end column ≥ start column.
 */
export function annotationRange(finding: Finding): LineRange {
  const startLine = positiveInteger(finding.startLine) ?? 1;
  const endLine = Math.max(positiveInteger(finding.endLine) ?? startLine, startLine);
  const range: LineRange = { startLine, endLine };
  const startColumn = positiveInteger(finding.startColumn);
  if (startLine === endLine && startColumn !== undefined) {
    range.startColumn = startColumn;
    range.endColumn = Math.max(positiveInteger(finding.endColumn) ?? startColumn, startColumn);
  }
  return range;
}

/** Findings with an empty path are treated as findings about the whole change. */
export function hasPath(finding: Finding): finding is Finding & { path: string } {
  return finding.path !== undefined && finding.path !== '';
}

/** `path:line` (or `path`), or a label for findings about the whole change. */
export function locationLabel(finding: Finding, pathless = 'whole change'): string {
  if (!hasPath(finding)) return pathless;
  const line = positiveInteger(finding.startLine);
  return line === undefined ? finding.path : `${finding.path}:${line}`;
}

/** GitHub counts body sizes in characters; UTF-16 code units are never fewer than those. */
export function utf16Length(text: string): number {
  return text.length;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Cut to at most `max` UTF-16 code units, never between the halves of a surrogate pair. */
export function clipUtf16(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ellipsis.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ellipsis;
}

/** Cut to at most `maxBytes` UTF-8 bytes on a code point boundary. */
export function clipUtf8(text: string, maxBytes: number, ellipsis = '…'): string {
  if (utf8Length(text) <= maxBytes) return text;
  const room = Math.max(0, maxBytes - utf8Length(ellipsis));
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > room) break;
    bytes += size;
    out += char;
  }
  return out + ellipsis;
}

/**
 * Text from checks is inserted into Markdown: an HTML comment opener would hide everything after
 * it (including later findings), so it is neutralised; the rest is left as the check wrote it.
 */
export function markdownText(text: string): string {
  return text.replace(/<!--/g, '&lt;!--');
}

/** One table cell: no pipes or line breaks that would end the cell or the row. */
export function tableCell(text: string): string {
  return markdownText(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

export function singleLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(' ');
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}

/** A code fence longer than any backtick run inside the content, so the content cannot close it. */
export function fencedBlock(info: string, content: string): string {
  const longestRun = longestBacktickRun(content);
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  // An empty suggestion deletes the lines; a blank line inside the fence would leave one behind.
  const body = content === '' || content.endsWith('\n') ? content : `${content}\n`;
  return `${fence}${info}\n${body}${fence}`;
}

export interface BudgetedList {
  /** Always included (clipped only if it alone exceeds the budget). */
  head: string;
  /** Added in order while they fit; the first one that does not fit ends the list. */
  items: readonly string[];
  /** How many findings each item stands for (defaults to 1 per item). */
  weights?: readonly number[];
  /** Findings left out before budgeting (a count cap): always reported in the "N more" line. */
  alreadyOmitted?: number;
  /** The line that replaces the items left out, given how many findings they held. */
  more(omitted: number): string;
  budget: number;
  /** What the budget counts: UTF-16 code units (GitHub's character limits) or UTF-8 bytes (files). */
  unit: 'utf16' | 'utf8';
}

export interface BudgetedText {
  text: string;
  shownItems: number;
  omittedFindings: number;
}

/**
 * Joins head and items within a size budget. Room for the "N more" line is reserved while items
 * remain, so the result never exceeds the budget and always says how much was left out.
 */
export function fitWithinBudget(list: BudgetedList): BudgetedText {
  const measure = list.unit === 'utf8' ? utf8Length : utf16Length;
  const clip = list.unit === 'utf8' ? clipUtf8 : clipUtf16;
  const weightOf = (index: number): number => list.weights?.[index] ?? 1;
  const alreadyOmitted = list.alreadyOmitted ?? 0;
  const totalWeight = list.items.reduce((sum, _item, index) => sum + weightOf(index), 0) + alreadyOmitted;
  const reserve = measure(list.more(Math.max(totalWeight, 1))) + 1;
  let text = clip(list.head, Math.max(0, list.budget - reserve));
  let used = measure(text);
  let shown = 0;
  let shownWeight = 0;
  for (const [index, item] of list.items.entries()) {
    const isLast = index === list.items.length - 1 && alreadyOmitted === 0;
    const size = measure(item);
    if (used + size + (isLast ? 0 : reserve) > list.budget) break;
    text += item;
    used += size;
    shown += 1;
    shownWeight += weightOf(index);
  }
  const omittedFindings = totalWeight - shownWeight;
  if (omittedFindings > 0) text += `\n${list.more(omittedFindings)}`;
  return { text, shownItems: shown, omittedFindings };
}

export function moreFindingsLine(omitted: number, where?: string): string {
  const suffix = where === undefined ? '' : `; ${where}`;
  return `… ${plural(omitted, 'more finding')} not shown${suffix}.`;
}

/** Inline code that survives backticks in the content. */
/** Artifacts uploaded somewhere people can open them (http or https), as opposed to files where the check ran. */
export function isArtifactUrl(path: string): boolean {
  return /^https?:\/\//i.test(path);
}

/** `before `a.png` · after `b.png` · diff `c.png``, or links when the artifacts are URLs. */
export function artifactList(artifacts: readonly FindingArtifact[]): string {
  return artifacts.map((artifact) => (isArtifactUrl(artifact.path) ? `[${artifact.kind}](${artifact.path})` : `${artifact.kind} ${codeSpan(artifact.path)}`)).join(' · ');
}

export function codeSpan(text: string): string {
  const longestRun = longestBacktickRun(text);
  const ticks = '`'.repeat(longestRun + 1);
  const pad = longestRun > 0 ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}
