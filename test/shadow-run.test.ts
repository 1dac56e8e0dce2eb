import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import type { MigrationToApply } from '../app/checks/schema-safety/shadow/apply.js';
import { createPgliteShadowFactory, type PgliteShadowFactory } from '../app/checks/schema-safety/shadow/pglite.js';
import { shadowRun } from '../app/checks/schema-safety/shadow/run.js';
import type { Queryable, ShadowLintResult } from '../app/checks/schema-safety/shadow/types.js';

/** A small stand-in for the catalog lints: tables without RLS, unpinned SECURITY DEFINER functions, always-true write policies. */
async function smallLint(db: Queryable): Promise<ShadowLintResult[]> {
  const { rows } = await db.query<ShadowLintResult>(`
    select 'rls_disabled_in_public' as name,
           format('rls_disabled_in_public_%s_%s', n.nspname, c.relname) as cache_key,
           jsonb_build_object('schema', n.nspname, 'name', c.relname, 'type', 'table') as metadata
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity
    union all
    select 'function_search_path_mutable',
           format('function_search_path_mutable_%s_%s', n.nspname, p.proname),
           jsonb_build_object('schema', n.nspname, 'name', p.proname, 'type', 'function')
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public' and p.prosecdef
       and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) setting where setting like 'search_path=%')
    union all
    select 'rls_policy_always_true',
           format('rls_policy_always_true_%s_%s_%s', schemaname, tablename, policyname),
           jsonb_build_object('schema', schemaname, 'name', tablename, 'type', 'table', 'policy_name', policyname)
      from pg_policies
     where schemaname = 'public' and cmd <> 'SELECT' and (qual = 'true' or with_check = 'true')`);
  return rows;
}

let factory: PgliteShadowFactory;

beforeAll(async () => {
  await ensureParser();
  baseMigrations = legacyBase();
  factory = createPgliteShadowFactory({ statementTimeoutMs: 20_000 });
});

afterAll(async () => {
  await factory?.dispose();
});

const file = (path: string, lines: string[]): MigrationToApply => parseMigration(path, lines.join('\n'));

let baseMigrations: MigrationToApply[];
const legacyBase = () => [
  file('supabase/migrations/20240101000000_legacy.sql', [
    'create table public.legacy (id bigint primary key);',
    'create table public.secured (id bigint primary key);',
    'alter table public.secured enable row level security;',
  ]),
];

describe('shadowRun', () => {
  it('reports only what the change adds, at the statement that created or altered it', async () => {
    const head = [
      file('supabase/migrations/20240201000000_profiles.sql', [
        '-- one profile per user',
        'create table public.profiles (',
        '  id uuid primary key references auth.users (id),',
        '  display_name text',
        ');',
        '',
        'create function public.is_admin() returns boolean',
        'language sql security definer',
        'as $$ select true $$;',
        '',
        'alter table public.secured disable row level security;',
      ]),
    ];
    const result = await shadowRun({ factory, baseMigrations, headMigrations: head, lint: smallLint });
    expect(result.base.failure).toBeUndefined();
    expect(result.failure).toBeUndefined();
    expect(result.baseLintCount).toBe(1);
    expect(result.findings.map(({ lint, path, line, mapping }) => ({ key: lint.cache_key, path, line, mapping }))).toEqual([
      { key: 'rls_disabled_in_public_public_profiles', path: 'supabase/migrations/20240201000000_profiles.sql', line: 2, mapping: 'created' },
      { key: 'function_search_path_mutable_public_is_admin', path: 'supabase/migrations/20240201000000_profiles.sql', line: 7, mapping: 'created' },
      { key: 'rls_disabled_in_public_public_secured', path: 'supabase/migrations/20240201000000_profiles.sql', line: 11, mapping: 'altered' },
    ]);
    expect(result.findings.some((finding) => finding.lint.cache_key.endsWith('_legacy'))).toBe(false);
    expect(result.findings[0]?.endLine).toBe(5);
  });

  it('points a policy finding at the policy, in the file that defines it', async () => {
    const head = [
      file('supabase/migrations/20240201000000_posts.sql', [
        'create table public.posts (id bigint primary key, body text);',
        'alter table public.posts enable row level security;',
      ]),
      file('supabase/migrations/20240202000000_posts_policies.sql', [
        'create policy "anyone reads" on public.posts for select using (true);',
        'create policy "anyone writes" on public.posts for insert',
        '  with check (true);',
      ]),
    ];
    const result = await shadowRun({ factory, baseMigrations, headMigrations: head, lint: smallLint });
    expect(result.findings.map(({ lint, path, line, mapping }) => ({ name: lint.name, path, line, mapping }))).toEqual([
      { name: 'rls_policy_always_true', path: 'supabase/migrations/20240202000000_posts_policies.sql', line: 2, mapping: 'created' },
    ]);
  });

  it('says when the base branch does not apply, and still checks the change', async () => {
    const brokenBase = [
      ...baseMigrations,
      file('supabase/migrations/20240102000000_broken.sql', ['create table public.comments (post_id bigint references public.nowhere (id));']),
    ];
    const head = [file('supabase/migrations/20240201000000_tags.sql', ['create table public.tags (id bigint primary key);'])];
    const result = await shadowRun({ factory, baseMigrations: brokenBase, headMigrations: head, lint: smallLint });
    expect(result.notices).toEqual([
      expect.objectContaining({ kind: 'base-failed', path: 'supabase/migrations/20240102000000_broken.sql', line: 1 }),
    ]);
    expect(result.notices[0]?.message).toMatch(/^The base branch's migrations do not apply/);
    expect(result.findings.map((finding) => finding.lint.cache_key)).toEqual(['rls_disabled_in_public_public_tags']);
  });

  it('returns the failing migration of the change and still lints what applied before it', async () => {
    const head = [
      file('supabase/migrations/20240201000000_invoices.sql', ['create table public.invoices (id bigint primary key);']),
      file('supabase/migrations/20240202000000_bad.sql', ['alter table public.invoices', '  add column total numerc;']),
    ];
    const result = await shadowRun({ factory, baseMigrations, headMigrations: head, lint: smallLint });
    expect(result.failure).toMatchObject({ path: 'supabase/migrations/20240202000000_bad.sql', line: 2, column: 20, message: 'type "numerc" does not exist' });
    expect(result.findings.map((finding) => `${finding.path}:${finding.line}`)).toEqual(['supabase/migrations/20240201000000_invoices.sql:1']);
  });

  it('applies the head version of a migration the change edited', async () => {
    const edited = 'supabase/migrations/20240101000000_legacy.sql';
    const head = [file(edited, ['create table public.legacy (id bigint primary key);', 'alter table public.legacy enable row level security;'])];
    const result = await shadowRun({ factory, baseMigrations, headMigrations: head, lint: smallLint });
    expect(result.base.appliedFiles).toEqual([]);
    expect(result.head.appliedFiles).toEqual([edited]);
    expect(result.findings).toEqual([]);
  });

  it('names an extension the shadow database cannot load, once per file', async () => {
    const head = [
      file('supabase/migrations/20240201000000_documents.sql', [
        'create extension if not exists vector with schema extensions;',
        'create table public.documents (id bigint primary key, embedding extensions.vector(3));',
        'create index on public.documents using hnsw (embedding extensions.vector_cosine_ops);',
        'create table public.sources (id bigint primary key);',
      ]),
    ];
    const result = await shadowRun({ factory, baseMigrations, headMigrations: head, lint: smallLint });
    expect(result.failure).toBeUndefined();
    expect(result.notices).toEqual([
      expect.objectContaining({ kind: 'unavailable-extension', path: 'supabase/migrations/20240201000000_documents.sql', line: 1 }),
    ]);
    expect(result.notices[0]?.message).toContain('"vector"');
    expect(result.notices[0]?.message).toContain('3 statements');
    expect(result.findings.map((finding) => `${finding.lint.cache_key}@${finding.line}`)).toEqual(['rls_disabled_in_public_public_sources@4']);
  });

  it('starts a new database when a base statement outlives the timeout, and replays what applied', async () => {
    const quick = createPgliteShadowFactory({ statementTimeoutMs: 1000 });
    const slowBase = [...baseMigrations, file('supabase/migrations/20240102000000_slow.sql', ['select pg_sleep(10);'])];
    const head = [file('supabase/migrations/20240201000000_labels.sql', ['create table public.labels (id bigint primary key);'])];
    const result = await shadowRun({ factory: quick, baseMigrations: slowBase, headMigrations: head, lint: smallLint });
    await quick.dispose();
    expect(result.base.failure).toMatchObject({ kind: 'timeout', path: 'supabase/migrations/20240102000000_slow.sql' });
    expect(result.notices.map((notice) => notice.kind)).toEqual(['base-failed']);
    // legacy came back with the replayed base, so it is still not reported.
    expect(result.findings.map((finding) => finding.lint.cache_key)).toEqual(['rls_disabled_in_public_public_labels']);
  });
});
