import { expect } from '@jest/globals';
import { parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { lintMigrationFiles, type MigrationFile, type StaticLintOptions } from '../app/checks/schema-safety/static.js';
import type { MigrationRule } from '../app/checks/schema-safety/types.js';
import type { Finding } from '../app/checks/types.js';

export const PATH = 'supabase/migrations/20240101000000_change.sql';

/** Lints SQL with one rule, as the Supabase CLI runs it (in a transaction, `public` exposed). */
export function lint(rule: MigrationRule, sql: string | MigrationFile[], options: Partial<StaticLintOptions> = {}): Promise<Finding[]> {
  const files = typeof sql === 'string' ? [{ path: PATH, text: sql }] : sql;
  return lintMigrationFiles(files, { pgVersion: 15, inTransaction: true, exposedSchemas: ['public'], rules: [rule], ...options });
}

/** The file with lines [startLine, endLine] replaced. */
export function replaceLines(text: string, startLine: number, endLine: number, replacement: string): string {
  const lines = text.split('\n');
  lines.splice(startLine - 1, endLine - startLine + 1, ...replacement.split('\n'));
  return lines.join('\n');
}

/** The file after a finding's suggestion is applied. */
export function withSuggestion(text: string, finding: Finding | undefined): string {
  expect(finding?.suggestion).toBeDefined();
  return replaceLines(text, finding?.startLine ?? 0, finding?.endLine ?? 0, finding?.suggestion ?? '');
}

/** The file after a finding's fix edit is applied. */
export function withFix(text: string, finding: Finding | undefined): string {
  const fix = finding?.fix;
  if (fix?.kind !== 'edit') throw new Error(`expected an edit fix, got ${JSON.stringify(fix)}`);
  return replaceLines(text, fix.startLine, fix.endLine, fix.replacement);
}

/** Fails when PostgreSQL's grammar rejects the SQL. */
export function expectParses(sql: string): void {
  expect(parseMigration('fixed.sql', sql).syntaxError).toBeUndefined();
}

/** Position and rule of each finding, for compact assertions. */
export function where(findings: Finding[]): Array<[string, string, number | undefined, number | undefined]> {
  return findings.map((finding) => [finding.ruleId, finding.severity, finding.startLine, finding.startColumn]);
}
