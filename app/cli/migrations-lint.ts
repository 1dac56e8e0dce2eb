import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { conclusionOf, sortFindings } from '../checks/engine.js';
import { schemaSafetyCheck } from '../checks/schema-safety/index.js';
import { lintMigrationFiles, type MigrationFile } from '../checks/schema-safety/static.js';
import type { CheckResult } from '../checks/types.js';
import { fixUntilStable, type FixLoopResult } from '../fix/loop.js';

export class MigrationsUsageError extends Error {}

export interface MigrationsLintRequest {
  files: string[];
  pgVersion: number;
  inTransaction: boolean;
  exposedSchemas: string[];
  format: 'text' | 'json' | 'sarif';
  /** Apply the fixes to the files, then report what remains. */
  fix: boolean;
}

export const MIGRATIONS_LINT_USAGE = `Usage:
  platform-kit migrations lint [options] FILE...   static rules on migration files (no database)

options:
  --pg-version N             target Postgres major version (default 15)
  --assume-in-transaction    each file runs in a transaction (the default: the Supabase CLI does this)
  --no-transaction           each file runs outside a transaction (psql -f, other runners)
  --exposed-schemas a,b      schemas the Data API exposes (default public)
  --format F                 text (default) | json | sarif
  --fix                      apply the fixes to the files (new migrations included), print a summary
                             to stderr, then report what remains; only files under the current
                             directory are changed
`;

export function parseMigrationsLintArgs(args: string[]): MigrationsLintRequest | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        'pg-version': { type: 'string' },
        'assume-in-transaction': { type: 'boolean' },
        'no-transaction': { type: 'boolean' },
        'exposed-schemas': { type: 'string' },
        format: { type: 'string' },
        fix: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new MigrationsUsageError(`${(error as Error).message.split('\n')[0]?.replace(/\.$/, '')} (see platform-kit migrations lint --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values['assume-in-transaction'] && values['no-transaction']) {
    throw new MigrationsUsageError('--assume-in-transaction and --no-transaction contradict each other');
  }
  const pgVersion = values['pg-version'] === undefined ? 15 : Number(values['pg-version']);
  if (!Number.isInteger(pgVersion) || pgVersion < 10 || pgVersion > 18) {
    throw new MigrationsUsageError(`--pg-version must be a Postgres major version from 10 to 18 (got "${values['pg-version']}")`);
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    throw new MigrationsUsageError(`--format must be one of text, json, sarif (got "${format}")`);
  }
  if (positionals.length === 0) throw new MigrationsUsageError('name at least one migration file (see platform-kit migrations lint --help)');
  return {
    files: positionals,
    pgVersion,
    inTransaction: !values['no-transaction'],
    exposedSchemas: (values['exposed-schemas'] ?? 'public').split(',').map((schema) => schema.trim()).filter(Boolean),
    format,
    fix: values.fix === true,
  };
}

/** Lints files as given on the command line; paths in findings are relative to `cwd`. */
export async function lintMigrationsCommand(request: MigrationsLintRequest, cwd: string): Promise<CheckResult> {
  const files: MigrationFile[] = [];
  for (const file of request.files) {
    const absolute = resolve(cwd, file);
    let text: string;
    try {
      // Read one after the other anyway: a promise per small file costs more than the read itself.
      text = readFileSync(absolute, 'utf8');
    } catch (error) {
      throw new MigrationsUsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    files.push({ path: relative(cwd, absolute).split('\\').join('/'), text });
  }
  const findings = sortFindings(
    await lintMigrationFiles(files, { pgVersion: request.pgVersion, inTransaction: request.inTransaction, exposedSchemas: request.exposedSchemas }),
  );
  const statements = findings.length;
  return {
    checkId: schemaSafetyCheck.id,
    title: schemaSafetyCheck.title,
    conclusion: conclusionOf(findings),
    summary: `${files.length} migration file${files.length === 1 ? '' : 's'} linted; ${statements === 0 ? 'no problems found' : `${statements} finding${statements === 1 ? '' : 's'}`}.`,
    findings,
  };
}

/**
 * `migrations lint --fix`: fixes the files in place (relative to `cwd`, which bounds what may be
 * written), and lints again with the migrations the fixes created, until nothing more applies.
 */
export async function fixMigrationsCommand(request: MigrationsLintRequest, cwd: string): Promise<FixLoopResult<CheckResult>> {
  const given = new Set(request.files.map((file) => resolve(cwd, file)));
  return fixUntilStable<CheckResult>({
    root: cwd,
    lint: (_touched, created) =>
      lintMigrationsCommand({ ...request, files: [...request.files, ...created.filter((path) => !given.has(resolve(cwd, path)))] }, cwd),
    findings: (result) => result.findings,
  });
}
