import type { ChangedFile, ChangeSet, FileStatus, PullRequestInfo, Side } from '../checks/types.js';
import type { GitHubClient, RepoRef } from './client.js';
import { CommitFiles } from './commit-files.js';
import { parsePatchHunks } from './patch.js';

/** GitHub's list-files API stops at 3,000 files per pull request. */
export const PR_FILES_LIMIT = 3000;
/** The compare API lists at most 300 files. */
export const COMPARE_FILES_LIMIT = 300;
const PAGE_SIZE = 100;

/** The fields of a pull request the App uses: a webhook's `pull_request` and GET /pulls/{n} both fit. */
export interface PullRequestLike {
  number: number;
  title: string;
  body?: string | null;
  draft?: boolean;
  labels?: Array<{ name?: string }>;
  user?: { login: string } | null;
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string; sha: string; repo: { full_name: string; default_branch?: string } };
  changed_files?: number;
}

/** A file entry of the PR files and compare APIs. */
interface GitHubFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string;
  previous_filename?: string;
}

const FILE_STATUSES: readonly FileStatus[] = ['added', 'modified', 'removed', 'renamed', 'copied', 'changed', 'unchanged'];

export function toChangedFile(file: GitHubFile): ChangedFile {
  const status = (FILE_STATUSES as readonly string[]).includes(file.status) ? (file.status as FileStatus) : 'changed';
  const changed: ChangedFile = { path: file.filename, status, additions: file.additions, deletions: file.deletions };
  if (file.previous_filename !== undefined) changed.previousPath = file.previous_filename;
  // GitHub leaves `patch` out for binary files and for diffs too large to show.
  if (file.patch !== undefined) changed.hunks = parsePatchHunks(file.patch);
  return changed;
}

/**
 * Whether the head lives anywhere but the base repository. Decides every write of code (autofix
 * commits, suggested changes on the diff): a fork gets check runs and the sticky comment only.
 */
export function isFromFork(pr: Pick<PullRequestLike, 'head' | 'base'>): boolean {
  // A deleted fork leaves `head.repo` null: still a fork.
  const headRepo = pr.head.repo?.full_name;
  return !headRepo || headRepo !== pr.base.repo.full_name;
}

export function pullRequestInfo(pr: PullRequestLike): PullRequestInfo {
  const info: PullRequestInfo = {
    number: pr.number,
    title: pr.title,
    body: pr.body ?? '',
    labels: (pr.labels ?? []).flatMap((label) => (label.name ? [label.name] : [])),
    headBranch: pr.head.ref,
    baseBranch: pr.base.ref,
    draft: pr.draft ?? false,
    author: pr.user?.login ?? '',
    fromFork: isFromFork(pr),
  };
  if (pr.changed_files !== undefined) info.changedFiles = pr.changed_files;
  return info;
}

function changeSetOver(
  octokit: GitHubClient,
  repo: RepoRef,
  shas: Record<Side, () => Promise<string>> & { baseTip?: string },
  fields: Omit<ChangeSet, 'readFile' | 'listFiles'>,
): ChangeSet {
  const sides: Record<Side, CommitFiles> = {
    base: new CommitFiles(octokit, repo, shas.base),
    head: new CommitFiles(octokit, repo, shas.head),
  };
  const changeSet: ChangeSet = {
    ...fields,
    readFile: (side, path) => sides[side].readFile(path),
    listFiles: (side, glob) => sides[side].listFiles(glob),
    readBytes: (side, path) => sides[side].readBytes(path),
  };
  const tipSha = shas.baseTip;
  if (tipSha !== undefined) {
    let tip: CommitFiles | undefined;
    // Usually the branch has not moved since the change branched off: the base side's listing serves.
    changeSet.listBaseTipFiles = async (glob) =>
      (await shas.base()) === tipSha ? sides.base.listFiles(glob) : (tip ??= new CommitFiles(octokit, repo, async () => tipSha)).listFiles(glob);
  }
  return changeSet;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      pending = load();
      pending.catch(() => (pending = undefined));
    }
    return pending;
  };
}

/**
 * A pull request's change set over the REST API. Files come from the PR files API (100 per page,
 * at most 3,000); contents and listings are fetched only when a check asks. The base side is read
 * at the merge base, like GitHub's diff: `base.sha` is the base branch tip the PR reports, and the
 * merge base costs one compare request the first time a check reads the base side.
 */
export async function loadPullRequestChangeSet(octokit: GitHubClient, repo: RepoRef, pr: PullRequestLike): Promise<ChangeSet> {
  const listed = await listPullRequestFiles(octokit, repo, pr);
  const mergeBase = once(async () => {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
      ...repo,
      basehead: `${pr.base.sha}...${pr.head.sha}`,
      per_page: 1,
    });
    return data.merge_base_commit.sha;
  });
  return changeSetOver(
    octokit,
    repo,
    { base: mergeBase, head: async () => pr.head.sha, baseTip: pr.base.sha },
    {
      base: { ref: pr.base.ref, sha: pr.base.sha },
      head: { ref: pr.head.ref, sha: pr.head.sha },
      files: listed.files,
      pullRequest: pullRequestInfo(pr),
      ...(listed.truncated ? { truncated: listed.truncated } : {}),
    },
  );
}

interface ListedFiles {
  files: ChangedFile[];
  truncated?: { reason: string };
}

export function tooManyFilesReason(changedFiles: number): string {
  return `this pull request changes ${changedFiles.toLocaleString('en-US')} files and GitHub lists at most ${PR_FILES_LIMIT.toLocaleString('en-US')} per pull request, so the change cannot be checked as a whole`;
}

async function listPullRequestFiles(octokit: GitHubClient, repo: RepoRef, pr: PullRequestLike): Promise<ListedFiles> {
  const expected = pr.changed_files;
  // Checks conclude neutral on a truncated change without reading it: the 30 pages are not worth fetching.
  if (expected !== undefined && expected > PR_FILES_LIMIT) return { files: [], truncated: { reason: tooManyFilesReason(expected) } };

  const files: ChangedFile[] = [];
  for (let page = 1; files.length < PR_FILES_LIMIT; page++) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
      ...repo,
      pull_number: pr.number,
      per_page: PAGE_SIZE,
      page,
    });
    files.push(...data.map(toChangedFile));
    if (data.length < PAGE_SIZE) break;
    // Knowing the total saves the request that would return an empty page.
    if (expected !== undefined && files.length >= expected) break;
  }
  if (expected === undefined && files.length >= PR_FILES_LIMIT) {
    return { files, truncated: { reason: `GitHub lists at most ${PR_FILES_LIMIT.toLocaleString('en-US')} files per pull request and this one reaches that limit` } };
  }
  return { files };
}

export interface PushRef {
  /** Full ref, e.g. `refs/heads/main`. */
  ref: string;
  before: string;
  after: string;
}

/**
 * The change a push brings, from the compare API (`before...after`). The base side is the merge
 * base, which differs from `before` only after a force push.
 */
export async function loadPushChangeSet(octokit: GitHubClient, repo: RepoRef, push: PushRef): Promise<ChangeSet> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
    ...repo,
    basehead: `${push.before}...${push.after}`,
  });
  const files = (data.files ?? []).map(toChangedFile);
  const baseSha = data.merge_base_commit.sha;
  const branch = push.ref.replace(/^refs\/heads\//, '');
  const truncated =
    files.length >= COMPARE_FILES_LIMIT
      ? { reason: `this push changes ${COMPARE_FILES_LIMIT} files or more and GitHub's compare API lists at most ${COMPARE_FILES_LIMIT}, so the change cannot be checked as a whole` }
      : undefined;
  return changeSetOver(
    octokit,
    repo,
    { base: async () => baseSha, head: async () => push.after },
    {
      base: { ref: branch, sha: baseSha },
      head: { ref: branch, sha: push.after },
      files,
      ...(truncated ? { truncated } : {}),
    },
  );
}
