import { afterEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '../app/cli.js';

const AGENTS = readFileSync(new URL('./fixtures/doc-sync/AGENTS.md', import.meta.url), 'utf8');
const GEMINI = readFileSync(new URL('./fixtures/doc-sync/local-section.md', import.meta.url), 'utf8');
const CHANGED = readFileSync(new URL('./fixtures/doc-sync/changed-bullet.md', import.meta.url), 'utf8');
const MISSING = readFileSync(new URL('./fixtures/doc-sync/missing-section.md', import.meta.url), 'utf8');
const CONFIG = 'checks:\n  doc-sync:\n    allow:\n      GEMINI.md: ["Gemini CLI"]\n';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'doc-sync-'));
  dirs.push(dir);
  await mkdir(join(dir, '.github'), { recursive: true });
  await writeFile(join(dir, '.github/platform-kit.yml'), CONFIG);
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  return dir;
}

async function cli(argv: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** The Gemini-only section and the local region of GEMINI.md, as bytes. */
function localParts(text: string): string[] {
  const section = text.slice(text.indexOf('## Gemini CLI'), text.indexOf('## Security'));
  const region = text.slice(text.indexOf('<!-- platform-kit:local -->'), text.indexOf('<!-- /platform-kit:local -->') + 28);
  return [section, region];
}

interface DriftJson {
  canonical: string;
  files: Array<{ path: string; status: string; drift: number | null; overThreshold: boolean; note?: string }>;
}

describe('platform-kit docs drift', () => {
  it('prints the score table as JSON and text, symlinks in sync', async () => {
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': CHANGED, 'GEMINI.md': GEMINI, 'CODEX.md': MISSING });
    await symlink('AGENTS.md', join(dir, '.cursorrules'));
    const json = await cli(['docs', 'drift', '--format', 'json'], dir);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as DriftJson;
    expect(report.canonical).toBe('AGENTS.md');
    expect(report.files.map((file) => [file.path, file.status, file.drift])).toEqual([
      ['AGENTS.md', 'canonical', 0],
      ['CLAUDE.md', 'compared', 2.4],
      ['GEMINI.md', 'compared', 0],
      ['CODEX.md', 'compared', 7.88],
      ['.cursorrules', 'link', 0],
    ]);
    const text = await cli(['docs', 'drift'], dir);
    expect(text.stdout).toContain('Drift against AGENTS.md (threshold 10%):');
    expect(text.stdout).toMatch(/CLAUDE\.md\s+2\.4%\n\s+changed: Project instructions > Setup/);
    expect(text.stdout).toMatch(/\.cursorrules\s+0\.0%  symlink to AGENTS\.md/);
  });

  it('exits 1 when a file is over the threshold, and reports a symlink leaving the folder', async () => {
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': '# Other\n\nNothing in common.\n' });
    await symlink('/etc/hostname', join(dir, 'GEMINI.md'));
    const run = await cli(['docs', 'drift', '--format', 'json'], dir);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DriftJson;
    expect(report.files.find((file) => file.path === 'CLAUDE.md')?.overThreshold).toBe(true);
    expect(report.files.find((file) => file.path === 'GEMINI.md')).toMatchObject({ status: 'outside-link', drift: null, note: 'symlink to /etc/hostname' });
  });
});

describe('platform-kit docs sync', () => {
  it('round trip: after sync the drift is 0% and local sections are byte-identical', async () => {
    const gemini = GEMINI.replace('- Never commit secrets; the pre-commit hook scans for them.\n', '');
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': MISSING, 'GEMINI.md': gemini });
    const before = localParts(gemini);
    const run = await cli(['docs', 'sync', '--from', 'AGENTS.md', '--to', 'CLAUDE.md,GEMINI.md'], dir, { CI: 'true' });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('CLAUDE.md: added "Project instructions > Security"');
    expect(run.stdout).toContain('GEMINI.md: updated "Project instructions > Security"');
    // The section lands where AGENTS.md has it, without repeating the link definition CLAUDE.md already has.
    const claude = await readFile(join(dir, 'CLAUDE.md'), 'utf8');
    expect(claude.indexOf('## Security')).toBeGreaterThan(claude.indexOf('## Pull requests'));
    expect(claude.match(/^\[guide\]:/gm)).toHaveLength(1);
    const after = await readFile(join(dir, 'GEMINI.md'), 'utf8');
    expect(localParts(after)).toEqual(before);
    const drift = JSON.parse((await cli(['docs', 'drift', '--format', 'json'], dir)).stdout) as DriftJson;
    expect(drift.files.map((file) => file.drift)).toEqual([0, 0, 0]);
    // No temporary files are left next to the targets.
    expect((await readdir(dir)).sort()).toEqual(['.github', 'AGENTS.md', 'CLAUDE.md', 'GEMINI.md']);
  });

  it('never rewrites a file whose content would not change', async () => {
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': AGENTS, 'GEMINI.md': GEMINI });
    const before = await stat(join(dir, 'CLAUDE.md'));
    const run = await cli(['docs', 'sync'], dir, { CI: 'true' });
    expect(run.stdout).toBe('CLAUDE.md: unchanged\nGEMINI.md: unchanged\n0 files changed.\n');
    const after = await stat(join(dir, 'CLAUDE.md'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('copies only the chosen sections, and writes nothing on --dry-run', async () => {
    const both = CHANGED.replace('## Security', '## Security notes');
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': both });
    const dry = await cli(['docs', 'sync', '--from', 'AGENTS.md', '--to', 'CLAUDE.md', '--sections', 'Setup', '--dry-run'], dir);
    expect(dry.stdout).toContain('CLAUDE.md: updated "Project instructions > Setup"');
    expect(dry.stdout).toContain('[-`pnpm install --frozen-lockfile`,-] {+`npm ci`,+}');
    expect(dry.stdout).toContain('1 file would change.');
    expect(await readFile(join(dir, 'CLAUDE.md'), 'utf8')).toBe(both);
    await cli(['docs', 'sync', '--from', 'AGENTS.md', '--to', 'CLAUDE.md', '--sections', 'Project instructions > Setup'], dir);
    expect(await readFile(join(dir, 'CLAUDE.md'), 'utf8')).toBe(AGENTS.replace('## Security', '## Security notes'));
  });

  it('keeps CRLF line breaks in the target', async () => {
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': CHANGED.replace(/\n/g, '\r\n') });
    await cli(['docs', 'sync', '--to', 'CLAUDE.md'], dir);
    expect(await readFile(join(dir, 'CLAUDE.md'), 'utf8')).toBe(AGENTS.replace(/\n/g, '\r\n'));
  });

  it('asks which drifted sections to copy on a terminal, and only there', async () => {
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': CHANGED.replace('## Security', '## Security notes') });
    const questions: string[] = [];
    let stdout = '';
    const io = { stdout: (t: string) => void (stdout += t), stderr: () => undefined, cwd: dir, env: {} };
    const { runDocsCommand } = await import('../app/cli/docs.js');
    const code = await runDocsCommand(['sync', '--to', 'CLAUDE.md'], io, async (question) => {
      questions.push(question);
      return '2';
    });
    expect(code).toBe(0);
    expect(stdout).toContain('  1. Project instructions > Setup\n  2. Project instructions > Security');
    expect(questions).toHaveLength(1);
    const text = await readFile(join(dir, 'CLAUDE.md'), 'utf8');
    expect(text).toContain('`pnpm install --frozen-lockfile`');
    expect(text).toContain('## Security\n');
  });

  it('writes every target or none', async () => {
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': CHANGED, 'GEMINI.md': CHANGED });
    await chmod(join(dir, 'GEMINI.md'), 0o444);
    const run = await cli(['docs', 'sync', '--to', 'CLAUDE.md,GEMINI.md'], dir);
    expect(run).toMatchObject({ code: 2, stderr: 'platform-kit: GEMINI.md is read-only; no file was changed\n' });
    expect(await readFile(join(dir, 'CLAUDE.md'), 'utf8')).toBe(CHANGED);
    expect((await readdir(dir)).sort()).toEqual(['.github', 'AGENTS.md', 'CLAUDE.md', 'GEMINI.md']);
  });

  it('refuses bad arguments in one line, before writing anything', async () => {
    const dir = await folder({ 'AGENTS.md': AGENTS, 'CLAUDE.md': CHANGED });
    expect(await cli(['docs', 'sync', '--from', 'NOPE.md'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('--from NOPE.md is not one of the instruction files present') });
    expect(await cli(['docs', 'sync', '--sections', 'Deployment'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('AGENTS.md has no shared section "Deployment"') });
    expect(await cli(['docs', 'frobnicate'], dir)).toMatchObject({ code: 2, stderr: 'platform-kit: unknown command "docs frobnicate" (docs commands: drift, sync)\n' });
    expect(await readFile(join(dir, 'CLAUDE.md'), 'utf8')).toBe(CHANGED);
  });
});
