/**
 * The control plane on a Postgres server (`DATABASE_URL`, e.g. a Supabase project's direct
 * connection string), through a `pg` Pool. The schema is expected to be there already
 * (`supabase db push`); this adapter applies no migrations. Connect as a role that may call the
 * RPCs: the database owner (`postgres`) or one that can `set role service_role`.
 */
import pg from 'pg';
import { createControlPlane } from './client.js';
import { createSqlTransport } from './sql-transport.js';
import type { ControlPlane } from './types.js';

export interface PgControlPlaneOptions {
  /** Default: DATABASE_URL. */
  connectionString?: string;
  /** Connections in the pool (default 4). */
  max?: number;
  /** Run every session as this role (`set role`), e.g. `service_role` when connecting as postgres. */
  role?: string;
  /** Passed on to the pool, e.g. `ssl`. */
  poolConfig?: Omit<pg.PoolConfig, 'connectionString' | 'max'>;
}

export interface PgControlPlane extends ControlPlane {
  readonly kind: 'postgres';
  readonly pool: pg.Pool;
}

export function openPgControlPlane(options: PgControlPlaneOptions = {}): PgControlPlane {
  const connectionString = options.connectionString ?? process.env.DATABASE_URL;
  if (!connectionString) throw new Error('the Postgres control plane needs a connection string: set DATABASE_URL or pass connectionString');
  if (options.role !== undefined && !/^[a-z_][a-z0-9_]*$/.test(options.role)) throw new Error(`not a role name: ${JSON.stringify(options.role)}`);
  // Timestamps come back through to_jsonb, in the session's time zone: UTC, like PostgREST on Supabase.
  const sessionOptions = ['-c TimeZone=UTC', options.role ? `-c role=${options.role}` : ''].filter(Boolean).join(' ');
  const pool = new pg.Pool({ ...options.poolConfig, connectionString, max: options.max ?? 4, options: sessionOptions });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const transport = createSqlTransport(pool, () => pool.end());
  return Object.assign(createControlPlane('postgres', transport), { kind: 'postgres' as const, pool });
}
