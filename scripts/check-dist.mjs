#!/usr/bin/env node
// Fails when a committed actions/<name>/dist differs from what `npm run build` produces now:
// a workflow runs the committed bundle, not the sources.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { actionNames, buildActions, ROOT } from './build-actions.mjs';

async function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)).split('\\').join('/'))
    .sort();
}

/** Paths (repository-relative) that are missing, extra or different in the committed dist folders. */
export async function staleDistFiles() {
  const out = await mkdtemp(join(tmpdir(), 'platform-kit-dist-'));
  try {
    await buildActions({ outRoot: out, log: () => {} });
    const stale = [];
    for (const name of await actionNames()) {
      const committed = join(ROOT, 'actions', name, 'dist');
      const fresh = join(out, 'actions', name, 'dist');
      const paths = [...new Set([...(await listFiles(committed)), ...(await listFiles(fresh))])].sort();
      for (const path of paths) {
        const a = existsSync(join(committed, path)) ? await readFile(join(committed, path)) : null;
        const b = existsSync(join(fresh, path)) ? await readFile(join(fresh, path)) : null;
        const label = `actions/${name}/dist/${path}`;
        if (a === null) stale.push(`${label} (missing; run npm run build)`);
        else if (b === null) stale.push(`${label} (no longer produced by the build)`);
        else if (!a.equals(b)) stale.push(`${label} (differs from a fresh build)`);
      }
    }
    return stale;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

try {
  const stale = await staleDistFiles();
  if (stale.length > 0) {
    console.error(`check-dist: ${stale.length} stale file(s); run \`npm run build\` and commit the result:`);
    for (const line of stale) console.error(`  ${line}`);
    process.exitCode = 1;
  } else {
    console.log('check-dist: every actions/*/dist matches a fresh build');
  }
} catch (error) {
  console.error(`check-dist: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
