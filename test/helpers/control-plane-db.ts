/**
 * The control plane's SQL (supabase/migrations/*.sql, then supabase/seed.sql) applied to a fresh
 * database with Supabase's base, on PGlite or on the Postgres server, for tests and benchmarks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse as parseToml } from 'smol-toml';
import {
  applyMigrations,
  createPgliteShadowFactory,
  createPostgresShadowFactory,
  DEFAULT_SHADOW_DATABASE_URL,
  type MigrationToApply,
  type ShadowDatabase,
  type ShadowDatabaseFactory,
} from '../../app/checks/schema-safety/shadow/index.js';
import { ensureParser, parseMigration } from '../../app/checks/schema-safety/sql/parse.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUPABASE_DIR = join(REPO_ROOT, 'supabase');
export const MIGRATIONS_DIR = join(SUPABASE_DIR, 'migrations');

export interface SqlFile {
  /** Repository-relative path. */
  path: string;
  text: string;
}

/** supabase/migrations/*.sql in apply order (the Supabase CLI sorts by file name). */
export function controlPlaneMigrationFiles(): SqlFile[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ path: `supabase/migrations/${name}`, text: readFileSync(join(MIGRATIONS_DIR, name), 'utf8') }));
}

export function controlPlaneSeedFile(): SqlFile {
  return { path: 'supabase/seed.sql', text: readFileSync(join(SUPABASE_DIR, 'seed.sql'), 'utf8') };
}

/** `[api] schemas` of supabase/config.toml: the schemas the Data API exposes. */
export function exposedSchemasFromConfig(): string[] {
  const config = parseToml(readFileSync(join(SUPABASE_DIR, 'config.toml'), 'utf8')) as { api?: { schemas?: unknown } };
  const schemas = config.api?.schemas;
  if (!Array.isArray(schemas) || !schemas.every((schema): schema is string => typeof schema === 'string')) {
    throw new Error('supabase/config.toml: [api] schemas must be a list of schema names');
  }
  return schemas;
}

export async function parsedControlPlaneSql(options: { seed?: boolean } = {}): Promise<MigrationToApply[]> {
  await ensureParser();
  const files = controlPlaneMigrationFiles();
  if (options.seed ?? true) files.push(controlPlaneSeedFile());
  return files.map((file) => parseMigration(file.path, file.text));
}

export interface ControlPlaneDb {
  db: ShadowDatabase;
  /** Set for a server database: connect more clients to it (workers, role-switching sessions). */
  connectionString?: string;
  close(): Promise<void>;
}

/** A fresh database with the base, the migrations and the seed; throws with the failing statement's position. */
export async function openControlPlaneDb(kind: 'pglite' | 'postgres'): Promise<ControlPlaneDb> {
  const url = process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_DATABASE_URL;
  const factory: ShadowDatabaseFactory =
    kind === 'postgres' ? createPostgresShadowFactory({ url, statementTimeoutMs: 60_000 }) : createPgliteShadowFactory({ statementTimeoutMs: 60_000 });
  const migrations = await parsedControlPlaneSql();
  const db = await factory.create({ extensions: [] });
  const close = async () => {
    await db.close().catch(() => undefined);
    await factory.dispose();
  };
  const result = await applyMigrations(db, migrations);
  if (result.failure) {
    await close();
    const { path, line, column, message } = result.failure;
    throw new Error(`${path}:${line}:${column}: ${message}`);
  }
  let connectionString: string | undefined;
  if (kind === 'postgres') {
    const parsed = new URL(url);
    parsed.pathname = `/${(db as ShadowDatabase & { databaseName: string }).databaseName}`;
    connectionString = parsed.toString();
  }
  return { db, connectionString, close };
}

/** A client of a server database; `role` is set for the whole session. */
export async function connectAs(connectionString: string, role?: 'service_role' | 'authenticated' | 'anon'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  if (role) await client.query(`set role ${role}`);
  return client;
}
