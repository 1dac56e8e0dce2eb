import { stat } from 'node:fs/promises';
import picomatch from 'picomatch';
import { FileTooLargeError, MAX_BYTES_READ, type ChangedFile, type ChangeSet, type FileRead, type PullRequestInfo, type Side } from '../checks/types.js';
import { safeRelativePath, UnsafePathError } from '../util/safe-path.js';
import { parseNameStatusZ, parseNumstatZ, parseUnifiedHunks } from './diff-parse.js';
import { BlobReader } from './blob-reader.js';
import { git, gitBuffer, GitError } from './git.js';

/** What a caller knows about the pull request (from an event payload or CLI flags). */
export interface PullRequestMetadata {
  number?: number;
  title?: string;
  body?: string;
  labels?: string[];
  headBranch?: string;
  baseBranch?: string;
  draft?: boolean;
  author?: string;
  fromFork?: boolean;
}

export interface LocalChangeSetOptions {
  /** Any directory inside the working tree. */
  repoDir: string;
  /** Base ref (branch, tag or SHA); default: see {@link resolveDefaultBase}. */
  base?: string;
  /** Head ref; default `HEAD`. */
  head?: string;
  /** When given, the change set carries pull request metadata (missing fields get neutral defaults). */
  pullRequest?: PullRequestMetadata;
  /** Read for `GITHUB_BASE_REF`; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** A user-facing problem with the repository or the refs (exit code 2 in the CLI). */
export class ChangeSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangeSetError';
  }
}

const FALLBACK_BASES = ['origin/HEAD', 'origin/main', 'main', 'origin/master', 'master'];

async function resolveCommit(repoDir: string, ref: string): Promise<string | null> {
  try {
    const out = await git(repoDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    return out.trim() || null;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return null;
    throw error;
  }
}

/**
 * The base to compare against when the caller names none: the PR's base branch in Actions
 * (`GITHUB_BASE_REF`), else the usual default-branch names, remote first.
 */
export async function resolveDefaultBase(repoDir: string, env: Record<string, string | undefined> = process.env): Promise<string> {
  const baseRef = env['GITHUB_BASE_REF'];
  if (baseRef) {
    const candidate = `origin/${baseRef}`;
    if (await resolveCommit(repoDir, candidate)) return candidate;
    throw new ChangeSetError(`GITHUB_BASE_REF is "${baseRef}" but ${candidate} does not exist; fetch it (actions/checkout with fetch-depth: 0) or pass a base ref`);
  }
  for (const candidate of FALLBACK_BASES) {
    if (await resolveCommit(repoDir, candidate)) return candidate;
  }
  throw new ChangeSetError(`no base ref given and none of ${FALLBACK_BASES.join(', ')} exists; pass a base ref (--base)`);
}

/** The top folder of the checkout holding `repoDir`. */
export async function repositoryRoot(repoDir: string): Promise<string> {
  const info = await stat(repoDir).catch(() => null);
  if (!info?.isDirectory()) throw new ChangeSetError(`${repoDir} is not a directory`);
  try {
    return (await git(repoDir, ['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    if (error instanceof GitError && error.exitCode !== null) {
      throw new ChangeSetError(`${repoDir} is not inside a git repository`);
    }
    if (error instanceof GitError) throw new ChangeSetError(`cannot run git in ${repoDir}: ${error.message}`);
    throw error;
  }
}

async function mergeBase(repoDir: string, baseSha: string, headSha: string, baseRef: string, headRef: string): Promise<string> {
  try {
    return (await git(repoDir, ['merge-base', baseSha, headSha])).trim();
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) {
      throw new ChangeSetError(`${baseRef} and ${headRef} have no common ancestor (a shallow clone? fetch the full history, e.g. actions/checkout with fetch-depth: 0)`);
    }
    throw error;
  }
}

async function currentBranch(repoDir: string, headRef: string): Promise<string> {
  if (headRef !== 'HEAD') return headRef.replace(/^refs\/heads\//, '');
  try {
    const name = (await git(repoDir, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim();
    return name || headRef;
  } catch {
    // Detached HEAD (as in Actions checkouts of a PR merge ref): no branch name to report.
    return '';
  }
}

function shortBranch(ref: string): string {
  return ref.replace(/^refs\/(heads|remotes)\//, '').replace(/^origin\//, '');
}

async function loadFiles(repoDir: string, from: string, to: string): Promise<ChangedFile[]> {
  const range = [from, to];
  const common = ['diff', '--no-ext-diff', '--no-textconv', '-M'];
  const [nameStatus, numstat, patch] = await Promise.all([
    git(repoDir, [...common, '--name-status', '-z', ...range]),
    git(repoDir, [...common, '--numstat', '-z', ...range]),
    git(repoDir, [...common, '-U0', '--src-prefix=a/', '--dst-prefix=b/', ...range]),
  ]);
  const counts = new Map(parseNumstatZ(numstat).map((entry) => [entry.path, entry]));
  const hunks = parseUnifiedHunks(patch);
  return parseNameStatusZ(nameStatus).map((entry) => {
    const count = counts.get(entry.path);
    const binary = count !== undefined && count.additions === null;
    const file: ChangedFile = {
      path: entry.path,
      status: entry.status,
      additions: count?.additions ?? 0,
      deletions: count?.deletions ?? 0,
    };
    if (entry.previousPath !== undefined) file.previousPath = entry.previousPath;
    if (binary) file.binary = true;
    else file.hunks = hunks.get(entry.path) ?? [];
    return file;
  });
}

/**
 * The repository path git should look up, or null for a path no commit can hold (`../x`, `/etc/x`,
 * a NUL byte): git would read `<commit>:../x` relative to the working directory, and reads here
 * never leave the commit. Reads come from git's object store, never the working tree, so a symlink
 * in the checkout is read as its link text, not followed.
 */
function treePath(path: string): string | null {
  try {
    return safeRelativePath(path);
  } catch (error) {
    if (error instanceof UnsafePathError) return null;
    throw error;
  }
}

function createReader(repoDir: string, shas: Record<Side, string>) {
  const cache = new Map<string, Promise<FileRead>>();
  const blobs = new BlobReader(repoDir);
  return (side: Side, path: string): Promise<FileRead> => {
    const key = `${side}\0${path}`;
    let pending = cache.get(key);
    if (!pending) {
      const inTree = treePath(path);
      pending = inTree === null ? Promise.resolve({ kind: 'missing' }) : blobs.read(`${shas[side]}:${inTree}`);
      cache.set(key, pending);
    }
    return pending;
  };
}

/**
 * Raw bytes of `<commit>:<path>`: `git ls-tree -l` gives the entry's type and size (one process,
 * nothing loaded), then `git cat-file blob` the content when it is a regular file under the limit.
 */
export async function readBlobBytes(repoDir: string, commit: string, requested: string, limit = MAX_BYTES_READ): Promise<Uint8Array | null> {
  const path = treePath(requested);
  if (path === null || path.includes('\n')) return null;
  const listing = await git(repoDir, ['ls-tree', '-z', '-l', '--full-tree', commit, '--', path]);
  // `<mode> <type> <object> <size>\t<path>\0`; nothing when the path does not exist.
  const entry = listing.split('\0').find((line) => line.endsWith(`\t${path}`));
  const match = entry ? /^(\d+) (\w+) ([0-9a-f]+) +(\d+|-)\t/.exec(entry) : null;
  // Symlinks (120000) and submodules are not file content a check can compare.
  if (!match || match[2] !== 'blob' || match[1] === '120000') return null;
  const size = Number(match[4]);
  if (size > limit) throw new FileTooLargeError(path, size, limit);
  return new Uint8Array(await gitBuffer(repoDir, ['cat-file', 'blob', match[3] as string]));
}

function createByteReader(repoDir: string, shas: Record<Side, string>) {
  const cache = new Map<string, Promise<Uint8Array | null>>();
  return (side: Side, path: string): Promise<Uint8Array | null> => {
    const key = `${side}\0${path}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = readBlobBytes(repoDir, shas[side], path);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  };
}

function createLister<Key extends string>(repoDir: string, shas: Record<Key, string>) {
  const trees = new Map<Key, Promise<string[]>>();
  return async (side: Key, glob: string): Promise<string[]> => {
    let tree = trees.get(side);
    if (!tree) {
      tree = git(repoDir, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', shas[side]]).then((out) =>
        out.split('\0').filter((path) => path !== ''),
      );
      trees.set(side, tree);
    }
    const matches = picomatch(glob, { dot: true });
    return (await tree).filter((path) => matches(path)).sort();
  };
}

/**
 * A ChangeSet over a local checkout, as a pull request would show it: the diff runs from the
 * merge base of base and head to head (GitHub's three-dot comparison), so commits that landed on
 * the base branch after the feature branched off do not appear as changes. The `base` side of
 * reads and listings is that merge base.
 */
export async function loadLocalChangeSet(options: LocalChangeSetOptions): Promise<ChangeSet> {
  const repoDir = await repositoryRoot(options.repoDir);
  const headRef = options.head ?? 'HEAD';
  const baseRef = options.base ?? (await resolveDefaultBase(repoDir, options.env));
  const headSha = await resolveCommit(repoDir, headRef);
  if (!headSha) throw new ChangeSetError(`head ref "${headRef}" does not name a commit in ${repoDir}`);
  const baseTip = await resolveCommit(repoDir, baseRef);
  if (!baseTip) throw new ChangeSetError(`base ref "${baseRef}" does not name a commit in ${repoDir}`);
  const baseSha = await mergeBase(repoDir, baseTip, headSha, baseRef, headRef);
  const files = await loadFiles(repoDir, baseSha, headSha);
  const shas: Record<Side, string> = { base: baseSha, head: headSha };

  const changeSet: ChangeSet = {
    base: { ref: baseRef, sha: baseSha },
    head: { ref: headRef, sha: headSha },
    files,
    readFile: createReader(repoDir, shas),
    listFiles: createLister(repoDir, shas),
    readBytes: createByteReader(repoDir, shas),
  };
  if (baseTip !== baseSha) {
    const listTip = createLister(repoDir, { tip: baseTip });
    changeSet.listBaseTipFiles = (glob) => listTip('tip', glob);
  }
  if (options.pullRequest) {
    changeSet.pullRequest = await pullRequestInfo(repoDir, options.pullRequest, baseRef, headRef, files.length);
  }
  return changeSet;
}

async function pullRequestInfo(
  repoDir: string,
  meta: PullRequestMetadata,
  baseRef: string,
  headRef: string,
  changedFiles: number,
): Promise<PullRequestInfo> {
  return {
    number: meta.number ?? 0,
    title: meta.title ?? '',
    body: meta.body ?? '',
    labels: meta.labels ?? [],
    headBranch: meta.headBranch ?? (await currentBranch(repoDir, headRef)),
    baseBranch: meta.baseBranch ?? shortBranch(baseRef),
    draft: meta.draft ?? false,
    author: meta.author ?? '',
    fromFork: meta.fromFork ?? false,
    changedFiles,
  };
}
