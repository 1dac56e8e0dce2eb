import type { ChangeSet, ChangedFile, RuleMeta, Side } from '../../types.js';
import type { HygieneFinding } from './finding.js';
import { compareApplyOrder, listBaseTipSqlFiles, listSqlFiles, normalizeMigrationsDir, parseMigrationPath, type MigrationFile } from './migrations.js';

export interface HygieneOptions {
  /** Repository-relative folder the Supabase CLI reads (`supabase/migrations`). */
  migrationsDir: string;
  /** Regular expression (JavaScript syntax) every new migration's file name must match. */
  fileNamePattern: string;
  /** The clock for "a version in the future"; defaults to the current time. */
  now?: Date;
}

/** A `.sql` file on head that the base branch does not have at that path. */
export interface NewSqlFile {
  path: string;
  fileName: string;
  /** Null when the CLI skips the file (its name does not start with `<digits>_`). */
  migration: MigrationFile | null;
  /** The base migration this file was renamed from, when the change set says so. */
  renamedFrom?: MigrationFile;
}

export interface HygieneContext {
  changeSet: ChangeSet;
  migrationsDir: string;
  fileNamePattern: RegExp;
  fileNamePatternSource: string;
  now: Date;
  /** Migrations the CLI applies, in its order. Base ones are taken as applied to production. */
  base: MigrationFile[];
  /** The migrations at the base branch's tip (base plus what landed since the change branched off). */
  baseTip: MigrationFile[];
  head: MigrationFile[];
  /** `.sql` files new on head (added, copied, or moved into the folder), sorted by path. */
  added: NewSqlFile[];
  /** path → changed file entry, for statuses, renames and hunks. */
  changedFiles: Map<string, ChangedFile>;
  readText(side: Side, path: string): Promise<string | null>;
  /** The branch the change merges into, for messages (`main`). */
  baseRef: string;
}

export interface HygieneRule {
  meta: RuleMeta;
  check(ctx: HygieneContext): Promise<HygieneFinding[]>;
}

export function compileFileNamePattern(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new Error(`schema-safety fileNamePattern is not a valid regular expression (${source}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function buildHygieneContext(changeSet: ChangeSet, options: HygieneOptions): Promise<HygieneContext> {
  const migrationsDir = normalizeMigrationsDir(options.migrationsDir);
  const fileNamePattern = compileFileNamePattern(options.fileNamePattern);
  const [baseSql, headSql, tipSql] = await Promise.all([
    listSqlFiles(changeSet, 'base', migrationsDir),
    listSqlFiles(changeSet, 'head', migrationsDir),
    changeSet.listBaseTipFiles ? listBaseTipSqlFiles(changeSet.listBaseTipFiles.bind(changeSet), migrationsDir) : undefined,
  ]);
  const changedFiles = new Map(changeSet.files.map((file) => [file.path, file]));
  const onBase = new Set(baseSql);
  const base = baseSql.flatMap((path) => parseMigrationPath(path) ?? []).sort(compareApplyOrder);
  const head = headSql.flatMap((path) => parseMigrationPath(path) ?? []).sort(compareApplyOrder);
  const baseTip = tipSql ? tipSql.flatMap((path) => parseMigrationPath(path) ?? []).sort(compareApplyOrder) : base;
  const baseByPath = new Map(base.map((migration) => [migration.path, migration]));

  const added: NewSqlFile[] = headSql
    .filter((path) => !onBase.has(path))
    .map((path) => {
      const file = changedFiles.get(path);
      const renamedFrom = file?.status === 'renamed' && file.previousPath !== undefined ? baseByPath.get(file.previousPath) : undefined;
      const migration = parseMigrationPath(path);
      return { path, fileName: migration?.fileName ?? path.slice(path.lastIndexOf('/') + 1), migration, ...(renamedFrom ? { renamedFrom } : {}) };
    });

  const readText = async (side: Side, path: string): Promise<string | null> => {
    const read = await changeSet.readFile(side, path);
    return read.kind === 'text' ? read.text : null;
  };

  return {
    changeSet,
    migrationsDir,
    fileNamePattern,
    fileNamePatternSource: options.fileNamePattern,
    now: options.now ?? new Date(),
    base,
    baseTip,
    head,
    added,
    changedFiles,
    readText,
    baseRef: changeSet.base.ref,
  };
}
