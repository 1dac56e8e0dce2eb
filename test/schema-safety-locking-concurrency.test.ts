import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../app/checks/types.js';
import { rule as banConcurrentIndexCreationInTransaction } from '../app/checks/schema-safety/rules/ban-concurrent-index-creation-in-transaction.js';
import { lockingRules } from '../app/checks/schema-safety/rules/locking.js';
import { rule as preferRepack } from '../app/checks/schema-safety/rules/prefer-repack.js';
import { rule as requireConcurrentIndexCreation } from '../app/checks/schema-safety/rules/require-concurrent-index-creation.js';
import { rule as requireConcurrentIndexDeletion } from '../app/checks/schema-safety/rules/require-concurrent-index-deletion.js';
import { rule as requireConcurrentPartitionDetach } from '../app/checks/schema-safety/rules/require-concurrent-partition-detach.js';
import { rule as requireConcurrentReindex } from '../app/checks/schema-safety/rules/require-concurrent-reindex.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import type { MigrationRule } from '../app/checks/schema-safety/types.js';

type Files = Record<string, string>;
const DIR = 'supabase/migrations';

async function lintAll(rules: MigrationRule[], files: Files, options: { pgVersion?: number; inTransaction?: boolean } = {}): Promise<Finding[]> {
  return lintMigrationFiles(
    Object.entries(files).map(([name, text]) => ({ path: `${DIR}/${name}`, text })),
    { pgVersion: options.pgVersion ?? 15, inTransaction: options.inTransaction ?? true, exposedSchemas: ['public'], rules },
  );
}

async function lint(rule: MigrationRule, files: Files | string, options: { pgVersion?: number; inTransaction?: boolean } = {}): Promise<Finding[]> {
  const entries = typeof files === 'string' ? { '20240601120000_change.sql': files } : files;
  return (await lintAll([rule], entries, options)).filter((finding) => finding.ruleId === rule.meta.id);
}

/** Applies every suggestion (a replacement of its lines) and every write-file fix, as a reviewer accepting them all would. */
function applyAll(files: Files, findings: Finding[]): Files {
  const result: Files = { ...files };
  const byFile = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.fix?.kind === 'write-file') result[finding.fix.path.slice(DIR.length + 1)] = finding.fix.content;
    if (finding.suggestion !== undefined && finding.path) byFile.set(finding.path, [...(byFile.get(finding.path) ?? []), finding]);
  }
  for (const [path, list] of byFile) {
    const name = path.slice(DIR.length + 1);
    const lines = (result[name] ?? '').split('\n');
    for (const finding of [...list].sort((a, b) => (b.startLine ?? 0) - (a.startLine ?? 0))) {
      const start = (finding.startLine ?? 1) - 1;
      const count = (finding.endLine ?? finding.startLine ?? 1) - start;
      lines.splice(start, count, ...(finding.suggestion === '' ? [] : (finding.suggestion ?? '').split('\n')));
    }
    result[name] = lines.join('\n');
  }
  return result;
}

describe('require-concurrent-index-creation', () => {
  it('rewrites the index in place when it is alone in its file', async () => {
    const [finding] = await lint(requireConcurrentIndexCreation, '-- speed up status filters\ncreate index orders_status_idx on public.orders (status);\n');
    expect(finding).toMatchObject({ severity: 'warning', startLine: 2, startColumn: 1, suggestion: 'create index CONCURRENTLY orders_status_idx on public.orders (status);' });
    expect(finding?.fix).toMatchObject({ kind: 'edit', startLine: 2, endLine: 2 });
  });

  it('moves the index to a file of its own when the file holds other statements', async () => {
    const text = ['alter table public.orders add column status text;', '  create index orders_status_idx on public.orders (status);', 'select 1;'].join('\n');
    const [finding] = await lint(requireConcurrentIndexCreation, { '20240601120000_status.sql': text });
    expect(finding).toMatchObject({ startLine: 2, startColumn: 3, suggestion: '' });
    expect(finding?.fix).toEqual({
      kind: 'write-file',
      path: `${DIR}/20240601120002_create_index_concurrently_orders_status_idx.sql`,
      description: `Move the statement to ${DIR}/20240601120002_create_index_concurrently_orders_status_idx.sql as CREATE INDEX CONCURRENTLY`,
      content:
        '-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and the Supabase CLI runs each migration file in one; a file holding only that statement is the way to run it (supabase/cli#2898).\n' +
        'create index CONCURRENTLY orders_status_idx on public.orders (status);\n',
    });
  });

  it('without a wrapping runner, rewrites in place unless an explicit transaction surrounds it', async () => {
    const text = ['alter table public.orders add column status text;', 'create index orders_status_idx on public.orders (status);'].join('\n');
    const [plain] = await lint(requireConcurrentIndexCreation, text, { inTransaction: false });
    expect(plain?.suggestion).toBe('create index CONCURRENTLY orders_status_idx on public.orders (status);');
    const [wrapped] = await lint(requireConcurrentIndexCreation, `begin;\n${text}\ncommit;`, { inTransaction: false });
    expect(wrapped?.fix?.kind).toBe('write-file');
  });

  it('only advises when a later statement uses the index (moving it would break that statement)', async () => {
    const text = [
      'create unique index orders_code_idx on public.orders (code);',
      'alter table public.orders add constraint orders_code_key unique using index orders_code_idx;',
    ].join('\n');
    const [finding] = await lint(requireConcurrentIndexCreation, text);
    expect(finding?.fix).toBeUndefined();
    expect(finding?.suggestion).toBeUndefined();
    expect(finding?.message).toContain('together with the later statements that use `orders_code_idx`');
  });

  it('leaves concurrent builds, new tables and ON ONLY parents alone', async () => {
    const files = {
      '20240601120000_create.sql': 'create table public.items (id bigint primary key, sku text);\ncreate index items_sku_idx on public.items (sku);',
      '20240601130000_index.sql': 'create index items_id_sku_idx on public.items (id, sku);',
      '20240601140000_parent.sql': 'create index events_at_idx on only public.events (at);',
      '20240601150000_concurrent.sql': 'create index concurrently orders_at_idx on public.orders (at);',
    };
    expect(await lint(requireConcurrentIndexCreation, files)).toEqual([]);
  });
});

describe('ban-concurrent-index-creation-in-transaction', () => {
  it('reports CREATE INDEX CONCURRENTLY in a file with other statements, and moves it', async () => {
    const text = ['alter table public.orders add column status text;', 'create index concurrently orders_status_idx on public.orders (status);'].join('\n');
    const [finding] = await lint(banConcurrentIndexCreationInTransaction, text);
    expect(finding).toMatchObject({ severity: 'error', startLine: 2, startColumn: 1, suggestion: '' });
    expect(finding?.fix).toMatchObject({ kind: 'write-file', content: expect.stringContaining('create index concurrently orders_status_idx on public.orders (status);') });
  });

  it('accepts it alone in its file, or outside an explicit transaction without the runner', async () => {
    expect(await lint(banConcurrentIndexCreationInTransaction, 'create index concurrently orders_status_idx on public.orders (status);')).toEqual([]);
    const text = 'alter table public.orders add column status text;\ncreate index concurrently orders_status_idx on public.orders (status);';
    expect(await lint(banConcurrentIndexCreationInTransaction, text, { inTransaction: false })).toEqual([]);
    expect(await lint(banConcurrentIndexCreationInTransaction, `begin;\n${text}\ncommit;`, { inTransaction: false })).toHaveLength(1);
  });

  it('drops CONCURRENTLY on a table created in the change', async () => {
    const text = 'create table public.items (id bigint, sku text);\ncreate index concurrently items_sku_idx on public.items (sku);';
    const [finding] = await lint(banConcurrentIndexCreationInTransaction, text);
    expect(finding).toMatchObject({ startLine: 2, suggestion: 'create index items_sku_idx on public.items (sku);' });
  });

  it('covers DROP INDEX, REINDEX and DETACH PARTITION CONCURRENTLY and VACUUM, but leaves VACUUM FULL to prefer-repack', async () => {
    const text = [
      'select 1;',
      'drop index concurrently public.orders_old_idx;',
      'reindex index concurrently public.orders_status_idx;',
      'alter table public.events detach partition public.events_2023 concurrently;',
      'vacuum analyze public.orders;',
      'vacuum full public.orders;',
    ].join('\n');
    const findings = await lint(banConcurrentIndexCreationInTransaction, text);
    expect(findings.map((finding) => [finding.startLine, finding.title])).toEqual([
      [2, 'DROP INDEX CONCURRENTLY inside a transaction'],
      [3, 'REINDEX CONCURRENTLY inside a transaction'],
      [4, 'DETACH PARTITION ... CONCURRENTLY inside a transaction'],
      [5, 'VACUUM inside a transaction'],
    ]);
  });
});

describe('require-concurrent-index-deletion', () => {
  it('reports DROP INDEX as a notice and adds CONCURRENTLY when alone in its file', async () => {
    const [finding] = await lint(requireConcurrentIndexDeletion, 'drop index if exists public.orders_old_idx;');
    expect(finding).toMatchObject({ severity: 'notice', startLine: 1, startColumn: 1, suggestion: 'drop index CONCURRENTLY if exists public.orders_old_idx;' });
  });

  it('only advises for several indexes or CASCADE, which CONCURRENTLY does not allow', async () => {
    const [finding] = await lint(requireConcurrentIndexDeletion, 'drop index public.a_idx, public.b_idx;');
    expect(finding?.suggestion).toBeUndefined();
    expect(finding?.message).toContain('one statement per index');
  });

  it('leaves indexes the change built on its own new tables alone', async () => {
    const text = 'create table public.items (sku text);\ncreate index items_sku_idx on public.items (sku);\ndrop index public.items_sku_idx;';
    expect(await lint(requireConcurrentIndexDeletion, text)).toEqual([]);
  });
});

describe('require-concurrent-partition-detach', () => {
  it('reports a detach and appends CONCURRENTLY when alone in its file', async () => {
    const [finding] = await lint(requireConcurrentPartitionDetach, 'alter table public.events detach partition public.events_2023;');
    expect(finding).toMatchObject({ severity: 'warning', startLine: 1, startColumn: 1, suggestion: 'alter table public.events detach partition public.events_2023 CONCURRENTLY;' });
  });

  it('is a notice without a fix before Postgres 14, and skips new tables', async () => {
    const [finding] = await lint(requireConcurrentPartitionDetach, 'alter table public.events detach partition public.events_2023;', { pgVersion: 13 });
    expect(finding).toMatchObject({ severity: 'notice' });
    expect(finding?.suggestion).toBeUndefined();
    const fresh = 'create table public.logs (at date) partition by range (at);\nalter table public.logs detach partition public.logs_1;';
    expect(await lint(requireConcurrentPartitionDetach, fresh)).toEqual([]);
  });

  it('does not move a detach past a later statement that uses the partition', async () => {
    const text = 'alter table public.events detach partition public.events_2023;\ndrop table public.events_2023;';
    const [finding] = await lint(requireConcurrentPartitionDetach, text);
    expect(finding?.fix).toBeUndefined();
    expect(finding?.message).toContain('`events_2023`');
  });
});

describe('require-concurrent-reindex', () => {
  it('reports REINDEX and inserts CONCURRENTLY after the object kind', async () => {
    const [finding] = await lint(requireConcurrentReindex, 'reindex (verbose) table public.orders;');
    expect(finding).toMatchObject({ severity: 'warning', startLine: 1, startColumn: 1, suggestion: 'reindex (verbose) table CONCURRENTLY public.orders;' });
  });

  it('offers no CONCURRENTLY before Postgres 12, and skips REINDEX SYSTEM and new tables', async () => {
    const [old] = await lint(requireConcurrentReindex, 'reindex index public.orders_status_idx;', { pgVersion: 11 });
    expect(old?.suggestion).toBeUndefined();
    expect(old?.message).toContain('needs Postgres 12');
    const text = 'reindex system postgres;\ncreate table public.items (sku text);\nreindex table public.items;';
    expect(await lint(requireConcurrentReindex, text)).toEqual([]);
  });
});

describe('prefer-repack', () => {
  it('reports VACUUM FULL and CLUSTER as errors, with REPACK advice on Postgres 19', async () => {
    const findings = await lint(preferRepack, 'vacuum (full, analyze) public.events;\ncluster public.events using events_at_idx;\nvacuum full;');
    expect(findings.map((finding) => [finding.startLine, finding.startColumn, finding.severity])).toEqual([
      [1, 1, 'error'],
      [2, 1, 'error'],
      [3, 1, 'error'],
    ]);
    expect(findings[0]?.message).toContain('pg_repack');
    expect(findings[2]?.message).toContain('every table in the database');
    const [pg19] = await lint(preferRepack, 'cluster public.events using events_at_idx;', { pgVersion: 19 });
    expect(pg19?.message).toContain('REPACK (CONCURRENTLY)');
  });

  it('accepts plain VACUUM and new tables', async () => {
    const text = 'vacuum analyze public.events;\ncreate table public.tmp (id int);\nvacuum full public.tmp;';
    expect(await lint(preferRepack, text)).toEqual([]);
  });
});

describe('the concurrency rules agree with each other', () => {
  it('accepting every fix leaves nothing for require-concurrent-* or ban-concurrent-index-creation-in-transaction to report', async () => {
    const files: Files = {
      '20240601120000_orders.sql': [
        'alter table public.orders add column status text;',
        'create index orders_status_idx on public.orders (status);',
        'create index concurrently orders_at_idx on public.orders (created_at);',
        'drop index public.orders_legacy_idx;',
        'reindex index public.orders_total_idx;',
        'alter table public.events detach partition public.events_2020;',
        "comment on column public.orders.status is 'lifecycle';",
      ].join('\n'),
      '20240601130000_alone.sql': 'create index orders_user_idx on public.orders (user_id);',
      '20240601140000_after.sql': 'alter table public.orders add column note text;',
    };
    const concurrency = [requireConcurrentIndexCreation, banConcurrentIndexCreationInTransaction, requireConcurrentIndexDeletion, requireConcurrentReindex, requireConcurrentPartitionDetach];
    const before = await lintAll(concurrency, files);
    expect(before).toHaveLength(6);
    const fixed = applyAll(files, before);
    expect(Object.keys(fixed).sort()).toEqual([
      '20240601120000_orders.sql',
      '20240601120002_create_index_concurrently_orders_status_idx.sql',
      '20240601120003_create_index_concurrently_orders_at_idx.sql',
      '20240601120004_drop_index_concurrently_orders_legacy_idx.sql',
      '20240601120005_reindex_concurrently_orders_total_idx.sql',
      '20240601120006_detach_partition_concurrently_events_2020.sql',
      '20240601130000_alone.sql',
      '20240601140000_after.sql',
    ]);
    expect(fixed['20240601130000_alone.sql']).toBe('create index CONCURRENTLY orders_user_idx on public.orders (user_id);');
    const after = await lintAll(lockingRules, fixed);
    expect(after.filter((finding) => concurrency.some((rule) => rule.meta.id === finding.ruleId))).toEqual([]);
    // The timeout rules never ask for a SET in a file whose statement must stay alone.
    const timeoutFindings = after.filter((finding) => finding.ruleId.includes('timeout'));
    expect(timeoutFindings.map((finding) => finding.path)).toEqual([`${DIR}/20240601120000_orders.sql`, `${DIR}/20240601140000_after.sql`]);
  });
});
