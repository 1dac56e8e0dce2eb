import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../app/checks/types.js';
import { rule as avoidWideLockWindow } from '../app/checks/schema-safety/rules/avoid-wide-lock-window.js';
import { rule as banUncommittedTransaction } from '../app/checks/schema-safety/rules/ban-uncommitted-transaction.js';
import { lockingRules } from '../app/checks/schema-safety/rules/locking.js';
import { rule as requireLockTimeout } from '../app/checks/schema-safety/rules/require-lock-timeout.js';
import { rule as requireStatementTimeout } from '../app/checks/schema-safety/rules/require-statement-timeout.js';
import { rule as requireTimeoutSettings } from '../app/checks/schema-safety/rules/require-timeout-settings.js';
import { rule as transactionNesting } from '../app/checks/schema-safety/rules/transaction-nesting.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import type { MigrationRule } from '../app/checks/schema-safety/types.js';

type Files = Record<string, string>;

async function lintWith(rules: MigrationRule[], files: Files | string, options: { pgVersion?: number; inTransaction?: boolean } = {}): Promise<Finding[]> {
  const entries = typeof files === 'string' ? { '20240601120000_change.sql': files } : files;
  const ids = rules.map((rule) => rule.meta.id);
  const findings = await lintMigrationFiles(
    Object.entries(entries).map(([name, text]) => ({ path: `supabase/migrations/${name}`, text })),
    { pgVersion: options.pgVersion ?? 15, inTransaction: options.inTransaction ?? true, exposedSchemas: ['public'], rules },
  );
  return findings.filter((finding) => ids.includes(finding.ruleId));
}

const lint = (rule: MigrationRule, files: Files | string, options: { pgVersion?: number; inTransaction?: boolean } = {}) => lintWith([rule], files, options);

const TIMEOUT_RULES = [requireTimeoutSettings, requireLockTimeout, requireStatementTimeout];

describe('transaction-nesting', () => {
  it('reports BEGIN and COMMIT under the Supabase CLI, removing a wrapping pair', async () => {
    const text = 'begin;\nalter table public.orders add column note text;\ncommit;\n';
    const findings = await lint(transactionNesting, text);
    expect(findings.map((finding) => [finding.startLine, finding.startColumn, finding.suggestion])).toEqual([
      [1, 1, ''],
      [3, 1, ''],
    ]);
    expect(findings[1]?.message).toContain("ends the CLI's transaction early");
  });

  it('only advises for a COMMIT in the middle of the file', async () => {
    const text = 'alter table a add column b int;\ncommit;\nalter table c add column d int;';
    const [finding] = await lint(transactionNesting, text);
    expect(finding).toMatchObject({ startLine: 2 });
    expect(finding?.suggestion).toBeUndefined();
    expect(finding?.message).toContain('split the file into two migrations');
  });

  it('without the runner, reports only nested BEGINs and COMMITs with no transaction', async () => {
    expect(await lint(transactionNesting, 'begin;\nselect 1;\ncommit;\nsavepoint a;', { inTransaction: false })).toEqual([]);
    const findings = await lint(transactionNesting, 'begin;\nbegin;\ncommit;\ncommit;', { inTransaction: false });
    expect(findings.map((finding) => [finding.startLine, finding.title])).toEqual([
      [2, 'Nested BEGIN'],
      [4, 'COMMIT without a transaction'],
    ]);
  });
});

describe('ban-uncommitted-transaction', () => {
  it('reports a BEGIN left open without the runner, with a fix appending COMMIT', async () => {
    const text = 'select 1;\n  begin;\ncreate table public.audit (id bigint);\n';
    const [finding] = await lint(banUncommittedTransaction, text, { inTransaction: false });
    expect(finding).toMatchObject({ severity: 'error', startLine: 2, startColumn: 3 });
    expect(finding?.fix).toEqual({
      kind: 'edit',
      path: 'supabase/migrations/20240601120000_change.sql',
      startLine: 3,
      endLine: 3,
      replacement: 'create table public.audit (id bigint);\nCOMMIT;',
      description: 'Add COMMIT at the end of the file',
    });
  });

  it('accepts committed or rolled back transactions, and files the runner wraps', async () => {
    expect(await lint(banUncommittedTransaction, 'begin;\nselect 1;\ncommit;', { inTransaction: false })).toEqual([]);
    expect(await lint(banUncommittedTransaction, 'begin;\nselect 1;\nrollback;', { inTransaction: false })).toEqual([]);
    expect(await lint(banUncommittedTransaction, 'begin;\nselect 1;', { inTransaction: true })).toEqual([]);
  });
});

describe('timeout rules', () => {
  it('require-timeout-settings: one finding at the first statement that locks an existing table, suggesting SET LOCAL', async () => {
    const text = [
      'create table public.tags (id bigint primary key);',
      'alter table public.tags enable row level security;',
      '  alter table public.orders add column tag_id bigint;',
      'alter table public.orders add column note text;',
    ].join('\n');
    const findings = await lintWith(TIMEOUT_RULES, text);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'require-timeout-settings', severity: 'notice', startLine: 3, startColumn: 3 });
    expect(findings[0]?.suggestion).toBe("  SET LOCAL lock_timeout = '5s';\n  alter table public.orders add column tag_id bigint;");
    expect(findings[0]?.fix).toMatchObject({ kind: 'edit', startLine: 3, endLine: 3 });
  });

  it('adds statement_timeout when the file scans or rewrites under the lock, and plain SET without a transaction', async () => {
    const text = 'alter table public.orders add column note text;\nalter table public.orders alter column total type numeric(12, 2);';
    const [finding] = await lintWith(TIMEOUT_RULES, text);
    expect(finding?.suggestion).toBe("SET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = '1min';\nalter table public.orders add column note text;");
    expect(finding?.message).toContain('Line 2');
    const [outside] = await lintWith(TIMEOUT_RULES, text, { inTransaction: false });
    expect(outside?.suggestion).toContain("SET lock_timeout = '5s';");
  });

  it('require-lock-timeout: statement_timeout set, lock_timeout missing', async () => {
    const text = "set statement_timeout = '1min';\ncreate policy p on public.orders for select using (true);";
    const findings = await lintWith(TIMEOUT_RULES, text);
    expect(findings.map((finding) => [finding.ruleId, finding.startLine, finding.severity])).toEqual([['require-lock-timeout', 2, 'notice']]);
    expect(findings[0]?.suggestion).toBe("SET LOCAL lock_timeout = '5s';\ncreate policy p on public.orders for select using (true);");
  });

  it('require-statement-timeout: lock_timeout set, a long locking statement without statement_timeout', async () => {
    const text = "set local lock_timeout = '5s';\nalter table public.orders add column note text;\nalter table public.orders alter column id type bigint;";
    const findings = await lintWith(TIMEOUT_RULES, text);
    expect(findings.map((finding) => [finding.ruleId, finding.startLine, finding.severity])).toEqual([['require-statement-timeout', 3, 'notice']]);
  });

  it('accepts files that set both, that only touch new tables, or whose locks other rules rewrite away', async () => {
    const set = "set lock_timeout = '5s';\nselect set_config('statement_timeout', '1min', true);\nalter table public.orders alter column id type bigint;";
    expect(await lintWith(TIMEOUT_RULES, set)).toEqual([]);
    const fresh = [
      'create table public.tags (id bigint primary key, owner uuid references auth.users (id));',
      'alter table public.tags enable row level security;',
      'create policy tags_read on public.tags for select using (true);',
      'create index tags_owner_idx on public.tags (owner);',
    ].join('\n');
    expect(await lintWith(TIMEOUT_RULES, fresh)).toEqual([]);
    expect(await lintWith(TIMEOUT_RULES, 'create index orders_at_idx on public.orders (created_at);')).toEqual([]);
    expect(await lintWith(TIMEOUT_RULES, 'drop index public.orders_at_idx;')).toEqual([]);
  });

  it('treats a zero timeout, RESET and an ended SET LOCAL as no timeout', async () => {
    const zero = "set lock_timeout = 0;\nset statement_timeout = '0';\nalter table public.orders add column note text;";
    expect((await lintWith(TIMEOUT_RULES, zero)).map((finding) => finding.ruleId)).toEqual(['require-timeout-settings']);
    const reset = "set lock_timeout = '5s';\nset statement_timeout = '1min';\nreset all;\nalter table public.orders add column note text;";
    expect((await lintWith(TIMEOUT_RULES, reset)).map((finding) => finding.ruleId)).toEqual(['require-timeout-settings']);
    const ended = "begin;\nset local lock_timeout = '5s';\nset local statement_timeout = '1min';\ncommit;\nalter table public.orders add column note text;";
    expect((await lintWith(TIMEOUT_RULES, ended, { inTransaction: false })).map((finding) => finding.ruleId)).toEqual(['require-timeout-settings']);
  });

  it('applying the suggestion satisfies all three rules', async () => {
    const text = 'alter table public.orders add column note text;\nalter table public.orders alter column total type numeric(12, 2);';
    const [finding] = await lintWith(TIMEOUT_RULES, text);
    const lines = text.split('\n');
    lines.splice(0, 1, ...(finding?.suggestion ?? '').split('\n'));
    expect(await lintWith(TIMEOUT_RULES, lines.join('\n'))).toEqual([]);
  });
});

describe('avoid-wide-lock-window', () => {
  it('reports the second existing table locked ACCESS EXCLUSIVE in one transaction, once', async () => {
    const text = [
      'alter table public.orders add column note text;',
      'alter table public.orders add column flag boolean;',
      '   alter table public.customers add column note text;',
      'alter table public.invoices add column note text;',
    ].join('\n');
    const findings = await lint(avoidWideLockWindow, text);
    expect(findings.map((finding) => [finding.startLine, finding.startColumn, finding.severity])).toEqual([[3, 4, 'notice']]);
    expect(findings[0]?.message).toContain('since line 1');
  });

  it('accepts one table per transaction, new tables, and statements outside a transaction', async () => {
    const text = 'alter table public.orders add column note text;\ncreate table public.tags (id int);\nalter table public.tags add column n int;';
    expect(await lint(avoidWideLockWindow, text)).toEqual([]);
    const two = 'alter table public.orders add column note text;\nalter table public.customers add column note text;';
    expect(await lint(avoidWideLockWindow, two, { inTransaction: false })).toEqual([]);
    expect(await lint(avoidWideLockWindow, `begin;\n${two}\ncommit;`, { inTransaction: false })).toHaveLength(1);
  });
});

describe('a typical Supabase migration', () => {
  it('gets no locking findings when it creates its own tables', async () => {
    const text = `
create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default timezone('utc'::text, now())
);
alter table public.profiles enable row level security;
create policy "profiles are readable" on public.profiles for select using (true);
create policy "owners update" on public.profiles for update using ((select auth.uid()) = id);
create index profiles_username_idx on public.profiles (username);
alter table public.profiles add constraint username_length check (char_length(username) >= 3);
alter table public.profiles add column bio text default '';
`;
    expect(await lintWith(lockingRules, text)).toEqual([]);
  });
});
