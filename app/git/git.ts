import { execFile } from 'node:child_process';

/** A git command that failed; `stderr` holds git's own explanation. */
export class GitError extends Error {
  constructor(
    message: string,
    readonly args: string[],
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/** Big diffs (thousands of files) must fit: execFile's default 1 MB buffer does not. */
const MAX_OUTPUT_BYTES = 1024 * 1024 * 1024;

/**
 * Options every invocation carries so that a user's git configuration (external diff drivers,
 * colour, no-prefix, quoting) cannot change the output we parse.
 */
const STABLE_CONFIG = [
  '-c', 'core.quotePath=true',
  '-c', 'diff.noprefix=false',
  '-c', 'diff.mnemonicPrefix=false',
  '-c', 'color.ui=false',
  '-c', 'core.pager=cat',
];

/** Runs git in `cwd` without a shell and returns stdout as bytes. */
export function gitBuffer(cwd: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...STABLE_CONFIG, ...args],
      {
        cwd,
        encoding: 'buffer',
        maxBuffer: MAX_OUTPUT_BYTES,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof (error as NodeJS.ErrnoException).code === 'string' ? (error as NodeJS.ErrnoException).code : undefined;
          if (code === 'ENOENT') {
            reject(new GitError('git is not installed or not on PATH', args, '', null));
            return;
          }
          const stderrText = stderr.toString('utf8').trim();
          const exitCode = typeof error.code === 'number' ? error.code : null;
          reject(new GitError(`git ${args[0] ?? ''} failed: ${stderrText || error.message}`, args, stderrText, exitCode));
          return;
        }
        resolve(stdout);
      },
    );
    if (input !== undefined) {
      child.stdin?.end(input);
    }
  });
}

export async function git(cwd: string, args: string[], input?: string): Promise<string> {
  return (await gitBuffer(cwd, args, input)).toString('utf8');
}
