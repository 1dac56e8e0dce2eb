import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { runCli, type CliIo } from '../app/cli.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';

const repos: TempRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.remove()));
});

beforeAll(async () => {
  await ensureParser();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: {} };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const MIGRATION = 'supabase/migrations/20240301120000_notes.sql';
const FOLLOW_UP = 'supabase/migrations/20240301120002_create_index_concurrently_profiles_name_idx.sql';

const NOTES = [
  '-- notes for the app',
  'create table public.notes (',
  '  id bigint generated always as identity primary key,',
  '  body text',
  ');',
  '',
  'create index profiles_name_idx on public.profiles (name);',
  '',
  'create index notes_body_idx on public.notes (body);',
  '',
].join('\n');

/** main holds the profiles table; the checked-out branch adds a migration with two fixable problems. */
async function repoWithMigration(): Promise<TempRepo> {
  const r = await createTempRepo('pk-cli-fix-');
  repos.push(r);
  await r.write({
    'supabase/migrations/20240101000000_profiles.sql':
      'create table public.profiles (id bigint primary key, name text);\nalter table public.profiles enable row level security;\n',
  });
  await r.commit('base');
  await r.git('checkout', '--quiet', '-b', 'feature');
  await r.write({ [MIGRATION]: NOTES });
  await r.commit('notes');
  return r;
}

function ruleIds(output: string): string[] {
  return [...output.matchAll(/\[schema-safety\/([\w-]+)\]/g)].map((match) => match[1] ?? '');
}

async function expectParses(dir: string, path: string): Promise<void> {
  const parsed = parseMigration(path, await readFile(join(dir, path), 'utf8'));
  expect(parsed.syntaxError).toBeUndefined();
}

describe('platform-kit migrations lint --fix', () => {
  it('enables RLS in place, moves the index to a migration of its own, and re-lints clean', async () => {
    const r = await repoWithMigration();
    const before = await cli(['migrations', 'lint', MIGRATION], r.dir);
    expect(before.code).toBe(1);
    expect(ruleIds(before.stdout)).toEqual(['rls-not-enabled', 'require-concurrent-index-creation']);

    const fixed = await cli(['migrations', 'lint', '--fix', MIGRATION], r.dir);
    expect(fixed.stderr.split('\n')[0]).toMatch(/^platform-kit: fixed \d+ findings in 2 files; 0 not fixable automatically; conflicts: none$/);
    expect(fixed.stderr).toContain(`  changed ${MIGRATION}\n`);
    expect(fixed.stderr).toContain(`  created ${FOLLOW_UP}\n`);
    expect(fixed.code).toBe(0);
    expect(ruleIds(fixed.stdout)).toEqual([]);

    const diff = await r.git('diff', '--no-color', '-U0', '--', MIGRATION);
    const changed = diff.split('\n').filter((line) => /^[+-](?![+-])/.test(line));
    expect(changed).toEqual(['+alter table public.notes enable row level security;', '-create index profiles_name_idx on public.profiles (name);']);
    expect(await r.git('status', '--porcelain')).toBe(` M ${MIGRATION}\n?? ${FOLLOW_UP}\n`);
    const followUp = await readFile(join(r.dir, FOLLOW_UP), 'utf8');
    expect(followUp).toMatch(/^create index concurrently (if not exists )?profiles_name_idx on public\.profiles \(name\);$/im);
    await expectParses(r.dir, MIGRATION);
    await expectParses(r.dir, FOLLOW_UP);

    const after = await cli(['migrations', 'lint', MIGRATION, FOLLOW_UP], r.dir);
    expect(after).toMatchObject({ code: 0, stderr: '' });
    expect(ruleIds(after.stdout)).toEqual([]);

    // Nothing is left to fix: a second run changes nothing.
    const again = await cli(['migrations', 'lint', '--fix', MIGRATION, FOLLOW_UP], r.dir);
    expect(again.stderr).toBe('platform-kit: fixed 0 findings in 0 files; 0 not fixable automatically; conflicts: none\n');
    expect(await r.git('status', '--porcelain')).toBe(` M ${MIGRATION}\n?? ${FOLLOW_UP}\n`);
  });

  it('keeps a CRLF migration CRLF', async () => {
    const r = await repoWithMigration();
    await writeFile(join(r.dir, MIGRATION), NOTES.replaceAll('\n', '\r\n'));
    const fixed = await cli(['migrations', 'lint', '--fix', MIGRATION], r.dir);
    expect(fixed.code).toBe(0);
    const text = await readFile(join(r.dir, MIGRATION), 'utf8');
    expect(text).toContain(');\r\nalter table public.notes enable row level security;\r\n');
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    await expectParses(r.dir, MIGRATION);
  });

  it('reports a fix it cannot apply as a conflict and leaves that finding whole', async () => {
    const r = await repoWithMigration();
    const migration = 'supabase/migrations/20240301130000_index.sql';
    const taken = 'supabase/migrations/20240301130001_create_index_concurrently_profiles_name_idx.sql';
    const index = 'create index profiles_name_idx on public.profiles (name);';
    await r.write({ [migration]: `-- index\n${index}\ndrop table public.legacy;\n`, [taken]: '-- somebody else\nselect 1;\n' });
    const fixed = await cli(['migrations', 'lint', '--fix', migration], r.dir);
    expect(fixed.stderr.split('\n')[0]).toMatch(/; 1 not fixable automatically; conflicts: 1$/);
    expect(fixed.stderr).toContain(`  conflict: ${migration}:2 schema-safety/require-concurrent-index-creation: ${taken} already exists with other content\n`);
    expect(ruleIds(fixed.stdout)).toEqual(['require-concurrent-index-creation', 'ban-drop-table']);
    expect(fixed.code).toBe(1);
    expect((await readFile(join(r.dir, migration), 'utf8')).split('\n')[1]).toBe(index);
    expect(await readFile(join(r.dir, taken), 'utf8')).toBe('-- somebody else\nselect 1;\n');
  });
});

describe('platform-kit check --fix', () => {
  it('fixes the working tree and reports what remains on HEAD plus the fixes', async () => {
    const r = await repoWithMigration();
    const fixed = await cli(['check', '--fix', '--checks', 'schema-safety', '--base', 'main', '--repo', r.dir], r.dir);
    expect(fixed.stderr.split('\n')[0]).toMatch(/^platform-kit: fixed \d+ findings in 2 files; \d+ not fixable automatically; conflicts: none$/);
    expect(ruleIds(fixed.stdout)).not.toContain('rls-not-enabled');
    expect(ruleIds(fixed.stdout)).not.toContain('require-concurrent-index-creation');
    expect(ruleIds(fixed.stdout)).not.toContain('rls_disabled_in_public');
    expect(fixed.code).toBe(0);
    expect(await r.git('status', '--porcelain')).toBe(` M ${MIGRATION}\n?? ${FOLLOW_UP}\n`);
    // The user's index and branch are as they were.
    expect(await r.git('diff', '--cached', '--name-only')).toBe('');
    expect((await r.git('log', '--format=%s')).split('\n').filter(Boolean)).toEqual(['notes', 'base']);
    await expectParses(r.dir, MIGRATION);
    await expectParses(r.dir, FOLLOW_UP);
  });

  it('refuses another head, and files with uncommitted changes, in one line and without writing', async () => {
    const r = await repoWithMigration();
    const otherHead = await cli(['check', '--fix', '--base', 'main', '--head', 'main', '--repo', r.dir], r.dir);
    expect(otherHead).toEqual({
      code: 2,
      stdout: '',
      stderr: 'platform-kit: --fix changes the working tree, which is checked out at HEAD; --head main names another commit\n',
    });

    const edited = `${NOTES}-- work in progress\n`;
    await writeFile(join(r.dir, MIGRATION), edited);
    const dirty = await cli(['check', '--fix', '--checks', 'schema-safety', '--base', 'main', '--repo', r.dir], r.dir);
    expect(dirty).toEqual({
      code: 2,
      stdout: '',
      stderr: `platform-kit: --fix would change ${MIGRATION}, which has uncommitted changes; the findings are about HEAD, so commit or stash them first\n`,
    });
    expect(await readFile(join(r.dir, MIGRATION), 'utf8')).toBe(edited);
    expect(await r.git('status', '--porcelain')).toBe(` M ${MIGRATION}\n`);
  });
});
