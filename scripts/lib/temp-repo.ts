import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Fixed identity and dates so that throw-away repositories do not depend on the user's git setup. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Platform Kit',
  GIT_AUTHOR_EMAIL: 'platform-kit@example.invalid',
  GIT_COMMITTER_NAME: 'Platform Kit',
  GIT_COMMITTER_EMAIL: 'platform-kit@example.invalid',
  GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** A git repository in the OS temp folder, for tests, the demo and benchmarks. */
export interface TempRepo {
  dir: string;
  git(...args: string[]): Promise<string>;
  /** Writes files (repository-relative paths), creating folders. */
  write(files: Record<string, string | Uint8Array>): Promise<void>;
  /** Copies a folder's contents into the working tree. */
  copyFrom(folder: string): Promise<void>;
  /** Stages everything and commits; returns the new commit's SHA. */
  commit(message: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createTempRepo(prefix = 'platform-kit-repo-'): Promise<TempRepo> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const git = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('git', ['-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], {
      cwd: dir,
      env: { ...process.env, ...GIT_ENV },
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  };
  await git('-c', 'init.defaultBranch=main', 'init', '--quiet');
  return {
    dir,
    git,
    async write(files) {
      for (const [path, content] of Object.entries(files)) {
        const target = join(dir, path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    },
    async copyFrom(folder) {
      await cp(folder, dir, { recursive: true });
    },
    async commit(message) {
      await git('add', '--all');
      await git('commit', '--quiet', '--no-verify', '--allow-empty', '-m', message);
      return (await git('rev-parse', 'HEAD')).trim();
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
