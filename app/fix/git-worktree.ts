import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, GitError } from '../git/git.js';

/** The commit a ref names, or null when it names none. */
export async function commitOf(root: string, ref: string): Promise<string | null> {
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim() || null;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return null;
    throw error;
  }
}

/** Which of `paths` differ between HEAD and the working tree (staged or not). */
export async function uncommittedPaths(root: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const out = await git(root, ['--literal-pathspecs', 'diff', '--no-ext-diff', '--no-textconv', '--name-only', '-z', 'HEAD', '--', ...paths]);
  return out.split('\0').filter((path) => path !== '');
}

function run(root: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'core.quotePath=true', '--literal-pathspecs', ...args],
      { cwd: root, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', ...env }, windowsHide: true, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new GitError(`git ${args[0] ?? ''} failed: ${String(stderr).trim() || error.message}`, args, String(stderr), typeof error.code === 'number' ? error.code : null));
        else resolve(String(stdout));
      },
    );
  });
}

/**
 * A commit of `head` plus the working-tree content of `paths`, made with a private index and
 * referenced by nothing: the checks read commits, and this lets them see the fixed files exactly as
 * a commit would hold them (attributes and line-ending rules applied) without touching the
 * user's index, branch or other changes. Git's garbage collection removes it later.
 */
export async function commitWithWorkingFiles(root: string, head: string, paths: readonly string[]): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'platform-kit-fix-'));
  try {
    const env = {
      GIT_INDEX_FILE: join(scratch, 'index'),
      GIT_AUTHOR_NAME: 'platform-kit',
      GIT_AUTHOR_EMAIL: 'platform-kit@localhost',
      GIT_COMMITTER_NAME: 'platform-kit',
      GIT_COMMITTER_EMAIL: 'platform-kit@localhost',
    };
    await run(root, ['read-tree', head], env);
    if (paths.length > 0) await run(root, ['add', '--force', '--', ...paths], env);
    const tree = (await run(root, ['write-tree'], env)).trim();
    return (await run(root, ['commit-tree', '--no-gpg-sign', '-p', head, '-m', 'platform-kit --fix', tree], env)).trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
