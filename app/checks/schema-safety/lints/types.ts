import type { RuleMeta } from '../../types.js';

export type { Queryable } from '../shadow/types.js';

/** Splinter's levels; each maps to a default severity (see {@link CatalogLintMeta.defaultSeverity}). */
export type LintLevel = 'ERROR' | 'WARN' | 'INFO';
export type LintCategory = 'SECURITY' | 'PERFORMANCE';

/** One row of a catalog lint: splinter's result shape plus the mechanical fix when there is one. */
export interface LintResult {
  /** The lint's id, e.g. `rls_disabled_in_public`. */
  name: string;
  title: string;
  level: LintLevel;
  facing: 'EXTERNAL' | 'INTERNAL';
  categories: string[];
  description: string;
  detail: string;
  /** The lint's documentation (fix SQL and how to waive it). */
  remediation: string;
  metadata: { schema?: string; name?: string; type?: string; [key: string]: unknown };
  /** `<lint id>_<schema>_<name>[_<extra>]`, stable across runs: config waivers name it. */
  cache_key: string;
  /** SQL that removes the finding, one statement per line; `concurrently` statements need a migration file of their own. */
  fix_sql?: string | null;
}

export interface CatalogLintMeta extends RuleMeta {
  /** Splinter's title for the lint. */
  title: string;
  /** Splinter's level; `defaultSeverity` follows it except where DESIGN.md's signal policy lowers it. */
  level: LintLevel;
  categories: LintCategory[];
  /**
   * False for lints about a database's usage or the server it runs on (usage statistics, bloat,
   * available extension versions): a fresh shadow database says nothing about those, so the PR
   * check skips them; `db lint` on a live database runs them.
   */
  shadowApplicable: boolean;
}

/** What a database must have for a lint to mean something; otherwise the runner skips it and says why. */
export interface CatalogLintRequirements {
  /** At least one of these roles (the Supabase API roles): on plain Postgres nothing is exposed to them. */
  anyRole?: readonly string[];
  /** Relations the SQL reads directly (`schema.name`), e.g. `storage.buckets`. */
  relations?: readonly string[];
}

export interface CatalogLint {
  meta: CatalogLintMeta;
  /** The query; returns {@link LintResult} columns. `$1::text[]` is the list of exposed schemas where it is used. */
  sql: string;
  /** Whether `sql` takes the exposed schemas as `$1`. */
  usesExposedSchemas: boolean;
  requires: CatalogLintRequirements;
}

export interface RunCatalogLintsOptions {
  /** Schemas the Data API exposes (supabase/config.toml `[api] schemas`); default `['public']`. */
  exposedSchemas?: readonly string[];
  /** Lint ids to run (default: all). */
  only?: readonly string[];
  /** Running on a shadow database: lints that are not {@link CatalogLintMeta.shadowApplicable} are skipped. */
  shadow?: boolean;
  /**
   * Cache keys the caller waives. Their results are still returned, but no other result's fix
   * assumes they get fixed too (see reconcile.ts).
   */
  waived?: ReadonlySet<string>;
}

export interface SkippedLint {
  id: string;
  reason: string;
}

export interface FailedLint {
  id: string;
  message: string;
}

export interface CatalogLintRun {
  /** Sorted by lint id, then cache key. */
  results: LintResult[];
  skipped: SkippedLint[];
  failed: FailedLint[];
}
