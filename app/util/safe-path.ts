import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/**
 * Paths that come from a pull request (changed files, paths in its config, names derived from them)
 * are untrusted: before one becomes a local path it goes through here, so it can only ever name
 * something inside the folder it is meant for.
 */

/** A path that would leave its folder, or is no path at all; the message names it. */
export class UnsafePathError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`refused path ${JSON.stringify(path)}: ${reason}`);
    this.name = 'UnsafePathError';
  }
}

/**
 * `path` as a clean relative path with `/` separators (`./a//b` → `a/b`), or an UnsafePathError:
 * empty, a NUL byte, absolute (`/x`, `\x`, `C:x`), or a `..` segment anywhere. A `..` that would
 * stay inside (`a/../b`) is refused too: no legitimate repository path spells itself that way.
 */
export function safeRelativePath(path: string): string {
  if (path.includes('\0')) throw new UnsafePathError(path, 'it contains a NUL byte');
  if (path.trim() === '') throw new UnsafePathError(path, 'it is empty');
  if (path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path) || isAbsolute(path)) {
    throw new UnsafePathError(path, 'it is absolute');
  }
  // Backslashes separate folders on Windows, so they count as separators everywhere.
  const segments = path.split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new UnsafePathError(path, 'it contains a ".." segment');
  if (segments.length === 0) throw new UnsafePathError(path, 'it names no file');
  return segments.join('/');
}

/** Whether {@link safeRelativePath} accepts `path`. */
export function isSafeRelativePath(path: string): boolean {
  try {
    safeRelativePath(path);
    return true;
  } catch {
    return false;
  }
}

function within(root: string, absolute: string): boolean {
  const rel = relative(root, absolute);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

export interface ResolveInsideOptions {
  /**
   * False: a symbolic link at the path itself is not followed (the caller lstat()s it and treats it
   * as a link); the folders on the way must still stay inside. Default true.
   */
  followLast?: boolean;
}

/**
 * The local path of `relativePath` under `root`, or an UnsafePathError naming the path:
 * {@link safeRelativePath}'s refusals, then symbolic links — the nearest part of the path that
 * exists (the file itself, or the folder a new file would go in) must resolve inside `root`, so a
 * link to `/etc/passwd` or a folder linked to `/tmp` cannot carry a read or a write outside.
 */
export async function resolveInside(root: string, relativePath: string, options: ResolveInsideOptions = {}): Promise<string> {
  const clean = safeRelativePath(relativePath);
  const realRoot = await realpath(root);
  const absolute = join(realRoot, ...clean.split('/'));
  if (!within(realRoot, absolute) || absolute === realRoot) throw new UnsafePathError(relativePath, `it leads outside ${root}`);

  let existing = options.followLast === false ? dirname(absolute) : absolute;
  while (existing !== realRoot && !(await lstat(existing).then(() => true, () => false))) existing = dirname(existing);
  const real = await realpath(existing).catch((error: NodeJS.ErrnoException) => {
    // A link to nothing: where it points decides, and nothing there can be trusted to stay inside.
    if (error.code === 'ENOENT') throw new UnsafePathError(relativePath, 'it goes through a symbolic link to nothing');
    throw error;
  });
  if (!within(realRoot, real)) throw new UnsafePathError(relativePath, `it leads outside ${root} through a symbolic link`);
  // Spelt under `root` as given (not its real path), so messages show the folder the caller named.
  return join(root, ...clean.split('/'));
}
