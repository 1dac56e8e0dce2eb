import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..');

describe('npm run demo', () => {
  it('shows spec-bundle findings with file and line in every report, exits 0 and cleans up', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'demo.ts')], {
      cwd: ROOT,
      timeout: 120_000,
    });
    // The CLI report.
    expect(stdout).toMatch(/^spec\/checkout\/prd\.md:2:\d+: error \[spec-bundle\/invalid-frontmatter\]/m);
    expect(stdout).toMatch(/^spec\/checkout\/prd\.md:6:1: error \[spec-bundle\/missing-heading\]/m);
    expect(stdout).toMatch(/^<change>: error \[spec-bundle\/unknown-bundle\] `Spec: spec\/payments` \(PR body, line 3\)/m);
    // The check run, with its annotations.
    expect(stdout).toContain('▶ platform-kit/spec-bundle: failure');
    expect(stdout).toMatch(/^ +spec\/checkout\/tasks\.md:1 +failure +No task checklist/m);
    // The sticky comment.
    expect(stdout).toContain('<!-- platform-kit:sticky-comment -->');
    expect(stdout).toContain('`spec/checkout/prd.md:2`');

    const repo = /^repository: +(\S+)$/m.exec(stdout)?.[1];
    expect(repo).toBeDefined();
    expect(existsSync(repo as string)).toBe(false);
  });
});
