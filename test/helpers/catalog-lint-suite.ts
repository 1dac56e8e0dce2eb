/**
 * The catalog lint suite, run against one database per test file (PGlite or the Postgres server):
 * every lint fires on its firing scenario with the expected cache keys, its fix SQL (when it has
 * one) makes the finding disappear, and its passing scenario reports nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { catalogLints, findCatalogLint, runCatalogLints, runCatalogLintsDetailed } from '../../app/checks/schema-safety/lints/index.js';
import type { LintResult } from '../../app/checks/schema-safety/lints/types.js';
import { lintCases } from './catalog-lint-cases.js';
import type { LintTestDb } from './catalog-lint-db.js';

export function describeCatalogLints(label: string, open: () => Promise<LintTestDb>): void {
  describe(label, () => {
    let db: LintTestDb;
    const prepared = new Set<string>();

    beforeAll(async () => {
      db = await open();
    }, 120_000);

    afterAll(async () => {
      await db?.close();
    });

    async function prepare(sql: string | undefined): Promise<void> {
      if (!sql || prepared.has(sql)) return;
      await db.exec(sql);
      prepared.add(sql);
    }

    async function createScenarioSchema(schema: string): Promise<void> {
      await db.exec(`create schema ${schema}; grant usage on schema ${schema} to anon, authenticated, service_role;`);
    }

    async function lint(id: string, exposedSchemas: string[]): Promise<LintResult[]> {
      const run = await runCatalogLintsDetailed(db, { only: [id], exposedSchemas });
      expect(run.failed).toEqual([]);
      expect(run.skipped).toEqual([]);
      return run.results;
    }

    it('has every lint covered by a scenario', () => {
      expect(lintCases.map((c) => c.id).sort()).toEqual(catalogLints.map((l) => l.meta.id).sort());
    });

    it('keeps the pg_graphql lints silent while pg_graphql is not installed', async () => {
      await createScenarioSchema('lc_nographql');
      await db.exec(`create table lc_nographql.posts (id bigint primary key); grant select on lc_nographql.posts to anon, authenticated;`);
      const results = await runCatalogLints(db, {
        only: ['pg_graphql_anon_table_exposed', 'pg_graphql_authenticated_table_exposed'],
        exposedSchemas: ['lc_nographql'],
      });
      expect(results).toEqual([]);
    });

    lintCases.forEach((lintCase, index) => {
      const found = findCatalogLint(lintCase.id);
      if (!found) throw new Error(`no catalog lint ${lintCase.id}`);
      const meta = found.meta;

      describe(lintCase.id, () => {
        it('fires, and its fix SQL removes the finding', async () => {
          const schema = `lc${index}f`;
          const fill = (text: string) => text.replaceAll('{s}', schema);
          await prepare(lintCase.prepare);
          await createScenarioSchema(schema);
          await db.exec(fill(lintCase.fires.setup));
          const exposed = (lintCase.fires.exposed ?? ['{s}']).map(fill);
          const keys = lintCase.fires.keys.map(fill);

          const results = await lint(lintCase.id, exposed);
          const reported = results.map((result) => result.cache_key);
          for (const key of keys) expect(reported).toContain(key);
          for (const result of results.filter((candidate) => keys.includes(candidate.cache_key))) {
            expect(result).toMatchObject({
              name: meta.id,
              title: meta.title,
              level: meta.level,
              facing: 'EXTERNAL',
              categories: meta.categories,
              remediation: meta.docsUrl,
            });
            expect(result.detail.length).toBeGreaterThan(0);
            if (meta.fixable) expect(result.fix_sql).toEqual(expect.any(String));
            else expect(result.fix_sql).toBeNull();
          }
          if (!meta.fixable) return;

          for (const result of results.filter((candidate) => keys.includes(candidate.cache_key))) {
            // One statement per line; CONCURRENTLY ones cannot share a transaction.
            for (const statement of (result.fix_sql ?? '').split('\n').filter((line) => line.trim() !== '')) {
              await db.exec(statement);
            }
          }
          const after = (await lint(lintCase.id, exposed)).map((result) => result.cache_key);
          for (const key of keys) expect(after).not.toContain(key);
          if (lintCase.fires.afterFix) {
            const { rows } = await db.query<{ ok: boolean }>(fill(lintCase.fires.afterFix));
            expect(rows[0]?.ok).toBe(true);
          }
        });

        it('passes', async () => {
          const schema = `lc${index}p`;
          const fill = (text: string) => text.replaceAll('{s}', schema);
          await prepare(lintCase.prepare);
          await createScenarioSchema(schema);
          await db.exec(fill(lintCase.passes.setup));
          const exposed = (lintCase.passes.exposed ?? ['{s}']).map(fill);
          const results = await lint(lintCase.id, exposed);
          const absent = lintCase.passes.absent?.map(fill);
          const offending = results.filter((result) =>
            absent
              ? absent.some((prefix) => result.cache_key.startsWith(prefix))
              : result.metadata.schema === schema || result.cache_key.includes(`_${schema}_`),
          );
          expect(offending).toEqual([]);
        });
      });
    });

    it('does not report an index that has been scanned (unused_index)', async () => {
      await createScenarioSchema('lc_scanned');
      await db.exec(`
        create table lc_scanned.orders (id bigint primary key, status text);
        create index orders_status_idx on lc_scanned.orders (status);
        insert into lc_scanned.orders select g, 'status-' || g from generate_series(1, 1000) g;
        analyze lc_scanned.orders;`);
      await db.exec(`set enable_seqscan = off`);
      await db.query(`select count(*) from lc_scanned.orders where status = 'status-5'`);
      await db.exec(`reset enable_seqscan`);
      // Statistics reach the shared view when the backend flushes them (at most once a second unless forced).
      await db.query(`select pg_stat_force_next_flush()`);
      const results = await lint('unused_index', ['lc_scanned']);
      expect(results.map((result) => result.cache_key)).not.toContain('unused_index_lc_scanned_orders_orders_status_idx');
    });

    it('skips the lints that need a database with a history when told it is a shadow database', async () => {
      const run = await runCatalogLintsDetailed(db, { shadow: true });
      expect(run.failed).toEqual([]);
      expect(run.skipped.map((skip) => skip.id).sort()).toEqual(['extension_versions_outdated', 'table_bloat', 'unused_index']);
      expect(run.results.some((result) => ['unused_index', 'table_bloat', 'extension_versions_outdated'].includes(result.name))).toBe(false);
    });

    it('runs every lint in one go, sorted, and restores the search_path', async () => {
      const before = await db.query<{ search_path: string }>(`select current_setting('search_path') as search_path`);
      const results = await runCatalogLints(db, { exposedSchemas: ['public', 'lc_nographql'] });
      const after = await db.query<{ search_path: string }>(`select current_setting('search_path') as search_path`);
      expect(after.rows[0]?.search_path).toBe(before.rows[0]?.search_path);
      const order = results.map((result) => `${result.name}\u0000${result.cache_key}`);
      expect(order).toEqual([...order].sort());
      // With the pg_graphql stand-in in place, the earlier table is now reported.
      expect(results.map((result) => result.cache_key)).toContain('pg_graphql_anon_table_exposed_lc_nographql_posts');
      expect(new Set(results.map((result) => result.cache_key)).size).toBe(results.length);
    });

    it('rejects unknown lint ids and empty schema names', async () => {
      await expect(runCatalogLints(db, { only: ['no_such_lint'] })).rejects.toThrow(/Unknown catalog lint\(s\): no_such_lint/);
      await expect(runCatalogLints(db, { exposedSchemas: [''] })).rejects.toThrow(/exposedSchemas/);
    });
  });
}
