import { describe, expect, it } from '@jest/globals';
import { CONFIG_PATH, loadConfig, loadConfigFile, parseExtends, type ConfigFileRef, type ConfigSource } from '../app/config/load.js';
import { defaultConfig } from '../app/config/schema.js';

function memorySource(files: Record<string, string>, failing: string[] = []): ConfigSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async read(ref: ConfigFileRef) {
      const key = `${ref.owner}/${ref.repo}:${ref.path}`;
      reads.push(key);
      if (failing.includes(key)) throw new Error('HTTP 403 Resource not accessible by integration');
      return files[key] ?? null;
    },
  };
}

const target = { owner: 'acme', repo: 'shop' };

describe('loadConfig', () => {
  it('uses the defaults when neither the org nor the repo has a config', async () => {
    const result = await loadConfig(memorySource({}), target);
    expect(result).toEqual({ ok: true, config: defaultConfig, files: [], warnings: [] });
    expect(defaultConfig.checks['spec-bundle'].significantLines).toBe(500);
    expect(defaultConfig.checks['spec-bundle'].enabled).toBe(true);
  });

  it('layers the repo file over the org defaults: objects merge key by key, arrays replace', async () => {
    const source = memorySource({
      'acme/.github:.github/platform-kit.yml': [
        'pullRequests:',
        '  drafts: skip',
        'checks:',
        '  spec-bundle:',
        '    significantLines: 300',
        '    countExclude: ["**/*.lock", "gen/**"]',
        '    rules:',
        '      missing-link: warning',
      ].join('\n'),
      'acme/shop:.github/platform-kit.yml': [
        'checks:',
        '  spec-bundle:',
        '    countExclude: ["fixtures/**"]',
        '    rules:',
        '      missing-heading: notice',
      ].join('\n'),
    });
    const result = await loadConfig(source, target);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const spec = result.config.checks['spec-bundle'];
    expect(result.config.pullRequests.drafts).toBe('skip');
    expect(spec.significantLines).toBe(300);
    expect(spec.countExclude).toEqual(['fixtures/**']);
    expect(spec.rules).toEqual({ 'missing-link': 'warning', 'missing-heading': 'notice' });
    expect(result.files).toEqual(['acme/.github:.github/platform-kit.yml', 'acme/shop:.github/platform-kit.yml']);
  });

  it('resolves nested _extends across repositories before the file itself', async () => {
    const source = memorySource({
      'acme/shop:.github/platform-kit.yml': '_extends: platform:configs/web.yml\nchecks:\n  spec-bundle:\n    significantLines: 50\n',
      'acme/platform:configs/web.yml': '_extends: security/baseline\npullRequests:\n  comment: false\n',
      'security/baseline:.github/platform-kit.yml': 'pullRequests:\n  drafts: skip\nchecks:\n  spec-bundle:\n    significantLines: 10\n',
    });
    const result = await loadConfig(source, target);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.pullRequests).toEqual({ drafts: 'skip', comment: false, suggestions: true });
    expect(result.config.checks['spec-bundle'].significantLines).toBe(50);
    expect(result.files).toEqual([
      'security/baseline:.github/platform-kit.yml',
      'acme/platform:configs/web.yml',
      'acme/shop:.github/platform-kit.yml',
    ]);
  });

  it('reports an _extends cycle instead of looping', async () => {
    const source = memorySource({
      'acme/shop:.github/platform-kit.yml': '_extends: a\n',
      'acme/a:.github/platform-kit.yml': '_extends: shop\n',
    });
    const result = await loadConfig(source, target);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.message).toMatch(/_extends cycle: acme\/shop:.* → acme\/a:.* → acme\/shop/);
  });

  it('names a missing _extends target', async () => {
    const result = await loadConfig(memorySource({ 'acme/shop:.github/platform-kit.yml': '_extends: nowhere\n' }), target);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ file: 'acme/shop:.github/platform-kit.yml', message: expect.stringContaining('acme/nowhere:.github/platform-kit.yml does not exist') });
  });

  it('keeps going with a warning when the org .github repository cannot be read', async () => {
    const source = memorySource({ 'acme/shop:.github/platform-kit.yml': 'pullRequests:\n  comment: false\n' }, ['acme/.github:.github/platform-kit.yml']);
    const result = await loadConfig(source, target);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.pullRequests.comment).toBe(false);
    expect(result.warnings[0]).toMatch(/org defaults not read.*403/);
  });

  it('does not read the org layer twice for the .github repository itself', async () => {
    const source = memorySource({ 'acme/.github:.github/platform-kit.yml': 'pullRequests:\n  drafts: skip\n' });
    const result = await loadConfig(source, { owner: 'acme', repo: '.github' });
    expect(result.ok && result.files).toEqual(['acme/.github:.github/platform-kit.yml']);
    expect(source.reads).toEqual(['acme/.github:.github/platform-kit.yml']);
  });
});

describe('config errors point at the line', () => {
  it('reports invalid YAML at its line', () => {
    const result = loadConfigFile('checks:\n  spec-bundle:\n    enabled: true\n   bad: [\n', 'platform-kit.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ file: 'platform-kit.yml', message: expect.stringMatching(/^invalid YAML/) });
    expect(result.errors[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('names an unknown key with its dotted path and line', () => {
    const result = loadConfigFile('pullRequests:\n  comment: true\nchecks:\n  spec-bundel:\n    enabled: false\n', 'cfg.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ file: 'cfg.yml', line: 4, column: 3, message: 'unknown key "checks.spec-bundel"' }]);
  });

  it('names a wrongly typed field at the value', () => {
    const result = loadConfigFile('checks:\n  spec-bundle:\n    significantLines: lots\n', 'cfg.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ line: 3, column: 23, message: expect.stringContaining('checks.spec-bundle.significantLines') });
  });

  it('rejects a severity override for a rule that does not exist', () => {
    const result = loadConfigFile('checks:\n  spec-bundle:\n    rules:\n      no-such-rule: off\n', 'cfg.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ line: 4, message: expect.stringContaining('unknown rule "no-such-rule" for check spec-bundle') });
  });

  it('rejects a config that is not a mapping', () => {
    const result = loadConfigFile('- a\n- b\n', 'cfg.yml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/must be a YAML mapping/);
  });

  it('treats an empty file as the defaults', () => {
    const result = loadConfigFile('# nothing yet\n', 'cfg.yml');
    expect(result).toEqual({ ok: true, config: defaultConfig, files: ['cfg.yml'], warnings: [] });
  });

  it('warns that _extends is only resolved by the App for a single local file', () => {
    const result = loadConfigFile('_extends: .github\n', 'cfg.yml');
    expect(result.ok && result.warnings[0]).toMatch(/resolved by the GitHub App only/);
  });
});

describe('parseExtends', () => {
  const from = { owner: 'acme', repo: 'shop', path: CONFIG_PATH };
  it.each([
    ['.github', { owner: 'acme', repo: '.github', path: CONFIG_PATH }],
    ['other/base', { owner: 'other', repo: 'base', path: CONFIG_PATH }],
    ['base:conf/pk.yml', { owner: 'acme', repo: 'base', path: 'conf/pk.yml' }],
    ['other/base:conf/pk.yml', { owner: 'other', repo: 'base', path: 'conf/pk.yml' }],
  ])('%s', (value, expected) => {
    expect(parseExtends(value, from)).toEqual(expected);
  });
  it('rejects nonsense', () => {
    expect(parseExtends('a/b/c', from)).toBeNull();
  });
});

describe('shipped config files', () => {
  it('templates/platform-kit.yml is a valid config', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../templates/platform-kit.yml', import.meta.url), 'utf8');
    const result = loadConfigFile(text, 'templates/platform-kit.yml');
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
