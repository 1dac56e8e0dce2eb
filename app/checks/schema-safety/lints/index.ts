/**
 * Catalog lints: Supabase's database linter (splinter), lint for lint under the same ids, written
 * as queries over the system catalogs of a shadow or live database. Each lint is lints/<id>.sql
 * (embedded in sql.generated.ts) plus lints/<id>.ts (its metadata); see README.md in this folder.
 */
import { lint as anonSecurityDefinerFunctionExecutable } from './anon_security_definer_function_executable.js';
import { lint as authRlsInitplan } from './auth_rls_initplan.js';
import { lint as authUsersExposed } from './auth_users_exposed.js';
import { lint as authenticatedSecurityDefinerFunctionExecutable } from './authenticated_security_definer_function_executable.js';
import { lint as duplicateIndex } from './duplicate_index.js';
import { lint as extensionInPublic } from './extension_in_public.js';
import { lint as extensionVersionsOutdated } from './extension_versions_outdated.js';
import { lint as fkeyToAuthUnique } from './fkey_to_auth_unique.js';
import { lint as foreignTableInApi } from './foreign_table_in_api.js';
import { lint as functionSearchPathMutable } from './function_search_path_mutable.js';
import { lint as insecureQueueExposedInApi } from './insecure_queue_exposed_in_api.js';
import { lint as materializedViewInApi } from './materialized_view_in_api.js';
import { lint as multiplePermissivePolicies } from './multiple_permissive_policies.js';
import { lint as noPrimaryKey } from './no_primary_key.js';
import { lint as pgGraphqlAnonTableExposed } from './pg_graphql_anon_table_exposed.js';
import { lint as pgGraphqlAuthenticatedTableExposed } from './pg_graphql_authenticated_table_exposed.js';
import { lint as policyExistsRlsDisabled } from './policy_exists_rls_disabled.js';
import { lint as publicBucketAllowsListing } from './public_bucket_allows_listing.js';
import { lint as rlsDisabledInPublic } from './rls_disabled_in_public.js';
import { lint as rlsEnabledNoPolicy } from './rls_enabled_no_policy.js';
import { lint as rlsPolicyAlwaysTrue } from './rls_policy_always_true.js';
import { lint as rlsReferencesUserMetadata } from './rls_references_user_metadata.js';
import { lint as securityDefinerView } from './security_definer_view.js';
import { lint as sensitiveColumnsExposed } from './sensitive_columns_exposed.js';
import { lint as tableBloat } from './table_bloat.js';
import { lint as unindexedForeignKeys } from './unindexed_foreign_keys.js';
import { lint as unsupportedRegTypes } from './unsupported_reg_types.js';
import { lint as unusedIndex } from './unused_index.js';
import { reconcileFixes } from './reconcile.js';
import type { CatalogLint, CatalogLintMeta, CatalogLintRun, FailedLint, LintResult, Queryable, RunCatalogLintsOptions, SkippedLint } from './types.js';

export type * from './types.js';

/** In splinter's numbering order. */
export const catalogLints: readonly CatalogLint[] = [
  unindexedForeignKeys,
  authUsersExposed,
  authRlsInitplan,
  noPrimaryKey,
  unusedIndex,
  multiplePermissivePolicies,
  policyExistsRlsDisabled,
  rlsEnabledNoPolicy,
  duplicateIndex,
  securityDefinerView,
  functionSearchPathMutable,
  rlsDisabledInPublic,
  extensionInPublic,
  rlsReferencesUserMetadata,
  materializedViewInApi,
  foreignTableInApi,
  unsupportedRegTypes,
  insecureQueueExposedInApi,
  tableBloat,
  fkeyToAuthUnique,
  extensionVersionsOutdated,
  sensitiveColumnsExposed,
  rlsPolicyAlwaysTrue,
  publicBucketAllowsListing,
  pgGraphqlAnonTableExposed,
  pgGraphqlAuthenticatedTableExposed,
  anonSecurityDefinerFunctionExecutable,
  authenticatedSecurityDefinerFunctionExecutable,
];

export const catalogLintMetas: readonly CatalogLintMeta[] = catalogLints.map((lint) => lint.meta);

export function findCatalogLint(id: string): CatalogLint | undefined {
  return catalogLints.find((lint) => lint.meta.id === id);
}

export const DEFAULT_EXPOSED_SCHEMAS: readonly string[] = ['public'];

/** Some lints failed to run; `run` holds what the others found. */
export class CatalogLintError extends Error {
  constructor(readonly run: CatalogLintRun) {
    super(
      `${run.failed.length} catalog lint(s) failed: ${run.failed.map((failure) => `${failure.id}: ${failure.message}`).join('; ')}`,
    );
    this.name = 'CatalogLintError';
  }
}

/** Runs every lint (or `only`) on a live or shadow database; exposed schemas default to ['public']. Throws {@link CatalogLintError} when a lint fails. */
export async function runCatalogLints(db: Queryable, opts: RunCatalogLintsOptions = {}): Promise<LintResult[]> {
  const run = await runCatalogLintsDetailed(db, opts);
  if (run.failed.length > 0) throw new CatalogLintError(run);
  return run.results;
}

/**
 * Runs the lints and reports, besides the results, the lints skipped (not meaningful on a shadow
 * database, or the database lacks the Supabase roles or tables they need) and those that failed.
 *
 * `db` must be one session (a client, not a pool): the lints run with `search_path` set to '' so
 * that deparsed expressions and the fix SQL name every object with its schema, and the previous
 * search_path is restored afterwards.
 */
export async function runCatalogLintsDetailed(db: Queryable, opts: RunCatalogLintsOptions = {}): Promise<CatalogLintRun> {
  const exposedSchemas = validExposedSchemas(opts.exposedSchemas);
  const selected = selectLints(opts.only);
  const skipped: SkippedLint[] = [];
  const failed: FailedLint[] = [];
  const results: LintResult[] = [];

  const environment = await probeEnvironment(db, selected);
  const previous = await db.query<{ search_path: string }>(`select pg_catalog.current_setting('search_path') as search_path`);
  const searchPath = previous.rows[0]?.search_path ?? '';
  await db.query(`select pg_catalog.set_config('search_path', '', false)`);
  try {
    for (const lint of selected) {
      const reason = skipReason(lint, opts, environment);
      if (reason) {
        skipped.push({ id: lint.meta.id, reason });
        continue;
      }
      try {
        const { rows } = await db.query<Record<string, unknown>>(lint.sql, lint.usesExposedSchemas ? [exposedSchemas] : undefined);
        for (const row of rows) results.push(toLintResult(row, lint));
      } catch (error) {
        failed.push({ id: lint.meta.id, message: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    await db.query(`select pg_catalog.set_config('search_path', $1, false)`, [searchPath]);
  }

  results.sort(compareResults);
  return { results: reconcileFixes(results, opts.waived), skipped, failed };
}

function validExposedSchemas(schemas: readonly string[] | undefined): string[] {
  if (schemas === undefined) return [...DEFAULT_EXPOSED_SCHEMAS];
  const invalid = schemas.filter((schema) => typeof schema !== 'string' || schema.trim() === '');
  if (invalid.length > 0) throw new Error(`exposedSchemas must be schema names; got ${JSON.stringify(schemas)}`);
  return [...schemas];
}

function selectLints(only: readonly string[] | undefined): CatalogLint[] {
  if (only === undefined) return [...catalogLints];
  const unknown = only.filter((id) => !findCatalogLint(id));
  if (unknown.length > 0) {
    throw new Error(`Unknown catalog lint(s): ${unknown.join(', ')}. Known: ${catalogLints.map((lint) => lint.meta.id).join(', ')}`);
  }
  return catalogLints.filter((lint) => only.includes(lint.meta.id));
}

interface Environment {
  roles: ReadonlySet<string>;
  relations: ReadonlySet<string>;
}

/** Which of the roles and relations the selected lints need exist, in one round trip. */
async function probeEnvironment(db: Queryable, lints: readonly CatalogLint[]): Promise<Environment> {
  const roles = [...new Set(lints.flatMap((lint) => lint.requires.anyRole ?? []))];
  const relations = [...new Set(lints.flatMap((lint) => lint.requires.relations ?? []))];
  if (roles.length === 0 && relations.length === 0) return { roles: new Set(), relations: new Set() };
  const { rows } = await db.query<{ roles: string[] | null; relations: string[] | null }>(
    `select
        array(select r from unnest($1::text[]) as r where pg_catalog.to_regrole(r) is not null) as roles,
        array(select r from unnest($2::text[]) as r where pg_catalog.to_regclass(r) is not null) as relations`,
    [roles, relations],
  );
  return { roles: new Set(rows[0]?.roles ?? []), relations: new Set(rows[0]?.relations ?? []) };
}

function skipReason(lint: CatalogLint, opts: RunCatalogLintsOptions, environment: Environment): string | undefined {
  if (opts.shadow && !lint.meta.shadowApplicable) {
    return 'needs a database with a history (usage statistics, server versions); a shadow database has none';
  }
  const anyRole = lint.requires.anyRole ?? [];
  if (anyRole.length > 0 && !anyRole.some((role) => environment.roles.has(role))) {
    return `role${anyRole.length > 1 ? 's' : ''} ${anyRole.join(', ')} do${anyRole.length > 1 ? '' : 'es'} not exist: not a Supabase database, nothing is exposed to the Data API`;
  }
  const missing = (lint.requires.relations ?? []).filter((relation) => !environment.relations.has(relation));
  if (missing.length > 0) return `${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist`;
  return undefined;
}

function toLintResult(row: Record<string, unknown>, lint: CatalogLint): LintResult {
  const text = (key: string): string => {
    const value = row[key];
    if (typeof value !== 'string') throw new Error(`catalog lint ${lint.meta.id} returned a row without a text "${key}"`);
    return value;
  };
  const metadata = row.metadata;
  const categories = row.categories;
  const fix = row.fix_sql;
  return {
    name: text('name'),
    title: text('title'),
    level: text('level') as LintResult['level'],
    facing: text('facing') as LintResult['facing'],
    categories: Array.isArray(categories) ? categories.map(String) : [],
    description: text('description'),
    detail: text('detail'),
    remediation: text('remediation'),
    metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as LintResult['metadata']) : {},
    cache_key: text('cache_key'),
    fix_sql: typeof fix === 'string' && fix !== '' ? fix : null,
  };
}

function compareResults(a: LintResult, b: LintResult): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.cache_key !== b.cache_key) return a.cache_key < b.cache_key ? -1 : 1;
  return 0;
}
