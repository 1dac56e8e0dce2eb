import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { runChecks } from '../app/checks/engine.js';
import { SYMLINK_SERVICE, type SymlinkReader } from '../app/checks/doc-sync/index.js';
import type { CheckResult, Finding } from '../app/checks/types.js';
import { configSchema, stripExtends } from '../app/config/schema.js';
import { memoryChangeSet, type MemoryTree } from './helpers/memory-changeset.js';

const AGENTS = readFileSync(new URL('./fixtures/doc-sync/AGENTS.md', import.meta.url), 'utf8');
const GEMINI = readFileSync(new URL('./fixtures/doc-sync/local-section.md', import.meta.url), 'utf8');
const OLD_RULE = '- Install dependencies with `npm ci`, never with `npm install`.';
const NEW_RULE = '- Install dependencies with `pnpm install --frozen-lockfile`, never with `npm install`.';

function config(options: Record<string, unknown> = {}) {
  return stripExtends(configSchema.parse({ checks: { 'doc-sync': { allow: { 'GEMINI.md': ['Gemini CLI'] }, ...options } } }));
}

async function run(base: MemoryTree, head: MemoryTree, options: Record<string, unknown> = {}, services = {}): Promise<CheckResult> {
  const changeSet = memoryChangeSet({ base, head, pullRequest: {} });
  const [result] = await runChecks({ changeSet, config: config(options), only: ['doc-sync'], services });
  if (!result) throw new Error('doc-sync did not run');
  return result;
}

const rules = (result: CheckResult) => result.findings.map((finding) => `${finding.severity} ${finding.ruleId} ${finding.path ?? ''}:${finding.startLine ?? ''}`);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;

describe('doc-sync check', () => {
  const inSync: MemoryTree = { 'AGENTS.md': AGENTS, 'CLAUDE.md': AGENTS, 'GEMINI.md': GEMINI, 'src/index.ts': 'export {};\n' };

  it('fails a rule changed in CLAUDE.md only, naming the section, with a suggestion for AGENTS.md and GEMINI.md', async () => {
    const result = await run(inSync, { ...inSync, 'CLAUDE.md': AGENTS.replace(OLD_RULE, NEW_RULE) });
    expect(result.conclusion).toBe('failure');
    const drift = result.findings.filter((finding) => finding.ruleId === 'section-drift');
    expect(drift.map((finding) => finding.path)).toEqual(['AGENTS.md', 'GEMINI.md']);
    for (const finding of drift) {
      expect(finding.severity).toBe('error');
      expect(finding.title).toBe('Section "Project instructions > Setup" out of sync');
      expect(finding.message).toContain('differs from CLAUDE.md (which this change edited)');
      expect(finding.message).toContain('[-`npm ci`,-] {+`pnpm install --frozen-lockfile`,+}');
      expect(finding.message).toContain(`platform-kit docs sync --from CLAUDE.md --to ${finding.path} --sections "Project instructions > Setup"`);
      expect(finding.startLine).toBe(lineOf(AGENTS, '## Setup'));
      expect(finding.endLine).toBe(lineOf(AGENTS, '.env.example'));
      expect(finding.suggestion).toContain(NEW_RULE);
      expect(finding.fix).toMatchObject({ kind: 'edit', path: finding.path, startLine: finding.startLine, endLine: finding.endLine });
    }
    expect(result.findings.filter((finding) => finding.ruleId !== 'section-drift')).toEqual([]);
    expect(result.summary).toContain('Drift against AGENTS.md: CLAUDE.md 2.4%, GEMINI.md 0.0%');
  });

  it('answers without reading anything when no instruction file changed', async () => {
    const changeSet = memoryChangeSet({ base: inSync, head: { ...inSync, 'src/index.ts': 'export const a = 1;\n' } });
    const [result] = await runChecks({ changeSet, config: config(), only: ['doc-sync'] });
    expect(result?.summary).toBe('No agent instruction file changed.');
    expect(changeSet.reads).toEqual([]);
  });

  it('reports drift that was already there as a notice, with the canonical file as the source', async () => {
    const base = { ...inSync, 'GEMINI.md': GEMINI.replace(OLD_RULE, NEW_RULE) };
    const result = await run(base, { ...base, 'CLAUDE.md': `${AGENTS}\n` });
    expect(result.conclusion).toBe('success');
    expect(rules(result)).toEqual([`notice existing-section-drift GEMINI.md:${lineOf(GEMINI, '## Setup')}`]);
    expect(result.findings[0]?.suggestion).toContain(OLD_RULE);
  });

  it('inserts a section added in one file into the others at the position of the source', async () => {
    const added = AGENTS.replace('## Database', '## Releases\n\n- Tag releases from main only.\n\n## Database');
    const result = await run(inSync, { ...inSync, 'CLAUDE.md': added });
    const agents = result.findings.find((finding) => finding.path === 'AGENTS.md');
    expect(agents).toMatchObject({ ruleId: 'section-drift', title: 'Section "Project instructions > Releases" missing' });
    expect(agents?.suggestion).toBeUndefined();
    expect(agents?.fix).toMatchObject({ kind: 'edit', startLine: lineOf(AGENTS, 'Fixtures live') + 1 });
  });

  it('fails a file whose drift is over the threshold', async () => {
    const shortened = AGENTS.slice(0, AGENTS.indexOf('## Database'));
    const result = await run(inSync, { ...inSync, 'CLAUDE.md': shortened }, { threshold: 5 });
    const over = result.findings.find((finding) => finding.ruleId === 'drift-over-threshold');
    expect(over).toMatchObject({ severity: 'error', path: 'CLAUDE.md', startLine: 1 });
    expect(over?.title).toMatch(/^CLAUDE\.md drifted \d+\.\d% from AGENTS\.md$/);
    // A removal is not an edit of the others' copies: they are asked to remove it too.
    expect(result.findings.filter((finding) => finding.ruleId === 'section-drift' && finding.path === 'AGENTS.md').map((finding) => finding.title)).toEqual([
      'Section "Project instructions > Database" out of sync',
      'Section "Project instructions > Pull requests" out of sync',
      'Section "Project instructions > Security" out of sync',
    ]);
  });

  it('counts a symlink to another instruction file as in sync, and reports one leaving the repository', async () => {
    // The local change set returns a symlink's blob: the link text.
    const head = { ...inSync, 'CLAUDE.md': 'AGENTS.md', 'GEMINI.md': '/home/me/GEMINI.md', 'AGENTS.md': `${AGENTS}\n` };
    const result = await run(inSync, head);
    expect(rules(result)).toEqual(['warning symlink-outside-repo GEMINI.md:']);
    expect(result.summary).toContain('CLAUDE.md 0.0% (symlink to AGENTS.md)');
  });

  it('counts a CLAUDE.md that only imports AGENTS.md (`@AGENTS.md`) as in sync, and compares one that adds its own text', async () => {
    const importing = { ...inSync, 'CLAUDE.md': '<!-- Claude Code reads AGENTS.md through this import -->\n\n@AGENTS.md\n', 'AGENTS.md': AGENTS.replace(OLD_RULE, NEW_RULE) };
    const result = await run(inSync, importing);
    expect(rules(result).filter((rule) => rule.includes('CLAUDE.md'))).toEqual([]);
    expect(result.summary).toContain('CLAUDE.md 0.0% (imports AGENTS.md)');

    // An import of a file that is not an instruction file, or an import plus text, is an ordinary document.
    const mixed = await run(inSync, { ...inSync, 'CLAUDE.md': '@AGENTS.md\n\n# Claude only\n\nUse the plan mode.\n' });
    expect(mixed.summary).not.toContain('imports AGENTS.md');
    const other = await run(inSync, { ...inSync, 'CLAUDE.md': '@docs/claude.md\n' });
    expect(other.summary).not.toContain('imports');
  });

  it('reports a file the tree lists but GitHub will not serve (a link out of the repository)', async () => {
    const head = { ...inSync, 'CLAUDE.md': AGENTS.replace(OLD_RULE, NEW_RULE), 'GEMINI.md': 'unused' };
    const changeSet = memoryChangeSet({ base: inSync, head, pullRequest: {} });
    const read = changeSet.readFile.bind(changeSet);
    changeSet.readFile = async (side, path) => (path === 'GEMINI.md' ? { kind: 'missing' } : read(side, path));
    const [result] = await runChecks({ changeSet, config: config(), only: ['doc-sync'] });
    expect(result?.findings.find((finding) => finding.path === 'GEMINI.md')).toMatchObject({
      ruleId: 'symlink-outside-repo',
      message: expect.stringContaining('is listed in the repository but its content cannot be read'),
    });
  });

  it('asks a symlink service when the driver has one', async () => {
    const links: SymlinkReader = { readLink: async (_side, path) => (path === 'CLAUDE.md' ? '../outside/CLAUDE.md' : null) };
    const result = await run(inSync, { ...inSync, 'CLAUDE.md': AGENTS.replace(OLD_RULE, NEW_RULE) }, {}, { [SYMLINK_SERVICE]: links });
    expect(rules(result)).toEqual(['warning symlink-outside-repo CLAUDE.md:']);
  });

  it('gives clear findings for bad input and never crashes', async () => {
    const head: MemoryTree = {
      'AGENTS.md': `${AGENTS}\n## Pull requests\n\nagain\n`,
      'CLAUDE.md': 'caf\uFFFD rules\n',
      'GEMINI.md': `${GEMINI}\n<!-- platform-kit:local -->\nnever closed\n`,
      'CODEX.md': 'x'.repeat(20 * 1024 * 1024),
      '.cursorrules': '',
      '.windsurfrules': 'Run the tests before pushing.\n',
    };
    const result = await run(inSync, head);
    const byRule = (id: string) => result.findings.filter((finding: Finding) => finding.ruleId === id);
    expect(byRule('duplicate-heading')).toMatchObject([{ path: 'AGENTS.md', startLine: AGENTS.split('\n').length + 1 }]);
    expect(byRule('file-unreadable').map((finding) => finding.message)).toEqual([
      'CLAUDE.md is not valid UTF-8 text, so the doc-sync check did not compare it with the other instruction files.',
      'CODEX.md is 20.0 MB, over the 1.0 MB limit for instruction files, so the doc-sync check did not compare it with the other instruction files.',
    ]);
    expect(byRule('unclosed-local-marker')).toMatchObject([{ path: 'GEMINI.md', startLine: GEMINI.split('\n').length + 1 }]);
    expect(byRule('check-crashed')).toEqual([]);
    expect(result.findings.some((finding) => finding.path === '.cursorrules' && finding.ruleId === 'drift-over-threshold')).toBe(true);
  });

  it('warns when AGENTS.md is over the 32 KiB Codex reads, at the first line not read', async () => {
    const line = '- Keep this rule in mind while working on the repository.\n';
    const big = `# Rules\n\n${line.repeat(700)}`;
    const result = await run({ 'AGENTS.md': '# Rules\n' }, { 'AGENTS.md': big });
    const budget = result.findings.find((finding) => finding.ruleId === 'size-budget');
    expect(budget).toMatchObject({ severity: 'warning', path: 'AGENTS.md', startLine: 2 + Math.floor((32 * 1024 - 9) / line.length) + 1 });
    expect(budget?.message).toContain(`is ${Buffer.byteLength(big).toLocaleString('en-US')} bytes; its tool reads the first 32,768`);
  });

  it('takes the configured canonical file', async () => {
    const result = await run(inSync, { ...inSync, 'CLAUDE.md': `${AGENTS}\n` }, { canonical: 'CLAUDE.md' });
    expect(result.summary).toContain('Drift against CLAUDE.md: AGENTS.md 0.0%');
  });
});
