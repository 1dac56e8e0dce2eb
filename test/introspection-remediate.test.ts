import { describe, expect, it } from '@jest/globals';
import { checkRemediationSql, describeRemediation } from '../app/introspection/remediate.js';
import { analyseFix } from '../app/introspection/risks.js';

describe('remediation SQL', () => {
  it('describes what each statement changes and whether it needs its own session', async () => {
    const check = await checkRemediationSql(
      "alter table public.profiles enable row level security;\nalter function public.f() set search_path = '';\ncreate index concurrently if not exists notes_owner_idx on public.notes (owner);",
    );
    expect(check.refused).toEqual([]);
    expect(check.statements.map((statement) => [statement.line, statement.concurrent])).toEqual([[1, false], [2, false], [3, true]]);
    expect(check.statements[0]?.effect).toMatch(/enables row level security on public\.profiles/);
    expect(describeRemediation(check)).toContain('(runs outside a transaction)');
  });

  it.each([
    ['drop table public.profiles;', /DROP table/],
    ['truncate public.audit;', /TRUNCATE/],
    ['delete from public.sessions;', /DELETE without WHERE .*public\.sessions/],
    ['update public.profiles set email = null;', /UPDATE without WHERE/],
    ['alter table public.profiles drop column email;', /DROP COLUMN/],
    ['drop schema public cascade;', /DROP schema/],
    ['commit;', /transaction control/],
    ['alter table public.profiles enable row level securty;', /not valid SQL/],
    ['', /no SQL/],
  ])('refuses %j', async (sql, reason) => {
    const check = await checkRemediationSql(sql);
    expect(check.refused.map((item) => item.reason).join('; ')).toMatch(reason);
  });

  it('refuses a hand-edited patch that hides a destructive statement among safe ones, at its line', async () => {
    const check = await checkRemediationSql('alter table public.a enable row level security;\n\ndelete from public.a;\n');
    expect(check.refused).toEqual([expect.objectContaining({ line: 3 })]);
  });

  it('allows deleting with a WHERE and dropping indexes and policies', async () => {
    const check = await checkRemediationSql('delete from public.s where expires_at < now();\ndrop index concurrently if exists public.dup_idx;\ndrop policy if exists p on storage.objects;');
    expect(check.refused).toEqual([]);
  });
});

describe('rollback SQL of a fix', () => {
  it('inverts each statement, in reverse order, and classes the fix by its riskiest statement', () => {
    expect(analyseFix("revoke execute on function public.f(a integer) from public, anon;\ngrant execute on function public.f(a integer) to authenticated, service_role;")).toEqual({
      rollbackSql: 'revoke execute on function public.f(a integer) from authenticated, service_role;\ngrant execute on function public.f(a integer) to public, anon;',
      riskClass: 'access',
    });
    expect(analyseFix("alter function public.f() set search_path = '';")).toEqual({ rollbackSql: 'alter function public.f() reset search_path;', riskClass: 'metadata' });
    expect(analyseFix('create index concurrently if not exists notes_owner_idx on public.notes using btree (owner);')).toEqual({
      rollbackSql: 'drop index concurrently if exists public.notes_owner_idx;',
      riskClass: 'locking',
    });
  });

  it('has no rollback when one statement cannot be undone', () => {
    expect(analyseFix('alter table public.a enable row level security;\ndrop index concurrently if exists public.b;')).toEqual({ rollbackSql: null, riskClass: 'locking' });
    expect(analyseFix('comment on table public.a is $$x$$;')).toEqual({ rollbackSql: null, riskClass: 'access' });
  });
});
