import type { FileStatus, Hunk } from '../checks/types.js';
import { parseHunkHeader } from './hunk-header.js';

export interface NameStatusEntry {
  status: FileStatus;
  path: string;
  previousPath?: string;
}

export interface NumstatEntry {
  path: string;
  previousPath?: string;
  /** null for binary files (git prints `-`). */
  additions: number | null;
  deletions: number | null;
}

const STATUS_BY_LETTER: Record<string, FileStatus> = {
  A: 'added',
  M: 'modified',
  D: 'removed',
  R: 'renamed',
  C: 'copied',
  T: 'changed',
};

/** Parses `git diff --name-status -M -z`: `STATUS\0path\0` or `R100\0old\0new\0`. */
export function parseNameStatusZ(output: string): NameStatusEntry[] {
  const tokens = output.split('\0');
  const entries: NameStatusEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const code = tokens[i++];
    if (!code) continue;
    const letter = code[0] ?? '';
    const status = STATUS_BY_LETTER[letter] ?? 'changed';
    if (letter === 'R' || letter === 'C') {
      const previousPath = tokens[i++];
      const path = tokens[i++];
      if (previousPath === undefined || path === undefined) throw new Error(`malformed name-status entry for ${code}`);
      entries.push({ status, path, previousPath });
    } else {
      const path = tokens[i++];
      if (path === undefined) throw new Error(`malformed name-status entry for ${code}`);
      entries.push({ status, path });
    }
  }
  return entries;
}

/** Parses `git diff --numstat -M -z`: `add\tdel\tpath\0`, or `add\tdel\t\0old\0new\0` for renames. */
export function parseNumstatZ(output: string): NumstatEntry[] {
  const tokens = output.split('\0');
  const entries: NumstatEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const line = tokens[i++];
    if (!line) continue;
    const firstTab = line.indexOf('\t');
    const secondTab = line.indexOf('\t', firstTab + 1);
    if (firstTab < 0 || secondTab < 0) throw new Error(`malformed numstat entry: ${JSON.stringify(line)}`);
    const added = line.slice(0, firstTab);
    const deleted = line.slice(firstTab + 1, secondTab);
    const inlinePath = line.slice(secondTab + 1);
    const counts = {
      additions: added === '-' ? null : Number(added),
      deletions: deleted === '-' ? null : Number(deleted),
    };
    if (inlinePath === '') {
      const previousPath = tokens[i++];
      const path = tokens[i++];
      if (previousPath === undefined || path === undefined) throw new Error('malformed numstat rename entry');
      entries.push({ path, previousPath, ...counts });
    } else {
      entries.push({ path: inlinePath, ...counts });
    }
  }
  return entries;
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Undoes git's C-style path quoting (`"dir/caf\303\251.md"`), which it uses for unusual bytes. */
export function unquoteGitPath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"') || text.length < 2) return text;
  const body = text.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      const octal = body.slice(i + 1, i + 4);
      bytes.push(parseInt(octal, 8));
      i += 3;
    } else {
      bytes.push(C_ESCAPES[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `--- a/path`, `+++ b/path`, or `/dev/null`; git appends a tab to names holding a space. */
function headerPath(rest: string, prefix: string): string | null {
  const trimmed = rest.endsWith('\t') ? rest.slice(0, -1) : rest;
  if (trimmed === '/dev/null') return null;
  const unquoted = unquoteGitPath(trimmed);
  return unquoted.startsWith(prefix) ? unquoted.slice(prefix.length) : unquoted;
}


/**
 * Hunk positions from `git diff -U0 --src-prefix=a/ --dst-prefix=b/`, keyed by the head path
 * (the base path for deleted files). Hunk bodies are skipped by counting their lines, so a
 * removed line that itself starts with `-- ` cannot be mistaken for a file header.
 */
export function parseUnifiedHunks(output: string): Map<string, Hunk[]> {
  const byPath = new Map<string, Hunk[]>();
  const lines = output.split('\n');
  let oldPath: string | null = null;
  let current: Hunk[] | null = null;
  let pendingBase = 0;
  let pendingHead = 0;
  for (const line of lines) {
    if (pendingBase > 0 || pendingHead > 0) {
      if (line.startsWith('-')) pendingBase--;
      else if (line.startsWith('+')) pendingHead--;
      else if (line.startsWith(' ')) {
        pendingBase--;
        pendingHead--;
      }
      // `\ No newline at end of file` belongs to the body but counts for neither side.
      continue;
    }
    if (line.startsWith('diff --git ')) {
      oldPath = null;
      current = null;
    } else if (line.startsWith('--- ')) {
      oldPath = headerPath(line.slice(4), 'a/');
    } else if (line.startsWith('+++ ')) {
      const newPath = headerPath(line.slice(4), 'b/') ?? oldPath;
      if (newPath !== null) {
        current = byPath.get(newPath) ?? [];
        byPath.set(newPath, current);
      }
    } else if (line.startsWith('@@ ')) {
      const hunk = parseHunkHeader(line);
      if (!hunk || !current) continue;
      current.push(hunk);
      pendingBase = hunk.baseLines;
      pendingHead = hunk.headLines;
    }
  }
  return byPath;
}
