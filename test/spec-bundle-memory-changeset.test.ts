import { describe, expect, it } from '@jest/globals';
import { memoryChangeSet, readTextFrom } from './helpers/memory-changeset.js';

describe('memoryChangeSet (test helper)', () => {
  const changeSet = memoryChangeSet({
    base: { 'a.txt': 'one\ntwo\nthree\n', 'gone.txt': 'x\ny\n', 'same.txt': 's\n', 'old/name.md': 'n\n' },
    head: {
      'a.txt': 'one\nTWO\nthree\nfour\n',
      'new.txt': 'p\nq\nr\n',
      'same.txt': 's\n',
      'new/name.md': 'n\nm\n',
      'logo.png': new Uint8Array([137, 80, 78, 71, 0, 1]),
    },
    renames: { 'new/name.md': 'old/name.md' },
    pullRequest: { body: 'hello', labels: ['x'] },
  });

  it('lists changed files with status, additions, deletions and hunks', () => {
    expect(changeSet.files).toEqual([
      {
        path: 'a.txt',
        status: 'modified',
        additions: 2,
        deletions: 1,
        hunks: [
          { baseStart: 2, baseLines: 1, headStart: 2, headLines: 1 },
          { baseStart: 3, baseLines: 0, headStart: 4, headLines: 1 },
        ],
      },
      { path: 'gone.txt', status: 'removed', additions: 0, deletions: 2, hunks: [{ baseStart: 1, baseLines: 2, headStart: 0, headLines: 0 }] },
      { path: 'logo.png', status: 'added', additions: 0, deletions: 0, binary: true },
      { path: 'new.txt', status: 'added', additions: 3, deletions: 0, hunks: [{ baseStart: 0, baseLines: 0, headStart: 1, headLines: 3 }] },
      {
        path: 'new/name.md',
        previousPath: 'old/name.md',
        status: 'renamed',
        additions: 1,
        deletions: 0,
        hunks: [{ baseStart: 1, baseLines: 0, headStart: 2, headLines: 1 }],
      },
    ]);
  });

  it('fills PR defaults and refs', () => {
    expect(changeSet.pullRequest).toMatchObject({ number: 1, body: 'hello', labels: ['x'], headBranch: 'feature', baseBranch: 'main' });
    expect(changeSet.base.ref).toBe('main');
    expect(changeSet.head.ref).toBe('feature');
    expect(changeSet.head.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(changeSet.head.sha).not.toBe(changeSet.base.sha);
  });

  it('reads files by side and kind', async () => {
    expect(await changeSet.readFile('head', 'a.txt')).toEqual({ kind: 'text', text: 'one\nTWO\nthree\nfour\n' });
    expect(await changeSet.readFile('base', 'a.txt')).toEqual({ kind: 'text', text: 'one\ntwo\nthree\n' });
    expect(await changeSet.readFile('head', 'gone.txt')).toEqual({ kind: 'missing' });
    expect(await changeSet.readFile('head', 'logo.png')).toEqual({ kind: 'binary', size: 6 });
    const large = memoryChangeSet({ base: {}, head: { 'big.txt': 'x'.repeat(1024 * 1024 + 1) } });
    expect(await large.readFile('head', 'big.txt')).toEqual({ kind: 'too-large', size: 1024 * 1024 + 1 });
    expect(await readTextFrom(changeSet)('head', 'logo.png')).toBeNull();
    expect(changeSet.reads).toContainEqual({ side: 'head', path: 'logo.png' });
  });

  it('lists files by glob, dotfiles included, sorted', async () => {
    const tree = memoryChangeSet({ base: {}, head: { 'b/x.md': '', 'a/y.md': '', '.github/z.md': '', 'c.txt': '' } });
    expect(await tree.listFiles('head', '**/*.md')).toEqual(['.github/z.md', 'a/y.md', 'b/x.md']);
    expect(await tree.listFiles('base', '**')).toEqual([]);
  });

  it('counts every line of a long rewritten file', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `a${i}`).join('\n');
    const after = Array.from({ length: 3000 }, (_, i) => `b${i}`).join('\n');
    const [file] = memoryChangeSet({ base: { f: before }, head: { f: after } }).files;
    expect(file).toMatchObject({ additions: 3000, deletions: 3000 });
  });
});
