import { beforeAll, describe, expect, it } from '@jest/globals';
import { rule as banDropColumn } from '../app/checks/schema-safety/rules/ban-drop-column.js';
import { rule as banDropTable } from '../app/checks/schema-safety/rules/ban-drop-table.js';
import { rule as dynamicSql } from '../app/checks/schema-safety/rules/dynamic-sql.js';
import { rule as preferTextField } from '../app/checks/schema-safety/rules/prefer-text-field.js';
import { rule as rlsNotEnabled } from '../app/checks/schema-safety/rules/rls-not-enabled.js';
import { schemaRules } from '../app/checks/schema-safety/rules/schema.js';
import { ensureParser } from '../app/checks/schema-safety/sql/parse.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import { expectParses, lint, where, withFix } from './schema-safety-schema-helpers.js';

beforeAll(async () => {
  await ensureParser();
});

const DO_BLOCK = [
  'select 1;',
  'do $$',
  'begin',
  "  if not exists (select 1 from pg_tables where tablename = 'legacy') then",
  '    create table public.legacy (id bigint, note varchar(40));',
  '  end if;',
  '  alter table public.orders drop column old_total;',
  "  execute 'drop table public.carts';",
  "  execute format('drop table %I.%I', 'public', 'sessions');",
  'end',
  '$$;',
].join('\n');

describe('statements inside DO blocks', () => {
  it('are checked at their own line and column, attributed to the DO statement', async () => {
    const findings = await lint(banDropColumn, DO_BLOCK);
    expect(where(findings)).toEqual([['ban-drop-column', 'error', 7, 41]]);
    expect(findings[0]?.message).toContain('(Inside the DO block at line 2.)');
  });

  it('include constant EXECUTE strings', async () => {
    const findings = await lint(banDropTable, DO_BLOCK);
    expect(where(findings)).toEqual([['ban-drop-table', 'error', 8, 30]]);
  });

  it('keep their fixes where the statement has its lines to itself', async () => {
    const findings = await lint(preferTextField, DO_BLOCK);
    expect(where(findings)).toEqual([['prefer-text-field', 'notice', 5, 49]]);
    expect(findings[0]?.suggestion).toBeUndefined();
    expect(findings[0]?.fix).toMatchObject({ startLine: 5, endLine: 5, replacement: '    create table public.legacy (id bigint, note text check (char_length(note) <= 40));' });
    expectParses(withFix(DO_BLOCK, findings[0]));
  });

  it('are waived by a waiver before the DO statement', async () => {
    const waived = DO_BLOCK.replace('do $$', () => '-- platform-kit-ignore ban-drop-column: old_total was replaced by totals.amount in #12\ndo $$');
    expect(await lint(banDropColumn, waived)).toEqual([]);
  });

  it('count for rules that look across the change', async () => {
    const findings = await lint(rlsNotEnabled, DO_BLOCK);
    expect(where(findings)).toEqual([['rls-not-enabled', 'error', 5, 18]]);
  });
});

describe('dynamic-sql', () => {
  it('says which EXECUTE of a DO block was not checked, at its line', async () => {
    const findings = await lint(dynamicSql, DO_BLOCK);
    expect(where(findings)).toEqual([['dynamic-sql', 'notice', 9, 3]]);
    expect(findings[0]?.message).toBe(
      "The DO block at line 2 runs SQL built at run time (EXECUTE `format('drop table %I.%I', 'public', 'sessions')`, line 9); the statements it builds were not checked. Review them by hand, or write them as plain statements so every rule sees them.",
    );
  });

  it('notes functions that run dynamic SQL, once per function', async () => {
    const sql = [
      'create function public.purge(t text) returns void language plpgsql as $$',
      'begin',
      "  execute 'truncate ' || t;",
      "  execute format('vacuum %I', t);",
      'end $$;',
    ].join('\n');
    const findings = await lint(dynamicSql, sql);
    expect(where(findings)).toEqual([['dynamic-sql', 'notice', 3, 3]]);
    expect(findings[0]?.message).toContain('Function public.purge runs SQL built at run time (EXECUTE at line 3, EXECUTE at line 4)');
  });

  it('reports DO blocks it cannot read: another language, or a body that does not parse', async () => {
    const sql = ['do language plv8 $$ plv8.execute("drop table x") $$;', 'do $$ begin', '  create tabel oops (id int);', 'end $$;'].join('\n');
    const findings = await lint(dynamicSql, sql);
    expect(where(findings)).toEqual([
      ['dynamic-sql', 'notice', 1, 1],
      ['dynamic-sql', 'notice', 2, 1],
    ]);
    expect(findings[0]?.message).toBe('The DO block at line 1 could not be analysed (it is written in plv8); none of its statements were checked.');
    expect(findings[1]?.message).toContain('(syntax error at or near "tabel")');
  });

  it('says when a constant EXECUTE string could not be mapped back to the file', async () => {
    const findings = await lint(dynamicSql, "do $$ begin execute 'create table ''Odd'' (x int)'; end $$;");
    expect(where(findings)).toEqual([['dynamic-sql', 'notice', 1, 13]]);
    expect(findings[0]?.message).toContain('runs a constant string through EXECUTE (line 1) that could not be mapped back to the file');
  });

  it('stays quiet for fully static DO blocks and functions', async () => {
    const sql = "do $$ begin execute 'select 1'; perform 1; end $$;\ncreate function public.f() returns int language plpgsql as $$ begin return 1; end $$;";
    expect(await lint(dynamicSql, sql)).toEqual([]);
  });
});

describe('all schema rules together', () => {
  it('give a typical Supabase migration at most a couple of warnings', async () => {
    const text = [
      'create table public.profiles (',
      '  id uuid not null references auth.users on delete cascade primary key,',
      '  username text unique,',
      '  updated_at timestamptz default now()',
      ');',
      'alter table public.profiles enable row level security;',
      'create policy "Profiles are public" on public.profiles for select using (true);',
      'create policy "Users insert their profile" on public.profiles for insert with check ((select auth.uid()) = id);',
      'create policy "Users update their profile" on public.profiles for update using (auth.uid() = id);',
      'create function public.handle_new_user() returns trigger language plpgsql security definer set search_path = \'\' as $$',
      'begin',
      "  insert into public.profiles (id, username) values (new.id, new.raw_user_meta_data ->> 'username');",
      '  return new;',
      'end $$;',
      'create trigger on_auth_user_created after insert on auth.users for each row execute procedure public.handle_new_user();',
    ].join('\n');
    const findings = await lintMigrationFiles([{ path: 'supabase/migrations/20240101000000_profiles.sql', text }], {
      pgVersion: 15,
      inTransaction: true,
      exposedSchemas: ['public'],
      rules: schemaRules,
    });
    expect(where(findings)).toEqual([['policy-auth-per-row', 'warning', 9, 81]]);
  });
});
