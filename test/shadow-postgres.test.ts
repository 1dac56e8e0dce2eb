import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { applyMigrations } from '../app/checks/schema-safety/shadow/apply.js';
import {
  createPostgresShadowFactory,
  DEFAULT_SHADOW_DATABASE_URL,
  type PostgresShadowDatabase,
  type PostgresShadowFactory,
} from '../app/checks/schema-safety/shadow/postgres.js';
import { shadowRun } from '../app/checks/schema-safety/shadow/run.js';
import { ShadowSqlError, UnavailableExtensionError, type Queryable, type ShadowLintResult } from '../app/checks/schema-safety/shadow/types.js';
import { serverAvailable } from './helpers/postgres-server.js';

const url = process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_DATABASE_URL;
const reachable = await serverAvailable(url);

async function runDatabasesOnServer(): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'pk_shadow_run_%'`);
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

async function tablesWithoutRls(db: Queryable): Promise<ShadowLintResult[]> {
  const { rows } = await db.query<ShadowLintResult>(`
    select 'rls_disabled_in_public' as name,
           format('rls_disabled_in_public_%s_%s', n.nspname, c.relname) as cache_key,
           jsonb_build_object('schema', n.nspname, 'name', c.relname, 'type', 'table') as metadata
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity`);
  return rows;
}

function describeServer(): void {
  let factory: PostgresShadowFactory;
  let db: PostgresShadowDatabase;
  let created: string[] = [];

  beforeAll(async () => {
    await ensureParser();
    factory = createPostgresShadowFactory({ url, statementTimeoutMs: 1000 });
    db = await factory.create();
    created.push(db.databaseName);
  });

  afterAll(async () => {
    await factory?.dispose();
    // Every run database this file created is gone once the factory is disposed.
    const left = await runDatabasesOnServer();
    expect(left.filter((name) => created.includes(name))).toEqual([]);
    created = [];
  });

  it('installs the Supabase base in a template and clones it per run', async () => {
    expect(db.databaseName).toMatch(/^pk_shadow_run_\d+_[0-9a-f]{10}$/);
    const { rows } = await db.query<{ roles: number; schemas: number; template: string }>(
      `select (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_admin', 'postgres'))::int as roles,
              (select count(*) from pg_namespace where nspname in ('auth', 'storage', 'extensions', 'graphql_public', 'realtime'))::int as schemas,
              (select datname from pg_database where datname = $1) as template`,
      [factory.templateName],
    );
    expect(rows[0]).toEqual({ roles: 6, schemas: 5, template: factory.templateName });
    const login = await db.query<{ rolcanlogin: boolean }>(`select rolcanlogin from pg_roles where rolname = 'anon'`);
    expect(login.rows[0]?.rolcanlogin).toBe(false);
  });

  it('answers auth.uid() from request.jwt.claims and grants new public tables to the API roles', async () => {
    await db.query(`select set_config('request.jwt.claims', $1, false)`, [JSON.stringify({ sub: 'b0b2b7a4-6d36-4f5b-8f0e-0c3a3c1e9a01', role: 'authenticated' })]);
    const uid = await db.query<{ uid: string; role: string }>('select auth.uid() as uid, auth.role() as role');
    expect(uid.rows[0]).toEqual({ uid: 'b0b2b7a4-6d36-4f5b-8f0e-0c3a3c1e9a01', role: 'authenticated' });
    await db.exec('create table public.server_notes (id uuid primary key default uuid_generate_v4())');
    const grants = await db.query<{ anon: boolean }>(`select has_table_privilege('anon', 'public.server_notes', 'select') as anon`);
    expect(grants.rows[0]?.anon).toBe(true);
  });

  it('maps a failing migration to its line with Postgres message', async () => {
    const result = await applyMigrations(db, [
      parseMigration('supabase/migrations/20240101000000_x.sql', 'create table public.ok_table (id int);\n\ncreate view public.v as\n  select nme from public.ok_table;\n'),
    ]);
    expect(result.failure).toMatchObject({ line: 4, column: 10, code: '42703', message: 'column "nme" does not exist' });
  });

  it('stops a statement past the statement timeout and keeps the database usable', async () => {
    const error = await db.query('select pg_sleep(10)').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ShadowSqlError);
    expect(error).toMatchObject({ code: '57014', timedOut: true });
    expect((await db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('still stops a statement when a migration turned statement_timeout off', async () => {
    await db.exec('set statement_timeout = 0');
    const started = Date.now();
    const error = await db.query('select pg_sleep(10)').catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ code: '57014', timedOut: true, message: 'canceling statement due to statement timeout' });
    expect((await db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('reports an extension the server cannot load with a typed error', async () => {
    const error = await db.exec('create extension extension_that_is_not_installed').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableExtensionError);
    expect(error).toMatchObject({ extension: 'extension_that_is_not_installed' });
  });

  it('runs the diff-aware shadow run and drops its database', async () => {
    const before = await runDatabasesOnServer();
    const result = await shadowRun({
      factory,
      baseMigrations: [parseMigration('supabase/migrations/20240101000000_old.sql', 'create table public.old (id int);')],
      headMigrations: [parseMigration('supabase/migrations/20240201000000_new.sql', '-- new\ncreate table public.fresh (id int);')],
      lint: tablesWithoutRls,
    });
    expect(result.databaseKind).toBe('postgres');
    expect(result.findings.map((finding) => `${finding.lint.cache_key}@${finding.path}:${finding.line}`)).toEqual([
      'rls_disabled_in_public_public_fresh@supabase/migrations/20240201000000_new.sql:2',
    ]);
    expect((await runDatabasesOnServer()).length).toBeLessThanOrEqual(before.length);
    expect(factory.openDatabases()).toEqual([db.databaseName]);
  });
}

if (reachable) {
  describe('shadow database on the Postgres server', describeServer);
} else {
  describe.skip(`shadow database on the Postgres server (no server at ${url})`, () => {
    it('is skipped', () => undefined);
  });
}
