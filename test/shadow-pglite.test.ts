import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clearPgliteSnapshotMemory,
  createPgliteShadowFactory,
  type PgliteShadowDatabase,
  type PgliteShadowFactory,
} from '../app/checks/schema-safety/shadow/pglite.js';
import { ShadowDatabaseClosedError, ShadowSqlError, UnavailableExtensionError } from '../app/checks/schema-safety/shadow/types.js';

// A snapshot folder of its own, so the first create() of this file must run initdb.
const snapshotDir = mkdtempSync(join(tmpdir(), 'pk-shadow-pglite-'));
let factory: PgliteShadowFactory;
let db: PgliteShadowDatabase;

beforeAll(async () => {
  clearPgliteSnapshotMemory();
  factory = createPgliteShadowFactory({ snapshotDir, statementTimeoutMs: 20_000 });
  // A file that cannot be loaded where the snapshot belongs: create() must replace it, not fail.
  writeFileSync(factory.snapshotPath!, 'not a tarball');
  db = await factory.create();
});

afterAll(async () => {
  await factory?.dispose();
  rmSync(snapshotDir, { recursive: true, force: true });
});

describe('the Supabase base on PGlite', () => {
  it('creates the API roles as Supabase does, without login', async () => {
    const { rows } = await db.query<{ rolname: string; rolcanlogin: boolean; rolbypassrls: boolean; rolinherit: boolean }>(
      `select rolname, rolcanlogin, rolbypassrls, rolinherit from pg_roles
       where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_admin', 'postgres') order by rolname`,
    );
    expect(rows.map((row) => row.rolname)).toEqual(['anon', 'authenticated', 'authenticator', 'postgres', 'service_role', 'supabase_admin']);
    const byName = Object.fromEntries(rows.map((row) => [row.rolname, row]));
    expect(byName.anon).toMatchObject({ rolcanlogin: false, rolinherit: false });
    expect(byName.service_role).toMatchObject({ rolbypassrls: true });
    const members = await db.query<{ member: boolean }>(`select pg_has_role('authenticator', 'authenticated', 'member') as member`);
    expect(members.rows[0]?.member).toBe(true);
  });

  it('answers auth.uid(), auth.role(), auth.email() and auth.jwt() from request.jwt.claims', async () => {
    const claims = { sub: '7d5a4c0e-3f1b-4a55-9d3c-2b8e6f1a0c11', role: 'authenticated', email: 'ada@example.com' };
    await db.query(`select set_config('request.jwt.claims', $1, false)`, [JSON.stringify(claims)]);
    const { rows } = await db.query<{ uid: string; role: string; email: string; sub: string }>(
      `select auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() ->> 'sub' as sub`,
    );
    expect(rows[0]).toEqual({ uid: claims.sub, role: 'authenticated', email: claims.email, sub: claims.sub });
    await db.query(`select set_config('request.jwt.claims', '', false)`);
    expect((await db.query<{ uid: string | null }>('select auth.uid() as uid')).rows[0]?.uid).toBeNull();
  });

  it('has auth.users, storage and realtime tables, with RLS where Supabase enables it', async () => {
    const { rows } = await db.query<{ name: string; rls: boolean }>(
      `select n.nspname || '.' || c.relname as name, c.relrowsecurity as rls from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where (n.nspname, c.relname) in (('auth', 'users'), ('storage', 'buckets'), ('storage', 'objects'), ('realtime', 'messages')) order by 1`,
    );
    expect(rows).toEqual([
      { name: 'auth.users', rls: false },
      { name: 'realtime.messages', rls: true },
      { name: 'storage.buckets', rls: true },
      { name: 'storage.objects', rls: true },
    ]);
    const folder = await db.query<{ folder: string[] }>(`select storage.foldername('avatars/user-1/photo.png') as folder`);
    expect(folder.rows[0]?.folder).toEqual(['avatars', 'user-1']);
  });

  it('grants new objects in public to the API roles through default privileges', async () => {
    await db.exec(`create table public.notes (id uuid primary key default uuid_generate_v4(), body text);
      create function public.note_count() returns bigint language sql as 'select count(*) from public.notes';`);
    const { rows } = await db.query<{ anon_select: boolean; authenticated_insert: boolean; anon_execute: boolean }>(
      `select has_table_privilege('anon', 'public.notes', 'select') as anon_select,
              has_table_privilege('authenticated', 'public.notes', 'insert') as authenticated_insert,
              has_function_privilege('anon', 'public.note_count()', 'execute') as anon_execute`,
    );
    expect(rows[0]).toEqual({ anon_select: true, authenticated_insert: true, anon_execute: true });
  });

  it('installs uuid-ossp and pgcrypto in the extensions schema, which is on the search_path', async () => {
    const { rows } = await db.query<{ extname: string; schema: string }>(
      `select extname, extnamespace::regnamespace::text as schema from pg_extension where extname in ('uuid-ossp', 'pgcrypto') order by 1`,
    );
    expect(rows).toEqual([
      { extname: 'pgcrypto', schema: 'extensions' },
      { extname: 'uuid-ossp', schema: 'extensions' },
    ]);
    const digest = await db.query<{ hex: string }>(`select encode(digest('abc', 'sha256'), 'hex') as hex`);
    expect(digest.rows[0]?.hex).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('the PGlite snapshot', () => {
  it('is built from initdb once (replacing a broken file), written to disk, then reused from memory and from disk', async () => {
    expect(db.startedFrom).toBe('initdb');
    expect(factory.snapshotPath).toBe(join(snapshotDir, `platform-kit-shadow-${factory.snapshotKey}.tar.gz`));
    expect(existsSync(factory.snapshotPath!)).toBe(true);

    const second = await factory.create({ extensions: [] });
    expect(second.startedFrom).toBe('snapshot-memory');
    // The snapshot carries the base: no need to install it again.
    expect((await second.query<{ n: number }>(`select count(*)::int as n from pg_roles where rolname = 'service_role'`)).rows[0]?.n).toBe(1);
    await second.close();

    clearPgliteSnapshotMemory();
    const nextProcess = createPgliteShadowFactory({ snapshotDir });
    const third = await nextProcess.create({ extensions: [] });
    expect(third.startedFrom).toBe('snapshot-disk');
    expect((await third.query<{ n: number }>('select count(*)::int as n from auth.users')).rows[0]?.n).toBe(0);
    await nextProcess.dispose();
  });
});

describe('PGlite limits', () => {
  it('stops a statement that outlives the statement timeout, with a statement-timeout error', async () => {
    const quick = createPgliteShadowFactory({ snapshotDir, statementTimeoutMs: 1000 });
    const sleeper = await quick.create({ extensions: [] });
    const started = Date.now();
    const error = await sleeper.query('select pg_sleep(10)').catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(ShadowSqlError);
    expect(error).toMatchObject({ code: '57014', timedOut: true, message: 'canceling statement due to statement timeout' });
    // PGlite cannot cancel a running statement: the database is stopped and says so.
    await expect(sleeper.query('select 1')).rejects.toBeInstanceOf(ShadowDatabaseClosedError);
    const fresh = await quick.create({ extensions: [] });
    expect((await fresh.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await quick.dispose();
  });

  it('reports an extension PGlite cannot load with a typed error and stays usable', async () => {
    const error = await db.exec('create extension postgis').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableExtensionError);
    expect(error).toMatchObject({ extension: 'postgis', code: '0A000' });
    expect([...db.unavailableExtensions]).toContain('postgis');
    expect((await db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('loads the extensions a run asks for, plus the base ones', async () => {
    const trigram = await factory.create({ extensions: ['pg_trgm'] });
    expect(trigram.loadedExtensions).toEqual(['pg_stat_statements', 'pg_trgm', 'pgcrypto', 'uuid-ossp']);
    await trigram.exec('create extension pg_trgm with schema extensions');
    expect((await trigram.query<{ s: number }>(`select similarity('shadow', 'shallow') > 0 as s`)).rows[0]?.s).toBe(true);
    await expect(trigram.exec('create extension hstore')).rejects.toBeInstanceOf(UnavailableExtensionError);
    expect(await trigram.availableExtensions()).toContain('pg_trgm');
    await trigram.close();
  });

  it('gives Postgres error fields: code, position and message', async () => {
    const error = await db.exec('select 1;\nselect * from missing_table').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ShadowSqlError);
    expect(error).toMatchObject({ code: '42P01', position: 25, message: 'relation "missing_table" does not exist' });
  });
});
