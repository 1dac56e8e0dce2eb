/**
 * Migration hygiene: the file-level rules of a Supabase migrations folder. The base branch's
 * migrations are taken as applied (the branch deploys with `supabase db push`); a change may add
 * migrations after them, never alter them.
 */
import type { ChangeSet, RuleMeta } from '../../types.js';
import { hygieneRule as migrationDuplicateVersion } from '../rules/migration-duplicate-version.js';
import { hygieneRule as migrationEdited } from '../rules/migration-edited.js';
import { hygieneRule as migrationFileName } from '../rules/migration-file-name.js';
import { hygieneRule as migrationNameStyle } from '../rules/migration-name-style.js';
import { hygieneRule as migrationOutOfOrder } from '../rules/migration-out-of-order.js';
import { buildHygieneContext, type HygieneOptions, type HygieneRule } from './context.js';
import type { HygieneFinding } from './finding.js';

export { compileFileNamePattern, type HygieneContext, type HygieneOptions, type HygieneRule, type NewSqlFile } from './context.js';
export { SCHEMA_SAFETY, type HygieneFinding } from './finding.js';
export {
  changedMigrations,
  DEFAULT_FILE_NAME_PATTERN,
  DEFAULT_MIGRATIONS_DIR,
  listMigrations,
  migrationsGlob,
  normalizeMigrationsDir,
  parseMigrationPath,
  SUPABASE_CLI_FILE_NAME,
  type ChangedMigration,
  type MigrationFile,
} from './migrations.js';

export const hygieneRules: HygieneRule[] = [
  migrationFileName,
  migrationNameStyle,
  migrationOutOfOrder,
  migrationDuplicateVersion,
  migrationEdited,
];

export const HYGIENE_RULES: RuleMeta[] = hygieneRules.map((rule) => rule.meta);

/** Runs every hygiene rule over the change; findings use the rules' default severities (the engine applies config). */
export async function checkMigrationHygiene(changeSet: ChangeSet, options: HygieneOptions): Promise<HygieneFinding[]> {
  const ctx = await buildHygieneContext(changeSet, options);
  const results = await Promise.all(hygieneRules.map((rule) => rule.check(ctx)));
  return results.flat();
}
