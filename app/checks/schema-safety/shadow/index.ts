/**
 * Shadow databases for the schema-safety check: PGlite by default, a Postgres server when
 * `SHADOW_DATABASE_URL` (or an explicit URL) names one.
 */
import { createPgliteShadowFactory, type PgliteShadowOptions } from './pglite.js';
import { createPostgresShadowFactory } from './postgres.js';
import type { ShadowDatabaseFactory } from './types.js';

export * from './types.js';
export { applyMigrations, positionInStatement } from './apply.js';
export type { ApplyFailure, ApplyOptions, ApplyResult, MigrationToApply, SkippedItem, StatementOutcome, StatementStatus } from './apply.js';
export { ExtensionGaps, EXTENSION_OBJECTS } from './extensions.js';
export { locateLintResult } from './locate.js';
export type { LintLocation, MappingKind } from './locate.js';
export { statementObjects } from './objects.js';
export type { ObjectAction, ObjectKind, ObjectRef } from './objects.js';
export { clearPgliteSnapshotMemory, createPgliteShadowFactory, DEFAULT_STATEMENT_TIMEOUT_MS } from './pglite.js';
export type { PgliteShadowDatabase, PgliteShadowFactory, PgliteShadowOptions, PgliteStart } from './pglite.js';
export { createPostgresShadowFactory, DEFAULT_SHADOW_DATABASE_URL, isPostgresServerReachable } from './postgres.js';
export type { PostgresShadowDatabase, PostgresShadowFactory, PostgresShadowOptions } from './postgres.js';
export { shadowRun } from './run.js';
export type { ShadowFinding, ShadowNotice, ShadowRunOptions, ShadowRunResult } from './run.js';
export { BASE_EXTENSIONS, SUPABASE_BASE_SQL, SUPABASE_DATABASE_SQL, SUPABASE_ROLES_SQL, SUPABASE_SEARCH_PATH } from './supabase-base.js';

export interface ShadowFactoryOptions extends Omit<PgliteShadowOptions, 'statementTimeoutMs'> {
  /** A Postgres server to use instead of PGlite; default: SHADOW_DATABASE_URL when set. `null` forces PGlite. */
  url?: string | null;
  statementTimeoutMs?: number;
}

export function createShadowDatabaseFactory(options: ShadowFactoryOptions = {}): ShadowDatabaseFactory {
  const url = options.url === undefined ? process.env.SHADOW_DATABASE_URL || undefined : (options.url ?? undefined);
  if (url) return createPostgresShadowFactory({ url, statementTimeoutMs: options.statementTimeoutMs });
  const { url: _url, ...pglite } = options;
  return createPgliteShadowFactory(pglite);
}
