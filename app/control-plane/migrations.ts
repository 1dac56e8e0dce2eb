/**
 * Keeping an embedded control plane database at the schema of supabase/migrations: the Supabase
 * base once, then every migration file not applied yet, each in its own transaction together with
 * its row in `supabase_migrations.schema_migrations` (the table and columns the Supabase CLI uses,
 * so `supabase migration list` logic carries over), then the idempotent seed.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUPABASE_BASE_SQL } from '../checks/schema-safety/shadow/supabase-base.js';
import { ControlPlaneError } from './errors.js';

/**
 * PLATFORM_KIT_SUPABASE_DIR when set; else supabase/ of this checkout (app/control-plane/ →
 * ../../supabase), or `supabase/` beside a bundle (the Action build copies it there).
 */
export function defaultSupabaseDir(): string {
  const override = process.env.PLATFORM_KIT_SUPABASE_DIR;
  if (override) return override;
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', '..', 'supabase'), join(here, 'supabase')]) {
    if (existsSync(join(candidate, 'migrations'))) return candidate;
  }
  return join(process.cwd(), 'supabase');
}

export interface MigrationFile {
  /** The 14-digit timestamp the Supabase CLI keys migrations by. */
  version: string;
  name: string;
  path: string;
  sql: string;
}

const MIGRATION_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;

/** `<supabaseDir>/migrations/*.sql` in apply order; a file not named `<14 digits>_<name>.sql` is an error, as for the CLI. */
export function readMigrationFiles(supabaseDir: string): MigrationFile[] {
  const dir = join(supabaseDir, 'migrations');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = MIGRATION_NAME.exec(file);
      if (!match) throw new ControlPlaneError(`${join(dir, file)}: a migration file is named <14-digit timestamp>_<name>.sql`);
      return { version: match[1]!, name: match[2]!, path: join(dir, file), sql: readFileSync(join(dir, file), 'utf8') };
    });
}

/** What the migration runner needs from a database. */
export interface MigrationTarget {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Omit<MigrationTarget, 'transaction'>) => Promise<T>): Promise<T>;
}

const TRACKING_SQL = `
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text);
`;

export interface MigrateResult {
  /** Whether this call installed the Supabase base (a new database). */
  installedBase: boolean;
  /** Versions applied by this call, in order. */
  applied: string[];
}

export async function migrateControlPlane(db: MigrationTarget, options: { supabaseDir?: string; seed?: boolean } = {}): Promise<MigrateResult> {
  const supabaseDir = options.supabaseDir ?? defaultSupabaseDir();
  const files = readMigrationFiles(supabaseDir);
  const { rows: tracking } = await db.query<{ present: boolean }>(`select to_regclass('supabase_migrations.schema_migrations') is not null as present`);
  const installedBase = !tracking[0]?.present;
  if (installedBase) {
    await db.transaction(async (tx) => {
      await tx.exec(SUPABASE_BASE_SQL);
      await tx.exec(TRACKING_SQL);
    });
  }
  const { rows } = await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations');
  const done = new Set(rows.map((row) => row.version));
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file.version)) continue;
    try {
      await db.transaction(async (tx) => {
        await tx.exec(file.sql);
        await tx.query('insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)', [file.version, file.name, [file.sql]]);
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ControlPlaneError(`${file.path}: the migration failed, nothing of it was applied: ${message}`, { code: (error as { code?: string }).code }, { cause: error });
    }
    applied.push(file.version);
  }
  const seedPath = join(supabaseDir, 'seed.sql');
  if ((options.seed ?? true) && (applied.length > 0 || installedBase) && existsSync(seedPath)) {
    await db.exec(readFileSync(seedPath, 'utf8'));
  }
  return { installedBase, applied };
}
