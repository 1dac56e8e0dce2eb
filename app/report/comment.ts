import type { CheckResult, Conclusion } from '../checks/types.js';
import {
  checkRunName,
  clipUtf16,
  combinedConclusion,
  compareByLocation,
  compareBySeverity,
  CONCLUSION_EMOJI,
  countSeverities,
  fitWithinBudget,
  markdownText,
  moreFindingsLine,
  plural,
  problemsTitle,
  tableCell,
  type SeverityCounts,
} from './common.js';
import { findingMarkdown } from './markdown.js';

/** First line of every comment Platform Kit owns: how the comment is found again and edited. */
export const STICKY_MARKER = '<!-- platform-kit:sticky-comment -->';
/** GitHub's limit on an issue or pull request comment body. */
export const COMMENT_LIMIT = 65_536;
export const COMMENT_BUDGET = 65_000;
const CHECK_SUMMARY_LIMIT = 4_000;

export interface CommentMeta {
  headSha: string;
  /** Link for a check's row, usually its check run's html_url. */
  detailsUrl?: (checkId: string) => string | undefined;
}

/**
 * Whether a comment body is Platform Kit's sticky comment. Only the first line counts, so a
 * quoted marker inside someone else's comment does not match; callers should still check that
 * the comment's author is the App itself.
 */
export function isStickyComment(body: string): boolean {
  return body.replace(/^\uFEFF/, '').trimStart().startsWith(STICKY_MARKER);
}

function headline(conclusion: Conclusion, counts: SeverityCounts, checks: number): string {
  const found = counts.error + counts.warning + counts.notice > 0;
  const problems = problemsTitle(counts);
  const emoji = CONCLUSION_EMOJI[conclusion];
  if (checks === 0) return `${emoji} Platform Kit: no checks ran`;
  switch (conclusion) {
    case 'failure':
      return `${emoji} Platform Kit: failed — ${problems}`;
    case 'neutral':
      return `${emoji} Platform Kit: inconclusive${found ? ` — ${problems}` : ''}`;
    case 'success':
      return found ? `${emoji} Platform Kit: passed with ${problems}` : `${emoji} Platform Kit: all checks passed`;
  }
}

function tableRow(result: CheckResult, meta: CommentMeta): string {
  const name = checkRunName(result.checkId);
  const url = meta.detailsUrl?.(result.checkId);
  const check = url ? `[${tableCell(name)}](${url})` : tableCell(name);
  const counts = countSeverities(result.findings);
  const outcome = `${CONCLUSION_EMOJI[result.conclusion]} ${result.conclusion}`;
  return `| ${check} | ${outcome} | ${counts.error} | ${counts.warning} | ${counts.notice} |`;
}

interface Section {
  items: string[];
  weights: number[];
}

/** A check's heading travels with its first finding, so a heading never ends the comment alone. */
function checkSection(result: CheckResult, meta: CommentMeta): Section {
  const url = meta.detailsUrl?.(result.checkId);
  const name = checkRunName(result.checkId);
  const heading = [`\n### ${CONCLUSION_EMOJI[result.conclusion]} ${url ? `[${name}](${url})` : name}\n`];
  if (result.summary.trim()) heading.push(`\n${markdownText(clipUtf16(result.summary.trim(), CHECK_SUMMARY_LIMIT))}\n`);
  heading.push('\n');
  const findings = [...result.findings].sort(compareByLocation).sort(compareBySeverity);
  if (findings.length === 0) return { items: [heading.join('')], weights: [0] };
  const items = findings.map((finding) => findingMarkdown(finding, { showPath: true, suggestionFence: 'suggestion' }));
  items[0] = heading.join('') + items[0];
  return { items, weights: items.map(() => 1) };
}

/** The single sticky PR comment: marker, overall outcome, one table row per check, then the findings. */
export function renderComment(results: readonly CheckResult[], meta: CommentMeta): string {
  const counts = countSeverities(results.flatMap((result) => result.findings));
  const conclusion = combinedConclusion(results);
  const head = [
    STICKY_MARKER,
    `## ${headline(conclusion, counts, results.length)}`,
    '',
    `Results for ${meta.headSha} · ${plural(results.length, 'check')}.`,
    '',
  ];
  if (results.length > 0) {
    head.push(
      '| Check | Result | Errors | Warnings | Notices |',
      '|---|---|---:|---:|---:|',
      ...results.map((result) => tableRow(result, meta)),
      '',
    );
  }
  // Passing checks with nothing to say need no section of their own: the table covers them.
  const sections = results
    .filter((result) => result.findings.length > 0 || result.conclusion !== 'success')
    .map((result) => checkSection(result, meta));
  return fitWithinBudget({
    head: head.join('\n'),
    items: sections.flatMap((section) => section.items),
    weights: sections.flatMap((section) => section.weights),
    more: (omitted) => moreFindingsLine(omitted, 'the check runs list every finding'),
    budget: COMMENT_BUDGET,
    unit: 'utf16',
  }).text;
}
