import { createHash } from 'node:crypto';
import { ruleDocsUrl } from '../checks/docs-url.js';
import type { ChangedFile, CheckResult, Finding } from '../checks/types.js';
import { clipUtf16, codeSpan, compareByLocation, compareBySeverity, fencedBlock, markdownText, plural, SEVERITY_EMOJI } from '../report/common.js';
import { silentLog, type EventLog, type GitHubClient, type RepoRef } from './client.js';

/**
 * Suggested changes on the diff: findings that carry replacement text for lines the pull request
 * shows are posted as review comments with ```suggestion blocks, all new ones in one review, so
 * the author applies them with a click. Each comment carries the fingerprint of its suggestion,
 * and a suggestion already on the pull request is never posted again.
 */

/** A pull request page stays readable, and one event stays far below GitHub's content-creation limits. */
export const MAX_SUGGESTIONS_ON_DIFF = 20;
/** GitHub refuses review comment bodies over 65,536 characters; a suggestion is never cut, so a longer one stays in the sticky comment. */
const REVIEW_COMMENT_BUDGET = 65_000;
const MESSAGE_LIMIT = 4_000;
const PAGE_SIZE = 100;
const MARKER_PATTERN = /^<!-- platform-kit:suggestion ([0-9a-f]{64}) -->/;

export type SuggestionFinding = Finding & { path: string; startLine: number; endLine: number; suggestion: string };

export interface PlannedSuggestion {
  finding: SuggestionFinding;
  fingerprint: string;
  body: string;
}

export interface SuggestionPlan {
  /** What belongs on the diff, most severe first, at most MAX_SUGGESTIONS_ON_DIFF. */
  onDiff: PlannedSuggestion[];
  /** Findings with a suggestion that stay in the sticky comment only. */
  elsewhere: number;
}

/** Where each suggestion on the diff is: the link of the review that posted it. */
export type SuggestionLinks = Map<string, string | undefined>;

export interface ReviewSuggestionsOutcome {
  links: SuggestionLinks;
  /** New review comments this event posted (0 when every one was there already). */
  posted: number;
  alreadyOnDiff: number;
  /** Suggestions left to the sticky comment: outside the diff, overlapping a more severe one, too long, or over the cap. */
  elsewhere: number;
  reviewId?: number;
}

export interface PostReviewSuggestionsOptions {
  octokit: GitHubClient;
  repo: RepoRef;
  pullNumber: number;
  headSha: string;
  results: readonly CheckResult[];
  /** The pull request's changed files with their head-side hunks. */
  files: readonly ChangedFile[];
  /** Only review comments by this login count as ours (e.g. `my-app[bot]`); default any Bot. */
  botLogin?: string;
  log?: EventLog;
}

/** Identifies one suggestion for one place: the same finding with the same fix at the same lines. */
export function suggestionFingerprint(finding: SuggestionFinding): string {
  const key = JSON.stringify([finding.checkId, finding.ruleId, finding.path, finding.startLine, finding.endLine, finding.suggestion]);
  return createHash('sha256').update(key).digest('hex');
}

export function suggestionMarker(fingerprint: string): string {
  return `<!-- platform-kit:suggestion ${fingerprint} -->`;
}

/** The fingerprint in a review comment body written by Platform Kit (its first line), or undefined. */
export function suggestionFingerprintOf(body: string): string | undefined {
  return MARKER_PATTERN.exec(body.replace(/^\uFEFF/, '').trimStart())?.[1];
}

/** The finding with its line range made explicit, when it carries a suggestion for lines of a file. */
export function asSuggestionFinding(finding: Finding): SuggestionFinding | undefined {
  if (finding.suggestion === undefined || !finding.path || !isLine(finding.startLine)) return undefined;
  const endLine = finding.endLine ?? finding.startLine;
  if (!isLine(endLine) || endLine < finding.startLine) return undefined;
  return { ...finding, path: finding.path, startLine: finding.startLine, endLine, suggestion: finding.suggestion };
}

/** The review comment for one suggestion: marker, severity, title, rule with its docs, message, suggested change. */
export function reviewCommentBody(finding: SuggestionFinding, fingerprint: string): string {
  const rule = codeSpan(`${finding.checkId}/${finding.ruleId}`);
  const docs = finding.docsUrl ?? ruleDocsUrl(finding.checkId, finding.ruleId);
  const title = markdownText(clipUtf16(finding.title, 255));
  const message = markdownText(clipUtf16(finding.message, MESSAGE_LIMIT));
  return [
    suggestionMarker(fingerprint),
    `${SEVERITY_EMOJI[finding.severity]} **${title}** · [${rule}](${docs})`,
    '',
    ...(message ? [message, ''] : []),
    fencedBlock('suggestion', finding.suggestion),
    '',
  ].join('\n');
}

/**
 * Which suggestions go on the diff. GitHub takes review comments only on lines the diff shows, and
 * a multi-line comment only within one hunk; of suggestions for overlapping lines only the most
 * severe goes on the diff, since applying one makes the other stale (GitHub cannot apply both).
 */
export function planSuggestions(results: readonly CheckResult[], files: readonly ChangedFile[]): SuggestionPlan {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const candidates = results
    .flatMap((result) => result.findings)
    .flatMap((finding) => asSuggestionFinding(finding) ?? [])
    .sort(compareByLocation)
    .sort(compareBySeverity);
  const taken: SuggestionFinding[] = [];
  const onDiff: PlannedSuggestion[] = [];
  const seen = new Set<string>();
  let elsewhere = 0;
  for (const finding of candidates) {
    const fingerprint = suggestionFingerprint(finding);
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    const body = reviewCommentBody(finding, fingerprint);
    const placeable =
      onDiff.length < MAX_SUGGESTIONS_ON_DIFF &&
      withinOneHunk(byPath.get(finding.path), finding.startLine, finding.endLine) &&
      !taken.some((other) => other.path === finding.path && other.startLine <= finding.endLine && finding.startLine <= other.endLine) &&
      body.length <= REVIEW_COMMENT_BUDGET;
    if (!placeable) {
      elsewhere += 1;
      continue;
    }
    taken.push(finding);
    onDiff.push({ finding, fingerprint, body });
  }
  return { onDiff, elsewhere };
}

/**
 * Posts the planned suggestions that are not on the pull request yet, as one review. No request at
 * all when nothing can go on the diff; one list (a page per 100 review comments) when everything is
 * there already; one review more otherwise.
 */
export async function postReviewSuggestions(options: PostReviewSuggestionsOptions): Promise<ReviewSuggestionsOutcome | undefined> {
  const log = options.log ?? silentLog;
  const plan = planSuggestions(options.results, options.files);
  if (plan.onDiff.length === 0) return undefined;

  const existing = await listOurSuggestions(options);
  const links: SuggestionLinks = new Map();
  const missing: PlannedSuggestion[] = [];
  for (const planned of plan.onDiff) {
    if (existing.has(planned.fingerprint)) links.set(planned.fingerprint, existing.get(planned.fingerprint));
    else missing.push(planned);
  }
  const outcome: ReviewSuggestionsOutcome = { links, posted: 0, alreadyOnDiff: plan.onDiff.length - missing.length, elsewhere: plan.elsewhere };
  if (missing.length === 0) return outcome;

  const { data: review } = await options.octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
    ...options.repo,
    pull_number: options.pullNumber,
    commit_id: options.headSha,
    event: 'COMMENT',
    body: `Platform Kit suggests ${plural(missing.length, 'change')} for its findings on this diff; the check runs list every finding.`,
    comments: missing.map(({ finding, body }) => ({
      path: finding.path,
      line: finding.endLine,
      side: 'RIGHT',
      ...(finding.startLine < finding.endLine ? { start_line: finding.startLine, start_side: 'RIGHT' } : {}),
      body,
    })),
  });
  for (const planned of missing) links.set(planned.fingerprint, review.html_url);
  log.info({ pullRequest: options.pullNumber, review: review.id, posted: missing.length }, `posted ${plural(missing.length, 'suggested change')} on the diff`);
  return { ...outcome, posted: missing.length, reviewId: Number(review.id) };
}

/**
 * The results the sticky comment renders: a suggestion that is on the diff is linked there
 * instead of repeated, so the comment and the diff do not offer the same change twice.
 */
export function markSuggestedOnDiff(results: readonly CheckResult[], links: SuggestionLinks): CheckResult[] {
  if (links.size === 0) return [...results];
  return results.map((result) => ({
    ...result,
    findings: result.findings.map((finding) => {
      const suggestion = asSuggestionFinding(finding);
      if (!suggestion) return finding;
      const fingerprint = suggestionFingerprint(suggestion);
      if (!links.has(fingerprint)) return finding;
      const url = links.get(fingerprint);
      const { suggestion: _onDiff, ...rest } = finding;
      const where = url ? `**Suggested on the diff**: [apply it there](${url}).` : '**Suggested on the diff.**';
      return { ...rest, message: `${finding.message}\n\n${where}` };
    }),
  }));
}

async function listOurSuggestions(options: PostReviewSuggestionsOptions): Promise<Map<string, string>> {
  const ours = new Map<string, string>();
  for (let page = 1; ; page++) {
    const { data } = await options.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
      ...options.repo,
      pull_number: options.pullNumber,
      per_page: PAGE_SIZE,
      page,
    });
    for (const comment of data) {
      const author = comment.user;
      const byUs = options.botLogin ? author?.login === options.botLogin : author?.type === 'Bot';
      const fingerprint = byUs ? suggestionFingerprintOf(comment.body) : undefined;
      if (fingerprint && !ours.has(fingerprint)) ours.set(fingerprint, reviewUrl(comment.html_url, comment.pull_request_review_id));
    }
    if (data.length < PAGE_SIZE) break;
  }
  return ours;
}

/**
 * The review a comment belongs to, the link given when it was posted: the sticky comment then
 * reads the same on every later event instead of changing once.
 */
function reviewUrl(commentUrl: string, reviewId: number | bigint | null): string {
  return reviewId === null ? commentUrl : `${commentUrl.replace(/#.*$/, '')}#pullrequestreview-${reviewId}`;
}

function withinOneHunk(file: ChangedFile | undefined, startLine: number, endLine: number): boolean {
  if (!file || file.status === 'removed' || !file.hunks) return false;
  return file.hunks.some((hunk) => hunk.headLines > 0 && hunk.headStart <= startLine && endLine <= hunk.headStart + hunk.headLines - 1);
}

function isLine(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value) && value >= 1;
}
