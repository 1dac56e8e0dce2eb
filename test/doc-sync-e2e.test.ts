import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, type CliIo } from '../app/cli.js';
import type { Finding } from '../app/checks/types.js';
import { runLocalChecks } from '../app/git/run-local-checks.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';

const AGENTS = readFileSync(new URL('./fixtures/doc-sync/AGENTS.md', import.meta.url), 'utf8');
const GEMINI = readFileSync(new URL('./fixtures/doc-sync/local-section.md', import.meta.url), 'utf8');
const OLD_RULE = '- Install dependencies with `npm ci`, never with `npm install`.';
const NEW_RULE = '- Install dependencies with `pnpm install --frozen-lockfile`, never with `npm install`.';

const repos: TempRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.remove()));
});

async function cli(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: { CI: 'true' } };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

interface CheckJson {
  checks: Array<{ id: string; conclusion: string; summary: string; findings: Finding[] }>;
}

const localParts = (text: string) => [
  text.slice(text.indexOf('## Gemini CLI'), text.indexOf('## Security')),
  text.slice(text.indexOf('<!-- platform-kit:local -->'), text.indexOf('<!-- /platform-kit:local -->') + 28),
];

describe('doc-sync end to end', () => {
  it('a rule changed in CLAUDE.md only fails the PR, and docs sync fixes it leaving local sections alone', async () => {
    const repo = await createTempRepo();
    repos.push(repo);
    await repo.write({
      '.github/platform-kit.yml': 'checks:\n  doc-sync:\n    allow:\n      GEMINI.md: ["Gemini CLI"]\n',
      'AGENTS.md': AGENTS,
      'CLAUDE.md': AGENTS,
      'GEMINI.md': GEMINI,
    });
    // A symlink, committed as git stores it: counted as in sync.
    await symlink('AGENTS.md', join(repo.dir, '.cursorrules'));
    await repo.commit('instructions');
    await repo.git('checkout', '--quiet', '-b', 'feature');
    await repo.write({ 'CLAUDE.md': AGENTS.replace(OLD_RULE, NEW_RULE) });
    await repo.commit('switch to pnpm, in CLAUDE.md only');

    const failed = await cli(['check', '--base', 'main', '--checks', 'doc-sync', '--format', 'json'], repo.dir);
    expect(failed.code).toBe(1);
    const [result] = (JSON.parse(failed.stdout) as CheckJson).checks;
    expect(result?.conclusion).toBe('failure');
    expect(result?.summary).toContain('Drift against AGENTS.md: CLAUDE.md 2.4%, GEMINI.md 0.0%, .cursorrules 0.0% (symlink to AGENTS.md)');
    const errors = result?.findings.filter((finding) => finding.severity === 'error') ?? [];
    expect(errors.map((finding) => [finding.ruleId, finding.path, finding.title])).toEqual([
      ['section-drift', 'AGENTS.md', 'Section "Project instructions > Setup" out of sync'],
      ['section-drift', 'GEMINI.md', 'Section "Project instructions > Setup" out of sync'],
    ]);
    for (const finding of errors) expect(finding.message).toContain(`docs sync --from CLAUDE.md --to ${finding.path} --sections "Project instructions > Setup"`);
    // The same run as a driver sees it: each finding carries the section from CLAUDE.md as a suggested change.
    const local = await runLocalChecks({ repoDir: repo.dir, base: 'main', checks: ['doc-sync'], cwd: repo.dir, env: {} });
    if (!local.ok) throw new Error('config errors');
    const suggestions = local.results[0]?.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.suggestion);
    expect(suggestions).toEqual([expect.stringContaining(NEW_RULE), expect.stringContaining(NEW_RULE)]);

    const geminiBefore = await readFile(join(repo.dir, 'GEMINI.md'), 'utf8');
    const sync = await cli(['docs', 'sync', '--from', 'CLAUDE.md', '--to', 'AGENTS.md,GEMINI.md'], repo.dir);
    expect(sync).toMatchObject({ code: 0, stderr: '' });
    expect(sync.stdout).toContain('AGENTS.md: updated "Project instructions > Setup"');
    expect(sync.stdout).toContain('GEMINI.md: updated "Project instructions > Setup"');
    const geminiAfter = await readFile(join(repo.dir, 'GEMINI.md'), 'utf8');
    expect(localParts(geminiAfter)).toEqual(localParts(geminiBefore));
    expect(geminiAfter).toBe(geminiBefore.replace(OLD_RULE, NEW_RULE));
    expect(await readFile(join(repo.dir, 'AGENTS.md'), 'utf8')).toBe(AGENTS.replace(OLD_RULE, NEW_RULE));

    await repo.commit('sync the instruction files');
    const passed = await cli(['check', '--base', 'main', '--checks', 'doc-sync', '--format', 'json'], repo.dir);
    expect(passed.code).toBe(0);
    const [after] = (JSON.parse(passed.stdout) as CheckJson).checks;
    expect(after?.findings).toEqual([]);
    expect(after?.summary).toContain('CLAUDE.md 0.0%, GEMINI.md 0.0%');
  });

  it('check --fix applies the same copies', async () => {
    const repo = await createTempRepo();
    repos.push(repo);
    await repo.write({ 'AGENTS.md': AGENTS, 'CLAUDE.md': AGENTS });
    await repo.commit('instructions');
    await repo.git('checkout', '--quiet', '-b', 'feature');
    await repo.write({ 'CLAUDE.md': AGENTS.replace(OLD_RULE, NEW_RULE) });
    await repo.commit('edit CLAUDE.md');
    const fixed = await cli(['check', '--base', 'main', '--checks', 'doc-sync', '--fix'], repo.dir);
    expect(fixed.stderr).toContain('platform-kit:');
    expect(await readFile(join(repo.dir, 'AGENTS.md'), 'utf8')).toBe(AGENTS.replace(OLD_RULE, NEW_RULE));
  });
});
