import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { runCli, type CliIo } from '../app/cli.js';
import { serverAvailable } from './helpers/postgres-server.js';

let dir: string;

function io(cwd: string): CliIo & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    cwd,
    env: {},
    stdout(text: string) {
      captured.out += text;
    },
    stderr(text: string) {
      captured.err += text;
    },
  };
  return captured;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pk-cli-schema-'));
  await mkdir(join(dir, 'migrations'));
  await writeFile(
    join(dir, 'migrations', '20240101000000_init.sql'),
    ['create table public.notes (id bigint generated always as identity primary key, body text);', '', 'create index notes_body_idx on public.notes (body);', ''].join('\n'),
  );
  await writeFile(join(dir, 'migrations', '20240202000000_drop.sql'), '-- cleanup\ndrop table public.legacy;\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('platform-kit migrations lint', () => {
  it('reports static findings with 1-based lines and exits 1 on errors', async () => {
    const run = io(dir);
    const code = await runCli(['migrations', 'lint', 'migrations/20240101000000_init.sql', 'migrations/20240202000000_drop.sql'], run);
    expect(code).toBe(1);
    expect(run.out).toContain('migrations/20240101000000_init.sql:1:');
    expect(run.out).toContain('[schema-safety/rls-not-enabled]');
    expect(run.out).toMatch(/migrations\/20240202000000_drop\.sql:2:19: error \[schema-safety\/ban-drop-table\]/);
  });

  it('follows --no-transaction and --pg-version, and rejects bad values with one line', async () => {
    const run = io(dir);
    expect(await runCli(['migrations', 'lint', '--format', 'json', '--no-transaction', 'migrations/20240202000000_drop.sql'], run)).toBe(1);
    const json = JSON.parse(run.out) as { checks: Array<{ findings: Array<{ ruleId: string }> }> };
    expect(json.checks[0]?.findings.map((finding) => finding.ruleId)).toContain('ban-drop-table');

    const bad = io(dir);
    expect(await runCli(['migrations', 'lint', '--pg-version', '99', 'x.sql'], bad)).toBe(2);
    expect(bad.err).toBe('platform-kit: --pg-version must be a Postgres major version from 10 to 18 (got "99")\n');
    const missing = io(dir);
    expect(await runCli(['migrations', 'lint', 'nope.sql'], missing)).toBe(2);
    expect(missing.err).toMatch(/^platform-kit: cannot read nope\.sql: ENOENT\n$/);
  });
});

describe('platform-kit db lint', () => {
  it('needs exactly one source', async () => {
    const run = io(dir);
    expect(await runCli(['db', 'lint'], run)).toBe(2);
    expect(run.err).toMatch(/exactly one of --database URL or --migrations DIR/);
  });

  it('builds a shadow database from a migrations folder and reports the catalog lints at their statements', async () => {
    const run = io(dir);
    const code = await runCli(['db', 'lint', '--migrations', 'migrations'], run);
    expect(run.err).toBe('');
    // The second file drops a table that does not exist: the shadow run stops there with Postgres' message.
    expect(run.out).toMatch(/migrations\/20240101000000_init\.sql:1:1: error \[schema-safety\/rls_disabled_in_public\]/);
    expect(run.out).toMatch(/migrations\/20240202000000_drop\.sql:2:\d+: error \[schema-safety\/migration-fails\] table "legacy" does not exist \(SQLSTATE 42P01\)/);
    expect(code).toBe(1);
  });

  it('lints a live database on the Postgres server', async () => {
    if (!(await serverAvailable())) return;
    const name = `pk_cli_db_lint_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
      const target = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${name}` });
      await target.connect();
      await target.query(`do $$ begin if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin; end if; end $$;`);
      await target.query('create table public.open_table (id int primary key); grant select on public.open_table to anon;');
      await target.end();
      const run = io(dir);
      const code = await runCli(['db', 'lint', '--database', `postgres://postgres@127.0.0.1:5432/${name}`, '--format', 'json'], run);
      const json = JSON.parse(run.out) as { checks: Array<{ findings: Array<{ ruleId: string; message: string }> }> };
      const findings = json.checks[0]?.findings ?? [];
      expect(findings.map((finding) => finding.ruleId)).toContain('rls_disabled_in_public');
      expect(findings.find((finding) => finding.ruleId === 'rls_disabled_in_public')?.message).toMatch(/public\.open_table/);
      expect(code).toBe(1);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
