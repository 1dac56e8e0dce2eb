import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChecks } from '../app/checks/engine.js';
import { runCatalogLints } from '../app/checks/schema-safety/lints/index.js';
import { createPgliteShadowFactory, shadowRun } from '../app/checks/schema-safety/shadow/index.js';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';
import type { Finding } from '../app/checks/types.js';
import { controlPlaneMigrationFiles, controlPlaneSeedFile, exposedSchemasFromConfig, SUPABASE_DIR } from './helpers/control-plane-db.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

// The control plane's own migrations pass Platform Kit's schema-safety check: the static rules,
// the catalog lints on a shadow database holding all of them, and the whole check as a pull
// request adding supabase/ would run it.

function describeFindings(findings: readonly Finding[]): string[] {
  return findings.map((finding) => `${finding.severity} ${finding.ruleId} ${finding.path}:${finding.startLine} ${finding.title}`);
}

describe('the control plane migrations pass their own schema-safety check', () => {
  const migrations = controlPlaneMigrationFiles();
  const exposedSchemas = exposedSchemasFromConfig();

  it('reads the migrations and the exposed schemas the check will use', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(7);
    for (const migration of migrations) expect(migration.path).toMatch(/^supabase\/migrations\/\d{14}_[a-z0-9_]+\.sql$/);
    expect(exposedSchemas).toEqual(['public', 'graphql_public', 'ops']);
  });

  it('gets no static finding of error severity', async () => {
    await ensureParser();
    for (const migration of migrations) {
      const parsed = parseMigration(migration.path, migration.text);
      expect({ path: migration.path, syntaxError: parsed.syntaxError }).toEqual({ path: migration.path, syntaxError: undefined });
      expect(parsed.statements.length).toBeGreaterThan(0);
    }
    const findings = await lintMigrationFiles(migrations, { pgVersion: 15, inTransaction: true, exposedSchemas });
    expect(describeFindings(findings.filter((finding) => finding.severity === 'error'))).toEqual([]);

    // The same run does see a real problem in these files: a table left open in an exposed schema.
    const last = migrations.at(-1)!;
    const leaking = [...migrations.slice(0, -1), { ...last, text: `${last.text}\ncreate table public.leak (id bigint generated always as identity primary key);\n` }];
    const leaks = await lintMigrationFiles(leaking, { pgVersion: 15, inTransaction: true, exposedSchemas });
    expect(leaks.filter((finding) => finding.severity === 'error').map((finding) => [finding.ruleId, finding.path])).toEqual([['rls-not-enabled', last.path]]);
  });

  it('gets no catalog lint of error severity on a shadow database holding all of them', async () => {
    await ensureParser();
    const factory = createPgliteShadowFactory();
    try {
      const run = await shadowRun({
        factory,
        baseMigrations: [],
        headMigrations: migrations.map((migration) => parseMigration(migration.path, migration.text)),
        lint: (db) => runCatalogLints(db, { exposedSchemas, shadow: true }),
      });
      expect(run.failure).toBeUndefined();
      expect(run.head.appliedFiles).toEqual(migrations.map((migration) => migration.path));
      const describe = (items: typeof run.findings) => items.map((finding) => `${finding.lint.level} ${finding.lint.name}: ${finding.lint.detail}`);
      expect(describe(run.findings.filter((finding) => finding.lint.level === 'ERROR'))).toEqual([]);
      // Warnings too: unindexed foreign keys, mutable search paths, exposed definer functions would show here.
      expect(describe(run.findings)).toEqual([]);
    } finally {
      await factory.dispose();
    }
  });

  it('passes the whole check on a pull request that adds supabase/', async () => {
    const head: Record<string, string> = { 'supabase/config.toml': readFileSync(join(SUPABASE_DIR, 'config.toml'), 'utf8') };
    for (const file of [...migrations, controlPlaneSeedFile()]) head[file.path] = file.text;
    const config: PlatformKitConfig = {
      ...defaultConfig,
      checks: {
        ...defaultConfig.checks,
        // The shadow part runs in the test above, on the same files.
        'schema-safety': { ...defaultConfig.checks['schema-safety'], shadow: { ...defaultConfig.checks['schema-safety'].shadow, enabled: false } },
      },
    };
    const [result] = await runChecks({ changeSet: memoryChangeSet({ base: {}, head }), config, only: ['schema-safety'] });
    expect(result?.summary).toMatch(/exposed schemas: public, graphql_public, ops/);
    expect(result?.conclusion).toBe('success');
    expect(describeFindings((result?.findings ?? []).filter((finding) => finding.severity !== 'notice'))).toEqual([]);
  });
});
