import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCatalogLints } from '../app/checks/schema-safety/lints/index.js';
import { openPgliteLintDb, type LintTestDb } from './helpers/catalog-lint-db.js';

const ONLY = ['anon_security_definer_function_executable', 'authenticated_security_definer_function_executable'];

async function canExecute(db: LintTestDb, role: string, fn: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`select has_function_privilege($1, $2, 'execute') as ok`, [role, fn]);
  return rows[0]?.ok ?? false;
}

describe('fixes of the SECURITY DEFINER execute lints', () => {
  let db: LintTestDb;

  beforeAll(async () => {
    db = await openPgliteLintDb();
  }, 120_000);

  afterAll(async () => {
    await db?.close();
  });

  it('give one fix when anon and authenticated can both execute the function, whatever the order', async () => {
    await db.exec(`create schema rc1; grant usage on schema rc1 to anon, authenticated, service_role;
      create function rc1.purge(days integer) returns integer language sql security definer set search_path = '' as 'select days';`);
    const results = await runCatalogLints(db, { only: ONLY, exposedSchemas: ['rc1'] });
    expect(results.map((result) => result.name).sort()).toEqual(ONLY);
    const [first, second] = results;
    expect(first?.fix_sql).toBe(second?.fix_sql);
    expect(first?.fix_sql).toMatch(/from public, anon, authenticated;/);
    await db.exec(first?.fix_sql ?? '');
    expect(await canExecute(db, 'anon', 'rc1.purge(integer)')).toBe(false);
    expect(await canExecute(db, 'authenticated', 'rc1.purge(integer)')).toBe(false);
    expect(await canExecute(db, 'service_role', 'rc1.purge(integer)')).toBe(true);
    expect(await runCatalogLints(db, { only: ONLY, exposedSchemas: ['rc1'] })).toEqual([]);
  });

  it('keep their own fixes when the caller waives one of the pair', async () => {
    await db.exec(`create schema rc3; grant usage on schema rc3 to anon, authenticated, service_role;
      create function rc3.whoami() returns text language sql security definer set search_path = '' as 'select current_user::text';`);
    const waived = new Set(['authenticated_security_definer_function_executable_rc3_whoami']);
    const results = await runCatalogLints(db, { only: ONLY, exposedSchemas: ['rc3'], waived });
    const anon = results.find((result) => result.name === 'anon_security_definer_function_executable');
    expect(anon?.fix_sql).toMatch(/from public, anon;/);
    await db.exec(anon?.fix_sql ?? '');
    expect(await canExecute(db, 'anon', 'rc3.whoami()')).toBe(false);
    expect(await canExecute(db, 'authenticated', 'rc3.whoami()')).toBe(true);
  });

  it('keep authenticated when only anon is flagged', async () => {
    await db.exec(`create schema rc2; grant usage on schema rc2 to anon, authenticated, service_role;
      create function rc2.feed() returns integer language sql security definer set search_path = '' as 'select 1';
      revoke execute on function rc2.feed() from public;
      grant execute on function rc2.feed() to anon, service_role;`);
    const results = await runCatalogLints(db, { only: ONLY, exposedSchemas: ['rc2'] });
    expect(results.map((result) => result.name)).toEqual(['anon_security_definer_function_executable']);
    await db.exec(results[0]?.fix_sql ?? '');
    expect(await canExecute(db, 'anon', 'rc2.feed()')).toBe(false);
    expect(await canExecute(db, 'service_role', 'rc2.feed()')).toBe(true);
  });
});
