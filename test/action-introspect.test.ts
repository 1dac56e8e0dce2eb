/**
 * The bundled introspect Action, run as GitHub runs it (node dist/index.js with INPUT_* and the
 * runner's files) from a folder with no node_modules, against databases on the Postgres server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { SUPABASE_BASE_SQL } from '../app/checks/schema-safety/shadow/supabase-base.js';
import { installActionBundle, parseOutputFile } from './helpers/action-bundle.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

const run = promisify(execFile);

const UNSAFE = `
  create table public.invoices (id bigint generated always as identity primary key, amount numeric);
  create function public.void_invoice(invoice bigint) returns void language sql security definer
    as $$ update public.invoices set amount = 0 where id = invoice $$;
`;

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

const serverUp = await serverAvailable();
const describeServer = serverUp ? describe : describe.skip;

describeServer('the bundled introspect Action', () => {
  let runner: string;
  let controlPlane: ControlPlaneDb;
  const target = `pk_action_introspect_${process.pid}`;
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });

  beforeAll(async () => {
    runner = await mkdtemp(join(tmpdir(), 'pk-introspect-action-'));
    await installActionBundle('introspect', runner);
    await mkdir(join(runner, 'workspace'));
    await admin.connect();
    await admin.query(`drop database if exists ${target}`);
    await admin.query(`create database ${target}`);
    const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: target });
    await client.connect();
    await client.query(SUPABASE_BASE_SQL);
    await client.query(UNSAFE);
    await client.end();
    controlPlane = await openControlPlaneDb('postgres');
  }, 300_000);

  afterAll(async () => {
    await controlPlane?.close();
    await admin.query(`drop database if exists ${target} with (force)`);
    await admin.end();
    await rm(runner, { recursive: true, force: true });
  });

  async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
    const stamp = Math.random().toString(36).slice(2);
    const outputFile = join(runner, `output-${stamp}`);
    const summaryFile = join(runner, `summary-${stamp}.md`);
    await writeFile(outputFile, '');
    await writeFile(summaryFile, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: join(runner, 'workspace'),
      GITHUB_REPOSITORY_OWNER: 'acme',
      RUNNER_TEMP: join(runner, 'tmp'),
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
    };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const result = await run(process.execPath, [join(runner, 'dist', 'index.js')], { cwd: runner, env, timeout: 120_000 }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
    );
    return { ...result, outputs: parseOutputFile(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') };
  }

  it('scans a server database into a Postgres control plane, reports and fails on critical risks', async () => {
    const url = `postgres://postgres:hunter2@127.0.0.1:5432/${target}`;
    const first = await runAction({ 'database-url': url, 'control-plane': controlPlane.connectionString as string, 'fail-on': 'critical' });
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('::error::1 open risk(s) at critical or above');
    // The URL is masked (GitHub then hides it in logs) and never printed otherwise.
    expect(first.stdout).toContain(`::add-mask::${url}`);
    expect(first.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n')).not.toContain('hunter2');
    expect(first.outputs['critical-count']).toBe('1');
    expect(Number(first.outputs['scan-id'])).toBeGreaterThan(0);
    expect(first.summary).toContain('RLS Disabled in Public — `public.invoices`');
    expect(await readFile(first.outputs['report-path'] as string, 'utf8')).toBe(first.summary.trimEnd() + '\n');
    const plans = await controlPlane.db.query<{ fix_sql: string; risk_class: string }>(`select fix_sql, risk_class from ops.remediation_plans order by id`);
    expect(plans.rows.map((plan) => plan.risk_class)).toEqual(expect.arrayContaining(['access', 'metadata']));

    const advisory = await runAction({ 'database-url': url, 'control-plane': controlPlane.connectionString as string, 'fail-on': 'never' });
    expect(advisory.code).toBe(0);
    expect(Number(advisory.outputs['scan-id'])).toBe(Number(first.outputs['scan-id']) + 1);
  });

  it('fails clearly on a bad input and an unreachable database', async () => {
    const bad = await runAction({ 'fail-on': 'sometimes' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('::error::input fail-on must be one of critical, high, medium, low, info, never');
    const down = await runAction({ 'database-url': 'postgres://postgres@127.0.0.1:1/none', 'control-plane': 'none' });
    expect(down.stdout).toContain('::error::cannot connect to postgres://postgres@127.0.0.1:1/none');
  });
});
