import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { FileTooLargeError, MAX_BYTES_READ, MAX_READ_BYTES } from '../../app/checks/types.js';
import type { ChangedFile, ChangeSet, FileRead, Hunk, PullRequestInfo, Side } from '../../app/checks/types.js';

/** A file tree: path → content. A Uint8Array (or a string holding a NUL byte) is a binary file. */
export type MemoryTree = Record<string, string | Uint8Array>;

export interface MemoryChangeSetInput {
  base: MemoryTree;
  head: MemoryTree;
  /** Fields not given get plain defaults (PR #1 by "octocat" from `feature` into `main`). */
  pullRequest?: Partial<PullRequestInfo>;
  /** Defaults to the PR's base branch, else `main`. */
  baseRef?: string;
  /** Defaults to the PR's head branch, else `feature`. */
  headRef?: string;
  /** head path → base path, listed as `renamed` instead of an added and a removed file. */
  renames?: Record<string, string>;
  truncated?: { reason: string };
  /** The base branch's tip when it moved on after the change branched off from `base`. */
  baseTip?: MemoryTree;
}

/** Records every read, so tests can assert that checks stay lazy. */
export interface MemoryChangeSet extends ChangeSet {
  reads: Array<{ side: Side; path: string }>;
}

/**
 * A ChangeSet over two in-memory trees, computed the way GitHub reports a PR: statuses from the trees,
 * additions and deletions from a line diff, one hunk per run of changed lines (no context lines).
 */
export function memoryChangeSet(input: MemoryChangeSetInput): MemoryChangeSet {
  const trees: Record<Side, MemoryTree> = { base: input.base, head: input.head };
  const pullRequest = input.pullRequest ? pullRequestInfo(input.pullRequest) : undefined;
  const baseRef = input.baseRef ?? pullRequest?.baseBranch ?? 'main';
  const headRef = input.headRef ?? pullRequest?.headBranch ?? 'feature';
  const reads: MemoryChangeSet['reads'] = [];

  return {
    base: { ref: baseRef, sha: treeSha(input.base) },
    head: { ref: headRef, sha: treeSha(input.head) },
    files: changedFiles(input.base, input.head, input.renames ?? {}),
    ...(pullRequest ? { pullRequest } : {}),
    ...(input.truncated ? { truncated: input.truncated } : {}),
    reads,
    async readFile(side, path) {
      reads.push({ side, path });
      return readTree(trees[side], path);
    },
    async listFiles(side, glob) {
      const matches = picomatch(glob, { dot: true });
      return Object.keys(trees[side]).filter((path) => matches(path)).sort();
    },
    async readBytes(side, path) {
      reads.push({ side, path });
      const content = trees[side][path];
      if (content === undefined) return null;
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      if (bytes.byteLength > MAX_BYTES_READ) throw new FileTooLargeError(path, bytes.byteLength);
      return bytes;
    },
    ...(input.baseTip
      ? {
          async listBaseTipFiles(glob: string) {
            const matches = picomatch(glob, { dot: true });
            return Object.keys(input.baseTip ?? {}).filter((path) => matches(path)).sort();
          },
        }
      : {}),
  };
}

/**
 * Reads text the way the engine's CheckContext.readText does (null for missing, binary or too large),
 * for tests that build a CheckContext by hand.
 */
export function readTextFrom(changeSet: ChangeSet): (side: Side, path: string) => Promise<string | null> {
  return async (side, path) => {
    const read = await changeSet.readFile(side, path);
    return read.kind === 'text' ? read.text : null;
  };
}

function pullRequestInfo(partial: Partial<PullRequestInfo>): PullRequestInfo {
  return {
    number: 1,
    title: 'Change',
    body: '',
    labels: [],
    headBranch: 'feature',
    baseBranch: 'main',
    draft: false,
    author: 'octocat',
    fromFork: false,
    ...partial,
  };
}

function readTree(tree: MemoryTree, path: string): FileRead {
  const content = tree[path];
  if (content === undefined) return { kind: 'missing' };
  const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  if (isBinary(content)) return { kind: 'binary', size };
  if (size > MAX_READ_BYTES) return { kind: 'too-large', size };
  return { kind: 'text', text: content as string };
}

function isBinary(content: string | Uint8Array): boolean {
  return typeof content === 'string' ? content.includes('\0') : true;
}

function treeSha(tree: MemoryTree): string {
  const hash = createHash('sha1');
  for (const path of Object.keys(tree).sort()) {
    hash.update(path).update('\0').update(tree[path] ?? '').update('\0');
  }
  return hash.digest('hex');
}

function changedFiles(base: MemoryTree, head: MemoryTree, renames: Record<string, string>): ChangedFile[] {
  const renamedFrom = new Set(Object.values(renames));
  const paths = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  const files: ChangedFile[] = [];
  for (const path of paths) {
    if (renamedFrom.has(path) && !(path in head)) continue;
    const previousPath = renames[path];
    const before = previousPath !== undefined ? base[previousPath] : base[path];
    const after = head[path];
    if (after === undefined) {
      files.push(fileChange(path, 'removed', before, undefined));
    } else if (before === undefined) {
      files.push(fileChange(path, 'added', undefined, after));
    } else if (previousPath !== undefined) {
      files.push({ ...fileChange(path, 'renamed', before, after), previousPath });
    } else if (!sameContent(before, after)) {
      files.push(fileChange(path, 'modified', before, after));
    }
  }
  return files;
}

function fileChange(
  path: string,
  status: ChangedFile['status'],
  before: string | Uint8Array | undefined,
  after: string | Uint8Array | undefined,
): ChangedFile {
  if ((before !== undefined && isBinary(before)) || (after !== undefined && isBinary(after))) {
    return { path, status, additions: 0, deletions: 0, binary: true };
  }
  const diff = diffLines(splitLines((before as string | undefined) ?? ''), splitLines((after as string | undefined) ?? ''));
  return { path, status, additions: diff.additions, deletions: diff.deletions, hunks: diff.hunks };
}

function sameContent(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

interface LineDiff {
  additions: number;
  deletions: number;
  hunks: Hunk[];
}

/** Longest-common-subsequence diff over the part between the common prefix and suffix. */
function diffLines(before: string[], after: string[]): LineDiff {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  const a = before.slice(prefix, before.length - suffix);
  const b = after.slice(prefix, after.length - suffix);

  // Each entry: whether line i of `a` / line j of `b` is kept (part of the common subsequence).
  const keptA = new Array<boolean>(a.length).fill(false);
  const keptB = new Array<boolean>(b.length).fill(false);
  // Past this size a test is not about diff quality: treat the middle as replaced wholesale.
  if (a.length * b.length <= 4_000_000) {
    const width = b.length + 1;
    const table = new Uint32Array((a.length + 1) * width);
    for (let i = a.length - 1; i >= 0; i -= 1) {
      for (let j = b.length - 1; j >= 0; j -= 1) {
        table[i * width + j] =
          a[i] === b[j]
            ? (table[(i + 1) * width + j + 1] ?? 0) + 1
            : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        keptA[i] = true;
        keptB[j] = true;
        i += 1;
        j += 1;
      } else if ((table[(i + 1) * width + j] ?? 0) >= (table[i * width + j + 1] ?? 0)) {
        i += 1;
      } else {
        j += 1;
      }
    }
  }

  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && keptA[i] && keptB[j]) {
      i += 1;
      j += 1;
      continue;
    }
    const hunk: Hunk = { baseStart: prefix + i + 1, baseLines: 0, headStart: prefix + j + 1, headLines: 0 };
    while (i < a.length && !keptA[i]) {
      hunk.baseLines += 1;
      i += 1;
    }
    while (j < b.length && !keptB[j]) {
      hunk.headLines += 1;
      j += 1;
    }
    // Like git: an empty side names the line before the change.
    if (hunk.baseLines === 0) hunk.baseStart -= 1;
    if (hunk.headLines === 0) hunk.headStart -= 1;
    hunks.push(hunk);
  }
  const additions = hunks.reduce((sum, hunk) => sum + hunk.headLines, 0);
  const deletions = hunks.reduce((sum, hunk) => sum + hunk.baseLines, 0);
  return { additions, deletions, hunks };
}
