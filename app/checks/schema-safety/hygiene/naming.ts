import type { HygieneContext } from './context.js';
import type { MigrationFile } from './migrations.js';
import { formatVersion, nextFreeVersion } from './versions.js';

const SNAKE_CASE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

export function isLowerSnakeCase(name: string): boolean {
  return SNAKE_CASE.test(name);
}

/** `AddUsers-table` → `add_users_table`; what is left of a file name once its version is set aside. */
export function snakeCaseName(name: string): string {
  const words = name
    .replace(/\.sql$/i, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  return words.length > 0 ? words.join('_') : 'migration';
}

/** The highest version (text order, as the CLI compares them), or null for none. */
export function latestVersion(migrations: readonly MigrationFile[]): MigrationFile | null {
  let latest: MigrationFile | null = null;
  for (const migration of migrations) {
    if (latest === null || migration.version > latest.version) latest = migration;
  }
  return latest;
}

/** The folder-relative target of a rename, as a shell command. */
export function renameCommand(ctx: HygieneContext, from: string, toFileName: string): string {
  const dir = ctx.migrationsDir === '' ? '' : `${ctx.migrationsDir}/`;
  return `git mv ${from} ${dir}${toFileName}`;
}

/**
 * A version for a new migration: after every version on both branches and after `floor`, and not
 * before the clock (what `supabase migration new` would write now).
 */
export function suggestVersion(ctx: HygieneContext, floor: string | null, taken: ReadonlySet<string>): string | null {
  const existing = [floor, latestVersion(ctx.base)?.version, latestVersion(ctx.head)?.version].filter((v): v is string => v != null);
  const now = formatVersion(ctx.now);
  const after = existing.reduce((max, version) => (version > max ? version : max), '');
  return nextFreeVersion(after > now ? after : now, taken, ctx.now);
}

export function takenVersions(ctx: HygieneContext): Set<string> {
  return new Set([...ctx.base, ...ctx.baseTip, ...ctx.head].map((migration) => migration.version));
}
