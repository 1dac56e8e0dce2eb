/**
 * The embedded default: the control plane in PGlite (Postgres in WebAssembly) with its data in a
 * directory (default `.platform-kit/control-plane` under the working directory), so a local run
 * needs no server and no credentials. On open the Supabase base and every migration of
 * supabase/migrations not applied yet are applied (see migrations.ts).
 *
 * PGlite is single-process: one process at a time may open a data directory.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_stat_statements } from '@electric-sql/pglite/contrib/pg_stat_statements';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { uuid_ossp } from '@electric-sql/pglite/contrib/uuid_ossp';
import { createControlPlane } from './client.js';
import { migrateControlPlane, type MigrateResult } from './migrations.js';
import { createSqlTransport } from './sql-transport.js';
import type { ControlPlane } from './types.js';

export const DEFAULT_CONTROL_PLANE_DIR = '.platform-kit/control-plane';

export interface PgliteControlPlaneOptions {
  /** The data directory; `null` keeps the database in memory. Default `.platform-kit/control-plane`. */
  dataDir?: string | null;
  /** The supabase/ folder whose migrations and seed are applied. Default: this checkout's. */
  supabaseDir?: string;
  /** Run seed.sql after applying migrations (default true). */
  seed?: boolean;
}

export interface PgliteControlPlane extends ControlPlane {
  readonly kind: 'pglite';
  /** What opening did to the schema. */
  readonly migration: MigrateResult;
  /** The database itself, for tests and tools that need SQL the interface does not offer. */
  readonly db: PGlite;
}

export async function openPgliteControlPlane(options: PgliteControlPlaneOptions = {}): Promise<PgliteControlPlane> {
  const dataDir = options.dataDir === null ? undefined : resolve(options.dataDir ?? DEFAULT_CONTROL_PLANE_DIR);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, { extensions: { uuid_ossp, pgcrypto, pg_stat_statements } });
  let migration: MigrateResult;
  try {
    await db.exec(`set search_path to "$user", public, extensions; set timezone to 'UTC';`);
    migration = await migrateControlPlane(
      {
        query: (sql, params) => db.query(sql, params),
        exec: (sql) => db.exec(sql),
        transaction: (fn) => db.transaction((tx) => fn({ query: (sql, params) => tx.query(sql, params), exec: (sql) => tx.exec(sql) })),
      },
      { supabaseDir: options.supabaseDir, seed: options.seed },
    );
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  const transport = createSqlTransport(db, () => db.close());
  return Object.assign(createControlPlane('pglite', transport), { kind: 'pglite' as const, migration, db });
}
