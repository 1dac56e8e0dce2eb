import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../app/checks/types.js';
import { rule as addingFieldWithDefault } from '../app/checks/schema-safety/rules/adding-field-with-default.js';
import { rule as addingNotNullableField } from '../app/checks/schema-safety/rules/adding-not-nullable-field.js';
import { rule as addingRequiredField } from '../app/checks/schema-safety/rules/adding-required-field.js';
import { rule as addingSerialPrimaryKeyField } from '../app/checks/schema-safety/rules/adding-serial-primary-key-field.js';
import { rule as changingColumnType } from '../app/checks/schema-safety/rules/changing-column-type.js';
import { rule as disallowedUniqueConstraint } from '../app/checks/schema-safety/rules/disallowed-unique-constraint.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import type { MigrationRule } from '../app/checks/schema-safety/types.js';

type Files = Record<string, string>;

/** Lints migrations (by file name under supabase/migrations) with one rule; returns that rule's findings. */
async function lint(rule: MigrationRule, files: Files | string, options: { pgVersion?: number; inTransaction?: boolean } = {}): Promise<Finding[]> {
  const entries = typeof files === 'string' ? { '20240601120000_change.sql': files } : files;
  const findings = await lintMigrationFiles(
    Object.entries(entries).map(([name, text]) => ({ path: `supabase/migrations/${name}`, text })),
    { pgVersion: options.pgVersion ?? 15, inTransaction: options.inTransaction ?? true, exposedSchemas: ['public'], rules: [rule] },
  );
  return findings.filter((finding) => finding.ruleId === rule.meta.id);
}

/** 1-based column of `fragment` in `line`. */
const column = (line: string, fragment: string): number => line.indexOf(fragment) + 1;

describe('adding-field-with-default', () => {
  it('reports a volatile default at the call, as an error with a three-step rewrite', async () => {
    const line = 'alter table public.orders add column public_id uuid not null default gen_random_uuid();';
    const [finding, ...rest] = await lint(addingFieldWithDefault, `-- orders\n${line}\n`);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', startLine: 2, startColumn: column(line, 'gen_random_uuid') });
    expect(finding?.message).toContain('gen_random_uuid()');
    expect(finding?.suggestion).toBe(
      [
        'alter table public.orders add column public_id uuid;',
        '-- Backfill existing rows in batches, e.g. UPDATE public.orders SET public_id = gen_random_uuid() WHERE public_id IS NULL AND <key range>, then make it NOT NULL in a later migration (see adding-not-nullable-field).',
        'ALTER TABLE public.orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();',
      ].join('\n'),
    );
    expect(finding?.fix).toMatchObject({ kind: 'edit', startLine: 2, endLine: 2, replacement: finding?.suggestion });
  });

  it('accepts constant and stable defaults from Postgres 11, and reports them before', async () => {
    const sql = [
      "alter table public.orders add column status text not null default 'new';",
      'alter table public.orders add column created_at timestamptz not null default now();',
      "alter table public.orders add column meta jsonb default '{}'::jsonb;",
      "alter table public.orders add column at timestamptz default timezone('utc'::text, now());",
      'alter table public.orders add column owner uuid default auth.uid();',
      'alter table public.orders add column note text default null;',
    ].join('\n');
    expect(await lint(addingFieldWithDefault, sql)).toEqual([]);
    const old = await lint(addingFieldWithDefault, sql, { pgVersion: 10 });
    expect(old.map((finding) => finding.startLine)).toEqual([1, 2, 3, 4, 5]);
    expect(old[0]?.message).toContain('before Postgres 11');
  });

  it('reports serial, identity and stored generated columns, but not virtual ones', async () => {
    const sql = [
      'alter table public.orders add column seq bigserial;',
      'alter table public.orders add column n bigint generated always as identity;',
      'alter table public.orders add column total2 numeric generated always as (total * 2) stored;',
      'alter table public.orders add column total3 numeric generated always as (total * 3) virtual;',
    ].join('\n');
    const findings = await lint(addingFieldWithDefault, sql, { pgVersion: 18 });
    expect(findings.map((finding) => [finding.startLine, finding.startColumn, finding.suggestion])).toEqual([
      [1, column('alter table public.orders add column seq bigserial;', 'bigserial'), undefined],
      [2, column('alter table public.orders add column n bigint generated always as identity;', 'generated'), undefined],
      [3, column('alter table public.orders add column total2 numeric generated always as (total * 2) stored;', 'generated'), undefined],
    ]);
  });

  it('gives a warning when the default calls a function of unknown volatility', async () => {
    const [finding] = await lint(addingFieldWithDefault, 'alter table public.orders add column code text default public.next_code();');
    expect(finding).toMatchObject({ severity: 'warning', title: 'Default may rewrite the table' });
  });

  it('leaves tables created in the same file or in another migration of the change alone', async () => {
    const files = {
      '20240601120000_create.sql': 'create table public.orders (id bigint primary key);',
      '20240601130000_columns.sql': [
        'create table public.items (id bigint primary key);',
        'alter table public.items add column code uuid default gen_random_uuid();',
        'alter table orders add column code uuid default gen_random_uuid();',
      ].join('\n'),
    };
    expect(await lint(addingFieldWithDefault, files)).toEqual([]);
  });
});

describe('adding-required-field', () => {
  it('reports NOT NULL without a default at the column', async () => {
    const line = 'alter table public.recipes add column is_public boolean not null;';
    const [finding] = await lint(addingRequiredField, line);
    expect(finding).toMatchObject({ severity: 'error', startLine: 1, startColumn: column(line, 'is_public') });
  });

  it('accepts defaults, identity, generated and nullable columns, and new tables', async () => {
    const sql = [
      'alter table public.recipes add column a boolean not null default false;',
      'alter table public.recipes add column b bigint not null generated always as identity;',
      'alter table public.recipes add column c int not null generated always as (1) stored;',
      'alter table public.recipes add column d boolean;',
      'create table public.fresh (id bigint);',
      'alter table public.fresh add column e boolean not null;',
    ].join('\n');
    expect(await lint(addingRequiredField, sql)).toEqual([]);
  });
});

describe('adding-not-nullable-field', () => {
  it('reports SET NOT NULL on an existing table with a NOT VALID check and a follow-up migration', async () => {
    const text = '-- make it required\nalter table public.recipes alter column view_count set not null;\n';
    const [finding] = await lint(addingNotNullableField, { '20240601120000_required.sql': text });
    expect(finding).toMatchObject({ severity: 'warning', startLine: 2, startColumn: 1 });
    expect(finding?.suggestion).toBe('ALTER TABLE public.recipes ADD CONSTRAINT recipes_view_count_not_null CHECK (view_count IS NOT NULL) NOT VALID;');
    expect(finding?.fix).toEqual({
      kind: 'write-file',
      path: 'supabase/migrations/20240601120001_validate_recipes_view_count_not_null.sql',
      description: 'Validate recipes_view_count_not_null in a migration of its own',
      content: [
        '-- Validates recipes_view_count_not_null without blocking writes, then SET NOT NULL uses it instead of scanning the table (Postgres 12+).',
        "SET LOCAL lock_timeout = '5s';",
        "SET LOCAL statement_timeout = '1min';",
        'ALTER TABLE public.recipes VALIDATE CONSTRAINT recipes_view_count_not_null;',
        'ALTER TABLE public.recipes ALTER COLUMN view_count SET NOT NULL;',
        'ALTER TABLE public.recipes DROP CONSTRAINT recipes_view_count_not_null;',
        '',
      ].join('\n'),
    });
  });

  it('suggests a NOT NULL constraint NOT VALID on Postgres 18 and a CHECK only before 12', async () => {
    const sql = 'alter table public.recipes alter column view_count set not null;';
    const [pg18] = await lint(addingNotNullableField, sql, { pgVersion: 18 });
    expect(pg18?.suggestion).toBe('ALTER TABLE public.recipes ADD CONSTRAINT recipes_view_count_not_null NOT NULL view_count NOT VALID;');
    const [pg11] = await lint(addingNotNullableField, sql, { pgVersion: 11 });
    expect(pg11?.fix).toMatchObject({ content: expect.not.stringContaining('ALTER COLUMN view_count SET NOT NULL') });
  });

  it('accepts SET NOT NULL once a CHECK (col IS NOT NULL) is validated earlier in the change (Postgres 12+)', async () => {
    const files = {
      '20240601120000_check.sql': 'alter table public.recipes add constraint recipes_view_count_not_null check (view_count is not null) not valid;',
      '20240601130000_validate.sql': [
        'alter table public.recipes validate constraint recipes_view_count_not_null;',
        'alter table public.recipes alter column view_count set not null;',
        'alter table public.recipes drop constraint recipes_view_count_not_null;',
      ].join('\n'),
    };
    expect(await lint(addingNotNullableField, files)).toEqual([]);
    expect(await lint(addingNotNullableField, files, { pgVersion: 11 })).toHaveLength(1);
    // A VALIDATE of a `<table>_<column>_not_null` constraint added by an older migration counts too.
    const crossMigration = [
      'alter table public.recipes validate constraint recipes_rating_not_null;',
      'alter table public.recipes alter column rating set not null;',
      'alter table public.recipes alter column other set not null;',
    ].join('\n');
    expect((await lint(addingNotNullableField, crossMigration)).map((finding) => finding.startLine)).toEqual([3]);
  });

  it('leaves tables created in the change alone', async () => {
    const sql = 'create table public.fresh (a int);\nalter table public.fresh alter column a set not null;';
    expect(await lint(addingNotNullableField, sql)).toEqual([]);
  });
});

describe('changing-column-type', () => {
  it('reports a rewriting type change at the column definition', async () => {
    const line = 'alter table public.events alter column id type bigint;';
    const [finding] = await lint(changingColumnType, line);
    expect(finding).toMatchObject({ severity: 'error', startLine: 1 });
    expect(finding?.startColumn).toBeGreaterThanOrEqual(column(line, 'alter column'));
  });

  it('accepts binary-compatible widenings of a column whose type the change declares', async () => {
    const files = {
      '20240601120000_create.sql': 'create table public.notes (id bigint primary key, title varchar(50), price numeric(10, 2));',
      '20240601130000_widen.sql': [
        'alter table public.notes alter column title type varchar(80);',
        'alter table public.notes alter column title type text;',
        'alter table public.notes alter column price type numeric(12, 2);',
      ].join('\n'),
    };
    // The table is new, so nothing is reported at all; on an existing table, the known history decides.
    expect(await lint(changingColumnType, files)).toEqual([]);
    const existing = [
      'alter table public.notes add column code varchar(10);',
      'alter table public.notes alter column code type varchar(20);',
      'alter table public.notes alter column code type varchar(5);',
      'alter table public.notes alter column code type text using upper(code);',
    ].join('\n');
    expect((await lint(changingColumnType, existing)).map((finding) => [finding.startLine, finding.severity])).toEqual([
      [3, 'error'],
      [4, 'error'],
    ]);
  });

  it('gives a notice when the current type is unknown and the target is usually free', async () => {
    const [finding] = await lint(changingColumnType, 'alter table public.notes alter column body type text;');
    expect(finding).toMatchObject({ severity: 'notice', title: 'Column type change may rewrite the table' });
  });
});

describe('adding-serial-primary-key-field', () => {
  it('reports ADD PRIMARY KEY and ADD COLUMN ... PRIMARY KEY at the constraint', async () => {
    const sql = ['alter table public.items add primary key (id);', 'alter table public.things add column id bigserial primary key;'].join('\n');
    const findings = await lint(addingSerialPrimaryKeyField, sql);
    expect(findings.map((finding) => [finding.startLine, finding.startColumn])).toEqual([
      [1, column('alter table public.items add primary key (id);', 'primary key')],
      [2, column('alter table public.things add column id bigserial primary key;', 'primary key')],
    ]);
    expect(findings[0]?.message).toContain('CREATE UNIQUE INDEX CONCURRENTLY items_pkey ON public.items (id);');
  });

  it('accepts PRIMARY KEY USING INDEX and new tables', async () => {
    const sql = [
      'alter table public.items add constraint items_pkey primary key using index items_pkey;',
      'create table public.fresh (id bigint);',
      'alter table public.fresh add primary key (id);',
    ].join('\n');
    expect(await lint(addingSerialPrimaryKeyField, sql)).toEqual([]);
  });
});

describe('disallowed-unique-constraint', () => {
  it('reports UNIQUE built in place, with the concurrent recipe', async () => {
    const line = 'alter table public.profiles add constraint profiles_username_key unique (username);';
    const [finding] = await lint(disallowedUniqueConstraint, `\n\n${line}`);
    expect(finding).toMatchObject({ severity: 'warning', startLine: 3, startColumn: column(line, 'constraint') });
    expect(finding?.message).toContain('CREATE UNIQUE INDEX CONCURRENTLY profiles_username_key ON public.profiles (username);');
    expect(finding?.message).toContain('ADD CONSTRAINT profiles_username_key UNIQUE USING INDEX profiles_username_key;');
  });

  it('accepts UNIQUE USING INDEX and unique columns of new tables', async () => {
    const sql = [
      'alter table public.profiles add constraint profiles_username_key unique using index profiles_username_idx;',
      'create table public.fresh (id bigint, code text unique);',
      'alter table public.fresh add constraint fresh_id_key unique (id);',
    ].join('\n');
    expect(await lint(disallowedUniqueConstraint, sql)).toEqual([]);
  });
});
