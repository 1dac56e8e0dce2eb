import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { catalogLints, runCatalogLintsDetailed } from '../app/checks/schema-safety/lints/index.js';
import { openPgliteLintDb, type LintTestDb } from './helpers/catalog-lint-db.js';

// Plain Postgres: no Supabase roles, no auth or storage schema (splinter crashed there, splinter#135).
describe('catalog lints on a database without the Supabase base', () => {
  let db: LintTestDb;

  beforeAll(async () => {
    db = await openPgliteLintDb({ supabaseBase: false });
    await db.exec(`
      create table public.accounts (id bigint primary key, password text);
      create function public.reset_all() returns integer language sql security definer as 'select 1';
      create view public.account_ids as select id from public.accounts;`);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
  });

  it('runs without failures, skipping the lints whose roles or tables are missing and saying why', async () => {
    const run = await runCatalogLintsDetailed(db);
    expect(run.failed).toEqual([]);
    const skipped = Object.fromEntries(run.skipped.map((skip) => [skip.id, skip.reason]));
    expect(skipped.rls_disabled_in_public).toMatch(/anon, authenticated do not exist/);
    expect(skipped.anon_security_definer_function_executable).toMatch(/role anon does not exist/);
    expect(skipped.public_bucket_allows_listing).toMatch(/storage\.buckets, storage\.objects do not exist/);
    expect(skipped.auth_users_exposed).toBeDefined();
    // Lints that need no Supabase object still report.
    expect(run.results.map((result) => result.cache_key)).toContain('function_search_path_mutable_public_reset_all');
  });

  it('runs each lint query on its own without error, and the role-dependent ones find nothing', async () => {
    for (const lint of catalogLints) {
      if ((lint.requires.relations ?? []).length > 0) continue;
      const { rows } = await db.query<{ name: string }>(lint.sql, lint.usesExposedSchemas ? [['public']] : undefined);
      if ((lint.requires.anyRole ?? []).length > 0) expect({ id: lint.meta.id, rows }).toEqual({ id: lint.meta.id, rows: [] });
    }
  });
});
