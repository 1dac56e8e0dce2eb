import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCatalogLintsDetailed } from '../app/checks/schema-safety/lints/index.js';
import { scanCatalog } from '../app/introspection/catalog-inventory.js';
import { applyRemediationSql, checkRemediationSql } from '../app/introspection/remediate.js';
import { lintResultsToRisks } from '../app/introspection/risks.js';
import type { InventoryObject } from '../app/introspection/types.js';
import { openPgliteLintDb, openServerLintDb, type LintTestDb } from './helpers/catalog-lint-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

/** Tables without RLS, a definer function without search_path, an extension in public, auth.users exposed through a view. */
const UNSAFE = `
  create table public.profiles (id uuid primary key, email text);
  create table public.notes (id bigint generated always as identity primary key, owner uuid references public.profiles (id), body text);
  alter table public.notes enable row level security;
  create policy notes_owner on public.notes for select to authenticated using (owner = auth.uid());
  create function public.make_admin(target uuid) returns void language sql security definer
    as $$ update public.profiles set email = email where id = target $$;
  create extension pg_trgm schema public;
  create view public.user_emails as select id, email from auth.users;
  grant select on public.user_emails to anon, authenticated;
`;

function find(objects: InventoryObject[], type: string, identity: string): InventoryObject | undefined {
  return objects.find((object) => object.object_type === type && object.identity === identity);
}

function describeIntrospection(label: string, open: () => Promise<LintTestDb | undefined>): void {
  describe(label, () => {
    let db: LintTestDb | undefined;

    beforeAll(async () => {
      db = await open();
      await db?.exec(UNSAFE);
    }, 120_000);

    afterAll(async () => {
      await db?.close();
    });

    it('inventories the catalog page by page, with what each object needs for its risks', async () => {
      if (!db) return;
      const progress: string[] = [];
      const inventory = await scanCatalog(db, { pageSize: 7, onProgress: ({ kind }) => progress.push(kind) });
      expect(inventory.unreadable).toEqual([]);
      // Small pages: several round trips, and nothing lost or repeated between them.
      expect(progress.filter((kind) => kind === 'relations').length).toBeGreaterThan(1);
      const whole = await scanCatalog(db);
      expect(inventory.objects.map((object) => object.identity).sort()).toEqual(whole.objects.map((object) => object.identity).sort());
      expect(find(inventory.objects, 'table', 'public.profiles')?.attributes).toMatchObject({
        rls_enabled: false,
        primary_key: ['id'],
        columns: [expect.objectContaining({ name: 'id', type: 'uuid', not_null: true }), expect.objectContaining({ name: 'email', type: 'text' })],
      });
      expect(find(inventory.objects, 'table', 'public.notes')?.attributes).toMatchObject({
        rls_enabled: true,
        foreign_keys: [expect.objectContaining({ columns: ['owner'], references: 'public.profiles', indexed: false })],
      });
      expect(find(inventory.objects, 'function', 'public.make_admin(target uuid)')?.attributes).toMatchObject({
        security_definer: true,
        search_path: null,
        language: 'sql',
        execute: expect.arrayContaining(['PUBLIC']),
      });
      expect(find(inventory.objects, 'view', 'public.user_emails')?.attributes).toMatchObject({ security_invoker: false });
      expect(find(inventory.objects, 'extension', 'pg_trgm')).toMatchObject({ schema_name: 'public' });
      expect(find(inventory.objects, 'policy', 'public.notes.notes_owner')?.attributes).toMatchObject({ command: 'select', roles: ['authenticated'] });
      expect(find(inventory.objects, 'table', 'auth.users')?.attributes).toMatchObject({ managed: true });
      expect(find(inventory.objects, 'role', 'anon')).toBeDefined();
      const identities = inventory.objects.map((object) => `${object.object_type}:${object.identity}`);
      expect(new Set(identities).size).toBe(identities.length);
    });

    it('reports what a role may not read as unknown and scans the rest', async () => {
      if (!db) return;
      await db.exec(`create role pk_limited_scanner nologin; revoke select on pg_catalog.pg_policy from public;`);
      try {
        await db.exec('set role pk_limited_scanner');
        const inventory = await scanCatalog(db);
        expect(inventory.unreadable).toEqual([{ kind: 'policies', reason: expect.stringMatching(/permission denied/) }]);
        expect(inventory.objects.some((object) => object.object_type === 'policy')).toBe(false);
        expect(find(inventory.objects, 'table', 'public.notes')).toBeDefined();
      } finally {
        await db.exec('reset role; grant select on pg_catalog.pg_policy to public; drop role pk_limited_scanner;');
      }
    });

    it('turns the catalog lints into risks with fixes, rollbacks and risk classes, and the fixes clear them', async () => {
      if (!db) return;
      const lint = async () => {
        const run = await runCatalogLintsDetailed(db as LintTestDb, { exposedSchemas: ['public'] });
        expect(run.failed).toEqual([]);
        return lintResultsToRisks(run.results);
      };
      const risks = await lint();
      const byRule = (rule: string) => risks.filter((risk) => risk.rule_id === rule);
      expect(byRule('rls_disabled_in_public')[0]).toMatchObject({ severity: 'critical', object_identity: 'public.profiles' });
      expect(byRule('rls_disabled_in_public')[0]?.remediation).toMatchObject({ riskClass: 'access', rollbackSql: expect.stringMatching(/disable row level security/) });
      expect(byRule('function_search_path_mutable')[0]?.remediation).toMatchObject({ riskClass: 'metadata', rollbackSql: expect.stringMatching(/reset search_path/) });
      expect(byRule('auth_users_exposed')[0]).toMatchObject({ severity: 'critical', object_identity: 'public.user_emails' });
      expect(byRule('extension_in_public')).toHaveLength(1);
      expect(byRule('anon_security_definer_function_executable')[0]).toMatchObject({ object_identity: 'public.make_admin(target uuid)' });

      const fixable = risks.filter((risk) => risk.remediation?.sql);
      expect(fixable.length).toBeGreaterThanOrEqual(5);
      for (const risk of fixable) {
        const check = await checkRemediationSql(risk.remediation?.sql ?? '');
        if (check.refused.length > 0) continue;
        await applyRemediationSql(db, check);
      }
      const after = await lint();
      const cleared = fixable.filter((risk) => !after.some((other) => other.fingerprint === risk.fingerprint));
      expect(cleared.map((risk) => risk.rule_id)).toEqual(expect.arrayContaining(['rls_disabled_in_public', 'function_search_path_mutable', 'anon_security_definer_function_executable', 'unindexed_foreign_keys']));

      // Applying the same fixes again changes nothing and fails nowhere.
      const before = JSON.stringify((await scanCatalog(db)).objects);
      for (const risk of cleared) await applyRemediationSql(db, await checkRemediationSql(risk.remediation?.sql ?? ''));
      expect(JSON.stringify((await scanCatalog(db)).objects)).toBe(before);
    });
  });
}

describeIntrospection('introspection on PGlite', () => openPgliteLintDb());

const serverUp = await serverAvailable();
describeIntrospection(serverUp ? 'introspection on the Postgres server' : 'introspection on the Postgres server (skipped: no server)', async () => (serverUp ? openServerLintDb() : undefined));
