import { beforeAll, describe, expect, it } from '@jest/globals';
import { rule as banCharField } from '../app/checks/schema-safety/rules/ban-char-field.js';
import { rule as banCreateDomainWithConstraint } from '../app/checks/schema-safety/rules/ban-create-domain-with-constraint.js';
import { rule as identifierTooLong } from '../app/checks/schema-safety/rules/identifier-too-long.js';
import { rule as preferBigintOverInt } from '../app/checks/schema-safety/rules/prefer-bigint-over-int.js';
import { rule as preferBigintOverSmallint } from '../app/checks/schema-safety/rules/prefer-bigint-over-smallint.js';
import { rule as preferIdentity } from '../app/checks/schema-safety/rules/prefer-identity.js';
import { rule as preferRobustStmts } from '../app/checks/schema-safety/rules/prefer-robust-stmts.js';
import { rule as preferTextField } from '../app/checks/schema-safety/rules/prefer-text-field.js';
import { rule as preferTimestamptz } from '../app/checks/schema-safety/rules/prefer-timestamptz.js';
import { rule as requireEnumValueOrdering } from '../app/checks/schema-safety/rules/require-enum-value-ordering.js';
import { rule as requireTableSchema } from '../app/checks/schema-safety/rules/require-table-schema.js';
import { ensureParser } from '../app/checks/schema-safety/sql/parse.js';
import { expectParses, lint, where, withFix, withSuggestion } from './schema-safety-schema-helpers.js';

beforeAll(async () => {
  await ensureParser();
});

describe('prefer-text-field', () => {
  it('rewrites varchar(n) in a new table to text with an inline length check', async () => {
    const sql = 'select 1;\ncreate table public.users (id bigint, email varchar(100) not null);';
    const findings = await lint(preferTextField, sql);
    expect(where(findings)).toEqual([['prefer-text-field', 'notice', 2, 45]]);
    expect(findings[0]?.suggestion).toBe('create table public.users (id bigint, email text check (char_length(email) <= 100) not null);');
    expectParses(withSuggestion(sql, findings[0]));
  });

  it('keeps the limit of a column added to an existing table as a NOT VALID constraint, so nothing is scanned', async () => {
    const sql = 'alter table public.users\n  add column nick character varying(20),\n  add column bio varchar(500);';
    const findings = await lint(preferTextField, sql);
    expect(where(findings)).toEqual([['prefer-text-field', 'notice', 1, 1]]);
    expect(findings[0]?.suggestion).toBe(
      [
        'alter table public.users',
        '  add column nick text,',
        '  add column bio text;',
        'alter table public.users add constraint users_nick_length check (char_length(nick) <= 20) not valid;',
        'alter table public.users add constraint users_bio_length check (char_length(bio) <= 500) not valid;',
      ].join('\n'),
    );
    expect(findings[0]?.message).toContain('`nick varchar(20)` and `bio varchar(500)` limit their length');
    expectParses(withSuggestion(sql, findings[0]));
    expect(findings[0]?.fix).toMatchObject({ kind: 'edit', startLine: 2, endLine: 3 });
    expectParses(withFix(sql, findings[0]));
  });

  it('has no mechanical rewrite for a type change, and ignores varchar without a limit', async () => {
    const findings = await lint(preferTextField, 'alter table public.users alter column email type varchar(320);\ncreate table public.t (a varchar, b text);');
    expect(where(findings)).toEqual([['prefer-text-field', 'notice', 1, 50]]);
    expect(findings[0]?.suggestion).toBeUndefined();
    expect(findings[0]?.fix).toBeUndefined();
  });
});

describe('ban-char-field', () => {
  it('rewrites char(n) to text with a check instead of to varchar, which prefer-text-field would flag', async () => {
    const sql = 'create table public.countries (code char(2) primary key, flag character);';
    const findings = await lint(banCharField, sql);
    expect(where(findings)).toEqual([['ban-char-field', 'notice', 1, 37]]);
    expect(findings[0]?.suggestion).toBe('create table public.countries (code text check (char_length(code) <= 2) primary key, flag text check (char_length(flag) <= 1));');
    expectParses(withSuggestion(sql, findings[0]));
    expect(await lint(preferTextField, withSuggestion(sql, findings[0]))).toEqual([]);
  });

  it('leaves the one-byte "char" type and text alone', async () => {
    expect(await lint(banCharField, 'create table public.t (a "char", b text, c varchar(3));')).toEqual([]);
  });
});

describe('prefer-timestamptz', () => {
  it('rewrites timestamp, keeping its precision, in CREATE TABLE and ALTER COLUMN TYPE', async () => {
    const sql = 'create table public.events (at timestamp(3) without time zone default now());\nalter table public.events alter column seen type timestamp;';
    const findings = await lint(preferTimestamptz, sql);
    expect(where(findings)).toEqual([
      ['prefer-timestamptz', 'notice', 1, 32],
      ['prefer-timestamptz', 'notice', 2, 50],
    ]);
    expect(findings[0]?.suggestion).toBe('create table public.events (at timestamptz(3) default now());');
    expect(findings[1]?.suggestion).toBe('alter table public.events alter column seen type timestamptz;');
    expectParses(withSuggestion(withSuggestion(sql, findings[0]), findings[1]));
  });

  it('accepts timestamptz and timestamp with time zone', async () => {
    expect(await lint(preferTimestamptz, 'create table public.e (a timestamptz, b timestamp with time zone, c date);')).toEqual([]);
  });
});

describe('prefer-bigint-over-int', () => {
  it('flags 32-bit keys only: primary, foreign, identity and *_id columns', async () => {
    const sql = 'create table public.orders (\n  id int generated always as identity primary key,\n  customer_id integer,\n  quantity int not null\n);';
    const findings = await lint(preferBigintOverInt, sql);
    expect(where(findings)).toEqual([['prefer-bigint-over-int', 'notice', 1, 1]]);
    expect(findings[0]?.message).toContain('`id int` and `customer_id int` are keys');
    expect(findings[0]?.suggestion).toBe(
      'create table public.orders (\n  id bigint generated always as identity primary key,\n  customer_id bigint,\n  quantity int not null\n);',
    );
    expectParses(withSuggestion(sql, findings[0]));
  });

  it('turns serial into a bigint identity column, as prefer-identity does', async () => {
    const sql = 'create table public.t (id serial primary key);';
    const findings = await lint(preferBigintOverInt, sql);
    expect(findings[0]?.suggestion).toBe('create table public.t (id bigint generated by default as identity primary key);');
    expect(await lint(preferIdentity, withSuggestion(sql, findings[0]))).toEqual([]);
  });

  it('ignores bigint keys and int value columns', async () => {
    expect(await lint(preferBigintOverInt, 'create table public.t (id bigint primary key, owner_id bigint references public.u, votes int);')).toEqual([]);
  });
});

describe('prefer-bigint-over-smallint', () => {
  it('flags 16-bit keys, including table-level foreign keys', async () => {
    const sql = 'create table public.r (kind smallint, label text, foreign key (kind) references public.kinds (id));';
    const findings = await lint(preferBigintOverSmallint, sql);
    expect(where(findings)).toEqual([['prefer-bigint-over-smallint', 'notice', 1, 29]]);
    expect(findings[0]?.suggestion).toBe('create table public.r (kind bigint, label text, foreign key (kind) references public.kinds (id));');
    expectParses(withSuggestion(sql, findings[0]));
  });

  it('ignores small value columns', async () => {
    expect(await lint(preferBigintOverSmallint, 'create table public.t (id bigint primary key, rank smallint);')).toEqual([]);
  });
});

describe('prefer-identity', () => {
  it('rewrites every serial flavour to a bigint identity column', async () => {
    const sql = 'alter table public.t add column seq bigserial;\ncreate table public.u (id smallserial primary key);';
    const findings = await lint(preferIdentity, sql);
    expect(where(findings)).toEqual([
      ['prefer-identity', 'notice', 1, 37],
      ['prefer-identity', 'notice', 2, 27],
    ]);
    expect(findings[0]?.suggestion).toBe('alter table public.t add column seq bigint generated by default as identity;');
    expect(findings[1]?.suggestion).toBe('create table public.u (id bigint generated by default as identity primary key);');
    const fixed = withSuggestion(withSuggestion(sql, findings[0]), findings[1]);
    expectParses(fixed);
    expect(await lint(preferBigintOverSmallint, fixed)).toEqual([]);
  });

  it('accepts identity columns', async () => {
    expect(await lint(preferIdentity, 'create table public.t (id bigint generated always as identity primary key);')).toEqual([]);
  });
});

describe('ban-create-domain-with-constraint', () => {
  it('points at the first constraint', async () => {
    const findings = await lint(banCreateDomainWithConstraint, 'create domain public.price as numeric(12, 2) check (value >= 0) not null;');
    expect(where(findings)).toEqual([['ban-create-domain-with-constraint', 'notice', 1, 46]]);
  });

  it('accepts a domain without constraints', async () => {
    expect(await lint(banCreateDomainWithConstraint, 'create domain public.email as text;')).toEqual([]);
  });
});

describe('require-enum-value-ordering', () => {
  it('suggests the explicit position when the change created the enum', async () => {
    const sql = "create type public.status as enum ('draft', 'sent');\nalter type public.status add value 'paid' after 'sent';\nalter type public.status add value if not exists 'void';";
    const findings = await lint(requireEnumValueOrdering, sql);
    expect(where(findings)).toEqual([['require-enum-value-ordering', 'notice', 3, 50]]);
    expect(findings[0]?.suggestion).toBe("alter type public.status add value if not exists 'void' after 'paid';");
    expectParses(withSuggestion(sql, findings[0]));
  });

  it('asks for BEFORE or AFTER on an enum it does not know, and accepts positioned values', async () => {
    const findings = await lint(requireEnumValueOrdering, "alter type public.mood add value 'meh';\nalter type public.mood add value 'ok' before 'happy';");
    expect(where(findings)).toEqual([['require-enum-value-ordering', 'notice', 1, 34]]);
    expect(findings[0]?.suggestion).toBeUndefined();
  });
});

describe('require-table-schema', () => {
  it('qualifies CREATE, ALTER and DROP TABLE names with public', async () => {
    const sql = 'create table posts (id bigint);\nalter table posts add column title text;\ndrop table drafts, public.old;';
    const findings = await lint(requireTableSchema, sql);
    expect(where(findings)).toEqual([
      ['require-table-schema', 'notice', 1, 14],
      ['require-table-schema', 'notice', 2, 13],
      ['require-table-schema', 'notice', 3, 12],
    ]);
    expect(findings.map((finding) => finding.suggestion)).toEqual([
      'create table public.posts (id bigint);',
      'alter table public.posts add column title text;',
      'drop table public.drafts, public.old;',
    ]);
  });

  it('accepts qualified names and temporary tables', async () => {
    expect(await lint(requireTableSchema, 'create table public.posts (id bigint);\ncreate temp table scratch (id bigint) on commit drop;')).toEqual([]);
  });
});

describe('identifier-too-long', () => {
  const long = 'table_very_long_very_long_very_long_very_long_very_long_very_long';

  it('reports the name as written (the parser has already truncated it) and renames it to what PostgreSQL keeps', async () => {
    const sql = `create table public.${long} (id bigint);`;
    const findings = await lint(identifierTooLong, sql);
    expect(where(findings)).toEqual([['identifier-too-long', 'notice', 1, 21]]);
    expect(findings[0]?.suggestion).toBe(`create table public.${long.slice(0, 63)} (id bigint);`);
  });

  it('cuts multi-byte names at a character boundary and keeps quotes', async () => {
    const name = `${'é'.repeat(31)}ab`;
    const findings = await lint(identifierTooLong, `create table public."${name}" (id bigint);`);
    expect(findings[0]?.suggestion).toBe(`create table public."${'é'.repeat(31)}a" (id bigint);`);
  });

  it('accepts 63-byte names', async () => {
    expect(await lint(identifierTooLong, `create table public.${long.slice(0, 63)} (id bigint);`)).toEqual([]);
  });
});

describe('prefer-robust-stmts', () => {
  it('stays quiet in a migration the Supabase CLI runs in one transaction: a failure rolls everything back', async () => {
    expect(await lint(preferRobustStmts, 'create table public.a (id bigint);\nalter table public.a add column b text;\ndrop table public.c;')).toEqual([]);
  });

  it('guards a concurrent index build, which runs outside the transaction and survives a failed run', async () => {
    const sql = 'create index concurrently orders_user_idx on public.orders (user_id);';
    const findings = await lint(preferRobustStmts, sql);
    expect(where(findings)).toEqual([['prefer-robust-stmts', 'notice', 1, 14]]);
    expect(findings[0]?.suggestion).toBe('create index concurrently if not exists orders_user_idx on public.orders (user_id);');
    expect(findings[0]?.message).toContain('INVALID index');
  });

  it('checks every statement of a file that runs without a transaction', async () => {
    const sql = [
      'create table public.t (id bigint);',
      'alter table public.t add column c text, drop column d, add constraint t_id_check check (id > 0);',
      'alter table public.t drop constraint if exists t_pos;',
      'alter table public.t add constraint t_pos check (id > 0);',
      'drop index public.t_idx;',
    ].join('\n');
    const findings = await lint(preferRobustStmts, sql, { inTransaction: false });
    expect(where(findings)).toEqual([
      ['prefer-robust-stmts', 'notice', 1, 8],
      ['prefer-robust-stmts', 'notice', 2, 26],
      ['prefer-robust-stmts', 'notice', 5, 6],
    ]);
    expect(findings[1]?.suggestion).toBe(
      'alter table public.t drop constraint if exists t_id_check;\nalter table public.t add column if not exists c text, drop column if exists d, add constraint t_id_check check (id > 0);',
    );
    for (const finding of findings) expectParses(finding.suggestion ?? '');
  });

  it('does not take ANALYZE, which runs in a transaction, for VACUUM', async () => {
    expect(await lint(preferRobustStmts, 'create table public.t (id bigint);\nanalyze public.t;')).toEqual([]);
    expect(where(await lint(preferRobustStmts, 'create table public.t (id bigint);\nvacuum public.t;'))).toEqual([['prefer-robust-stmts', 'notice', 1, 8]]);
  });

  it('treats BEGIN ... COMMIT and single-statement files as atomic', async () => {
    expect(await lint(preferRobustStmts, 'begin;\ncreate table public.t (id bigint);\ncommit;', { inTransaction: false })).toEqual([]);
    expect(await lint(preferRobustStmts, 'create table public.t (id bigint);', { inTransaction: false })).toEqual([]);
  });
});
