import { beforeAll, describe, expect, it } from '@jest/globals';
import { rule as extensionWithoutSchema } from '../app/checks/schema-safety/rules/extension-without-schema.js';
import { rule as grantToAnon } from '../app/checks/schema-safety/rules/grant-to-anon.js';
import { rule as policyAlwaysTrue } from '../app/checks/schema-safety/rules/policy-always-true.js';
import { rule as policyAuthPerRow } from '../app/checks/schema-safety/rules/policy-auth-per-row.js';
import { rule as policyUserMetadata } from '../app/checks/schema-safety/rules/policy-user-metadata.js';
import { rule as rlsNotEnabled } from '../app/checks/schema-safety/rules/rls-not-enabled.js';
import { rule as securityDefinerSearchPath } from '../app/checks/schema-safety/rules/security-definer-search-path.js';
import { ensureParser } from '../app/checks/schema-safety/sql/parse.js';
import { expectParses, lint, where, withFix, withSuggestion } from './schema-safety-schema-helpers.js';

beforeAll(async () => {
  await ensureParser();
});

describe('rls-not-enabled', () => {
  it('is an error at the table name, with the ALTER TABLE as fix', async () => {
    const sql = '-- profiles\ncreate table profiles (id uuid primary key);';
    const findings = await lint(rlsNotEnabled, sql);
    expect(where(findings)).toEqual([['rls-not-enabled', 'error', 2, 14]]);
    expect(findings[0]?.suggestion).toBe('create table profiles (id uuid primary key);\nalter table public.profiles enable row level security;');
    expect(findings[0]?.fix).toEqual({
      kind: 'edit',
      path: 'supabase/migrations/20240101000000_change.sql',
      startLine: 2,
      endLine: 2,
      replacement: 'create table profiles (id uuid primary key);\nalter table public.profiles enable row level security;',
      description: 'Add `alter table public.profiles enable row level security;`',
    });
    const fixed = withFix(sql, findings[0]);
    expectParses(fixed);
    expect(await lint(rlsNotEnabled, fixed)).toEqual([]);
  });

  it('sees RLS enabled anywhere in the change: a later file, a DO block, after a rename', async () => {
    const first = { path: 'supabase/migrations/20240101000000_a.sql', text: 'create table public.a (id bigint);\ncreate table public.b (id bigint);\ncreate table public.c (id bigint);' };
    const second = {
      path: 'supabase/migrations/20240102000000_b.sql',
      text: 'alter table public.a enable row level security;\ndo $$ begin alter table public.b enable row level security; end $$;\nalter table public.c rename to d;\nalter table public.d enable row level security;',
    };
    expect(await lint(rlsNotEnabled, [first, second])).toEqual([]);
  });

  it('is a warning for CREATE TABLE IF NOT EXISTS, which may meet a table the base branch already protects', async () => {
    const findings = await lint(rlsNotEnabled, 'create table if not exists public.settings (key text primary key);');
    expect(where(findings)).toEqual([['rls-not-enabled', 'warning', 1, 28]]);
    expect(findings[0]?.message).toContain('If the table already exists');
  });

  it('leaves schemas the API does not expose, temporary tables and tables dropped again alone', async () => {
    const sql = 'create table private.audit (id bigint);\ncreate temp table scratch (id bigint);\ncreate table public.tmp (id bigint);\ndrop table public.tmp;';
    expect(await lint(rlsNotEnabled, sql)).toEqual([]);
    expect(where(await lint(rlsNotEnabled, 'create table api.things (id bigint);', { exposedSchemas: ['public', 'api'] }))).toEqual([['rls-not-enabled', 'error', 1, 14]]);
  });
});

describe('security-definer-search-path', () => {
  it('adds SET search_path to the CREATE FUNCTION and names unqualified tables in the body', async () => {
    const sql = [
      'create function public.handle_new_user() returns trigger',
      'language plpgsql security definer as $$',
      'begin',
      '  insert into profiles (id) values (new.id);',
      '  return new;',
      'end $$;',
    ].join('\n');
    const findings = await lint(securityDefinerSearchPath, sql);
    expect(where(findings)).toEqual([['security-definer-search-path', 'error', 1, 1]]);
    expect(findings[0]?.message).toContain('the body names `profiles` without a schema');
    expect(findings[0]?.suggestion).toBe(sql.replace('security definer as', "security definer set search_path = '' as"));
    expect(findings[0]?.fix).toMatchObject({ startLine: 2, endLine: 2, replacement: "language plpgsql security definer set search_path = '' as $$" });
    expectParses(withSuggestion(sql, findings[0]));
  });

  it('fixes ALTER FUNCTION ... SECURITY DEFINER too', async () => {
    const sql = 'alter function public.admin_only() security definer;';
    const findings = await lint(securityDefinerSearchPath, sql);
    expect(where(findings)).toEqual([['security-definer-search-path', 'error', 1, 36]]);
    expect(findings[0]?.suggestion).toBe("alter function public.admin_only() security definer set search_path = '';");
    expectParses(findings[0]?.suggestion ?? '');
  });

  it('accepts a pinned search_path, set in the CREATE or by a later ALTER FUNCTION, and SECURITY INVOKER functions', async () => {
    const sql = [
      "create function public.a() returns void language sql security definer set search_path = '' as 'select 1';",
      'create function public.b() returns void language sql security definer as $$ select 1 $$;',
      'alter function public.b() set search_path = public, pg_temp;',
      'create function public.c() returns void language sql as $$ select 1 $$;',
    ].join('\n');
    expect(await lint(securityDefinerSearchPath, sql)).toEqual([]);
  });
});

describe('policy-always-true', () => {
  it('is an error for USING (true) on writes, a warning for an insert-only WITH CHECK (true)', async () => {
    const sql = [
      'create policy "anyone edits" on public.notes for update to authenticated using (true);',
      "create policy \"public form\" on public.feedback for insert to anon with check ('true'::boolean);",
    ].join('\n');
    const findings = await lint(policyAlwaysTrue, sql);
    expect(where(findings)).toEqual([
      ['policy-always-true', 'error', 1, 81],
      ['policy-always-true', 'warning', 2, 79],
    ]);
    expect(findings[0]?.message).toContain('authenticated can change every row');
  });

  it('allows public reads, restrictive policies, service-role-only policies and real conditions', async () => {
    const sql = [
      'create policy "read" on public.posts for select using (true);',
      'create policy "gate" on public.posts as restrictive for all using (true);',
      'create policy "svc" on public.posts for all to service_role using (true) with check (true);',
      'create policy "own" on public.posts for delete using ((select auth.uid()) = author_id);',
    ].join('\n');
    expect(await lint(policyAlwaysTrue, sql)).toEqual([]);
  });
});

describe('policy-auth-per-row', () => {
  it('wraps every bare auth call of a policy in (select ...)', async () => {
    const sql = 'create policy "own" on public.posts for update\n  using (auth.uid() = author_id)\n  with check (auth.uid() = author_id and auth.jwt() ->> \'aal\' = \'aal2\');';
    const findings = await lint(policyAuthPerRow, sql);
    expect(where(findings)).toEqual([['policy-auth-per-row', 'warning', 1, 1]]);
    expect(findings[0]?.message).toContain('calls `auth.uid()`, `auth.jwt()` directly');
    expect(findings[0]?.suggestion).toBe(
      "create policy \"own\" on public.posts for update\n  using ((select auth.uid()) = author_id)\n  with check ((select auth.uid()) = author_id and (select auth.jwt()) ->> 'aal' = 'aal2');",
    );
    const fixed = withSuggestion(sql, findings[0]);
    expectParses(fixed);
    expect(await lint(policyAuthPerRow, fixed)).toEqual([]);
  });

  it('counts a call inside a subquery with a FROM as per row', async () => {
    const sql = 'create policy "member" on public.docs for select using (exists (select 1 from public.members m where m.user_id = auth.uid()));';
    const findings = await lint(policyAuthPerRow, sql);
    expect(findings[0]?.suggestion).toContain('m.user_id = (select auth.uid())');
  });

  it('accepts wrapped calls', async () => {
    expect(await lint(policyAuthPerRow, 'create policy "own" on public.posts for select using ((select auth.uid()) = author_id);')).toEqual([]);
  });
});

describe('policy-user-metadata', () => {
  it('is an error where a policy reads user_metadata', async () => {
    const sql = "create policy \"admins\" on public.reports for select\n  using ((select auth.jwt()) -> 'user_metadata' ->> 'role' = 'admin');";
    const findings = await lint(policyUserMetadata, sql);
    expect(where(findings)).toEqual([['policy-user-metadata', 'error', 2, 33]]);
    expect(findings[0]?.message).toContain('app_metadata');
  });

  it('accepts app_metadata', async () => {
    expect(await lint(policyUserMetadata, "create policy \"admins\" on public.reports for select using ((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'admin');")).toEqual([]);
  });
});

describe('extension-without-schema', () => {
  it('installs the extension into the extensions schema', async () => {
    const sql = 'create extension if not exists "uuid-ossp";\ncreate extension pg_trgm with schema public;';
    const findings = await lint(extensionWithoutSchema, sql);
    expect(where(findings)).toEqual([
      ['extension-without-schema', 'warning', 1, 32],
      ['extension-without-schema', 'warning', 2, 38],
    ]);
    expect(findings.map((finding) => finding.suggestion)).toEqual([
      'create extension if not exists "uuid-ossp" with schema extensions;',
      'create extension pg_trgm with schema extensions;',
    ]);
    for (const finding of findings) expectParses(finding.suggestion ?? '');
  });

  it('accepts another schema, and extensions that pick their own', async () => {
    expect(await lint(extensionWithoutSchema, 'create extension vector with schema extensions;\ncreate extension pg_graphql;\ncreate extension pg_cron;')).toEqual([]);
  });
});

describe('grant-to-anon', () => {
  it('warns at the grantee, and says so when the change leaves the table without RLS', async () => {
    const sql = 'create table public.a (id bigint);\ngrant select, insert on public.a, public.b to anon;';
    const findings = await lint(grantToAnon, sql);
    expect(where(findings)).toEqual([
      ['grant-to-anon', 'warning', 2, 47],
      ['grant-to-anon', 'warning', 2, 47],
    ]);
    expect(findings[0]?.message).toContain('created in this change without row level security');
    expect(findings[1]?.message).toContain('SELECT, INSERT on public.b is granted to `anon`');
  });

  it('lowers to a notice when the change enables RLS on the table, and covers PUBLIC and default privileges', async () => {
    const sql = [
      'create table public.a (id bigint);',
      'alter table public.a enable row level security;',
      'grant all on table public.a to anon;',
      'grant select on public.c to public;',
      'alter default privileges in schema public grant select on tables to anon;',
    ].join('\n');
    const findings = await lint(grantToAnon, sql);
    expect(where(findings)).toEqual([
      ['grant-to-anon', 'notice', 3, 32],
      ['grant-to-anon', 'warning', 4, 29],
      ['grant-to-anon', 'warning', 5, 69],
    ]);
    expect(findings[1]?.message).toContain('PUBLIC (every role, `anon` included)');
    expect(findings[2]?.message).toContain('every table created from now on');
  });

  it('ignores grants to other roles, revokes and function grants', async () => {
    const sql = 'grant select on public.a to authenticated;\nrevoke all on public.a from anon;\ngrant execute on function public.f() to anon;';
    expect(await lint(grantToAnon, sql)).toEqual([]);
  });
});
