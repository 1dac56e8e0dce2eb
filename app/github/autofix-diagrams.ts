import { readFile } from 'node:fs/promises';
import type { CheckResult } from '../checks/types.js';
import { isSafeRelativePath, safeRelativePath } from '../util/safe-path.js';
import { errorMessage, httpStatus, silentLog, type EventLog, type GitHubClient, type RepoRef } from './client.js';

/**
 * Commits regenerated diagram exports to a pull request's branch through the Git Data API: one
 * blob per PNG, one tree on top of the head's, one commit, then the branch moved fast-forward only.
 * The commit message ends with a trailer naming the commit it fixes, which is how the App knows
 * an autofix commit when it meets one (it never fixes its own commit, and never fixes a head twice).
 *
 * What it may write is narrow on purpose: PNG exports only, at clean repository paths outside
 * `.git/` and `.github/`, as one commit whose parent is the checked head, onto the pull request's
 * own branch, never its base or the default branch, and never by force: if the branch moved,
 * GitHub refuses the update and nothing more is tried.
 */

/** `Platform-Kit-Autofix: diagrams <sha of the commit it regenerates exports for>`. */
export const AUTOFIX_TRAILER = 'Platform-Kit-Autofix';
const TRAILER_LINE = new RegExp(`^${AUTOFIX_TRAILER}: diagrams ([0-9a-f]{7,64})\\s*$`, 'm');

export interface RegeneratedFile {
  /** Repository-relative path of the export. */
  path: string;
  content: Uint8Array;
}

export type AutofixOutcome =
  | { status: 'committed'; sha: string; files: string[] }
  | { status: 'skipped'; reason: string };

/** The sha an autofix commit message says it fixes, or null for any other message. */
export function autofixTarget(message: string): string | null {
  return TRAILER_LINE.exec(message)?.[1] ?? null;
}

export function autofixMessage(headSha: string, files: readonly RegeneratedFile[]): string {
  const list = files.map((file) => `- ${file.path}`);
  return [
    `Regenerate ${files.length === 1 ? 'a diagram export' : `${files.length} diagram exports`}`,
    '',
    'Rendered by Platform Kit from the changed draw.io sources:',
    ...list,
    '',
    `${AUTOFIX_TRAILER}: diagrams ${headSha}`,
    '',
  ].join('\n');
}

/**
 * The fresh renders behind the diagrams check's `export-outdated` findings (their `after` image),
 * read from where the check wrote them. Exports that embed their diagram (`.drawio.png`) are left
 * out: a plain render would drop the embedded source.
 */
export async function regeneratedExports(results: readonly CheckResult[], read: (path: string) => Promise<Uint8Array> = readFile): Promise<RegeneratedFile[]> {
  const files = new Map<string, RegeneratedFile>();
  for (const result of results) {
    if (result.checkId !== 'diagrams') continue;
    for (const finding of result.findings) {
      if (finding.ruleId !== 'export-outdated' || finding.path === undefined || files.has(finding.path)) continue;
      if (finding.path.toLowerCase().endsWith('.drawio.png')) continue;
      const after = finding.artifacts?.find((artifact) => artifact.kind === 'after' && artifact.contentType === 'image/png');
      if (!after || /^https?:\/\//i.test(after.path)) continue;
      files.set(finding.path, { path: finding.path, content: await read(after.path) });
    }
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

export interface CommitRegeneratedInput {
  octokit: GitHubClient;
  repo: RepoRef;
  /** Branch name, without `refs/heads/`. */
  branch: string;
  /** The commit the exports were checked at; the new commit's parent. */
  headSha: string;
  files: readonly RegeneratedFile[];
  /** Branches never written to, whatever `branch` says: the pull request's base and the default branch. */
  protectedBranches?: readonly string[];
}

/** Why these files must not be committed at all, or undefined when they may. */
export function refusedFiles(files: readonly RegeneratedFile[]): string | undefined {
  for (const file of files) {
    if (!isSafeRelativePath(file.path) || safeRelativePath(file.path) !== file.path) return `${JSON.stringify(file.path)} is not a clean repository path`;
    if (!file.path.toLowerCase().endsWith('.png')) return `${file.path} is not a PNG export`;
    const top = file.path.split('/')[0]?.toLowerCase();
    if (top === '.git' || top === '.github') return `${file.path} is under ${top}/, which an autofix never writes`;
  }
  return undefined;
}

/** Why `branch` must not receive an autofix commit, or undefined when it may. */
export function refusedBranch(branch: string, protectedBranches: readonly string[] = []): string | undefined {
  if (branch.trim() === '' || branch.startsWith('refs/')) return `"${branch}" is not a branch name`;
  if (protectedBranches.includes(branch)) return `${branch} is the base or default branch; an autofix only ever commits to the pull request's own branch`;
  return undefined;
}

/**
 * API calls: 2 reads (the head commit, the branch) and, when it commits, one blob per file plus
 * tree, commit and ref update. Declines (without writing) when the head is itself an autofix
 * commit, or when the branch no longer points at the head (a newer push, or this head's fix).
 */
export async function commitRegeneratedExports(input: CommitRegeneratedInput): Promise<AutofixOutcome> {
  const { octokit, repo, branch, headSha, files } = input;
  if (files.length === 0) return { status: 'skipped', reason: 'no regenerated export to commit' };
  const refused = refusedBranch(branch, input.protectedBranches) ?? refusedFiles(files);
  if (refused) return { status: 'skipped', reason: refused };
  const { data: head } = await octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { ...repo, commit_sha: headSha });
  if (autofixTarget(head.message) !== null) {
    return { status: 'skipped', reason: `${short(headSha)} is itself an autofix commit; it is not fixed again` };
  }
  const tip = await branchTip(octokit, repo, branch);
  if (tip === null) return { status: 'skipped', reason: `the branch ${branch} no longer exists` };
  if (tip !== headSha) {
    const { data: tipCommit } = await octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { ...repo, commit_sha: tip });
    if (autofixTarget(tipCommit.message) === headSha) return { status: 'skipped', reason: `the exports of ${short(headSha)} were already regenerated in ${short(tip)}` };
    return { status: 'skipped', reason: `the branch ${branch} has moved on to ${short(tip)}` };
  }

  const entries = [];
  for (const file of files) {
    const { data: blob } = await octokit.request('POST /repos/{owner}/{repo}/git/blobs', { ...repo, content: Buffer.from(file.content).toString('base64'), encoding: 'base64' });
    entries.push({ path: file.path, mode: '100644' as const, type: 'blob' as const, sha: blob.sha });
  }
  const { data: tree } = await octokit.request('POST /repos/{owner}/{repo}/git/trees', { ...repo, base_tree: head.tree.sha, tree: entries });
  // No author: GitHub records the token's owner, the App's bot account.
  const { data: commit } = await octokit.request('POST /repos/{owner}/{repo}/git/commits', {
    ...repo,
    message: autofixMessage(headSha, files),
    tree: tree.sha,
    parents: [headSha],
  });
  try {
    await octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...repo, ref: `heads/${branch}`, sha: commit.sha, force: false });
  } catch (error) {
    // Someone pushed between our read of the branch and the update: their commit wins, and the fix
    // is not retried onto it (the push brings its own check, which may fix it again).
    if (httpStatus(error) === 422) return { status: 'skipped', reason: `the branch ${branch} moved while the fix was prepared (${errorMessage(error)})` };
    throw error;
  }
  return { status: 'committed', sha: commit.sha, files: files.map((file) => file.path) };
}

async function branchTip(octokit: GitHubClient, repo: RepoRef, branch: string): Promise<string | null> {
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

export interface PullRequestAutofixInput {
  octokit: GitHubClient;
  /** The repository the App was installed on and checked: the pull request's base repository. */
  repo: RepoRef;
  pullRequest: {
    head: { ref: string; sha: string; repo?: { full_name: string } | null };
    base: { ref: string; repo: { full_name: string; default_branch?: string } };
    fromFork: boolean;
  };
  enabled: boolean;
  results: readonly CheckResult[];
  log?: EventLog;
}

/**
 * Why the App must not commit to this pull request's head at all, or undefined when it may: its
 * head must live in the very repository being written (not a fork, not a deleted fork).
 */
export function refusedPullRequest(repo: RepoRef, pullRequest: PullRequestAutofixInput['pullRequest']): string | undefined {
  const headRepo = pullRequest.head.repo?.full_name;
  if (pullRequest.fromFork || !headRepo || headRepo !== pullRequest.base.repo.full_name) return 'the pull request comes from a fork; nothing is committed to it';
  if (headRepo.toLowerCase() !== `${repo.owner}/${repo.repo}`.toLowerCase()) return `the pull request's head lives in ${headRepo}, not in ${repo.owner}/${repo.repo}`;
  return undefined;
}

/**
 * The App's autofix step for a checked pull request: undefined when it does not apply (disabled,
 * a fork, nothing outdated). A failure is logged and returned as skipped: the findings are still
 * worth publishing.
 */
export async function autofixPullRequest(input: PullRequestAutofixInput): Promise<AutofixOutcome | undefined> {
  const log = input.log ?? silentLog;
  if (!input.enabled) return undefined;
  const refused = refusedPullRequest(input.repo, input.pullRequest);
  if (refused) {
    log.info({ headRef: input.pullRequest.head.ref }, `autofix not attempted: ${refused}`);
    return undefined;
  }
  const { head, base } = input.pullRequest;
  const protectedBranches = [base.ref, ...(base.repo.default_branch ? [base.repo.default_branch] : [])];
  try {
    const files = await regeneratedExports(input.results);
    if (files.length === 0) return undefined;
    const outcome = await commitRegeneratedExports({ octokit: input.octokit, repo: input.repo, branch: head.ref, headSha: head.sha, files, protectedBranches });
    log.info({ autofix: outcome }, outcome.status === 'committed' ? `autofix: committed ${outcome.files.length} regenerated export(s) as ${outcome.sha}` : `autofix skipped: ${outcome.reason}`);
    return outcome;
  } catch (error) {
    log.error({ err: error }, 'autofix failed; the findings are published without it');
    return { status: 'skipped', reason: `the autofix commit failed: ${errorMessage(error)}` };
  }
}

/** Tells, in the diagrams check's summary, that the regenerated exports were committed. */
export function noteAutofix(results: readonly CheckResult[], outcome: AutofixOutcome): CheckResult[] {
  if (outcome.status !== 'committed') return [...results];
  const count = outcome.files.length;
  const note = ` Platform Kit committed ${count === 1 ? 'the regenerated export' : `${count} regenerated exports`} to the branch as ${short(outcome.sha)}; the checks run again on that commit.`;
  return results.map((result) => (result.checkId === 'diagrams' ? { ...result, summary: `${result.summary.trimEnd()}${note}` } : result));
}
