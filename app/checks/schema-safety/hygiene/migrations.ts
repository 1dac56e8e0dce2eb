import type { ChangeSet, Side } from '../../types.js';

export const DEFAULT_MIGRATIONS_DIR = 'supabase/migrations';
/** `<14-digit UTC timestamp>_<name>.sql`, what `supabase migration new <name>` writes. */
export const DEFAULT_FILE_NAME_PATTERN = '^(\\d{14})_(.+)\\.sql$';

/**
 * The Supabase CLI's own test (pkg/migration/file.go, `migrateFilePattern`): a file in the migrations
 * folder whose name does not match is skipped with "Skipping migration ... (file name must match
 * pattern "<timestamp>_name.sql")" and never applied.
 */
export const SUPABASE_CLI_FILE_NAME = /^([0-9]+)_(.*)\.sql$/;

/** A migration the Supabase CLI applies. */
export interface MigrationFile {
  /** Repository-relative path. */
  path: string;
  fileName: string;
  /** The digits before the first `_`: the key of `supabase_migrations.schema_migrations`. */
  version: string;
  /** The rest of the file name, without `.sql`. */
  name: string;
}

export interface ChangedMigration extends MigrationFile {
  /** `added`: the path is new on head; `modified`: the same path exists on base with other content; `renamed`: moved here from `previousPath`. */
  status: 'added' | 'modified' | 'renamed';
  previousPath?: string;
}

/** `./supabase/migrations/` → `supabase/migrations`; `.` or `` → the repository root. */
export function normalizeMigrationsDir(dir: string): string {
  const normalized = dir.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (normalized.startsWith('/') || /^[A-Za-z]:\//.test(normalized)) {
    throw new Error(`schema-safety migrationsDir must be a repository-relative folder, got "${dir}"`);
  }
  return normalized === '.' ? '' : normalized;
}

/** The CLI reads the folder itself, not its subfolders: `*` does not cross `/`. */
export function migrationsGlob(dir: string): string {
  const normalized = normalizeMigrationsDir(dir);
  return normalized === '' ? '*.sql' : `${normalized}/*.sql`;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Whether `path` is a file directly in the migrations folder. */
export function isInMigrationsDir(path: string, dir: string): boolean {
  const normalized = normalizeMigrationsDir(dir);
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  return parent === normalized;
}

/** The migration the CLI sees in `path`, or null when it skips the file. */
export function parseMigrationPath(path: string): MigrationFile | null {
  const fileName = baseName(path);
  const match = SUPABASE_CLI_FILE_NAME.exec(fileName);
  if (!match) return null;
  return { path, fileName, version: match[1] ?? '', name: match[2] ?? '' };
}

/**
 * The CLI lists the folder (Go's `fs.ReadDir`, sorted by file name) and applies the files in that
 * order; comparing names byte-wise as it does keeps `10_b.sql` before `1_a.sql` exactly like the CLI.
 * For 14-digit versions this is version order.
 */
export function compareApplyOrder(a: MigrationFile, b: MigrationFile): number {
  return a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0;
}

/** Every `.sql` file directly in the migrations folder on one side, sorted by path. */
export async function listSqlFiles(changeSet: ChangeSet, side: Side, dir: string): Promise<string[]> {
  const paths = await changeSet.listFiles(side, migrationsGlob(dir));
  return paths.filter((path) => isInMigrationsDir(path, dir)).sort();
}

/** `.sql` files of the migrations folder at the base branch's tip. */
export async function listBaseTipSqlFiles(list: (glob: string) => Promise<string[]>, dir: string): Promise<string[]> {
  const paths = await list(migrationsGlob(dir));
  return paths.filter((path) => isInMigrationsDir(path, dir)).sort();
}

/** The migrations the Supabase CLI would apply on one side, in its apply order (by file name, i.e. by version). */
export async function listMigrations(changeSet: ChangeSet, side: Side, dir: string): Promise<MigrationFile[]> {
  const paths = await listSqlFiles(changeSet, side, dir);
  return paths.flatMap((path) => parseMigrationPath(path) ?? []).sort(compareApplyOrder);
}

/**
 * The migrations on head that this change adds or modifies, in apply order: the files to lint and to
 * apply on top of the base branch's migrations. A file moved into the folder, or renamed within it,
 * counts as `renamed`; a file whose only change is a mode change is left out.
 */
export async function changedMigrations(changeSet: ChangeSet, dir: string): Promise<ChangedMigration[]> {
  const [base, head] = await Promise.all([listSqlFiles(changeSet, 'base', dir), listMigrations(changeSet, 'head', dir)]);
  const onBase = new Set(base);
  const changed = new Map(changeSet.files.map((file) => [file.path, file]));
  const result: ChangedMigration[] = [];
  for (const migration of head) {
    const file = changed.get(migration.path);
    if (file?.status === 'renamed' && file.previousPath !== undefined) {
      result.push({ ...migration, status: 'renamed', previousPath: file.previousPath });
    } else if (!onBase.has(migration.path)) {
      result.push({ ...migration, status: 'added' });
    } else if (file !== undefined && (file.status === 'modified' || file.status === 'changed') && (file.additions > 0 || file.deletions > 0 || file.hunks === undefined)) {
      result.push({ ...migration, status: 'modified' });
    }
  }
  return result;
}
