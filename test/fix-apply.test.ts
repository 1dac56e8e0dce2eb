import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Finding, Fix } from '../app/checks/types.js';
import { applyFixes, FixWriteError, planFixes } from '../app/fix/apply.js';
import { applyLineEdits } from '../app/fix/lines.js';
import { fixSummary, fixUntilStable } from '../app/fix/loop.js';
import { writeAtomically } from '../app/fix/write.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pk-fix-apply-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

const read = (path: string) => readFile(join(dir, path), 'utf8');

function finding(ruleId: string, extra: Partial<Finding> = {}): Finding {
  return { checkId: 'schema-safety', ruleId, severity: 'warning', title: ruleId, message: ruleId, ...extra };
}

const edit = (path: string, startLine: number, endLine: number, replacement: string): Fix => ({ kind: 'edit', path, startLine, endLine, replacement, description: 'edit' });
const writeFix = (path: string, content: string): Fix => ({ kind: 'write-file', path, content, description: 'write' });

describe('planFixes', () => {
  it('takes an edit fix once when the finding also carries its suggestion, and the suggestion alone otherwise', () => {
    const both = finding('rls-not-enabled', {
      path: 'm.sql',
      startLine: 1,
      endLine: 3,
      suggestion: 'create table t (\n  id int\n);\nalter table t enable row level security;',
      fix: edit('m.sql', 3, 3, ');\nalter table t enable row level security;'),
    });
    const suggestionOnly = finding('adding-field-with-default', { path: 'm.sql', startLine: 5, endLine: 6, suggestion: 'x' });
    const plan = planFixes([both, suggestionOnly]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.units.map((unit) => unit.edits)).toEqual([
      [{ path: 'm.sql', startLine: 3, endLine: 3, replacement: ');\nalter table t enable row level security;' }],
      [{ path: 'm.sql', startLine: 5, endLine: 6, replacement: 'x' }],
    ]);
  });

  it('keeps a moved statement together: the suggestion removing it and the file receiving it', () => {
    const moved = finding('require-concurrent-index-creation', {
      path: 'supabase/migrations/1_a.sql',
      startLine: 4,
      endLine: 4,
      suggestion: '',
      fix: writeFix('supabase/migrations/2_b.sql', 'create index concurrently i on t (c);\n'),
    });
    const plan = planFixes([moved, finding('ban-drop-table', { path: 'x.sql', startLine: 1 })]);
    expect(plan.units).toEqual([
      {
        finding: moved,
        edits: [{ path: 'supabase/migrations/1_a.sql', startLine: 4, endLine: 4, replacement: '' }],
        files: [{ path: 'supabase/migrations/2_b.sql', content: 'create index concurrently i on t (c);\n' }],
      },
    ]);
    expect(plan.unfixable.map((f) => f.ruleId)).toEqual(['ban-drop-table']);
  });

  it('applies the first of two overlapping edits and reports the other as a conflict; the same edit twice fixes both', () => {
    const first = finding('a', { path: 'm.sql', startLine: 2, endLine: 4, fix: edit('m.sql', 2, 4, 'A') });
    const overlapping = finding('b', { path: 'm.sql', startLine: 4, endLine: 5, fix: edit('m.sql', 4, 5, 'B') });
    const adjacent = finding('c', { path: 'm.sql', startLine: 5, endLine: 5, fix: edit('m.sql', 5, 5, 'C') });
    const twin = finding('d', { path: 'm.sql', startLine: 2, endLine: 4, fix: edit('m.sql', 2, 4, 'A') });
    const plan = planFixes([first, overlapping, adjacent, twin]);
    expect(plan.units.map((unit) => unit.finding.ruleId)).toEqual(['a', 'c', 'd']);
    expect(plan.conflicts).toEqual([{ finding: overlapping, reason: 'its edit of lines 4-5 overlaps the fix for m.sql:2 schema-safety/a' }]);
  });

  it('refuses paths outside the folder and nonsense line ranges', () => {
    const plan = planFixes([
      finding('up', { fix: edit('../outside.sql', 1, 1, 'x') }),
      finding('sneaky', { fix: writeFix('supabase/../../outside.sql', 'x') }),
      finding('absolute', { fix: writeFix('/etc/platform-kit.sql', 'x') }),
      finding('git', { fix: writeFix('.git/hooks/pre-commit', 'x') }),
      finding('range', { fix: edit('m.sql', 3, 2, 'x') }),
      finding('no-line', { path: 'm.sql', suggestion: 'x' }),
    ]);
    expect(plan.units).toEqual([]);
    expect(plan.conflicts.map((conflict) => `${conflict.finding.ruleId}: ${conflict.reason}`)).toEqual([
      'up: ../outside.sql leads outside the folder --fix works in',
      'sneaky: supabase/../../outside.sql leads outside the folder --fix works in',
      'absolute: /etc/platform-kit.sql is an absolute path; --fix only changes files inside the folder it works in',
      'git: .git/hooks/pre-commit is inside .git',
      'range: the fix names an invalid line range 3-2',
      'no-line: the suggestion has no file or line',
    ]);
  });
});

describe('applyLineEdits', () => {
  it('keeps CRLF line breaks, for inserted lines too, and the missing final newline', () => {
    expect(applyLineEdits('a\r\nb\r\nc', [{ startLine: 2, endLine: 2, replacement: 'B\nB2' }])).toBe('a\r\nB\r\nB2\r\nc');
    expect(applyLineEdits('a\nb\n', [{ startLine: 2, endLine: 2, replacement: '' }])).toBe('a\n');
    expect(applyLineEdits('a\nb', [{ startLine: 2, endLine: 2, replacement: '' }])).toBe('a');
    expect(applyLineEdits('a\nb', [{ startLine: 2, endLine: 2, replacement: 'b\nc' }])).toBe('a\nb\nc');
    expect(applyLineEdits('\uFEFFa\nb\n', [{ startLine: 1, endLine: 1, replacement: '\uFEFFA' }])).toBe('\uFEFFA\nb\n');
  });
});

describe('applyFixes', () => {
  it('applies edits bottom-up, deletes lines for an empty suggestion, and creates new files', async () => {
    await write({
      'supabase/migrations/20240101000000_a.sql': 'create table t (\n  id int\n);\n\ncreate index i on t (id);\n\nselect 1;\n',
    });
    const findings = [
      finding('rls', { fix: edit('supabase/migrations/20240101000000_a.sql', 3, 3, ');\nalter table t enable row level security;') }),
      finding('move', {
        path: 'supabase/migrations/20240101000000_a.sql',
        startLine: 5,
        endLine: 5,
        suggestion: '',
        fix: writeFix('supabase/migrations/new/20240101000006_index.sql', 'create index concurrently i on t (id);\n'),
      }),
      finding('last', { path: 'supabase/migrations/20240101000000_a.sql', startLine: 7, endLine: 7, suggestion: 'select 2;' }),
    ];
    const applied = await applyFixes(planFixes(findings), dir);
    expect(applied.fixed.map((f) => f.ruleId)).toEqual(['rls', 'move', 'last']);
    expect(applied.files).toEqual(['supabase/migrations/20240101000000_a.sql', 'supabase/migrations/new/20240101000006_index.sql']);
    expect(applied.created).toEqual(['supabase/migrations/new/20240101000006_index.sql']);
    expect(await read('supabase/migrations/20240101000000_a.sql')).toBe(
      'create table t (\n  id int\n);\nalter table t enable row level security;\n\n\nselect 2;\n',
    );
    expect(await read('supabase/migrations/new/20240101000006_index.sql')).toBe('create index concurrently i on t (id);\n');
  });

  it('keeps a CRLF file CRLF', async () => {
    await write({ 'm.sql': 'create table t (id int);\r\n\r\nselect 1;\r\n' });
    await applyFixes(planFixes([finding('rls', { fix: edit('m.sql', 1, 1, 'create table t (id int);\nalter table t enable row level security;') })]), dir);
    expect(await read('m.sql')).toBe('create table t (id int);\r\nalter table t enable row level security;\r\n\r\nselect 1;\r\n');
  });

  it('does not overwrite an existing file with other content, and then leaves the finding whole', async () => {
    await write({ 'a.sql': 'create index i on t (c);\n', 'b.sql': 'something else\n' });
    const moved = finding('move', { path: 'a.sql', startLine: 1, endLine: 1, suggestion: '', fix: writeFix('b.sql', 'create index concurrently i on t (c);\n') });
    const applied = await applyFixes(planFixes([moved]), dir);
    expect(applied.fixed).toEqual([]);
    expect(applied.files).toEqual([]);
    expect(applied.conflicts).toEqual([{ finding: moved, reason: 'b.sql already exists with other content' }]);
    expect(await read('a.sql')).toBe('create index i on t (c);\n');
    expect(await read('b.sql')).toBe('something else\n');
  });

  it('treats a file that already holds the content as written', async () => {
    await write({ 'a.sql': 'create index i on t (c);\n', 'b.sql': 'new\n' });
    const moved = finding('move', { path: 'a.sql', startLine: 1, endLine: 1, suggestion: '', fix: writeFix('b.sql', 'new\n') });
    const applied = await applyFixes(planFixes([moved]), dir);
    expect(applied.fixed).toEqual([moved]);
    expect(applied.files).toEqual(['a.sql']);
    expect(await read('a.sql')).toBe('');
  });

  it('reports edits past the end of the file and missing files as conflicts', async () => {
    await write({ 'a.sql': 'one\ntwo\n' });
    const applied = await applyFixes(
      planFixes([finding('stale', { fix: edit('a.sql', 2, 3, 'x') }), finding('gone', { fix: edit('missing.sql', 1, 1, 'x') })]),
      dir,
    );
    expect(applied.conflicts.map((conflict) => conflict.reason)).toEqual(['a.sql: lines 2-3 are past the end of the file (2 lines)', 'missing.sql does not exist']);
    expect(await read('a.sql')).toBe('one\ntwo\n');
  });

  it('refuses to write through a symbolic link that leads outside the folder', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'pk-fix-outside-'));
    try {
      await symlink(outside, join(dir, 'linked'));
      const applied = await applyFixes(planFixes([finding('escape', { fix: writeFix('linked/evil.sql', 'x') })]), dir);
      expect(applied.fixed).toEqual([]);
      expect(applied.conflicts[0]?.reason).toMatch(/^linked\/evil\.sql leads outside .* through a symbolic link$/);
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('writes nothing when one of the files cannot be written', async () => {
    await write({ 'a.sql': 'select 1;\n', 'b.sql': 'select 2;\n' });
    await chmod(join(dir, 'b.sql'), 0o444);
    const plan = planFixes([
      finding('first', { fix: edit('a.sql', 1, 1, 'select 10;') }),
      finding('second', { fix: edit('b.sql', 1, 1, 'select 20;') }),
      finding('third', { fix: writeFix('c/new.sql', 'select 30;\n') }),
    ]);
    await expect(applyFixes(plan, dir)).rejects.toThrow(new FixWriteError('b.sql is read-only; no file was changed'));
    expect(await read('a.sql')).toBe('select 1;\n');
    expect(await read('b.sql')).toBe('select 2;\n');
    // No temporary files and no folders left behind.
    expect((await readdir(dir)).sort()).toEqual(['a.sql', 'b.sql']);
  });

  it('fails as a whole when a new file cannot be created, leaving the edited file as it was', async () => {
    await write({ 'a.sql': 'select 1;\n', blocker: 'a file where a folder should be\n' });
    const plan = planFixes([finding('first', { fix: edit('a.sql', 1, 1, 'select 10;') }), finding('second', { fix: writeFix('blocker/new.sql', 'x\n') })]);
    await expect(applyFixes(plan, dir)).rejects.toThrow(/^cannot write blocker\/new\.sql: (EEXIST|ENOTDIR); no file was changed$/);
    expect(await read('a.sql')).toBe('select 1;\n');
    expect((await readdir(dir)).sort()).toEqual(['a.sql', 'blocker']);
  });

  it('puts back the files already replaced when a later one cannot be moved into place', async () => {
    // b.sql appears after the fixes were computed (it was missing then): it must not be replaced.
    await write({ 'a.sql': 'select 1;\n', 'b.sql': 'appeared meanwhile\n' });
    await expect(
      writeAtomically([
        { path: 'a.sql', absolute: join(dir, 'a.sql'), content: 'select 10;\n', previous: 'select 1;\n' },
        { path: 'b.sql', absolute: join(dir, 'b.sql'), content: 'new\n', previous: null },
      ]),
    ).rejects.toThrow(new FixWriteError('cannot replace b.sql: EEXIST; no file was changed'));
    expect(await read('a.sql')).toBe('select 1;\n');
    expect(await read('b.sql')).toBe('appeared meanwhile\n');
    expect((await readdir(dir)).sort()).toEqual(['a.sql', 'b.sql']);
  });

  it('keeps the file mode', async () => {
    await write({ 'run.sh': '#!/bin/sh\necho 1\n' });
    await chmod(join(dir, 'run.sh'), 0o750);
    await applyFixes(planFixes([finding('x', { fix: edit('run.sh', 2, 2, 'echo 2') })]), dir);
    expect((await stat(join(dir, 'run.sh'))).mode & 0o777).toBe(0o750);
    expect(await read('run.sh')).toBe('#!/bin/sh\necho 2\n');
  });
});

describe('fixUntilStable', () => {
  /** One finding per `x` on the first line, each turning its own `x` into its position: they all overlap, so one applies per pass. */
  async function lintXs(): Promise<Finding[]> {
    const line = (await read('a.txt')).split('\n')[0] ?? '';
    return [...line].flatMap((char, i) =>
      char === 'x' ? [finding(`x${i}`, { path: 'a.txt', startLine: 1, endLine: 1, suggestion: `${line.slice(0, i)}${i}${line.slice(i + 1)}` })] : [],
    );
  }

  it('lints and fixes again while fixes apply, then reports what remains', async () => {
    await write({ 'a.txt': 'xxx\nrest\n' });
    const result = await fixUntilStable({ root: dir, lint: lintXs, findings: (found) => found });
    expect(result).toMatchObject({ passes: 3, pending: 0, conflicts: [], files: ['a.txt'], outcome: [] });
    expect(result.fixed).toHaveLength(3);
    expect(await read('a.txt')).toBe('012\nrest\n');
    expect(fixSummary(result)).toBe('fixed 3 findings in 1 file; 0 not fixable automatically; conflicts: none\n  changed a.txt\n');
  });

  it('stops at the pass limit and says how many fixes are left', async () => {
    await write({ 'a.txt': 'xxx\n' });
    const result = await fixUntilStable({ root: dir, lint: lintXs, findings: (found) => found, maxPasses: 2 });
    expect(await read('a.txt')).toBe('01x\n');
    expect(fixSummary(result)).toBe(
      'fixed 2 findings in 1 file; 0 not fixable automatically; conflicts: none\n  changed a.txt\n  stopped after 2 passes; 1 more fix would apply (run --fix again)\n',
    );
  });
});
