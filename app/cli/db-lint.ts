import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { conclusionOf, sortFindings } from '../checks/engine.js';
import { findCatalogLint, runCatalogLints, type LintResult } from '../checks/schema-safety/lints/index.js';
import { createShadowDatabaseFactory, shadowRun } from '../checks/schema-safety/shadow/index.js';
import { ensureParser, parseMigration } from '../checks/schema-safety/sql/parse.js';
import { CHECK_ID } from '../checks/schema-safety/static.js';
import type { CheckResult, Finding } from '../checks/types.js';
import { ruleDocsUrl } from '../checks/docs-url.js';
import { redactUrl } from './redact-url.js';

export class DbLintUsageError extends Error {}

export interface DbLintRequest {
  database?: string;
  migrations?: string;
  exposedSchemas: string[];
  format: 'text' | 'json' | 'sarif';
}

export const DB_LINT_USAGE = `Usage:
  platform-kit db lint --database URL [options]    Supabase's database lints on a live database
  platform-kit db lint --migrations DIR [options]  the same on a shadow database built from a migrations folder

options:
  --exposed-schemas a,b   schemas the Data API exposes (default public)
  --format F              text (default) | json | sarif

A live database gets every lint, including usage-based ones (unused_index, table_bloat,
extension_versions_outdated); a read-only role is enough. A shadow database (PGlite, or the server
named by SHADOW_DATABASE_URL) gets the lints that mean something on a fresh schema, each at the
migration statement that created the object.
`;

export function parseDbLintArgs(args: string[]): DbLintRequest | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        database: { type: 'string' },
        migrations: { type: 'string' },
        'exposed-schemas': { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new DbLintUsageError(`${(error as Error).message.split('\n')[0]?.replace(/\.$/, '')} (see platform-kit db lint --help)`);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  if ((values.database === undefined) === (values.migrations === undefined)) {
    throw new DbLintUsageError('give exactly one of --database URL or --migrations DIR (see platform-kit db lint --help)');
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    throw new DbLintUsageError(`--format must be one of text, json, sarif (got "${format}")`);
  }
  return {
    ...(values.database !== undefined ? { database: values.database } : {}),
    ...(values.migrations !== undefined ? { migrations: values.migrations } : {}),
    exposedSchemas: (values['exposed-schemas'] ?? 'public').split(',').map((schema) => schema.trim()).filter(Boolean),
    format,
  };
}

function lintToFinding(lint: LintResult, where: { path?: string; line?: number; column?: number; note?: string }): Finding {
  const meta = findCatalogLint(lint.name)?.meta;
  const object = [lint.metadata.schema, lint.metadata.name].filter(Boolean).join('.');
  const fix = lint.fix_sql?.trim();
  return {
    checkId: CHECK_ID,
    ruleId: lint.name,
    severity: meta?.defaultSeverity ?? 'warning',
    ...(where.path ? { path: where.path } : {}),
    ...(where.line ? { startLine: where.line, endLine: where.line } : {}),
    ...(where.column ? { startColumn: where.column } : {}),
    title: lint.title,
    message: [`${lint.detail}${object && !where.path ? ` [${object}]` : ''}`, where.note ? `(${where.note})` : '', fix ? `Fix:\n${fix}` : '', `cache key: ${lint.cache_key}`]
      .filter(Boolean)
      .join(' '),
    docsUrl: meta?.docsUrl ?? ruleDocsUrl(CHECK_ID, lint.name),
  };
}

async function lintLiveDatabase(url: string, exposedSchemas: string[]): Promise<{ findings: Finding[]; summary: string }> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new DbLintUsageError(`cannot connect to ${redactUrl(url)}: ${(error as Error).message}`);
  }
  try {
    const results = await runCatalogLints(client, { exposedSchemas });
    return {
      findings: results.map((lint) => lintToFinding(lint, {})),
      summary: `${results.length} finding${results.length === 1 ? '' : 's'} on ${redactUrl(url)} (exposed schemas: ${exposedSchemas.join(', ')}).`,
    };
  } finally {
    await client.end();
  }
}

async function lintMigrationsFolder(dir: string, cwd: string, exposedSchemas: string[]): Promise<{ findings: Finding[]; summary: string }> {
  const absolute = resolve(cwd, dir);
  let names: string[];
  try {
    names = (await readdir(absolute)).filter((name) => name.endsWith('.sql')).sort();
  } catch (error) {
    throw new DbLintUsageError(`cannot read --migrations ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (names.length === 0) throw new DbLintUsageError(`no .sql files in ${dir}`);
  await ensureParser();
  const migrations = [];
  for (const name of names) {
    const text = await readFile(join(absolute, name), 'utf8');
    migrations.push(parseMigration(relative(cwd, join(absolute, name)).split('\\').join('/'), text));
  }
  const factory = createShadowDatabaseFactory();
  try {
    const result = await shadowRun({
      factory,
      baseMigrations: [],
      headMigrations: migrations,
      lint: (db) => runCatalogLints(db, { exposedSchemas, shadow: true }),
    });
    const findings = result.findings.map((found) => lintToFinding(found.lint, { path: found.path, line: found.line, column: found.column, ...(found.note ? { note: found.note } : {}) }));
    if (result.failure) {
      findings.push({
        checkId: CHECK_ID,
        ruleId: 'migration-fails',
        severity: 'error',
        path: result.failure.path,
        startLine: result.failure.line,
        startColumn: result.failure.column,
        title: 'Migration fails to apply',
        message: `${result.failure.message}${result.failure.code ? ` (SQLSTATE ${result.failure.code})` : ''}; later migrations were not applied.`,
        docsUrl: ruleDocsUrl(CHECK_ID, 'migration-fails'),
      });
    }
    return {
      findings,
      summary: `${names.length} migration${names.length === 1 ? '' : 's'} applied to a shadow database (${result.databaseKind}); ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}.`,
    };
  } finally {
    await factory.dispose();
  }
}

export async function dbLintCommand(request: DbLintRequest, cwd: string): Promise<CheckResult> {
  const { findings, summary } = request.database
    ? await lintLiveDatabase(request.database, request.exposedSchemas)
    : await lintMigrationsFolder(request.migrations ?? '', cwd, request.exposedSchemas);
  const sorted = sortFindings(findings);
  return { checkId: CHECK_ID, title: 'Database lints', conclusion: conclusionOf(sorted), summary, findings: sorted };
}
