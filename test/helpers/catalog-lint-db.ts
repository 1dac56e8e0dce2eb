/**
 * Databases for the catalog lint suites: an embedded PGlite and a throw-away database on the
 * Postgres server at 127.0.0.1:5432, both with Supabase's base installed.
 */
import { PGlite } from '@electric-sql/pglite';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { hstore } from '@electric-sql/pglite/contrib/hstore';
import { ltree } from '@electric-sql/pglite/contrib/ltree';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { uuid_ossp } from '@electric-sql/pglite/contrib/uuid_ossp';
import pg from 'pg';
import type { Queryable } from '../../app/checks/schema-safety/lints/types.js';
import { SUPABASE_BASE_SQL } from '../../app/checks/schema-safety/shadow/supabase-base.js';

export interface LintTestDb extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs a script of one or more statements (simple protocol, outside any explicit transaction). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** The extensions the suites create; PGlite loads their code up front. */
const PGLITE_EXTENSIONS = { citext, hstore, ltree, pg_trgm, pgcrypto, uuid_ossp };

export async function openPgliteLintDb(options: { supabaseBase?: boolean } = {}): Promise<LintTestDb> {
  const pglite = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  if (options.supabaseBase ?? true) await pglite.exec(SUPABASE_BASE_SQL);
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pglite.query<T>(sql, params)).rows }),
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    close: () => pglite.close(),
  };
}

const SERVER = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

/** A fresh database with a random name, with the base installed; `close` drops it. */
export async function openServerLintDb(): Promise<LintTestDb> {
  const name = `pk_lints_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ ...SERVER, database: 'postgres' });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const client = new pg.Client({ ...SERVER, database: name });
  try {
    await client.connect();
    await client.query(SUPABASE_BASE_SQL);
  } catch (error) {
    await client.end().catch(() => undefined);
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    throw error;
  }
  return {
    kind: 'postgres',
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
    exec: async (sql) => {
      await client.query(sql);
    },
    close: async () => {
      await client.end();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
