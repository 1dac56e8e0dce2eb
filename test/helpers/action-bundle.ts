import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/** Newest modification time of the sources a bundle is built from, the build script included. */
async function newestSource(): Promise<number> {
  let newest = (await stat(join(ROOT, 'scripts', 'build-actions.mjs'))).mtimeMs;
  for (const folder of ['app', 'actions', 'supabase']) {
    const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      const path = join(entry.parentPath, entry.name);
      if (!entry.isFile() || !/\.(ts|sql)$/.test(entry.name) || path.includes(`${sep}dist${sep}`)) continue;
      newest = Math.max(newest, (await stat(path)).mtimeMs);
    }
  }
  return newest;
}

/**
 * Copies actions/<name>/dist into `runner`/dist: the committed bundle when it is newer than the
 * sources (scripts/check-dist.mjs keeps it equal to a fresh build), else a fresh build made
 * elsewhere, never overwriting the committed one (which would hide a stale bundle from check-dist).
 */
export async function installActionBundle(name: string, runner: string): Promise<void> {
  const dist = join(ROOT, 'actions', name, 'dist');
  const bundle = join(dist, 'index.js');
  if (existsSync(bundle) && (await stat(bundle)).mtimeMs >= (await newestSource())) {
    await cp(dist, join(runner, 'dist'), { recursive: true });
    return;
  }
  const build = join(runner, 'build');
  await run(process.execPath, [join(ROOT, 'scripts', 'build-actions.mjs'), '--out', build], { cwd: ROOT, timeout: 300_000 });
  await cp(join(build, 'actions', name, 'dist'), join(runner, 'dist'), { recursive: true });
  await rm(build, { recursive: true, force: true });
}

/** GITHUB_OUTPUT uses heredoc blocks: `name<<DELIM`, value lines, `DELIM`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '');
    outputs[name as string] = value.join('\n');
  }
  return outputs;
}
