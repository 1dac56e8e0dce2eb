import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { applyMigrations, type MigrationToApply } from '../app/checks/schema-safety/shadow/apply.js';
import { ExtensionGaps } from '../app/checks/schema-safety/shadow/extensions.js';
import { createPgliteShadowFactory, type PgliteShadowFactory } from '../app/checks/schema-safety/shadow/pglite.js';
import type { ShadowDatabase } from '../app/checks/schema-safety/shadow/types.js';

let factory: PgliteShadowFactory;

beforeAll(async () => {
  await ensureParser();
  factory = createPgliteShadowFactory({ statementTimeoutMs: 20_000 });
});

afterAll(async () => {
  await factory?.dispose();
});

function migration(path: string, text: string): MigrationToApply {
  return parseMigration(path, text);
}

async function tableExists(db: ShadowDatabase, name: string): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>('select to_regclass($1) is not null as found', [name]);
  return rows[0]?.found ?? false;
}

describe('applyMigrations on PGlite', () => {
  let db: ShadowDatabase;
  beforeAll(async () => {
    db = await factory.create({ extensions: [] });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('maps a failing statement to its file line with Postgres message, rolls its file back and stops', async () => {
    const files = [
      migration('supabase/migrations/20240101000000_accounts.sql', 'create table public.accounts (id bigint primary key);\n'),
      migration(
        'supabase/migrations/20240102000000_orders.sql',
        [
          '-- orders belong to accounts',
          'create table public.orders (id bigint primary key, account_id bigint);',
          '',
          'create view public.order_totals as',
          '  select account_id, count(*) from public.order group by 1;',
          'create index on public.orders (account_id);',
        ].join('\n'),
      ),
      migration('supabase/migrations/20240103000000_later.sql', 'create table public.later (id int);'),
    ];
    const result = await applyMigrations(db, files);
    expect(result.failure).toMatchObject({
      path: 'supabase/migrations/20240102000000_orders.sql',
      line: 5,
      column: 36,
      message: 'relation "public.order" does not exist',
      code: '42P01',
      kind: 'sql-error',
    });
    expect(result.failure?.statement?.line).toBe(4);
    expect(result.appliedFiles).toEqual(['supabase/migrations/20240101000000_accounts.sql']);
    expect(result.notAppliedFiles).toEqual(['supabase/migrations/20240102000000_orders.sql', 'supabase/migrations/20240103000000_later.sql']);
    expect(await tableExists(db, 'public.accounts')).toBe(true);
    // The file ran in one transaction: its first table went with the failure.
    expect(await tableExists(db, 'public.orders')).toBe(false);
    expect(await tableExists(db, 'public.later')).toBe(false);
    expect(result.outcomes.map((outcome) => `${outcome.statement.line}:${outcome.status}`)).toEqual(['1:applied', '2:applied', '4:failed']);
  });

  it('reports a file that does not parse as a syntax failure without running it', async () => {
    const result = await applyMigrations(db, [migration('m/20240104000000_broken.sql', 'create table public.broken (id int);\ncreate tabel nope (id int);')]);
    expect(result.failure).toMatchObject({ path: 'm/20240104000000_broken.sql', line: 2, kind: 'syntax-error', code: '42601' });
    expect(await tableExists(db, 'public.broken')).toBe(false);
  });

  it('records psql meta-commands as skipped and applies the rest', async () => {
    const result = await applyMigrations(db, [migration('m/20240105000000_meta.sql', '\\set ON_ERROR_STOP on\ncreate table public.after_meta (id int);\n')]);
    expect(result.failure).toBeUndefined();
    expect(result.skipped).toEqual([expect.objectContaining({ reason: 'meta-command', line: 1, path: 'm/20240105000000_meta.sql' })]);
    expect(await tableExists(db, 'public.after_meta')).toBe(true);
  });

  it('runs CREATE INDEX CONCURRENTLY on its own, as the Supabase CLI does, and honours COMMIT written in the file', async () => {
    const result = await applyMigrations(db, [
      migration(
        'm/20240106000000_concurrent.sql',
        [
          'create table public.events (id bigint primary key, kind text);',
          'create index concurrently events_kind_idx on public.events (kind);',
          'begin;',
          'create table public.audit (id bigint);',
          'commit;',
          'create table public.after_commit (id bigint);',
        ].join('\n'),
      ),
    ]);
    expect(result.failure).toBeUndefined();
    expect(result.outcomes.every((outcome) => outcome.status === 'applied')).toBe(true);
    for (const name of ['public.events_kind_idx', 'public.audit', 'public.after_commit']) expect(await tableExists(db, name)).toBe(true);
  });

  it('points at the line of a DO block that raises', async () => {
    const result = await applyMigrations(db, [
      migration(
        'm/20240107000000_do.sql',
        ['do $$', 'begin', '  perform 1;', "  raise exception 'backfill failed';", 'end', '$$;'].join('\n'),
      ),
    ]);
    expect(result.failure).toMatchObject({ line: 4, message: 'backfill failed', code: 'P0001' });
  });

  it('skips what depends on an extension the database cannot load, and nothing else', async () => {
    const gaps = new ExtensionGaps();
    const first = await applyMigrations(
      db,
      [
        migration(
          'm/20240108000000_places.sql',
          [
            'create extension if not exists postgis with schema extensions;',
            'create table public.places (id bigint primary key, location geography(Point, 4326));',
            'create index places_location_idx on public.places using gist (location);',
            'create table public.visits (id bigint primary key, place_id bigint);',
            'select st_makepoint(1, 2);',
          ].join('\n'),
        ),
      ],
      { gaps },
    );
    expect(first.failure).toBeUndefined();
    expect(first.unavailableExtensions).toEqual(['postgis']);
    expect(first.outcomes.map((outcome) => `${outcome.statement.line}:${outcome.status}`)).toEqual(['1:skipped', '2:skipped', '3:skipped', '4:applied', '5:skipped']);
    expect(first.skipped.every((item) => item.reason === 'unavailable-extension' && item.extension === 'postgis')).toBe(true);
    expect(await tableExists(db, 'public.visits')).toBe(true);

    // A later file that reads the skipped table is skipped too; an unrelated mistake still fails.
    const second = await applyMigrations(
      db,
      [
        migration('m/20240109000000_more.sql', 'alter table public.places add column name text;\ncreate table public.tags (id int);'),
        migration('m/20240110000000_typo.sql', 'create table public.z (id int references public.missing (id));'),
      ],
      { gaps },
    );
    expect(second.outcomes.map((outcome) => `${outcome.path.slice(2, 16)}:${outcome.statement.line}:${outcome.status}`)).toEqual([
      '20240109000000:1:skipped',
      '20240109000000:2:applied',
      '20240110000000:1:failed',
    ]);
    expect(second.failure?.message).toBe('relation "public.missing" does not exist');
  });
});

describe('statement timeout during apply', () => {
  it('fails the statement that never finishes with a timeout failure at its line', async () => {
    const quick = createPgliteShadowFactory({ statementTimeoutMs: 1000 });
    const db = await quick.create({ extensions: [] });
    const result = await applyMigrations(db, [migration('m/20240111000000_slow.sql', 'create table public.t (id int);\n\nselect pg_sleep(10);\n')]);
    expect(result.failure).toMatchObject({ path: 'm/20240111000000_slow.sql', line: 3, code: '57014', kind: 'timeout' });
    await quick.dispose();
  });
});
