import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from '@jest/globals';

const HOOK = fileURLToPath(new URL('../templates/hooks/pre-commit-diagrams.sh', import.meta.url));
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo } });
}

function write(path: string, content: string): void {
  mkdirSync(join(repo, path, '..'), { recursive: true });
  writeFileSync(join(repo, path), content);
}

function commit(message: string): { status: number | null; stderr: string } {
  const result = spawnSync('git', ['commit', '-q', '-m', message], { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo } });
  return { status: result.status, stderr: result.stderr };
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'diagrams-hook-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev');
  git('config', 'commit.gpgsign', 'false');
  copyFileSync(HOOK, join(repo, '.git/hooks/pre-commit'));
  chmodSync(join(repo, '.git/hooks/pre-commit'), 0o755);
  write('docs/arch.drawio', '<mxfile>v1</mxfile>\n');
  write('docs/arch.png', 'png v1');
  write('docs/flow.drawio', '<mxfile>v1</mxfile>\n');
  write('docs/flow-2.png', 'png v1');
  write('docs/photo.png', 'photo v1');
  git('add', '.');
  expect(commit('initial').status).toBe(0);
});

afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
});

it('blocks an export staged without its source, and says how to regenerate', () => {
  write('docs/arch.png', 'png edited by hand');
  git('add', 'docs/arch.png');
  const result = commit('touch up');
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('docs/arch.png (source: docs/arch.drawio, not staged)');
  expect(result.stderr).toContain('npx platform-kit diagrams check --update');
});

it('blocks a page export of a multi-page source', () => {
  write('docs/flow-2.png', 'png edited');
  git('add', 'docs/flow-2.png');
  const result = commit('touch up');
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('docs/flow-2.png (source: docs/flow.drawio, not staged)');
});

it('lets an export through together with its source, and leaves other images alone', () => {
  write('docs/arch.drawio', '<mxfile>v2</mxfile>\n');
  write('docs/arch.png', 'png v2');
  write('docs/photo.png', 'photo v2');
  git('add', '.');
  expect(commit('new diagram').status).toBe(0);
});
