/**
 * The diff-aware shadow run: the base branch's migrations are applied and linted, then the pull
 * request's added or changed migrations are applied on top and linted again. Only results whose
 * cache key is new are reported, each at the statement of the pull request that made it.
 */
import { nodeBody } from '../sql/ast.js';
import { applyMigrations, type ApplyFailure, type ApplyResult, type MigrationToApply } from './apply.js';
import { ExtensionGaps } from './extensions.js';
import { locateLintResult, type LintLocation } from './locate.js';
import { ShadowDatabaseClosedError, type ShadowDatabase, type ShadowDatabaseFactory, type ShadowDatabaseKind, type ShadowLintResult } from './types.js';

export interface ShadowRunOptions<L extends ShadowLintResult> {
  factory: ShadowDatabaseFactory;
  /** Every migration of the base branch, in apply order. */
  baseMigrations: MigrationToApply[];
  /**
   * The pull request's added or changed migrations, in apply order. A changed file (same path on
   * the base) is left out of the base apply and applied here in its new version.
   */
  headMigrations: MigrationToApply[];
  lint: (db: ShadowDatabase) => Promise<L[]>;
}

export type ShadowFinding<L extends ShadowLintResult> = LintLocation & { lint: L };

export interface ShadowNotice {
  kind: 'base-failed' | 'unavailable-extension';
  message: string;
  path?: string;
  line?: number;
  column?: number;
}

export interface ShadowRunResult<L extends ShadowLintResult> {
  databaseKind: ShadowDatabaseKind;
  /** Lint results the pull request adds, mapped to its migrations; sorted by file and line. */
  findings: ShadowFinding<L>[];
  /** The pull request's migration that does not apply: an error at that statement. */
  failure?: ApplyFailure;
  notices: ShadowNotice[];
  base: ApplyResult;
  head: ApplyResult;
  baseLintCount: number;
  headLintCount: number;
  timings: { startMs: number; baseApplyMs: number; baseLintMs: number; headApplyMs: number; headLintMs: number; totalMs: number };
}

/** Extensions the migrations create, so PGlite loads their code at start. */
function extensionNames(migrations: readonly MigrationToApply[]): string[] {
  const names = new Set<string>();
  for (const migration of migrations) {
    for (const statement of migration.statements) {
      if (statement.kind !== 'CreateExtensionStmt') continue;
      const name = nodeBody<{ extname?: string }>(statement.node, 'CreateExtensionStmt')?.extname;
      if (name) names.add(name.toLowerCase());
    }
  }
  return [...names];
}

async function isStopped(db: ShadowDatabase): Promise<boolean> {
  try {
    await db.query('select 1');
    return false;
  } catch (error) {
    return error instanceof ShadowDatabaseClosedError;
  }
}

/** Files of `migrations` before the one that failed (all of them when none did). */
function appliedBefore(migrations: readonly MigrationToApply[], result: ApplyResult): MigrationToApply[] {
  if (!result.failure) return [...migrations];
  const index = migrations.findIndex((migration) => migration.path === result.failure!.path);
  return index < 0 ? [...migrations] : migrations.slice(0, index);
}

function unavailableExtensionNotices(head: ApplyResult): ShadowNotice[] {
  const groups = new Map<string, { path: string; extension: string; line: number; column: number; count: number }>();
  for (const item of head.skipped) {
    if (item.reason !== 'unavailable-extension' || !item.extension) continue;
    const key = `${item.path}\0${item.extension}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { path: item.path, extension: item.extension, line: item.line, column: item.column, count: 1 });
  }
  return [...groups.values()].map(({ path, extension, line, column, count }) => ({
    kind: 'unavailable-extension',
    path,
    line,
    column,
    message:
      `The shadow database cannot load the extension "${extension}": ${count === 1 ? 'the statement here, which depends on it, was' : `${count} statements of this file that depend on it (the first is here) were`} ` +
      'not applied, so the catalog lints do not see what they create.',
  }));
}

export async function shadowRun<L extends ShadowLintResult>(options: ShadowRunOptions<L>): Promise<ShadowRunResult<L>> {
  const started = performance.now();
  const { factory, headMigrations, lint } = options;
  const headPaths = new Set(headMigrations.map((migration) => migration.path));
  const baseMigrations = options.baseMigrations.filter((migration) => !headPaths.has(migration.path));
  const extensions = extensionNames([...baseMigrations, ...headMigrations]);
  const gaps = new ExtensionGaps();
  const notices: ShadowNotice[] = [];
  const timings = { startMs: 0, baseApplyMs: 0, baseLintMs: 0, headApplyMs: 0, headLintMs: 0, totalMs: 0 };

  const startDatabase = async (replay: readonly MigrationToApply[]) => {
    const startedAt = performance.now();
    const database = await factory.create({ extensions });
    timings.startMs += performance.now() - startedAt;
    // Replaying files that applied before: a failure now would be a failure then.
    if (replay.length > 0) await applyMigrations(database, [...replay], { gaps });
    return database;
  };

  let db = await startDatabase([]);
  try {
    let phase = performance.now();
    const base = await applyMigrations(db, baseMigrations, { gaps });
    timings.baseApplyMs = performance.now() - phase;
    const baseApplied = appliedBefore(baseMigrations, base);
    if (base.failure) {
      const { path, line, column, message } = base.failure;
      notices.push({
        kind: 'base-failed',
        path,
        line,
        column,
        message: `The base branch's migrations do not apply (${path}:${line}: ${message}); new findings are measured against the schema before that file.`,
      });
      if (await isStopped(db)) {
        await db.close();
        db = await startDatabase(baseApplied);
      }
    }

    phase = performance.now();
    const baseResults = await lint(db);
    timings.baseLintMs = performance.now() - phase;

    phase = performance.now();
    const head = await applyMigrations(db, headMigrations, { gaps });
    timings.headApplyMs = performance.now() - phase;
    if (head.failure && (await isStopped(db))) {
      await db.close();
      db = await startDatabase([...baseApplied, ...appliedBefore(headMigrations, head)]);
    }

    phase = performance.now();
    const headResults = await lint(db);
    timings.headLintMs = performance.now() - phase;

    const known = new Set(baseResults.map((result) => result.cache_key));
    const findings = headResults
      .filter((result) => !known.has(result.cache_key))
      .flatMap((result): ShadowFinding<L>[] => {
        const location = locateLintResult(result, headMigrations);
        return location ? [{ ...location, lint: result }] : [];
      })
      .sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.lint.cache_key.localeCompare(b.lint.cache_key));

    notices.push(...unavailableExtensionNotices(head));
    timings.totalMs = performance.now() - started;
    return {
      databaseKind: factory.kind,
      findings,
      failure: head.failure,
      notices,
      base,
      head,
      baseLintCount: baseResults.length,
      headLintCount: headResults.length,
      timings,
    };
  } finally {
    await db.close();
  }
}
