/** The repository files that globs name (forward-slash, repository-relative, sorted). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';

export const DEFAULT_ARTIFACT_GLOBS = ['config/tokens/*.json', 'config/consumers/consumers.json'] as const;

const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.platform-kit']);

async function walk(root: string, relative: string, out: string[]): Promise<void> {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(root, path, out);
    } else if (entry.isFile()) {
      out.push(path);
    }
  }
}

/** Files under repoDir matching any glob; a glob without wildcards must name an existing file. */
export async function findArtifactFiles(repoDir: string, globs: readonly string[]): Promise<{ files: string[]; unmatched: string[] }> {
  const all: string[] = [];
  await walk(repoDir, '', all);
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const glob of globs) {
    const pattern = glob.replace(/^\.\//, '');
    const isMatch = picomatch(pattern, { dot: false });
    const matched = all.filter((file) => isMatch(file));
    if (matched.length === 0) unmatched.push(glob);
    matched.forEach((file) => files.add(file));
  }
  return { files: [...files].sort(), unmatched };
}
