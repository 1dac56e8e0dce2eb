import { beforeAll, describe, expect, it } from '@jest/globals';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import type { MigrationRule } from '../app/checks/schema-safety/types.js';

beforeAll(async () => {
  await ensureParser();
});

describe('parseMigration', () => {
  it('places each statement at its first token, skipping comments and blank lines before it', () => {
    const file = parseMigration('m.sql', '-- header\n\n/* block */ create table a (id int);\n  -- note\n  insert into a values (1); select 1');
    expect(file.statements.map((statement) => [statement.kind, statement.line, statement.column, statement.text])).toEqual([
      ['CreateStmt', 3, 13, 'create table a (id int)'],
      ['InsertStmt', 5, 3, 'insert into a values (1)'],
      ['SelectStmt', 5, 29, 'select 1'],
    ]);
    expect(file.syntaxError).toBeUndefined();
  });

  it('counts characters, not UTF-8 bytes, after non-ASCII text', () => {
    const file = parseMigration('m.sql', "comment on table a is 'café ☕';\ncreate table b (id int);");
    expect(file.statements[1]).toMatchObject({ kind: 'CreateStmt', line: 2, column: 1, text: 'create table b (id int)' });
  });

  it('spans multi-line statements, including dollar-quoted bodies holding semicolons', () => {
    const file = parseMigration('m.sql', 'create function f() returns int\nlanguage plpgsql as $$\nbegin\n  return 1;\nend $$;\nselect 2;');
    expect(file.statements.map((statement) => [statement.kind, statement.line, statement.endLine])).toEqual([
      ['CreateFunctionStmt', 1, 5],
      ['SelectStmt', 6, 6],
    ]);
  });

  it('reports a syntax error at its line and column and keeps the statements before it', () => {
    const file = parseMigration('m.sql', 'create table a (id int);\nselect 1;\ncreate tabel b (id int);\nselect 3;');
    expect(file.statements.map((statement) => statement.kind)).toEqual(['CreateStmt', 'SelectStmt']);
    expect(file.syntaxError).toEqual({ line: 3, column: 8, message: 'syntax error at or near "tabel"' });
  });

  it('blanks psql meta-commands and reports them, outside dollar quotes only', () => {
    const file = parseMigration('m.sql', '\\set ON_ERROR_STOP on\ncreate table a (id int);\n\\i other.sql\n');
    expect(file.metaCommands).toEqual([
      { line: 1, column: 1, message: '\\set ON_ERROR_STOP on' },
      { line: 3, column: 1, message: '\\i other.sql' },
    ]);
    expect(file.statements).toHaveLength(1);
    expect(file.syntaxError).toBeUndefined();
  });

  it('reads waivers before a statement and flags those without a reason or a statement', () => {
    const file = parseMigration(
      'm.sql',
      [
        '-- platform-kit-ignore ban-drop-table, ban-drop-column: archived in ticket OPS-12',
        'drop table old;',
        '-- platform-kit-ignore ban-drop-table',
        'drop table older;',
        '-- platform-kit-ignore ban-drop-table: nothing follows',
      ].join('\n'),
    );
    expect(file.statements[0]?.waivers).toEqual([{ rules: ['ban-drop-table', 'ban-drop-column'], reason: 'archived in ticket OPS-12', line: 1 }]);
    expect(file.statements[1]?.waivers).toEqual([]);
    expect(file.invalidWaivers.map((problem) => [problem.line, problem.message])).toEqual([
      [3, expect.stringContaining('gives no reason')],
      [5, expect.stringContaining('is followed by no statement')],
    ]);
  });
});

/** Flags every DROP TABLE: enough to exercise the runner's waiver handling. */
const dropProbe: MigrationRule = {
  meta: { id: 'ban-drop-table', defaultSeverity: 'error', description: 'probe', fixable: false, docsUrl: 'https://example.test' },
  check(file) {
    return file.statements.filter((statement) => statement.kind === 'DropStmt').map((statement) => ({ statement, title: 'drop', message: 'dropped' }));
  },
};

describe('lintMigrationFiles', () => {
  const options = { pgVersion: 15, inTransaction: true, exposedSchemas: ['public'], rules: [dropProbe] };

  it('applies a waiver with a reason and reports waivers that waive nothing', async () => {
    const findings = await lintMigrationFiles(
      [
        {
          path: 'supabase/migrations/20240101000000_x.sql',
          text: '-- platform-kit-ignore ban-drop-table: replaced by v2\ndrop table a;\ndrop table b;\n-- platform-kit-ignore ban-drop-table: stale\ncreate table c (id int);\n',
        },
      ],
      options,
    );
    expect(findings.map((finding) => [finding.ruleId, finding.severity, finding.startLine])).toEqual([
      ['ban-drop-table', 'error', 3],
      ['unused-waiver', 'warning', 4],
    ]);
  });

  it('reports syntax errors and meta-commands per file and still checks other files', async () => {
    const findings = await lintMigrationFiles(
      [
        { path: 'a.sql', text: '\\set x 1\ndrop table a;\ncreate tabel b ();' },
        { path: 'b.sql', text: 'drop table c;' },
      ],
      options,
    );
    expect(findings.map((finding) => [finding.path, finding.ruleId, finding.startLine, finding.startColumn])).toEqual([
      ['a.sql', 'ban-drop-table', 2, 1],
      ['a.sql', 'syntax-error', 3, 8],
      ['a.sql', 'psql-meta-command', 1, 1],
      ['b.sql', 'ban-drop-table', 1, 1],
    ]);
  });
});
