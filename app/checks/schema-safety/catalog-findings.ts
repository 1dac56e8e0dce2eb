import { ruleDocsUrl } from '../docs-url.js';
import type { CheckContext, Finding, RuleMeta } from '../types.js';
import { listMigrations } from './hygiene/migrations.js';
import { catalogLintMetas, findCatalogLint, runCatalogLints, type LintResult } from './lints/index.js';
import type { CatalogWaiver, SchemaSafetyOptions } from './options.js';
import { shadowRun, type MigrationToApply, type ShadowDatabaseFactory, type ShadowFinding } from './shadow/index.js';
import { parseMigration } from './sql/parse.js';
import { CHECK_ID } from './static.js';
import type { ParsedMigration } from './types.js';

export const MIGRATION_FAILS: RuleMeta = {
  id: 'migration-fails',
  defaultSeverity: 'error',
  description: 'A migration of this change fails to apply on a shadow database built from the base branch (Postgres error at the failing statement).',
  fixable: false,
  docsUrl: ruleDocsUrl(CHECK_ID, 'migration-fails'),
};

export const SHADOW_NOTICE: RuleMeta = {
  id: 'shadow-incomplete',
  defaultSeverity: 'notice',
  description: 'Part of the shadow run was skipped: an extension the shadow database cannot load, or base-branch migrations that do not apply.',
  fixable: false,
  docsUrl: ruleDocsUrl(CHECK_ID, 'shadow-incomplete'),
};

export const EXPIRED_WAIVER: RuleMeta = {
  id: 'expired-waiver',
  defaultSeverity: 'warning',
  description: 'A config waiver (checks.schema-safety.waivers) has passed its expiry date; the finding it waived is reported again.',
  fixable: false,
  docsUrl: ruleDocsUrl(CHECK_ID, 'expired-waiver'),
};

export const SHADOW_RULES: RuleMeta[] = [MIGRATION_FAILS, SHADOW_NOTICE, EXPIRED_WAIVER, ...catalogLintMetas];

/**
 * Catalog lints that describe what a static rule already reports at the same statement: the PR gets
 * one finding per problem, the static one (it carries the suggested change).
 */
const SAME_PROBLEM: Record<string, string> = {
  rls_disabled_in_public: 'rls-not-enabled',
  function_search_path_mutable: 'security-definer-search-path',
  auth_rls_initplan: 'policy-auth-per-row',
  rls_policy_always_true: 'policy-always-true',
  rls_references_user_metadata: 'policy-user-metadata',
  extension_in_public: 'extension-without-schema',
};

function isWaived(lint: LintResult, waivers: CatalogWaiver[], today: string): { waived: boolean; expired?: CatalogWaiver } {
  const waiver = waivers.find((candidate) => candidate.key === lint.cache_key);
  if (!waiver) return { waived: false };
  if (waiver.expires && waiver.expires < today) return { waived: false, expired: waiver };
  return { waived: true };
}

/** The statement's whole lines followed by the fix, as a suggested change on those lines. */
function suggestionWithFix(file: ParsedMigration | undefined, found: ShadowFinding<LintResult>): string | undefined {
  const fix = found.lint.fix_sql?.trim();
  if (!fix || !file || !found.statement || found.mapping !== 'created') return undefined;
  // CONCURRENTLY cannot run in the transaction the Supabase CLI wraps each file in.
  if (/\bconcurrently\b/i.test(fix)) return undefined;
  const lines = file.text.split('\n').slice(found.statement.line - 1, found.statement.endLine);
  return `${lines.join('\n')}\n\n${fix.endsWith(';') ? fix : `${fix};`}`;
}

function lintFinding(found: ShadowFinding<LintResult>, file: ParsedMigration | undefined): Finding {
  const lint = found.lint;
  const meta = findCatalogLint(lint.name)?.meta;
  const fix = lint.fix_sql?.trim();
  const parts = [lint.detail];
  if (found.note) parts.push(`(${found.note})`);
  if (fix) parts.push(`Fix:\n${fix}`);
  parts.push(`Waive it with checks.schema-safety.waivers: [{ key: "${lint.cache_key}", reason: "..." }].`);
  const finding: Finding = {
    checkId: CHECK_ID,
    ruleId: lint.name,
    severity: meta?.defaultSeverity ?? 'warning',
    path: found.path,
    startLine: found.line,
    endLine: found.line,
    startColumn: found.column,
    title: lint.title,
    message: parts.join(' '),
    docsUrl: meta?.docsUrl ?? ruleDocsUrl(CHECK_ID, lint.name),
  };
  const suggestion = suggestionWithFix(file, found);
  if (suggestion !== undefined && found.statement) {
    finding.startLine = found.statement.line;
    finding.endLine = found.statement.endLine;
    finding.suggestion = suggestion;
  }
  return finding;
}

const ANON_EXECUTE = 'anon_security_definer_function_executable';
const AUTHENTICATED_EXECUTE = 'authenticated_security_definer_function_executable';

/**
 * A SECURITY DEFINER function anon can execute is usually executable by authenticated too (both
 * through PUBLIC), and the two lints then carry the same fix: the PR gets one finding, anon's, that
 * names both, instead of two on the same line. A waiver still applies to each key on its own.
 */
function foldedExecuteFindings(
  found: ReadonlyArray<ShadowFinding<LintResult>>,
  waived: (lint: LintResult) => boolean,
): { dropped: Set<ShadowFinding<LintResult>>; amended: Map<ShadowFinding<LintResult>, string> } {
  const dropped = new Set<ShadowFinding<LintResult>>();
  const amended = new Map<ShadowFinding<LintResult>, string>();
  const place = (item: ShadowFinding<LintResult>) =>
    JSON.stringify([item.path, item.line, item.lint.metadata.schema, item.lint.metadata.name, item.lint.metadata.arguments]);
  const anon = new Map<string, ShadowFinding<LintResult>>();
  for (const item of found) if (item.lint.name === ANON_EXECUTE && !waived(item.lint)) anon.set(place(item), item);
  for (const item of found) {
    if (item.lint.name !== AUTHENTICATED_EXECUTE || waived(item.lint)) continue;
    const twin = anon.get(place(item));
    if (!twin) continue;
    dropped.add(item);
    amended.set(
      twin,
      `Signed-in users (\`authenticated\`) can execute it too (${AUTHENTICATED_EXECUTE}); the fix covers both. To keep it callable by them, waive "${item.lint.cache_key}" as well.`,
    );
  }
  return { dropped, amended };
}

async function readBaseMigrations(ctx: CheckContext<SchemaSafetyOptions>): Promise<MigrationToApply[]> {
  const migrations = await listMigrations(ctx.changeSet, 'base', ctx.options.migrationsDir);
  const parsed: MigrationToApply[] = [];
  for (const migration of migrations) {
    const text = await ctx.readText('base', migration.path);
    if (text !== null) parsed.push(parseMigration(migration.path, text));
  }
  return parsed;
}

export interface ShadowCheckInput {
  factory: ShadowDatabaseFactory;
  headMigrations: ParsedMigration[];
  exposedSchemas: string[];
  /** Findings the static rules made, to drop catalog findings about the same problem. */
  staticFindings: Finding[];
  today?: string;
}

/**
 * Applies the base branch's migrations, then this change's, to a shadow database, and reports the
 * catalog lint results this change adds, at the statements that caused them.
 */
export async function shadowFindings(ctx: CheckContext<SchemaSafetyOptions>, input: ShadowCheckInput): Promise<{ findings: Finding[]; summary: string }> {
  const baseMigrations = await readBaseMigrations(ctx);
  const exposedSchemas = input.exposedSchemas;
  const today = input.today ?? new Date().toISOString().slice(0, 10);
  const waived = new Set(ctx.options.waivers.filter((waiver) => !waiver.expires || waiver.expires >= today).map((waiver) => waiver.key));
  const result = await shadowRun({
    factory: input.factory,
    baseMigrations,
    headMigrations: input.headMigrations,
    lint: (db) => runCatalogLints(db, { exposedSchemas, shadow: true, waived }),
  });
  const files = new Map(input.headMigrations.map((file) => [file.path, file]));
  const staticFindings = input.staticFindings;
  // The static twin counts when it points anywhere inside the statement the catalog finding maps to.
  const hasStaticTwin = (ruleId: string, found: ShadowFinding<LintResult>) =>
    staticFindings.some(
      (finding) =>
        finding.ruleId === ruleId &&
        finding.path === found.path &&
        (finding.startLine ?? 0) >= (found.statement?.line ?? found.line) &&
        (finding.startLine ?? 0) <= (found.statement?.endLine ?? found.line),
    );
  const findings: Finding[] = [];
  const folded = foldedExecuteFindings(result.findings, (lint) => isWaived(lint, ctx.options.waivers, today).waived);

  for (const found of result.findings) {
    const staticTwin = SAME_PROBLEM[found.lint.name];
    if (staticTwin && hasStaticTwin(staticTwin, found)) continue;
    if (folded.dropped.has(found)) continue;
    const waiver = isWaived(found.lint, ctx.options.waivers, today);
    if (waiver.waived) continue;
    const finding = lintFinding(found, files.get(found.path));
    const also = folded.amended.get(found);
    if (also) finding.message = `${finding.message} ${also}`;
    findings.push(finding);
    if (waiver.expired) {
      findings.push({
        checkId: CHECK_ID,
        ruleId: EXPIRED_WAIVER.id,
        severity: EXPIRED_WAIVER.defaultSeverity,
        path: finding.path,
        startLine: finding.startLine,
        title: 'Waiver expired',
        message: `The waiver for ${found.lint.cache_key} ("${waiver.expired.reason}") expired on ${waiver.expired.expires}; renew it with a new date or fix the finding.`,
        docsUrl: EXPIRED_WAIVER.docsUrl,
      });
    }
  }
  if (result.failure && result.failure.kind !== 'syntax-error') {
    const failure = result.failure;
    const timedOut = failure.kind === 'timeout';
    findings.push({
      checkId: CHECK_ID,
      ruleId: MIGRATION_FAILS.id,
      severity: MIGRATION_FAILS.defaultSeverity,
      path: failure.path,
      startLine: failure.line,
      endLine: failure.line,
      startColumn: failure.column,
      title: timedOut ? 'Migration statement timed out' : 'Migration fails to apply',
      message: [
        timedOut
          ? `This statement did not finish within ${ctx.options.shadow.statementTimeoutMs} ms on the shadow database.`
          : `Postgres rejects this statement on a database built from the base branch: ${failure.message}${failure.code ? ` (SQLSTATE ${failure.code})` : ''}.`,
        failure.detail ? `Detail: ${failure.detail}.` : '',
        failure.hint ? `Hint: ${failure.hint}.` : '',
        'Later statements and migrations were not applied.',
      ]
        .filter(Boolean)
        .join(' '),
      docsUrl: MIGRATION_FAILS.docsUrl,
    });
  }
  for (const notice of result.notices) {
    findings.push({
      checkId: CHECK_ID,
      ruleId: SHADOW_NOTICE.id,
      severity: SHADOW_NOTICE.defaultSeverity,
      ...(notice.path ? { path: notice.path } : {}),
      ...(notice.line ? { startLine: notice.line, endLine: notice.line } : {}),
      ...(notice.column ? { startColumn: notice.column } : {}),
      title: notice.kind === 'unavailable-extension' ? 'Extension not available on the shadow database' : 'Base branch migrations do not apply',
      message: notice.message,
      docsUrl: SHADOW_NOTICE.docsUrl,
    });
  }
  const summary = `Shadow database (${result.databaseKind}): ${baseMigrations.length} base migration${baseMigrations.length === 1 ? '' : 's'} and ${input.headMigrations.length} of this change applied${result.failure ? ' until the failure below' : ''}; ${result.findings.length} new catalog finding${result.findings.length === 1 ? '' : 's'}.`;
  return { findings, summary };
}
