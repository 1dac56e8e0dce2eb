import { describe, expect, it } from '@jest/globals';
import {
  changedMigrations,
  checkMigrationHygiene,
  DEFAULT_FILE_NAME_PATTERN,
  DEFAULT_MIGRATIONS_DIR,
  HYGIENE_RULES,
  listMigrations,
  type HygieneFinding,
} from '../app/checks/schema-safety/hygiene/index.js';
import { ruleDocsUrl } from '../app/checks/docs-url.js';
import { existsSync } from 'node:fs';
import { memoryChangeSet, type MemoryTree } from './helpers/memory-changeset.js';

const DIR = 'supabase/migrations';
const NOW = new Date('2024-06-01T12:00:00Z');
const options = { migrationsDir: DEFAULT_MIGRATIONS_DIR, fileNamePattern: DEFAULT_FILE_NAME_PATTERN, now: NOW };

const createProfiles = 'create table public.profiles (\n  id uuid primary key references auth.users (id)\n);\n';
const enableRls = 'alter table public.profiles enable row level security;\n';
const addBio = 'alter table public.profiles add column bio text;\n';

/** The base branch's migrations, as applied to production. */
const applied: MemoryTree = {
  [`${DIR}/20240101000000_create_profiles.sql`]: createProfiles,
  [`${DIR}/20240201000000_enable_rls.sql`]: enableRls,
  'supabase/config.toml': '[api]\nschemas = ["public"]\n',
};

async function hygiene(head: MemoryTree, extra: { base?: MemoryTree; renames?: Record<string, string>; baseTip?: MemoryTree } = {}): Promise<HygieneFinding[]> {
  const changeSet = memoryChangeSet({
    base: extra.base ?? applied,
    head,
    ...(extra.renames ? { renames: extra.renames } : {}),
    ...(extra.baseTip ? { baseTip: extra.baseTip } : {}),
  });
  return checkMigrationHygiene(changeSet, options);
}

function rules(findings: HygieneFinding[]): string[] {
  return findings.map((finding) => `${finding.ruleId}:${finding.severity}`);
}

describe('listMigrations and changedMigrations', () => {
  const base: MemoryTree = {
    ...applied,
    [`${DIR}/README.md`]: 'notes\n',
    [`${DIR}/archive/20230101000000_old.sql`]: 'select 1;\n',
  };
  const head: MemoryTree = {
    ...base,
    [`${DIR}/20240201000000_enable_rls.sql`]: `${enableRls}-- tidied\n`,
    [`${DIR}/20240301000000_add_bio.sql`]: addBio,
    [`${DIR}/add_index.sql`]: 'create index on public.profiles (bio);\n',
  };

  it('lists the files the Supabase CLI applies, in its order, ignoring subfolders, other files and skipped names', async () => {
    const changeSet = memoryChangeSet({ base, head });
    const listed = await listMigrations(changeSet, 'head', `./${DIR}/`);
    expect(listed.map((m) => m.fileName)).toEqual([
      '20240101000000_create_profiles.sql',
      '20240201000000_enable_rls.sql',
      '20240301000000_add_bio.sql',
    ]);
    expect(listed[2]).toEqual({ path: `${DIR}/20240301000000_add_bio.sql`, fileName: '20240301000000_add_bio.sql', version: '20240301000000', name: 'add_bio' });
    expect((await listMigrations(changeSet, 'base', DIR)).map((m) => m.version)).toEqual(['20240101000000', '20240201000000']);
  });

  it('orders by file name like the CLI, so versions of different lengths sort as text', async () => {
    const changeSet = memoryChangeSet({ base: {}, head: { 'db/1_a.sql': '', 'db/10_b.sql': '', 'db/2_c.sql': '' } });
    expect((await listMigrations(changeSet, 'head', 'db')).map((m) => m.fileName)).toEqual(['10_b.sql', '1_a.sql', '2_c.sql']);
  });

  it('returns the added, modified and renamed migrations on head in apply order', async () => {
    const renamedHead: MemoryTree = { ...head };
    delete renamedHead[`${DIR}/20240101000000_create_profiles.sql`];
    renamedHead[`${DIR}/20240101000000_profiles.sql`] = createProfiles;
    const changeSet = memoryChangeSet({ base, head: renamedHead, renames: { [`${DIR}/20240101000000_profiles.sql`]: `${DIR}/20240101000000_create_profiles.sql` } });
    const changed = await changedMigrations(changeSet, DIR);
    expect(changed.map((m) => [m.fileName, m.status, m.previousPath])).toEqual([
      ['20240101000000_profiles.sql', 'renamed', `${DIR}/20240101000000_create_profiles.sql`],
      ['20240201000000_enable_rls.sql', 'modified', undefined],
      ['20240301000000_add_bio.sql', 'added', undefined],
    ]);
  });

  it('finds nothing changed when the change leaves the folder alone, and reads no file to say so', async () => {
    const changeSet = memoryChangeSet({ base: applied, head: { ...applied, 'src/app.ts': 'export {};\n' } });
    expect(await changedMigrations(changeSet, DIR)).toEqual([]);
    expect(await checkMigrationHygiene(changeSet, options)).toEqual([]);
    expect(changeSet.reads).toEqual([]);
  });
});

describe('a clean change', () => {
  it('adding a well-named migration after the applied ones has no findings', async () => {
    expect(await hygiene({ ...applied, [`${DIR}/20240301000000_add_bio.sql`]: addBio })).toEqual([]);
  });

  it('a first migration in an empty repository has no findings', async () => {
    expect(await hygiene({ [`${DIR}/20240301000000_init_schema.sql`]: createProfiles }, { base: {} })).toEqual([]);
  });
});

describe('migration-file-name', () => {
  it('is an error when the CLI would skip the file, with a rename to a fresh version', async () => {
    const findings = await hygiene({ ...applied, [`${DIR}/add_bio.sql`]: addBio });
    expect(rules(findings)).toEqual(['migration-file-name:error']);
    const [finding] = findings;
    expect(finding).toMatchObject({ checkId: 'schema-safety', path: `${DIR}/add_bio.sql`, startLine: 1, docsUrl: ruleDocsUrl('schema-safety', 'migration-file-name') });
    expect(finding?.message).toContain('never applied');
    // After the clock (2024-06-01 12:00:00) and every existing version.
    expect(finding?.message).toContain(`git mv ${DIR}/add_bio.sql ${DIR}/20240601120001_add_bio.sql`);
  });

  it('is a warning when the CLI applies the file but the name misses the pattern', async () => {
    const findings = await hygiene({ ...applied, [`${DIR}/20240301_add_bio.sql`]: addBio });
    expect(rules(findings)).toEqual(['migration-file-name:warning']);
    expect(findings[0]?.message).toContain('does not match `^(\\d{14})_(.+)\\.sql$`');
  });

  it('warns about a version that is not a date, and one far in the future', async () => {
    const findings = await hygiene({
      ...applied,
      [`${DIR}/20241301000000_bad_month.sql`]: addBio,
      [`${DIR}/20990101000000_far_away.sql`]: addBio,
      [`${DIR}/20240602080000_tomorrow_morning.sql`]: addBio,
    });
    expect(findings.filter((f) => f.ruleId === 'migration-file-name').map((f) => [f.path, f.title])).toEqual([
      [`${DIR}/20241301000000_bad_month.sql`, 'Migration version is not a date'],
      [`${DIR}/20990101000000_far_away.sql`, 'Migration version is in the future'],
    ]);
  });

  it('follows a configured pattern', async () => {
    const changeSet = memoryChangeSet({ base: {}, head: { 'db/migrations/0001_init.sql': createProfiles, 'db/migrations/20240101000000_x.sql': '' } });
    const findings = await checkMigrationHygiene(changeSet, { migrationsDir: 'db/migrations', fileNamePattern: '^\\d{4}_[a-z_]+\\.sql$', now: NOW });
    expect(findings.map((f) => [f.ruleId, f.path, f.severity])).toEqual([['migration-file-name', 'db/migrations/20240101000000_x.sql', 'warning']]);
  });

  it('rejects an invalid pattern with an error naming the option', async () => {
    const changeSet = memoryChangeSet({ base: {}, head: {} });
    await expect(checkMigrationHygiene(changeSet, { migrationsDir: DIR, fileNamePattern: '^(\\d{14}_' })).rejects.toThrow(/fileNamePattern is not a valid regular expression/);
    await expect(checkMigrationHygiene(changeSet, { migrationsDir: '/abs/migrations', fileNamePattern: DEFAULT_FILE_NAME_PATTERN })).rejects.toThrow(/repository-relative/);
  });
});

describe('migration-name-style', () => {
  it('is a notice for a name that is not lower snake case', async () => {
    const findings = await hygiene({ ...applied, [`${DIR}/20240301000000_Add-Bio.sql`]: addBio });
    expect(rules(findings)).toEqual(['migration-name-style:notice']);
    expect(findings[0]?.message).toContain(`git mv ${DIR}/20240301000000_Add-Bio.sql ${DIR}/20240301000000_add_bio.sql`);
  });
});

describe('migration-out-of-order', () => {
  it('is an error when a new migration sorts before the latest applied one, citing what db push does', async () => {
    const findings = await hygiene({
      ...applied,
      [`${DIR}/20240115000000_add_bio.sql`]: addBio,
      [`${DIR}/20240120000000_add_avatar.sql`]: 'alter table public.profiles add column avatar_url text;\n',
      [`${DIR}/20240301000000_add_index.sql`]: 'create index on public.profiles (bio);\n',
    });
    expect(findings.map((f) => [f.ruleId, f.severity, f.path])).toEqual([
      ['migration-out-of-order', 'error', `${DIR}/20240115000000_add_bio.sql`],
      ['migration-out-of-order', 'error', `${DIR}/20240120000000_add_avatar.sql`],
    ]);
    expect(findings[0]?.message).toContain('Found local migration files to be inserted before the last migration on remote database.');
    expect(findings[0]?.message).toContain('20240201000000_enable_rls.sql');
    // Renames keep the change's own order and land right after the latest applied version.
    expect(findings[0]?.message).toContain(`${DIR}/20240201000001_add_bio.sql`);
    expect(findings[1]?.message).toContain(`${DIR}/20240201000002_add_avatar.sql`);
  });

  it('compares with the base branch as it is now, not as it was when the change branched off', async () => {
    const landedSince = { ...applied, [`${DIR}/20240301000000_add_handle.sql`]: 'alter table public.profiles add column handle text;\n' };
    const head = { ...applied, [`${DIR}/20240215000000_add_bio.sql`]: addBio };
    expect(await hygiene(head)).toEqual([]);
    const findings = await hygiene(head, { baseTip: landedSince });
    expect(findings.map((f) => [f.ruleId, f.path])).toEqual([['migration-out-of-order', `${DIR}/20240215000000_add_bio.sql`]]);
    expect(findings[0]?.message).toContain('20240301000000_add_handle.sql');
    expect(findings[0]?.message).toContain(`${DIR}/20240301000001_add_bio.sql`);
  });
});

describe('migration-duplicate-version', () => {
  it('is an error on a new file that reuses an applied version', async () => {
    const findings = await hygiene({ ...applied, [`${DIR}/20240201000000_add_bio.sql`]: addBio });
    expect(rules(findings)).toEqual(['migration-duplicate-version:error']);
    expect(findings[0]?.path).toBe(`${DIR}/20240201000000_add_bio.sql`);
    expect(findings[0]?.message).toContain('`20240201000000_enable_rls.sql` (already on main, so applied)');
    expect(findings[0]?.message).toContain('schema_migrations_pkey');
  });

  it('flags only the later of two new files with one version', async () => {
    const findings = await hygiene({
      ...applied,
      [`${DIR}/20240301000000_add_bio.sql`]: addBio,
      [`${DIR}/20240301000000_add_avatar.sql`]: 'alter table public.profiles add column avatar_url text;\n',
    });
    expect(findings.map((f) => [f.ruleId, f.path])).toEqual([['migration-duplicate-version', `${DIR}/20240301000000_add_bio.sql`]]);
  });

  it('leaves duplicates the base branch already had to the change that made them', async () => {
    const base = { ...applied, [`${DIR}/20240201000000_other.sql`]: 'select 1;\n' };
    expect(await hygiene({ ...base, [`${DIR}/20240301000000_add_bio.sql`]: addBio }, { base })).toEqual([]);
  });
});

describe('migration-edited', () => {
  it('is an error at the changed lines when an applied migration is edited', async () => {
    const edited = 'create table public.profiles (\n  id uuid primary key references auth.users (id),\n  bio text\n);\n';
    const findings = await hygiene({ ...applied, [`${DIR}/20240101000000_create_profiles.sql`]: edited });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'migration-edited', severity: 'error', path: `${DIR}/20240101000000_create_profiles.sql`, startLine: 2, endLine: 3 });
    expect(findings[0]?.message).toContain('git restore --source=origin/main -- supabase/migrations/20240101000000_create_profiles.sql');
  });

  it('is a notice when the edit touches only comments, whitespace or keyword case', async () => {
    const tidied = '-- Profiles, one per user.\nCREATE TABLE public.profiles (\n    id uuid PRIMARY KEY REFERENCES auth.users (id) -- the user\n);\n';
    const findings = await hygiene({ ...applied, [`${DIR}/20240101000000_create_profiles.sql`]: tidied });
    expect(rules(findings)).toEqual(['migration-edited:notice']);
  });

  it('treats a changed string literal or quoted name as a real edit', async () => {
    const base = { [`${DIR}/20240101000000_seed.sql`]: "insert into public.plans (name) values ('free');\n" };
    const findings = await hygiene({ [`${DIR}/20240101000000_seed.sql`]: "insert into public.plans (name) values ('FREE');\n" }, { base });
    expect(rules(findings)).toEqual(['migration-edited:error']);
  });

  it('is an error without a path when an applied migration is deleted', async () => {
    const head = { ...applied };
    delete head[`${DIR}/20240101000000_create_profiles.sql`];
    const findings = await hygiene(head);
    expect(rules(findings)).toEqual(['migration-edited:error']);
    expect(findings[0]?.path).toBeUndefined();
    expect(findings[0]?.title).toBe('Applied migration deleted: 20240101000000_create_profiles.sql');
    expect(findings[0]?.message).toContain('Remote migration versions not found in local migrations directory.');
  });

  it('is a warning for a rename that keeps the version and the statements', async () => {
    const head: MemoryTree = { ...applied, [`${DIR}/20240101000000_profiles.sql`]: createProfiles };
    delete head[`${DIR}/20240101000000_create_profiles.sql`];
    const findings = await hygiene(head, { renames: { [`${DIR}/20240101000000_profiles.sql`]: `${DIR}/20240101000000_create_profiles.sql` } });
    expect(findings.map((f) => [f.ruleId, f.severity, f.path])).toEqual([['migration-edited', 'warning', `${DIR}/20240101000000_profiles.sql`]]);
  });

  it('recognises a rename by its version when the change set has no rename information', async () => {
    const head: MemoryTree = { ...applied, [`${DIR}/20240101000000_profiles.sql`]: `${createProfiles}${addBio}` };
    delete head[`${DIR}/20240101000000_create_profiles.sql`];
    const findings = await hygiene(head);
    expect(findings.map((f) => [f.ruleId, f.severity, f.title])).toEqual([['migration-edited', 'error', 'Applied migration renamed and edited']]);
  });

  it('is an error for a rename to another version, and nothing else is reported about the renamed file', async () => {
    const head: MemoryTree = { ...applied, [`${DIR}/20240301000000_create_profiles.sql`]: createProfiles };
    delete head[`${DIR}/20240101000000_create_profiles.sql`];
    const findings = await hygiene(head, { renames: { [`${DIR}/20240301000000_create_profiles.sql`]: `${DIR}/20240101000000_create_profiles.sql` } });
    expect(findings.map((f) => [f.ruleId, f.severity, f.title])).toEqual([['migration-edited', 'error', 'Applied migration renamed to another version']]);
  });

  it('is an error when an applied migration moves out of the folder', async () => {
    const head: MemoryTree = { ...applied, [`${DIR}/archive/20240101000000_create_profiles.sql`]: createProfiles };
    delete head[`${DIR}/20240101000000_create_profiles.sql`];
    const findings = await hygiene(head, { renames: { [`${DIR}/archive/20240101000000_create_profiles.sql`]: `${DIR}/20240101000000_create_profiles.sql` } });
    expect(findings.map((f) => [f.ruleId, f.path])).toEqual([['migration-edited', `${DIR}/archive/20240101000000_create_profiles.sql`]]);
    expect(findings[0]?.message).toContain('where the CLI does not read it');
  });

  it('ignores a base file the CLI never applied', async () => {
    const base = { ...applied, [`${DIR}/notes.sql`]: '-- scratch\n' };
    expect(await hygiene({ ...applied, [`${DIR}/notes.sql`]: '-- scratch, edited\n' }, { base })).toEqual([]);
  });
});

describe('rule metadata', () => {
  it('each rule has a docs URL and a doc file', () => {
    expect(HYGIENE_RULES.map((meta) => meta.id)).toEqual([
      'migration-file-name',
      'migration-name-style',
      'migration-out-of-order',
      'migration-duplicate-version',
      'migration-edited',
    ]);
    for (const meta of HYGIENE_RULES) {
      expect(meta.docsUrl).toBe(ruleDocsUrl('schema-safety', meta.id));
      expect(existsSync(new URL(`../app/checks/schema-safety/docs/${meta.id}.md`, import.meta.url))).toBe(true);
    }
  });
});
