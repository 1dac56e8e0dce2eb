import { parse as parseToml } from 'smol-toml';
import type { Check, CheckContext, Finding, RuleMeta } from '../types.js';
import { checkMigrationHygiene, HYGIENE_RULES } from './hygiene/index.js';
import { changedMigrations, isInMigrationsDir } from './hygiene/migrations.js';
import type { SchemaSafetyOptions } from './options.js';
import { migrationRules } from './rules/index.js';
import { ensureParser, parseMigration } from './sql/parse.js';
import { CHECK_ID, lintParsedMigrations, RUNNER_RULES } from './static.js';
import type { ParsedMigration } from './types.js';
import { SHADOW_RULES, shadowFindings } from './catalog-findings.js';
import type { ShadowDatabaseFactory } from './shadow/types.js';

/** The key under which drivers inject a shadow database factory into `CheckContext.services`. */
export const SHADOW_SERVICE = 'shadowDatabase';
import { ruleDocsUrl } from '../docs-url.js';

export const NOT_UTF8: RuleMeta = {
  id: 'not-utf8',
  defaultSeverity: 'notice',
  description: 'A migration file is not valid UTF-8 text and was not checked.',
  fixable: false,
  docsUrl: ruleDocsUrl(CHECK_ID, 'not-utf8'),
};

export const CONFIG_TOML_INVALID: RuleMeta = {
  id: 'supabase-config-invalid',
  defaultSeverity: 'warning',
  description: 'supabase/config.toml does not parse; the exposed schemas fall back to `public`.',
  fixable: false,
  docsUrl: ruleDocsUrl(CHECK_ID, 'supabase-config-invalid'),
};

/**
 * The schemas PostgREST exposes: the config's list when given, else `[api] schemas` of
 * supabase/config.toml, else `public` (never "none": an unset list must not silently pass the exposure rules).
 */
export async function exposedSchemas(ctx: CheckContext<SchemaSafetyOptions>): Promise<{ schemas: string[]; problem?: Finding }> {
  if (ctx.options.exposedSchemas) return { schemas: ctx.options.exposedSchemas };
  const path = ctx.options.supabaseConfig;
  const text = await ctx.readText('head', path);
  if (text === null) return { schemas: ['public'] };
  try {
    const config = parseToml(text) as { api?: { schemas?: unknown } };
    const schemas = config.api?.schemas;
    if (Array.isArray(schemas) && schemas.every((schema) => typeof schema === 'string') && schemas.length > 0) {
      return { schemas: schemas as string[] };
    }
    return { schemas: ['public'] };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /line (\d+)/i.exec(message)?.[1];
    return {
      schemas: ['public'],
      problem: {
        checkId: CHECK_ID,
        ruleId: CONFIG_TOML_INVALID.id,
        severity: CONFIG_TOML_INVALID.defaultSeverity,
        path,
        startLine: line ? Number(line) : 1,
        title: 'supabase/config.toml does not parse',
        message: `${message.split('\n')[0]}. Exposed schemas fall back to \`public\`.`,
        docsUrl: CONFIG_TOML_INVALID.docsUrl,
      },
    };
  }
}

async function readMigrations(ctx: CheckContext<SchemaSafetyOptions>, paths: string[]): Promise<{ parsed: ParsedMigration[]; findings: Finding[] }> {
  await ensureParser();
  const parsed: ParsedMigration[] = [];
  const findings: Finding[] = [];
  for (const path of paths) {
    const text = await ctx.readText('head', path);
    if (text === null) continue;
    if (text.includes('\uFFFD')) {
      findings.push({
        checkId: CHECK_ID,
        ruleId: NOT_UTF8.id,
        severity: NOT_UTF8.defaultSeverity,
        path,
        title: 'Migration is not UTF-8',
        message: `${path} is not valid UTF-8 text, so it was not checked. Save it as UTF-8.`,
        docsUrl: NOT_UTF8.docsUrl,
      });
      continue;
    }
    parsed.push(parseMigration(path, text));
  }
  return { parsed, findings };
}

export const schemaSafetyCheck: Check<SchemaSafetyOptions> = {
  id: CHECK_ID,
  title: 'Schema safety',
  description: 'Supabase migrations linted statically (locks, rewrites, destructive changes, access), and migration hygiene.',
  rules: [...migrationRules.map((rule) => rule.meta), ...HYGIENE_RULES, ...RUNNER_RULES, NOT_UTF8, CONFIG_TOML_INVALID, ...SHADOW_RULES],
  async run(ctx) {
    const { options } = ctx;
    const touchesMigrations = ctx.changeSet.files.some(
      (file) => isInMigrationsDir(file.path, options.migrationsDir) || (file.previousPath !== undefined && isInMigrationsDir(file.previousPath, options.migrationsDir)),
    );
    // Most changes touch no migration: answer without listing either tree (no GitHub API calls).
    if (!touchesMigrations) return { findings: [], summary: 'No migration added or changed.' };
    const hygiene = await checkMigrationHygiene(ctx.changeSet, { migrationsDir: options.migrationsDir, fileNamePattern: options.fileNamePattern });
    const changed = (await changedMigrations(ctx.changeSet, options.migrationsDir)).filter((migration) => ctx.inScope(migration.path));
    if (changed.length === 0 && hygiene.length === 0) {
      return { findings: [], summary: 'No migration added or changed.' };
    }
    const exposure = await exposedSchemas(ctx);
    const { parsed, findings: unreadable } = await readMigrations(
      ctx,
      changed.map((migration) => migration.path),
    );
    const statics = lintParsedMigrations(parsed, {
      pgVersion: options.pgVersion,
      inTransaction: options.assumeInTransaction,
      exposedSchemas: exposure.schemas,
    });
    const findings = [...hygiene, ...unreadable, ...statics, ...(exposure.problem ? [exposure.problem] : [])];
    const statementCount = parsed.reduce((sum, file) => sum + file.statements.length, 0);
    let summary = `${changed.length} migration${changed.length === 1 ? '' : 's'} checked (${statementCount} statements; exposed schemas: ${exposure.schemas.join(', ')}).`;

    const factory = ctx.services[SHADOW_SERVICE] as ShadowDatabaseFactory | undefined;
    if (options.shadow.enabled && parsed.length > 0) {
      if (factory) {
        const shadow = await shadowFindings(ctx, { factory, headMigrations: parsed, exposedSchemas: exposure.schemas, staticFindings: statics });
        findings.push(...shadow.findings);
        summary += ` ${shadow.summary}`;
      } else {
        summary += ' No shadow database was provided, so the catalog lints did not run.';
      }
    }
    return { findings, summary };
  },
};
