import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNameStatusZ, parseNumstatZ, parseUnifiedHunks, unquoteGitPath } from '../app/git/diff-parse.js';
import { BlobReader } from '../app/git/blob-reader.js';
import { ChangeSetError, loadLocalChangeSet, resolveDefaultBase } from '../app/git/local-changeset.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';

const repos: TempRepo[] = [];
async function repo(): Promise<TempRepo> {
  const created = await createTempRepo('pk-git-test-');
  repos.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.remove()));
});

const lines = (n: number, label = 'line') => Array.from({ length: n }, (_, i) => `${label} ${i + 1}`).join('\n') + '\n';

describe('loadLocalChangeSet', () => {
  it('lists added, modified, removed and renamed files with counts and hunks', async () => {
    const r = await repo();
    await r.write({
      'keep.txt': lines(10),
      'gone.txt': 'bye\n',
      'old-name.md': lines(20, 'stable content that survives the rename'),
    });
    await r.commit('base');
    await r.git('checkout', '--quiet', '-b', 'feature');
    const edited = lines(10).replace('line 3\n', 'line three\n').replace('line 8\n', 'line 8\nline 8b\nline 8c\n');
    await r.write({ 'keep.txt': edited, 'added/new file.ts': 'export const a = 1;\nexport const b = 2;\n' });
    await r.git('rm', '--quiet', 'gone.txt');
    await r.git('mv', 'old-name.md', 'new-name.md');
    await r.commit('feature');

    const cs = await loadLocalChangeSet({ repoDir: r.dir, base: 'main' });
    const byPath = Object.fromEntries(cs.files.map((f) => [f.path, f]));

    expect(Object.keys(byPath).sort()).toEqual(['added/new file.ts', 'gone.txt', 'keep.txt', 'new-name.md']);
    expect(byPath['keep.txt']).toMatchObject({ status: 'modified', additions: 3, deletions: 1 });
    expect(byPath['keep.txt']?.hunks).toEqual([
      { baseStart: 3, baseLines: 1, headStart: 3, headLines: 1 },
      { baseStart: 8, baseLines: 0, headStart: 9, headLines: 2 },
    ]);
    expect(byPath['added/new file.ts']).toMatchObject({ status: 'added', additions: 2, deletions: 0 });
    expect(byPath['added/new file.ts']?.hunks).toEqual([{ baseStart: 0, baseLines: 0, headStart: 1, headLines: 2 }]);
    expect(byPath['gone.txt']).toMatchObject({ status: 'removed', additions: 0, deletions: 1 });
    expect(byPath['new-name.md']).toMatchObject({ status: 'renamed', previousPath: 'old-name.md', additions: 0, deletions: 0, hunks: [] });
    expect(cs.base.ref).toBe('main');
    expect(cs.head.sha).toBe((await r.git('rev-parse', 'feature')).trim());
  });

  it('diffs from the merge base, so later commits on the base branch are not changes', async () => {
    const r = await repo();
    await r.write({ 'a.txt': 'a\n' });
    const forkPoint = await r.commit('base');
    await r.git('checkout', '--quiet', '-b', 'feature');
    await r.write({ 'feature.txt': 'f\n' });
    await r.commit('feature work');
    await r.git('checkout', '--quiet', 'main');
    await r.write({ 'main-only.txt': 'm\n' });
    await r.commit('main moved on');
    await r.git('checkout', '--quiet', 'feature');

    const cs = await loadLocalChangeSet({ repoDir: r.dir, base: 'main' });
    expect(cs.files.map((f) => f.path)).toEqual(['feature.txt']);
    expect(cs.base.sha).toBe(forkPoint);
    expect(await cs.readFile('base', 'main-only.txt')).toEqual({ kind: 'missing' });
    // What landed on the base branch since is still listed, for rules about what the change merges into.
    expect(await cs.listBaseTipFiles?.('*.txt')).toEqual(['a.txt', 'main-only.txt']);
  });

  it('has no separate base tip listing when the base branch has not moved', async () => {
    const r = await repo();
    await r.write({ 'a.txt': 'a\n' });
    await r.commit('base');
    await r.git('checkout', '--quiet', '-b', 'feature');
    await r.write({ 'feature.txt': 'f\n' });
    await r.commit('feature work');
    const cs = await loadLocalChangeSet({ repoDir: r.dir, base: 'main' });
    expect(cs.listBaseTipFiles).toBeUndefined();
  });

  it('reads files from either side: text, missing, folder, binary and too large', async () => {
    const r = await repo();
    await r.write({ 'doc.md': 'old\n', 'dir/inner.txt': 'x\n' });
    await r.commit('base');
    await r.git('checkout', '--quiet', '-b', 'feature');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    await r.write({ 'doc.md': 'new\n', 'img.png': png, 'big.txt': 'x'.repeat(1024 * 1024 + 1) });
    await r.commit('feature');

    const cs = await loadLocalChangeSet({ repoDir: r.dir, base: 'main' });
    expect(await cs.readFile('base', 'doc.md')).toEqual({ kind: 'text', text: 'old\n' });
    expect(await cs.readFile('head', 'doc.md')).toEqual({ kind: 'text', text: 'new\n' });
    expect(await cs.readFile('base', 'img.png')).toEqual({ kind: 'missing' });
    expect(await cs.readFile('head', 'img.png')).toEqual({ kind: 'binary', size: png.length });
    expect(await cs.readFile('head', 'big.txt')).toEqual({ kind: 'too-large', size: 1024 * 1024 + 1 });
    expect(await cs.readFile('head', 'dir')).toEqual({ kind: 'missing' });
    expect(await cs.readFile('head', 'no/such/file.md')).toEqual({ kind: 'missing' });

    const image = cs.files.find((f) => f.path === 'img.png');
    expect(image).toMatchObject({ status: 'added', binary: true, additions: 0, deletions: 0 });
    expect(image?.hunks).toBeUndefined();
  });

  it('lists files per side with picomatch globs, dotfiles included, sorted', async () => {
    const r = await repo();
    await r.write({ 'spec/b/prd.md': 'b', 'spec/a/prd.md': 'a', '.github/platform-kit.yml': 'x: 1\n', 'README.md': 'r' });
    await r.commit('base');
    await r.git('checkout', '--quiet', '-b', 'feature');
    await r.write({ 'spec/c/prd.md': 'c', 'spec/.hidden/prd.md': 'h' });
    await r.git('rm', '--quiet', 'spec/b/prd.md');
    await r.commit('feature');

    const cs = await loadLocalChangeSet({ repoDir: r.dir, base: 'main' });
    expect(await cs.listFiles('base', 'spec/*/prd.md')).toEqual(['spec/a/prd.md', 'spec/b/prd.md']);
    expect(await cs.listFiles('head', 'spec/*/prd.md')).toEqual(['spec/.hidden/prd.md', 'spec/a/prd.md', 'spec/c/prd.md']);
    expect(await cs.listFiles('head', '**/*.yml')).toEqual(['.github/platform-kit.yml']);
  });

  it('parses hunks of paths git quotes and of removed lines that look like headers', async () => {
    const r = await repo();
    await r.write({ 'café notes.md': '-- not a header\n++ nor this\nkeep\n' });
    await r.commit('base');
    await r.git('checkout', '--quiet', '-b', 'feature');
    await r.write({ 'café notes.md': 'keep\n+++ added\n', 'tab\there.txt': 'one\n' });
    await r.commit('feature');

    const cs = await loadLocalChangeSet({ repoDir: r.dir, base: 'main' });
    const notes = cs.files.find((f) => f.path === 'café notes.md');
    expect(notes).toMatchObject({ status: 'modified', additions: 1, deletions: 2 });
    expect(notes?.hunks).toEqual([
      { baseStart: 1, baseLines: 2, headStart: 0, headLines: 0 },
      { baseStart: 3, baseLines: 0, headStart: 2, headLines: 1 },
    ]);
    expect(cs.files.find((f) => f.path === 'tab\there.txt')?.hunks).toEqual([{ baseStart: 0, baseLines: 0, headStart: 1, headLines: 1 }]);
    expect(await cs.readFile('head', 'café notes.md')).toEqual({ kind: 'text', text: 'keep\n+++ added\n' });
  });

  it('carries pull request metadata, with the branch from git when not given', async () => {
    const r = await repo();
    await r.write({ 'a.txt': 'a\n' });
    await r.commit('base');
    await r.git('checkout', '--quiet', '-b', 'feat/checkout');
    await r.write({ 'b.txt': 'b\n' });
    await r.commit('feature');

    const withPr = await loadLocalChangeSet({ repoDir: r.dir, base: 'main', pullRequest: { body: 'Spec: spec/checkout', labels: ['spec:checkout'] } });
    expect(withPr.pullRequest).toMatchObject({
      body: 'Spec: spec/checkout',
      labels: ['spec:checkout'],
      headBranch: 'feat/checkout',
      baseBranch: 'main',
      changedFiles: 1,
      fromFork: false,
    });
    const withoutPr = await loadLocalChangeSet({ repoDir: r.dir, base: 'main' });
    expect(withoutPr.pullRequest).toBeUndefined();
  });
});

describe('BlobReader', () => {
  it('answers interleaved reads in order, draining contents it does not keep', async () => {
    const r = await repo();
    const big = 'y'.repeat(1024 * 1024 + 10);
    await r.write({ 'big.txt': big, 'small.txt': 'small\n', 'bin.dat': Buffer.from([1, 0, 2]), 'dir/x.md': '# x\n' });
    const sha = await r.commit('files');
    const reader = new BlobReader(r.dir, 50);
    const specs = ['big.txt', 'small.txt', 'missing.txt', 'bin.dat', 'dir', 'dir/x.md', 'big.txt', 'small.txt'];
    const reads = await Promise.all(specs.map((path) => reader.read(`${sha}:${path}`)));
    expect(reads).toEqual([
      { kind: 'too-large', size: big.length },
      { kind: 'text', text: 'small\n' },
      { kind: 'missing' },
      { kind: 'binary', size: 3 },
      { kind: 'missing' },
      { kind: 'text', text: '# x\n' },
      { kind: 'too-large', size: big.length },
      { kind: 'text', text: 'small\n' },
    ]);
    // After the idle git process is retired, the next read starts another one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await reader.read(`${sha}:dir/x.md`)).toEqual({ kind: 'text', text: '# x\n' });
  });
});

describe('default base', () => {
  it('uses origin/$GITHUB_BASE_REF in Actions, else the first usual default branch that exists', async () => {
    const r = await repo();
    await r.write({ 'a.txt': 'a\n' });
    const first = await r.commit('one');
    await r.git('update-ref', 'refs/remotes/origin/develop', first);
    await r.git('checkout', '--quiet', '-b', 'feature');

    expect(await resolveDefaultBase(r.dir, { GITHUB_BASE_REF: 'develop' })).toBe('origin/develop');
    expect(await resolveDefaultBase(r.dir, {})).toBe('main');
    await r.git('update-ref', 'refs/remotes/origin/main', first);
    expect(await resolveDefaultBase(r.dir, {})).toBe('origin/main');
    await expect(resolveDefaultBase(r.dir, { GITHUB_BASE_REF: 'release' })).rejects.toThrow(/origin\/release does not exist/);

    const cs = await loadLocalChangeSet({ repoDir: r.dir, env: { GITHUB_BASE_REF: 'develop' } });
    expect(cs.base.ref).toBe('origin/develop');
  });

  it('fails clearly when no default branch exists', async () => {
    const r = await repo();
    await r.write({ 'a.txt': 'a\n' });
    await r.commit('one');
    await r.git('branch', '-m', 'trunk');
    await expect(loadLocalChangeSet({ repoDir: r.dir, env: {} })).rejects.toThrow(
      new ChangeSetError('no base ref given and none of origin/HEAD, origin/main, main, origin/master, master exists; pass a base ref (--base)'),
    );
  });
});

describe('bad input', () => {
  it('names a folder that is not a repository and refs that do not exist', async () => {
    const plain = await mkdtemp(join(tmpdir(), 'pk-not-git-'));
    try {
      await expect(loadLocalChangeSet({ repoDir: plain, base: 'main' })).rejects.toThrow(`${plain} is not inside a git repository`);
      await expect(loadLocalChangeSet({ repoDir: join(plain, 'nope'), base: 'main' })).rejects.toThrow(/is not a directory/);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
    const r = await repo();
    await r.write({ 'a.txt': 'a\n' });
    await r.commit('one');
    await expect(loadLocalChangeSet({ repoDir: r.dir, base: 'does-not-exist' })).rejects.toThrow('base ref "does-not-exist" does not name a commit');
    await expect(loadLocalChangeSet({ repoDir: r.dir, base: 'main', head: '--output=x' })).rejects.toThrow(ChangeSetError);
  });

  it('explains unrelated histories (as in a shallow clone)', async () => {
    const r = await repo();
    await r.write({ 'a.txt': 'a\n' });
    await r.commit('one');
    await r.git('checkout', '--quiet', '--orphan', 'island');
    await r.write({ 'b.txt': 'b\n' });
    await r.commit('unrelated');
    await expect(loadLocalChangeSet({ repoDir: r.dir, base: 'main' })).rejects.toThrow(/no common ancestor.*fetch-depth: 0/);
  });
});

describe('diff output parsers', () => {
  it('reads -z name-status and numstat, including renames and binary counts', () => {
    expect(parseNameStatusZ('M\0a.txt\0R087\0old.md\0new.md\0D\0gone\0')).toEqual([
      { status: 'modified', path: 'a.txt' },
      { status: 'renamed', path: 'new.md', previousPath: 'old.md' },
      { status: 'removed', path: 'gone' },
    ]);
    expect(parseNumstatZ('3\t1\ta.txt\0' + '-\t-\timg.png\0' + '2\t0\t\0old.md\0new.md\0')).toEqual([
      { path: 'a.txt', additions: 3, deletions: 1 },
      { path: 'img.png', additions: null, deletions: null },
      { path: 'new.md', previousPath: 'old.md', additions: 2, deletions: 0 },
    ]);
  });

  it('undoes git path quoting', () => {
    expect(unquoteGitPath('"a/caf\\303\\251 \\"x\\"\\tb"')).toBe('a/café "x"\tb');
    expect(unquoteGitPath('a/plain')).toBe('a/plain');
  });

  it('keys hunks by head path and by base path for deletions', () => {
    const patch = [
      'diff --git a/x b/x',
      'deleted file mode 100644',
      '--- a/x',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '--- looks like a header',
      '-+++ so does this',
      'diff --git a/y b/y',
      '--- a/y',
      '+++ b/y',
      '@@ -5 +5 @@ function f() {',
      '-a',
      '\\ No newline at end of file',
      '+b',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    expect(Object.fromEntries(parseUnifiedHunks(patch))).toEqual({
      x: [{ baseStart: 1, baseLines: 2, headStart: 0, headLines: 0 }],
      y: [{ baseStart: 5, baseLines: 1, headStart: 5, headLines: 1 }],
    });
  });
});
