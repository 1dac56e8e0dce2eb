/**
 * Each repository template is instantiated into a fresh git repository (as the GitHub "Use this
 * template" button does) and checked with `platform-kit check`, as its first pull request would be.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../app/cli.js';

const ROOT = join(import.meta.dirname, '..');
const TEMPLATES = ['repo-app', 'repo-service', 'repo-lib', 'repo-connector'];
const WITH_DATABASE = new Set(['repo-app', 'repo-service']);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' } });
}

async function instantiate(template: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `pk-${template}-`));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'commit', '-q', '--allow-empty', '--no-gpg-sign', '-m', 'Initial commit');
  git(dir, 'checkout', '-q', '-b', 'first-change');
  await cp(join(ROOT, 'templates', template), dir, { recursive: true });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--no-gpg-sign', '-m', 'Create from template');
  return dir;
}

async function run(argv: string[], cwd: string) {
  const out = { stdout: '', stderr: '' };
  const code = await runCli(argv, { stdout: (text) => void (out.stdout += text), stderr: (text) => void (out.stderr += text), cwd, env: {} });
  return { code, ...out };
}

interface CheckJson {
  id: string;
  conclusion: string;
  findings: Array<{ severity: string; ruleId: string; message: string }>;
}

function checksOf(stdout: string): CheckJson[] {
  return (JSON.parse(stdout) as { checks: CheckJson[] }).checks;
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort();
}

describe.each(TEMPLATES)('template %s', (template) => {
  it('holds a complete small repository', async () => {
    const dir = join(ROOT, 'templates', template);
    const paths = await files(dir);
    for (const required of ['README.md', '.github/platform-kit.yml', '.github/CODEOWNERS', 'AGENTS.md', 'CLAUDE.md', 'GEMINI.md', 'docs/architecture/overview.drawio', 'docs/architecture/overview.png']) {
      expect(paths).toContain(required);
    }
    const bundle = paths.filter((path) => path.startsWith('spec/')).map((path) => path.split('/').slice(2).join('/')).sort();
    expect(bundle).toEqual(['constitution.md', 'plan.md', 'prd.md', 'tasks.md']);
    const agents = await readFile(join(dir, 'AGENTS.md'), 'utf8');
    for (const copy of ['CLAUDE.md', 'GEMINI.md']) expect(await readFile(join(dir, copy), 'utf8')).toBe(agents);
    const migrations = paths.filter((path) => path.startsWith('supabase/migrations/'));
    if (WITH_DATABASE.has(template)) {
      expect(migrations.length).toBeGreaterThan(0);
      for (const migration of migrations) {
        const sql = await readFile(join(dir, migration), 'utf8');
        const tables = [...sql.matchAll(/create table (\S+)/gi)].map((match) => match[1]);
        for (const table of tables) expect(sql).toContain(`alter table ${table} enable row level security`);
      }
    } else {
      expect(migrations).toEqual([]);
    }
    // The workflows call this project's reusable workflows, with a concurrency group.
    const workflow = parse(await readFile(join(dir, '.github/workflows/platform-kit.yml'), 'utf8')) as { concurrency?: unknown; jobs: Record<string, { uses?: string }> };
    expect(workflow.concurrency).toBeDefined();
    for (const job of Object.values(workflow.jobs)) {
      const called = /^platform-kit\/platform-kit\/(\.github\/workflows\/[\w-]+\.yml)@v1$/.exec(job.uses ?? '');
      expect(called).not.toBeNull();
      expect(existsSync(join(ROOT, called?.[1] as string))).toBe(true);
    }
  });

  it('passes platform-kit check on its first pull request', async () => {
    const repo = await instantiate(template);
    try {
      const result = await run(['check', '--repo', repo, '--base', 'main', '--format', 'json'], repo);
      const checks = checksOf(result.stdout);
      const errors = checks.flatMap((check) => check.findings.filter((finding) => finding.severity === 'error').map((finding) => `${check.id}/${finding.ruleId}: ${finding.message}`));
      expect(errors).toEqual([]);
      expect(result.code).toBe(0);
      expect(checks.map((check) => check.id)).toEqual(expect.arrayContaining(['spec-bundle', 'doc-sync', ...(WITH_DATABASE.has(template) ? ['schema-safety'] : [])]));
      expect(checks.every((check) => check.conclusion === 'success')).toBe(true);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  }, 120_000);

  (existsSync(CHROMIUM) ? it : it.skip)('ships a diagram export equal to a fresh render', async () => {
    const result = await run(['diagrams', 'check', join(ROOT, 'templates', template, 'docs/architecture/overview.drawio')], ROOT);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});

describe('the template check', () => {
  it('fails a template whose table has row level security off', async () => {
    const repo = await instantiate('repo-app');
    try {
      const migration = join(repo, 'supabase/migrations/20250101000000_init.sql');
      const sql = await readFile(migration, 'utf8');
      await writeFile(migration, sql.replace('alter table public.notes enable row level security;', ''));
      git(repo, 'commit', '-q', '-a', '--no-gpg-sign', '-m', 'RLS off');
      const result = await run(['check', '--repo', repo, '--base', 'main', '--format', 'json'], repo);
      expect(result.code).toBe(1);
      const schema = checksOf(result.stdout).find((check) => check.id === 'schema-safety');
      expect(schema?.findings.filter((finding) => finding.severity === 'error').length).toBeGreaterThan(0);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  }, 120_000);
});
