import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/**
 * A finding's path as a clean repository-relative path, or the reason it cannot be one. Fixes come
 * from rules reading untrusted files, so a path must not reach outside the folder being fixed.
 */
export function normalizeFixPath(path: string): { path: string } | { problem: string } {
  if (path.trim() === '') return { problem: 'the fix names no file' };
  if (path.includes('\0')) return { problem: `${JSON.stringify(path)} is not a valid path` };
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path) || path.startsWith('/') || path.startsWith('\\')) {
    return { problem: `${path} is an absolute path; --fix only changes files inside the folder it works in` };
  }
  const segments = path.split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return { problem: `${path} leads outside the folder --fix works in` };
  if (segments.length === 0) return { problem: `${path} names no file` };
  if (segments[0] === '.git') return { problem: `${path} is inside .git` };
  return { path: segments.join('/') };
}

function inside(root: string, absolute: string): boolean {
  const rel = relative(root, absolute);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * The absolute target of a normalized path under `root` (itself a real path), or why it is refused:
 * a symbolic link on the way must not lead the write outside `root`.
 */
export async function resolveInside(root: string, path: string): Promise<{ absolute: string } | { problem: string }> {
  const absolute = join(root, ...path.split('/'));
  if (!inside(root, absolute)) return { problem: `${path} leads outside ${root}` };
  // The nearest existing ancestor (or the file itself) decides where the write really lands.
  let existing = absolute;
  for (;;) {
    const info = await lstat(existing).catch(() => null);
    if (info) break;
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const info = await lstat(existing).catch(() => null);
  if (existing === absolute && info?.isSymbolicLink()) return { problem: `${path} is a symbolic link; fixes do not write through links` };
  const real = await realpath(existing).catch(() => existing);
  if (real !== root && !inside(root, real)) return { problem: `${path} leads outside ${root} through a symbolic link` };
  return { absolute };
}
