import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneError, openControlPlane, openPgliteControlPlane, readMigrationFiles } from '../app/control-plane/index.js';
import { describeControlPlaneClient } from './helpers/control-plane-client-suite.js';
import { SUPABASE_DIR } from './helpers/control-plane-db.js';

describeControlPlaneClient('PGlite', async () => {
  const controlPlane = await openPgliteControlPlane({ dataDir: null });
  return { controlPlane, admin: controlPlane.db, close: () => controlPlane.close() };
});

describe('the embedded control plane keeps its data directory at the schema of supabase/migrations', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pk-control-plane-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const versions = readMigrationFiles(SUPABASE_DIR).map((file) => file.version);

  it('applies the base and every migration on first open, nothing on the next, and keeps the data', async () => {
    const dataDir = join(scratch, 'data');
    const first = await openPgliteControlPlane({ dataDir });
    expect(first.migration).toEqual({ installedBase: true, applied: versions });
    const { rows } = await first.db.query<{ version: string; name: string }>('select version, name from supabase_migrations.schema_migrations order by version');
    expect(rows.map((row) => row.version)).toEqual(versions);
    expect(rows[0]?.name).toBe('ops_tenancy');
    // The seed ran: the baseline parity definitions are there.
    const { rows: baseline } = await first.db.query<{ n: number }>('select count(*)::int as n from ops.parity_definitions where org_id is null');
    expect(baseline[0]?.n).toBeGreaterThan(5);
    await first.db.query(`insert into ops.orgs (slug, name) values ('kept', 'Kept')`);
    await first.close();

    const second = await openPgliteControlPlane({ dataDir });
    try {
      expect(second.migration).toEqual({ installedBase: false, applied: [] });
      const { rows: kept } = await second.db.query<{ slug: string }>(`select slug from ops.orgs where slug = 'kept'`);
      expect(kept).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('applies only the new migration of a later checkout, and a failing one not at all', async () => {
    const supabaseDir = join(scratch, 'supabase');
    cpSync(SUPABASE_DIR, supabaseDir, { recursive: true });
    const dataDir = join(scratch, 'data-later');
    await (await openPgliteControlPlane({ dataDir, supabaseDir })).close();

    writeFileSync(join(supabaseDir, 'migrations', '20990101000000_ops_notes.sql'), 'create table ops.notes (id bigint generated always as identity primary key, body text not null);\n');
    const later = await openPgliteControlPlane({ dataDir, supabaseDir });
    expect(later.migration.applied).toEqual(['20990101000000']);
    await later.close();

    writeFileSync(
      join(supabaseDir, 'migrations', '20990102000000_ops_broken.sql'),
      'create table ops.half_done (id bigint primary key);\ninsert into ops.no_such_table values (1);\n',
    );
    const failure = await openPgliteControlPlane({ dataDir, supabaseDir }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ControlPlaneError);
    expect((failure as ControlPlaneError).message).toMatch(/20990102000000_ops_broken\.sql: the migration failed, nothing of it was applied: relation "ops.no_such_table" does not exist/);
    expect((failure as ControlPlaneError).code).toBe('42P01');

    rmSync(join(supabaseDir, 'migrations', '20990102000000_ops_broken.sql'));
    const after = await openPgliteControlPlane({ dataDir, supabaseDir });
    try {
      expect(after.migration.applied).toEqual([]);
      const { rows } = await after.db.query<{ half: string | null; notes: string | null }>(`select to_regclass('ops.half_done')::text as half, to_regclass('ops.notes')::text as notes`);
      expect(rows[0]).toEqual({ half: null, notes: 'ops.notes' });
    } finally {
      await after.close();
    }
  });
});

describe('openControlPlane picks the adapter from the environment', () => {
  it('supabase-js with a URL and service role key, pg with DATABASE_URL, else PGlite in the given directory', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'pk-control-plane-env-'));
    try {
      const hosted = await openControlPlane(undefined, { SUPABASE_URL: 'http://127.0.0.1:9', SUPABASE_SERVICE_ROLE_KEY: 'key', DATABASE_URL: 'postgres://127.0.0.1:9/x' });
      const server = await openControlPlane(undefined, { DATABASE_URL: 'postgres://127.0.0.1:9/x' });
      const embedded = await openControlPlane(undefined, { PLATFORM_KIT_CONTROL_PLANE_DIR: join(scratch, 'cp') });
      expect([hosted.kind, server.kind, embedded.kind]).toEqual(['supabase', 'postgres', 'pglite']);
      await Promise.all([hosted.close(), server.close(), embedded.close()]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
