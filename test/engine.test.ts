import { describe, expect, it } from '@jest/globals';
import { configErrorResult, overallConclusion, runChecks, UnknownCheckError } from '../app/checks/engine.js';
import type { ChangeSet, Check, FileRead } from '../app/checks/types.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';

function changeSet(files: Record<string, FileRead>, extra: Partial<ChangeSet> = {}): ChangeSet {
  return {
    base: { ref: 'main', sha: 'a'.repeat(40) },
    head: { ref: 'feature', sha: 'b'.repeat(40) },
    files: Object.keys(files).map((path) => ({ path, status: 'modified', additions: 1, deletions: 0 })),
    async readFile(_side, path) {
      return files[path] ?? { kind: 'missing' };
    },
    async listFiles() {
      return Object.keys(files).sort();
    },
    ...extra,
  };
}

/** A check that reports one finding per in-scope file it could read, with rule `seen`. */
const probe: Check = {
  id: 'spec-bundle',
  title: 'Probe',
  description: 'test probe',
  rules: [{ id: 'seen', defaultSeverity: 'error', description: 'seen', fixable: false, docsUrl: 'https://example.test' }],
  async run(ctx) {
    const findings = [];
    for (const file of ctx.changeSet.files) {
      if (!ctx.inScope(file.path)) continue;
      const text = await ctx.readText('head', file.path);
      if (text !== null) {
        findings.push({ checkId: 'spec-bundle', ruleId: 'seen', severity: 'error' as const, path: file.path, startLine: 1, title: 'seen', message: text });
      }
    }
    return { findings };
  },
};

function withSpecBundle(overrides: Partial<PlatformKitConfig['checks']['spec-bundle']>): PlatformKitConfig {
  return { ...defaultConfig, checks: { ...defaultConfig.checks, 'spec-bundle': { ...defaultConfig.checks['spec-bundle'], ...overrides } } };
}

describe('runChecks', () => {
  it('runs a check and fails on error findings', async () => {
    const [result] = await runChecks({ changeSet: changeSet({ 'a.md': { kind: 'text', text: 'hello' } }), config: defaultConfig, checks: [probe] });
    expect(result).toMatchObject({ checkId: 'spec-bundle', conclusion: 'failure', summary: '1 error.' });
    expect(result?.findings[0]).toMatchObject({ path: 'a.md', message: 'hello' });
  });

  it('applies path include/exclude and severity overrides, and drops rules set to off', async () => {
    const files = { 'src/a.ts': { kind: 'text', text: 'a' }, 'src/gen/b.ts': { kind: 'text', text: 'b' }, 'docs/c.md': { kind: 'text', text: 'c' } } as const;
    const scoped = withSpecBundle({ paths: { include: ['src/**'], exclude: ['src/gen/**'] }, rules: { seen: 'warning' } });
    const [result] = await runChecks({ changeSet: changeSet(files), config: scoped, checks: [probe] });
    expect(result?.findings.map((finding) => [finding.path, finding.severity])).toEqual([['src/a.ts', 'warning']]);
    expect(result?.conclusion).toBe('success');

    const off = withSpecBundle({ rules: { seen: 'off' } });
    const [silent] = await runChecks({ changeSet: changeSet(files), config: off, checks: [probe] });
    expect(silent?.findings).toEqual([]);
  });

  it('skips disabled checks even when named in only', async () => {
    const results = await runChecks({ changeSet: changeSet({}), config: withSpecBundle({ enabled: false }), checks: [probe], only: ['spec-bundle'] });
    expect(results).toEqual([]);
  });

  it('rejects unknown check ids', async () => {
    await expect(runChecks({ changeSet: changeSet({}), config: defaultConfig, checks: [probe], only: ['nope'] })).rejects.toThrow(UnknownCheckError);
  });

  it('reports binary and too-large files once as notices', async () => {
    const files = { 'logo.png': { kind: 'binary', size: 10 }, 'big.sql': { kind: 'too-large', size: 3 * 1024 * 1024 } } as const;
    const [result] = await runChecks({ changeSet: changeSet(files), config: defaultConfig, checks: [probe] });
    expect(result?.conclusion).toBe('success');
    expect(result?.findings.map((finding) => [finding.ruleId, finding.severity, finding.path])).toEqual([
      ['file-skipped', 'notice', 'big.sql'],
      ['file-skipped', 'notice', 'logo.png'],
    ]);
    expect(result?.findings[0]?.message).toMatch(/3\.0 MB, over the 1 MB limit/);
  });

  it('turns a crashing check into an error finding', async () => {
    const crashing: Check = { ...probe, async run() { throw new Error('boom'); } };
    const [result] = await runChecks({ changeSet: changeSet({}), config: defaultConfig, checks: [crashing] });
    expect(result).toMatchObject({ conclusion: 'failure', findings: [{ ruleId: 'check-crashed', severity: 'error' }] });
    expect(result?.findings[0]?.message).toMatch(/^boom\./);
  });

  it('concludes neutral without running when the change set is truncated', async () => {
    let ran = false;
    const spy: Check = { ...probe, async run() { ran = true; return { findings: [] }; } };
    const [result] = await runChecks({ changeSet: changeSet({}, { truncated: { reason: 'this PR changes 3,412 files' } }), config: defaultConfig, checks: [spy] });
    expect(ran).toBe(false);
    expect(result).toMatchObject({ conclusion: 'neutral', summary: 'Not checked: this PR changes 3,412 files' });
  });
});

describe('configErrorResult', () => {
  it('annotates only files of the repository under check', () => {
    const result = configErrorResult(
      [
        { file: 'acme/shop:.github/platform-kit.yml', line: 3, column: 5, message: 'unknown key "x"' },
        { file: 'acme/.github:.github/platform-kit.yml', line: 7, message: 'invalid YAML' },
      ],
      { repo: 'acme/shop' },
    );
    expect(result.conclusion).toBe('failure');
    expect(result.findings.map((finding) => finding.path)).toEqual(['.github/platform-kit.yml', undefined]);
    expect(result.findings[1]?.message).toBe('acme/.github:.github/platform-kit.yml:7: invalid YAML');
  });
});

describe('overallConclusion', () => {
  it('fails when any check fails, else is neutral when any check could not run', () => {
    const base = { checkId: 'x', title: 'x', summary: '', findings: [] };
    expect(overallConclusion([{ ...base, conclusion: 'success' }, { ...base, conclusion: 'failure' }])).toBe('failure');
    expect(overallConclusion([{ ...base, conclusion: 'neutral' }])).toBe('neutral');
    expect(overallConclusion([{ ...base, conclusion: 'neutral' }, { ...base, conclusion: 'success' }])).toBe('neutral');
    expect(overallConclusion([{ ...base, conclusion: 'success' }])).toBe('success');
  });
});
