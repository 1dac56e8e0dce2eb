import { describe, expect, it } from '@jest/globals';
import { runChecks } from '../app/checks/engine.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';
import { codeLines, fixtureTree } from './helpers/spec-bundle.js';

function configWith(specBundle: Partial<PlatformKitConfig['checks']['spec-bundle']>): PlatformKitConfig {
  return { ...defaultConfig, checks: { ...defaultConfig.checks, 'spec-bundle': { ...defaultConfig.checks['spec-bundle'], ...specBundle } } };
}

describe('spec-bundle through the engine', () => {
  it('fails a significant change without a spec, with its summary', async () => {
    const changeSet = memoryChangeSet({ base: {}, head: { 'src/app.ts': codeLines(612) }, pullRequest: { headBranch: 'wip' } });
    const [result] = await runChecks({ changeSet, config: defaultConfig, only: ['spec-bundle'] });
    expect(result).toMatchObject({
      checkId: 'spec-bundle',
      conclusion: 'failure',
      summary: '612 lines added outside lock, generated and vendored files; no spec bundle linked.',
    });
    expect(result?.findings.map((finding) => finding.ruleId)).toEqual(['missing-link']);
  });

  it('applies rule overrides and path excludes from the config', async () => {
    const changeSet = memoryChangeSet({ base: {}, head: { 'src/app.ts': codeLines(612), 'legacy/x.ts': codeLines(900) } });
    const config = configWith({ rules: { 'missing-link': 'warning' }, paths: { include: ['**'], exclude: ['legacy/**'] } });
    const [result] = await runChecks({ changeSet, config });
    expect(result?.conclusion).toBe('success');
    expect(result?.findings).toMatchObject([{ ruleId: 'missing-link', severity: 'warning' }]);
    expect(result?.findings[0]?.message).toContain('612 lines added');
  });

  it('notes a binary bundle file it could not read instead of calling it missing', async () => {
    const tree = { ...fixtureTree('platform-kit'), 'spec/checkout/plan.md': new Uint8Array([0, 1, 2]) };
    const [result] = await runChecks({ changeSet: memoryChangeSet({ base: {}, head: tree }), config: defaultConfig });
    expect(result?.conclusion).toBe('success');
    expect(result?.findings).toMatchObject([{ ruleId: 'file-skipped', severity: 'notice', path: 'spec/checkout/plan.md' }]);
  });
});
