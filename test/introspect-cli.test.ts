import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCli, type CliIo } from '../app/cli.js';
import { SUPABASE_BASE_SQL } from '../app/checks/schema-safety/shadow/supabase-base.js';
import { serverAvailable } from './helpers/postgres-server.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const MIGRATION = `create table public.orders (id bigint generated always as identity primary key, total numeric);
create function public.refund(order_id bigint) returns void language sql security definer
  as $$ update public.orders set total = 0 where id = order_id $$;
`;

describe('platform-kit introspect', () => {
  let repo: string;

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'pk-introspect-'));
    await mkdir(join(repo, 'supabase', 'migrations'), { recursive: true });
    await writeFile(join(repo, 'supabase', 'migrations', '20240101000000_orders.sql'), MIGRATION);
    await mkdir(join(repo, '.github'));
    await writeFile(join(repo, '.github', 'platform-kit.yml'), 'checks:\n  schema-safety:\n    waivers:\n      - key: anon_security_definer_function_executable_public_refund_order_id bigint\n        reason: refunds are public in the demo\n');
  });

  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('with no arguments scans the repository’s migrations into the embedded control plane and prints the report', async () => {
    const first = await cli(['introspect'], repo);
    expect(first.stderr).toContain('applying 1 migration from supabase/migrations to a shadow database');
    expect(first.stdout).toMatch(/^# Compliance report: supabase\/migrations \(shadow database, pglite\)/);
    expect(first.stdout).toMatch(/\(scan 1\)/);
    expect(first.stdout).toContain('RLS Disabled in Public — `public.orders`');
    expect(first.stdout).toContain('| refunds are public in the demo |');
    // A critical risk is open: the default --fail-on critical fails the command.
    expect(first.code).toBe(1);
    expect(existsSync(join(repo, '.platform-kit', 'control-plane'))).toBe(true);

    const second = await cli(['introspect', '--format', 'json', '--fail-on', 'never', '--report', 'out/report.md'], repo);
    expect(second.code).toBe(0);
    const json = JSON.parse(second.stdout) as { scanId: number; risks: Array<{ isNew: boolean }> };
    expect(json.scanId).toBe(2);
    expect(json.risks.every((risk) => !risk.isNew)).toBe(true);
    expect(existsSync(join(repo, 'out', 'report.md'))).toBe(true);
  });

  it('shows a stored plan as a dry run', async () => {
    const run = await cli(['introspect', '--format', 'json', '--fail-on', 'never'], repo);
    const plan = (JSON.parse(run.stdout) as { risks: Array<{ ruleId: string; planId: number | null }> }).risks.find((risk) => risk.ruleId === 'rls_disabled_in_public')?.planId;
    expect(plan).toEqual(expect.any(Number));
    const dry = await cli(['remediate', '--plan', String(plan)], repo);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('alter table public.orders enable row level security;');
    expect(dry.stdout).toContain('-- enables row level security on public.orders');
    expect(dry.stdout).toContain('alter table public.orders disable row level security;');
    expect(dry.stderr).toContain('dry run: nothing changed');
  });

  it('stops with exit 2 and stores nothing when the database cannot be reached', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pk-introspect-empty-'));
    try {
      const run = await cli(['introspect', '--database', 'postgres://scanner:secret@127.0.0.1:1/app'], empty);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('cannot connect to postgres://scanner:***@127.0.0.1:1/app');
      expect(run.stderr).not.toContain('secret');
      expect(existsSync(join(empty, '.platform-kit'))).toBe(false);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('names what is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pk-introspect-empty-'));
    try {
      expect((await cli(['introspect'], empty)).stderr).toContain('nothing to scan: give --database URL or --migrations DIR');
      expect((await cli(['introspect', '--fail-on', 'severe'], empty)).stderr).toContain('--fail-on must be one of critical, high, medium, low, info, never');
      expect((await cli(['remediate'], empty)).stderr).toContain('--plan ID is required');
      expect((await cli(['remediate', '--plan', '3', '--apply'], empty)).stderr).toContain('--apply needs --database URL');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

const serverUp = await serverAvailable();
const describeServer = serverUp ? describe : describe.skip;

describeServer('platform-kit introspect and remediate on a live database', () => {
  const name = `pk_introspect_cli_${process.pid}`;
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  let dir: string;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(SUPABASE_BASE_SQL);
    await client.query(MIGRATION);
    await client.end();
    dir = await mkdtemp(join(tmpdir(), 'pk-introspect-live-'));
  });

  afterAll(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a plan once, records it, and the next scan shows the risk resolved', async () => {
    const first = await cli(['introspect', '--database', url, '--org', 'acme', '--format', 'json', '--fail-on', 'never'], dir);
    expect(first.code).toBe(0);
    const risks = (JSON.parse(first.stdout) as { risks: Array<{ ruleId: string; planId: number | null }> }).risks;
    const plan = risks.find((risk) => risk.ruleId === 'function_search_path_mutable')?.planId;
    const applied = await cli(['remediate', '--plan', String(plan), '--apply', '--database', url, '--org', 'acme'], dir, { GITHUB_ACTOR: 'octocat' });
    expect(applied.stderr).toMatch(/plan \d+ applied \(audit entry \d+\)/);
    expect(applied.code).toBe(0);
    const again = await cli(['remediate', '--plan', String(plan), '--apply', '--database', url, '--org', 'acme'], dir);
    expect(again.stderr).toContain('nothing to do');
    const second = await cli(['introspect', '--database', url, '--org', 'acme', '--fail-on', 'never'], dir);
    expect(second.stdout).toMatch(/## Resolved since the last scan\n\n- 🟧 \*\*high\*\* Function Search Path Mutable — `public\.refund\(order_id bigint\)`/);
  });
});
