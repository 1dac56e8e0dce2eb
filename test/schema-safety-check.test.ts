import { describe, expect, it } from '@jest/globals';
import { runChecks } from '../app/checks/engine.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

const M = 'supabase/migrations';

function withSchemaSafety(overrides: Partial<PlatformKitConfig['checks']['schema-safety']>): PlatformKitConfig {
  return {
    ...defaultConfig,
    checks: {
      ...defaultConfig.checks,
      'schema-safety': { ...defaultConfig.checks['schema-safety'], shadow: { enabled: false, statementTimeoutMs: 15000 }, ...overrides },
    },
  };
}

async function run(base: Record<string, string>, head: Record<string, string>, config = withSchemaSafety({})) {
  const changeSet = memoryChangeSet({ base, head });
  const [result] = await runChecks({ changeSet, config, only: ['schema-safety'] });
  if (!result) throw new Error('schema-safety did not run');
  return result;
}

describe('schema-safety check', () => {
  it('says so when no migration changed', async () => {
    const result = await run({ 'README.md': 'a' }, { 'README.md': 'b' });
    expect(result).toMatchObject({ conclusion: 'success', summary: 'No migration added or changed.', findings: [] });
  });

  it('lints only the migrations the change adds, at their file and line', async () => {
    const old = `${M}/20240101000000_old.sql`;
    const added = `${M}/20240202000000_new.sql`;
    const base = { [old]: 'create table public.legacy (id int);\n' };
    const result = await run(base, { ...base, [added]: '-- new\ncreate tabel broken ();\n' });
    expect(result.findings.map((finding) => [finding.ruleId, finding.path, finding.startLine])).toContainEqual(['syntax-error', added, 2]);
    expect(result.findings.some((finding) => finding.path === old)).toBe(false);
    expect(result.conclusion).toBe('failure');
    expect(result.summary).toMatch(/^1 migration checked/);
  });

  it('reports editing an applied migration through the hygiene rules', async () => {
    const old = `${M}/20240101000000_old.sql`;
    const result = await run({ [old]: 'select 1;\n' }, { [old]: 'select 2;\n' });
    expect(result.findings.map((finding) => finding.ruleId)).toContain('migration-edited');
  });

  it('reads the exposed schemas from supabase/config.toml and reports a broken one', async () => {
    const added = `${M}/20240202000000_new.sql`;
    const good = await run({}, { 'supabase/config.toml': '[api]\nschemas = ["public", "api"]\n', [added]: 'select 1;\n' });
    expect(good.summary).toMatch(/exposed schemas: public, api/);
    const broken = await run({}, { 'supabase/config.toml': '[api\nschemas = 1\n', [added]: 'select 1;\n' });
    expect(broken.summary).toMatch(/exposed schemas: public\)/);
    expect(broken.findings.map((finding) => [finding.ruleId, finding.path])).toContainEqual(['supabase-config-invalid', 'supabase/config.toml']);
  });

  it('skips a migration that is not UTF-8 with a notice', async () => {
    const added = `${M}/20240202000000_latin1.sql`;
    // Drivers decode bytes as UTF-8, so a Latin-1 byte arrives as U+FFFD.
    const result = await run({}, { [added]: 'select \uFFFD;' });
    expect(result.findings.map((finding) => [finding.ruleId, finding.severity])).toContainEqual(['not-utf8', 'notice']);
  });
});
