import { beforeAll, describe, expect, it } from '@jest/globals';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { createShadowDatabaseFactory } from '../app/checks/schema-safety/shadow/index.js';
import { locateLintResult } from '../app/checks/schema-safety/shadow/locate.js';
import { statementObjects } from '../app/checks/schema-safety/shadow/objects.js';
import type { MigrationToApply } from '../app/checks/schema-safety/shadow/apply.js';

let migrations: MigrationToApply[];

beforeAll(async () => {
  await ensureParser();
  migrations = [
    parseMigration(
      'supabase/migrations/20240301000000_shop.sql',
      [
        'create table public.orders (',
        '  id bigint primary key,',
        '  customer_id uuid,',
        '  constraint orders_customer_fk foreign key (customer_id) references auth.users (id)',
        ');',
        'create index orders_customer_a on public.orders (customer_id);',
        'create index orders_customer_b on public.orders (customer_id);',
        'create policy "read" on public.orders for select using (true);',
        'create policy "read again" on public.orders for select using (auth.uid() = customer_id);',
        "insert into storage.buckets (id, name, public) values ('receipts', 'receipts', true);",
        'create policy "list receipts" on storage.objects for select using (bucket_id = \'receipts\');',
        'grant execute on function public.existing_fn(int) to anon;',
        'alter table public.orders rename to purchases;',
      ].join('\n'),
    ),
  ];
});

const lint = (metadata: Record<string, unknown>) => ({ name: 'some_lint', cache_key: 'k', metadata });

describe('locateLintResult', () => {
  it('finds the constraint, indexes and policies a lint names', () => {
    expect(locateLintResult(lint({ schema: 'public', name: 'orders', type: 'table', fkey_name: 'orders_customer_fk' }), migrations)).toMatchObject({ line: 1, mapping: 'created' });
    expect(locateLintResult(lint({ schema: 'public', name: 'orders', type: 'table', indexes: ['orders_customer_a', 'orders_customer_b'] }), migrations)).toMatchObject({ line: 7, mapping: 'created' });
    expect(locateLintResult(lint({ schema: 'public', name: 'orders', type: 'table', policies: '{read,"read again"}' }), migrations)).toMatchObject({ line: 9 });
    expect(locateLintResult(lint({ schema: 'public', name: 'orders', type: 'table', policy_name: 'read' }), migrations)).toMatchObject({ line: 8 });
  });

  it('uses the policies on storage.objects for a bucket, else the first mention of the bucket', () => {
    expect(locateLintResult(lint({ schema: 'storage', name: 'receipts', type: 'bucket', bucket_id: 'receipts', policies: ['list receipts'] }), migrations)).toMatchObject({ line: 11, mapping: 'created' });
    expect(locateLintResult(lint({ schema: 'storage', name: 'receipts', type: 'bucket', bucket_id: 'receipts' }), migrations)).toMatchObject({ line: 10, mapping: 'mentioned' });
  });

  it('falls back to a grant, a rename, then to a mention, and says so', () => {
    expect(locateLintResult(lint({ schema: 'public', name: 'existing_fn', type: 'function' }), migrations)).toMatchObject({ line: 12, mapping: 'referenced' });
    expect(locateLintResult(lint({ schema: 'public', name: 'purchases', type: 'table' }), migrations)).toMatchObject({ line: 13, mapping: 'altered' });
    const unmapped = locateLintResult(lint({ schema: 'public', name: 'nothing_here', type: 'table' }), migrations);
    expect(unmapped).toMatchObject({ line: 1, mapping: 'unmapped', path: 'supabase/migrations/20240301000000_shop.sql' });
    expect(unmapped?.note).toContain('no statement of this change mentions');
  });
});

describe('statementObjects', () => {
  it('reads what a statement creates, alters and references', () => {
    const [create, , , policy, , , , grant, rename] = migrations[0]!.statements;
    expect(statementObjects(create!)).toEqual(
      expect.arrayContaining([
        { kind: 'table', schema: 'public', name: 'orders', action: 'create' },
        { kind: 'constraint', schema: 'public', name: 'orders_customer_fk', table: { schema: 'public', name: 'orders' }, action: 'create' },
      ]),
    );
    expect(statementObjects(policy!)[0]).toEqual({ kind: 'policy', schema: 'public', name: 'read', table: { schema: 'public', name: 'orders' }, action: 'create' });
    expect(statementObjects(grant!)).toEqual([{ kind: 'function', schema: 'public', name: 'existing_fn', action: 'reference' }]);
    expect(statementObjects(rename!).map((ref) => ref.name)).toEqual(['orders', 'purchases']);
  });
});

describe('createShadowDatabaseFactory', () => {
  it('uses a Postgres server when given a URL and PGlite otherwise', async () => {
    const server = createShadowDatabaseFactory({ url: 'postgres://postgres@127.0.0.1:1/postgres' });
    const embedded = createShadowDatabaseFactory({ url: null });
    expect([server.kind, embedded.kind]).toEqual(['postgres', 'pglite']);
    await Promise.all([server.dispose(), embedded.dispose()]);
  });
});

describe('table-level lints', () => {
  it('point at the table even when the lint lists its policies', () => {
    const result = { name: 'policy_exists_rls_disabled', cache_key: 'k', metadata: { schema: 'public', name: 'orders', type: 'table', policies: ['read'] } };
    expect(locateLintResult(result, migrations)).toMatchObject({ line: 1, mapping: 'created' });
  });
});
