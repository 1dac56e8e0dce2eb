import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..');

describe('npm run demo', () => {
  it('shows spec-bundle and schema-safety findings with file and line in every report, exits 0 and cleans up', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'demo.ts')], {
      cwd: ROOT,
      timeout: 120_000,
    });
    // The CLI report.
    expect(stdout).toMatch(/^spec\/checkout\/prd\.md:2:\d+: error \[spec-bundle\/invalid-frontmatter\]/m);
    expect(stdout).toMatch(/^spec\/checkout\/prd\.md:6:1: error \[spec-bundle\/missing-heading\]/m);
    expect(stdout).toMatch(/^<change>: error \[spec-bundle\/unknown-bundle\] `Spec: spec\/payments` \(PR body, line 3\)/m);
    // The demo PR adds a migration creating public.carts without row level security (line 3).
    const migration = 'supabase/migrations/20240418150000_one_page_checkout.sql';
    expect(stdout).toContain(`${migration}:3:14: error [schema-safety/rls-not-enabled]`);
    expect(stdout).toMatch(/^schema-safety: failure — 1 migration checked/m);
    // The check runs, with their annotations.
    expect(stdout).toContain('▶ platform-kit/spec-bundle: failure');
    expect(stdout).toMatch(/^ +spec\/checkout\/tasks\.md:1 +failure +No task checklist/m);
    expect(stdout).toContain('▶ platform-kit/schema-safety: failure');
    expect(stdout).toContain(`    ${migration}:3  failure  Table without row level security (schema-safety/rls-not-enabled)`);
    // The sticky comment, one for both checks.
    expect(stdout).toContain('<!-- platform-kit:sticky-comment -->');
    expect(stdout.split('<!-- platform-kit:sticky-comment -->')).toHaveLength(2);
    expect(stdout).toContain('`spec/checkout/prd.md:2`');
    expect(stdout).toContain(`\`${migration}:3\``);
    expect(stdout).toMatch(/^\| platform-kit\/schema-safety \| ❌ failure \|/m);

    const repo = /^repository: +(\S+)$/m.exec(stdout)?.[1];
    expect(repo).toBeDefined();
    expect(existsSync(repo as string)).toBe(false);
  });
});
