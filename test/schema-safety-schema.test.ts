import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { rule as banDropColumn } from '../app/checks/schema-safety/rules/ban-drop-column.js';
import { rule as banDropDatabase } from '../app/checks/schema-safety/rules/ban-drop-database.js';
import { rule as banDropNotNull } from '../app/checks/schema-safety/rules/ban-drop-not-null.js';
import { rule as banDropTable } from '../app/checks/schema-safety/rules/ban-drop-table.js';
import { rule as banDuplicateColumnAssignments } from '../app/checks/schema-safety/rules/ban-duplicate-column-assignments.js';
import { rule as banTruncateCascade } from '../app/checks/schema-safety/rules/ban-truncate-cascade.js';
import { rule as renamingColumn } from '../app/checks/schema-safety/rules/renaming-column.js';
import { rule as renamingTable } from '../app/checks/schema-safety/rules/renaming-table.js';
import { schemaRules } from '../app/checks/schema-safety/rules/schema.js';
import { ensureParser } from '../app/checks/schema-safety/sql/parse.js';
import { lint, PATH, where } from './schema-safety-schema-helpers.js';

beforeAll(async () => {
  await ensureParser();
});

describe('schema rules registry', () => {
  it('lists each rule once, with docs next to the code and squawk ids where squawk has the rule', () => {
    const ids = schemaRules.map((rule) => rule.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'ban-char-field', 'ban-drop-column', 'ban-drop-database', 'ban-drop-not-null', 'ban-drop-table', 'prefer-bigint-over-int',
        'prefer-bigint-over-smallint', 'prefer-identity', 'prefer-robust-stmts', 'prefer-text-field', 'prefer-timestamptz',
        'renaming-column', 'renaming-table', 'ban-create-domain-with-constraint', 'ban-truncate-cascade', 'require-enum-value-ordering',
        'require-table-schema', 'identifier-too-long', 'ban-duplicate-column-assignments', 'rls-not-enabled', 'security-definer-search-path',
        'policy-always-true', 'policy-auth-per-row', 'policy-user-metadata', 'extension-without-schema', 'grant-to-anon', 'dynamic-sql',
      ]),
    );
    for (const rule of schemaRules) {
      expect(rule.meta.docsUrl).toBe(`https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/${rule.meta.id}.md`);
      const doc = readFileSync(join('app/checks/schema-safety/docs', `${rule.meta.id}.md`), 'utf8');
      expect(doc.split('\n')[0]).toBe(`# schema-safety/${rule.meta.id}`);
      expect(doc).toContain(`Default severity: **${rule.meta.defaultSeverity}**`);
      expect(doc).toContain(`Fixable: ${rule.meta.fixable ? 'yes' : 'no'}`);
    }
  });
});

describe('ban-drop-column', () => {
  it('is an error at the dropped column of an existing table', async () => {
    const findings = await lint(banDropColumn, 'select 1;\nalter table public.orders add column note text, drop column legacy_total;');
    expect(where(findings)).toEqual([['ban-drop-column', 'error', 2, 61]]);
    expect(findings[0]?.message).toContain('`legacy_total` of public.orders deletes its data');
  });

  it('stays quiet for a column of a table created, or a column added, earlier in the change', async () => {
    const earlier = { path: 'supabase/migrations/20240101000000_a.sql', text: 'create table public.drafts (id bigint, body text);\nalter table public.orders add column tmp text;' };
    const later = { path: 'supabase/migrations/20240102000000_b.sql', text: 'alter table public.drafts drop column body;\nalter table public.orders drop column tmp;' };
    expect(await lint(banDropColumn, [earlier, later])).toEqual([]);
  });

  it('is only a warning for a foreign table, whose data lives elsewhere', async () => {
    const findings = await lint(banDropColumn, 'alter foreign table public.remote drop column c;');
    expect(where(findings)).toEqual([['ban-drop-column', 'warning', 1, 47]]);
  });
});

describe('ban-drop-table', () => {
  it('reports each existing table of a DROP TABLE at its name', async () => {
    const findings = await lint(banDropTable, 'create table public.scratch (id bigint);\ndrop table if exists public.scratch, public.invoices cascade;');
    expect(where(findings)).toEqual([['ban-drop-table', 'error', 2, 45]]);
    expect(findings[0]?.message).toContain('Dropping public.invoices deletes all of its rows');
    expect(findings[0]?.message).toContain('CASCADE also drops');
  });

  it('stays quiet for a table the change created, even after a rename', async () => {
    expect(await lint(banDropTable, 'create table public.a (id bigint);\nalter table public.a rename to b;\ndrop table public.b;')).toEqual([]);
  });
});

describe('ban-drop-database', () => {
  it('is an error at the database name', async () => {
    const findings = await lint(banDropDatabase, '\n  drop database if exists production;');
    expect(where(findings)).toEqual([['ban-drop-database', 'error', 2, 27]]);
  });

  it('ignores other drops', async () => {
    expect(await lint(banDropDatabase, 'drop schema if exists scratch cascade;')).toEqual([]);
  });
});

describe('ban-drop-not-null', () => {
  it('warns at the column of an existing table, and at a domain', async () => {
    const findings = await lint(banDropNotNull, 'alter table public.users alter column email drop not null;\nalter domain public.positive drop not null;');
    expect(where(findings)).toEqual([
      ['ban-drop-not-null', 'warning', 1, 39],
      ['ban-drop-not-null', 'warning', 2, 30],
    ]);
  });

  it('stays quiet for a column added in the same change', async () => {
    expect(await lint(banDropNotNull, 'alter table public.users add column nick text not null default \'\';\nalter table public.users alter column nick drop not null;')).toEqual([]);
  });
});

describe('renaming-column', () => {
  it('is an error at the old name, not at a table of the same name', async () => {
    const findings = await lint(renamingColumn, 'alter table public.name rename column name to full_name;');
    expect(where(findings)).toEqual([['renaming-column', 'error', 1, 39]]);
    expect(findings[0]?.message).toContain('Renaming `name` of public.name to `full_name` breaks every query');
  });

  it('stays quiet for a column of a new table or view', async () => {
    const sql = 'create table public.t (a bigint);\nalter table public.t rename column a to b;\ncreate view public.v as select 1 as x;\nalter view public.v rename column x to y;';
    expect(await lint(renamingColumn, sql)).toEqual([]);
  });
});

describe('renaming-table', () => {
  it('is an error for renames and schema moves of existing tables and views', async () => {
    const findings = await lint(renamingTable, 'alter table public.user_stars rename to user_favorites;\nalter view public.stats set schema private;');
    expect(where(findings)).toEqual([
      ['renaming-table', 'error', 1, 13],
      ['renaming-table', 'error', 2, 12],
    ]);
    expect(findings[0]?.message).toContain('security_invoker = on');
    expect(findings[1]?.title).toBe('View moved to another schema');
  });

  it('stays quiet for a table created in the change', async () => {
    expect(await lint(renamingTable, 'create table public.tmp (id bigint);\nalter table public.tmp rename to final;')).toEqual([]);
  });
});

describe('ban-truncate-cascade', () => {
  it('is an error at CASCADE', async () => {
    const findings = await lint(banTruncateCascade, 'truncate table public.a, public.b cascade;');
    expect(where(findings)).toEqual([['ban-truncate-cascade', 'error', 1, 35]]);
  });

  it('allows TRUNCATE without CASCADE, and of tables the change created', async () => {
    expect(await lint(banTruncateCascade, 'truncate public.a, public.b;\ncreate table public.c (id bigint);\ntruncate public.c cascade;')).toEqual([]);
  });
});

describe('ban-duplicate-column-assignments', () => {
  it('reports the second assignment in UPDATE, INSERT ... ON CONFLICT and MERGE', async () => {
    const sql = [
      'update public.k set a = 1, b = 2, a = 3;',
      'insert into public.k (a, a) values (1, 2);',
      'insert into public.k (id) values (1) on conflict (id) do update set b = 1, b = 2;',
      'merge into public.k using public.j on k.id = j.id when matched then update set c = 1, c = 2;',
    ].join('\n');
    const findings = await lint(banDuplicateColumnAssignments, sql);
    expect(where(findings)).toEqual([
      ['ban-duplicate-column-assignments', 'error', 1, 35],
      ['ban-duplicate-column-assignments', 'error', 2, 26],
      ['ban-duplicate-column-assignments', 'error', 3, 76],
      ['ban-duplicate-column-assignments', 'error', 4, 87],
    ]);
    expect(findings[0]?.message).toContain('`a` is assigned 2 times');
  });

  it('reports columns declared twice, including names PostgreSQL derives in a view', async () => {
    const sql = 'create table public.t (a bigint, a text);\ncreate view public.v as select o.id, p.id from public.o, public.p;\ncreate view public.w as select 1, 2;';
    const findings = await lint(banDuplicateColumnAssignments, sql);
    expect(where(findings)).toEqual([
      ['ban-duplicate-column-assignments', 'error', 1, 34],
      ['ban-duplicate-column-assignments', 'error', 2, 38],
      ['ban-duplicate-column-assignments', 'error', 3, 35],
    ]);
    expect(findings[2]?.message).toContain('`?column?`');
  });

  it('allows distinct names, partial assignments and explicit view column names', async () => {
    const sql = [
      'update public.k set a.x = 1, a.y = 2, b = 3;',
      'insert into public.k (a, b) values (1, 2);',
      'create view public.v (a, b) as select 1 as a, 2 as a;',
      'create view public.w as select * from public.a, public.b;',
    ].join('\n');
    expect(await lint(banDuplicateColumnAssignments, sql)).toEqual([]);
  });
});

describe('paths and waivers', () => {
  it('reports the file path and honours a waiver before the statement', async () => {
    const findings = await lint(banDropTable, '-- platform-kit-ignore ban-drop-table: replaced by public.orders_v2 in #42\ndrop table public.orders;\ndrop table public.carts;');
    expect(findings.map((finding) => [finding.path, finding.startLine])).toEqual([[PATH, 3]]);
  });
});
