import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { readLintSqlFiles, renderGeneratedModule } from '../app/checks/schema-safety/lints/generate-sql.js';
import { catalogLints } from '../app/checks/schema-safety/lints/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LINTS_DIR = join(ROOT, 'app/checks/schema-safety/lints');
const DOCS_DIR = join(ROOT, 'app/checks/schema-safety/docs');

/** Supabase's database linter, lint for lint. */
const SPLINTER_IDS = [
  'unindexed_foreign_keys', 'auth_users_exposed', 'auth_rls_initplan', 'no_primary_key', 'unused_index',
  'multiple_permissive_policies', 'policy_exists_rls_disabled', 'rls_enabled_no_policy', 'duplicate_index',
  'security_definer_view', 'function_search_path_mutable', 'rls_disabled_in_public', 'extension_in_public',
  'rls_references_user_metadata', 'materialized_view_in_api', 'foreign_table_in_api', 'unsupported_reg_types',
  'insecure_queue_exposed_in_api', 'table_bloat', 'fkey_to_auth_unique', 'extension_versions_outdated',
  'sensitive_columns_exposed', 'rls_policy_always_true', 'public_bucket_allows_listing',
  'pg_graphql_anon_table_exposed', 'pg_graphql_authenticated_table_exposed',
  'anon_security_definer_function_executable', 'authenticated_security_definer_function_executable',
];

/** Schemas Supabase and common extensions own; lints leave them out (policy lints keep `realtime`, whose policies users write). */
const INTERNAL_SCHEMAS = [
  '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions',
  'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks',
  'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault',
];

/** The SQL without `--` comments (none of the lints has `--` inside a string). */
const withoutComments = (sql: string) => sql.replace(/--[^\n]*/g, '');

/** The literal selected `as <column>` when it is a plain string. */
function literalColumn(sql: string, column: string): string | undefined {
  return new RegExp(`'((?:[^']|'')*)' as ${column}\\b`).exec(sql)?.[1]?.replaceAll("''", "'");
}

describe('catalog lint registry', () => {
  it('has every splinter lint, once, under its id', () => {
    const ids = catalogLints.map((lint) => lint.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...SPLINTER_IDS].sort());
  });

  it('embeds exactly the lints/*.sql files (sql.generated.ts is up to date)', () => {
    const files = readLintSqlFiles(LINTS_DIR);
    expect(files.map(([id]) => id).sort()).toEqual([...SPLINTER_IDS].sort());
    expect(readFileSync(join(LINTS_DIR, 'sql.generated.ts'), 'utf8')).toBe(renderGeneratedModule(files));
    for (const lint of catalogLints) {
      expect(lint.sql).toBe(readFileSync(join(LINTS_DIR, `${lint.meta.id}.sql`), 'utf8'));
    }
  });

  it.each(catalogLints.map((lint) => [lint.meta.id, lint] as const))('%s: SQL columns agree with the metadata', (id, lint) => {
    const sql = withoutComments(lint.sql);
    expect(literalColumn(sql, 'name')).toBe(id);
    expect(literalColumn(sql, 'title')).toBe(lint.meta.title);
    expect(literalColumn(sql, 'level')).toBe(lint.meta.level);
    expect(literalColumn(sql, 'remediation')).toBe(lint.meta.docsUrl);
    expect(sql).toMatch(new RegExp(`array\\['${lint.meta.categories[0]}'\\] as categories`));
    expect(sql).toMatch(new RegExp(`format\\(\\s*'${id}_`));
    // A lint without a fix says so in its SQL.
    expect(/null::text as fix_sql/.test(sql)).toBe(!lint.meta.fixable);
    // The only parameter is the exposed schemas, always typed.
    const params = sql.match(/\$\d+(?:::[a-z_]+(?:\[\])?)?/g) ?? [];
    for (const param of params) expect(param).toBe('$1::text[]');
    expect(lint.usesExposedSchemas).toBe(params.length > 0);
  });

  it('leaves out the same internal schemas in every lint that lists them', () => {
    for (const lint of catalogLints) {
      for (const match of lint.sql.matchAll(/not in \(\s*('_timescaledb_cache'[^)]*)\)/g)) {
        const listed = [...(match[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
        const expected = listed.includes('realtime') ? INTERNAL_SCHEMAS : INTERNAL_SCHEMAS.filter((schema) => schema !== 'realtime');
        expect({ id: lint.meta.id, listed }).toEqual({ id: lint.meta.id, listed: expected });
      }
    }
  });

  it('maps splinter levels to severities, lowering performance advice to notices', () => {
    const severities = Object.fromEntries(catalogLints.map((lint) => [lint.meta.id, lint.meta.defaultSeverity]));
    for (const lint of catalogLints) {
      const { id, level, categories, defaultSeverity } = lint.meta;
      if (categories.includes('PERFORMANCE') && id !== 'auth_rls_initplan') expect({ id, defaultSeverity }).toEqual({ id, defaultSeverity: 'notice' });
      if (level === 'INFO') expect({ id, defaultSeverity }).toEqual({ id, defaultSeverity: 'notice' });
      if (level === 'ERROR') expect({ id, defaultSeverity }).toEqual({ id, defaultSeverity: 'error' });
    }
    expect(severities.auth_rls_initplan).toBe('warning');
    expect(severities.function_search_path_mutable).toBe('warning');
    expect(severities.rls_disabled_in_public).toBe('error');
  });

  it('marks only the lints about a database history as not applicable to a shadow database', () => {
    expect(catalogLints.filter((lint) => !lint.meta.shadowApplicable).map((lint) => lint.meta.id).sort()).toEqual([
      'extension_versions_outdated',
      'table_bloat',
      'unused_index',
    ]);
  });

  it.each(catalogLints.map((lint) => [lint.meta.id, lint] as const))('%s: has its .ts file and a doc with the fix and the waiver', (id, lint) => {
    expect(existsSync(join(LINTS_DIR, `${id}.ts`))).toBe(true);
    const docPath = join(DOCS_DIR, `${id}.md`);
    expect(existsSync(docPath)).toBe(true);
    const doc = readFileSync(docPath, 'utf8');
    expect(doc).toMatch(new RegExp(`^# schema-safety/${id}\\n`));
    expect(doc).toContain(`Default severity: **${lint.meta.defaultSeverity}**`);
    expect(doc).toMatch(/## How to fix/);
    expect(doc).toMatch(/```sql/);
    expect(doc).toMatch(/## Waive/);
    expect(doc).toMatch(new RegExp(`key: '?${id}_`));
    expect(lint.meta.docsUrl).toBe(`https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/${id}.md`);
  });
});
