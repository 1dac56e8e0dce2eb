/**
 * The introspect Action in process, against a server database, a control plane on the server and
 * the GitHub API stub: the policy issues it opens, keeps and closes as the database is remediated,
 * and the organisation inventory next to the database scan.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runIntrospectAction, type IntrospectActionCore } from '../actions/introspect/run.js';
import { SUPABASE_BASE_SQL } from '../app/checks/schema-safety/shadow/supabase-base.js';
import { openPgControlPlane } from '../app/control-plane/index.js';
import { remediatePlan } from '../app/introspection/remediate-plan.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { serverAvailable } from './helpers/postgres-server.js';

interface RecordingCore extends IntrospectActionCore {
  outputs: Record<string, unknown>;
  failures: string[];
  summaries: string[];
}

function recordingCore(inputs: Record<string, string>): RecordingCore {
  const core: RecordingCore = {
    outputs: {},
    failures: [],
    summaries: [],
    getInput: (name) => inputs[name] ?? '',
    setOutput: (name, value) => void (core.outputs[name] = value),
    setFailed: (message) => void core.failures.push(String(message)),
    setSecret: () => undefined,
    info: () => undefined,
    summary: {
      addRaw: (text) => ({
        write: async () => {
          core.summaries.push(text);
        },
      }),
    },
  };
  return core;
}

const serverUp = await serverAvailable();
const describeServer = serverUp ? describe : describe.skip;

describeServer('the introspect Action with policy issues', () => {
  const target = `pk_action_issues_${process.pid}`;
  const url = `postgres://postgres@127.0.0.1:5432/${target}`;
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  let controlPlane: ControlPlaneDb;
  let workspace: string;
  let fake: FakeGitHub;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`drop database if exists ${target}`);
    await admin.query(`create database ${target}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(SUPABASE_BASE_SQL);
    await client.query('create table public.invoices (id bigint generated always as identity primary key, amount numeric);');
    await client.end();
    controlPlane = await openControlPlaneDb('postgres');
    workspace = await mkdtemp(join(tmpdir(), 'pk-introspect-issues-'));
    fake = new FakeGitHub().start();
  }, 120_000);

  afterAll(async () => {
    fake?.stop();
    await controlPlane?.close();
    await admin.query(`drop database if exists ${target} with (force)`);
    await admin.end();
    await rm(workspace, { recursive: true, force: true });
  });

  it('opens one issue per critical policy, leaves it alone while unchanged, and closes it once remediated', async () => {
    const repo = fake.addRepo({ owner: 'acme', name: 'platform' });
    const octokit = new Octokit({ auth: fake.issueToken() });
    const env = { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: join(workspace, 'tmp'), GITHUB_REPOSITORY: 'acme/platform', GITHUB_REPOSITORY_OWNER: 'acme' };
    const inputs = { 'database-url': url, 'control-plane': controlPlane.connectionString as string, 'fail-on': 'critical', 'open-issues': 'true', 'github-token': 'unused' };

    const first = recordingCore(inputs);
    const one = await runIntrospectAction(first, env, octokit);
    expect(one?.issues.map((issue) => [issue.rule, issue.action])).toEqual([['rls_disabled_in_public', 'created']]);
    expect(first.failures).toEqual(['1 open risk(s) at critical or above; see the compliance report in the job summary']);
    const [issue] = fake.issuesOf(repo);
    expect(issue).toMatchObject({ state: 'open', labels: expect.arrayContaining(['platform-kit']) });
    expect(issue?.body).toContain('public.invoices');

    const two = await runIntrospectAction(recordingCore(inputs), env, octokit);
    expect(two?.issues.map((item) => item.action)).toEqual(['unchanged']);
    expect(fake.issuesOf(repo)).toHaveLength(1);

    // Remediate the one critical risk with its stored plan, as `platform-kit remediate --apply` does.
    const controlPlaneClient = openPgControlPlane({ connectionString: controlPlane.connectionString as string });
    const session = new pg.Client({ connectionString: url });
    await session.connect();
    try {
      const orgId = (await controlPlaneClient.introspection.findOrg('acme')) as string;
      const { rows } = await controlPlane.db.query<{ id: number }>(`select p.id from ops.remediation_plans p join ops.risk_register r on r.id = p.risk_id where r.rule_id = 'rls_disabled_in_public'`);
      const applied = await remediatePlan({ store: controlPlaneClient.introspection, orgId, planId: Number(rows[0]?.id), session, apply: true, actor: 'octocat' });
      expect(applied.outcome).toBe('applied');
    } finally {
      await session.end();
      await controlPlaneClient.close();
    }

    const third = recordingCore(inputs);
    const three = await runIntrospectAction(third, env, octokit);
    expect(three?.issues.map((item) => [item.rule, item.action])).toEqual([['rls_disabled_in_public', 'closed']]);
    expect(fake.issuesOf(repo)[0]?.state).toBe('closed');
    expect(third.failures).toEqual([]);
    expect(third.summaries[0]).toContain('## Resolved since the last scan');
  });

  it('inventories the GitHub organisation next to the database when the org input is given', async () => {
    const octokit = new Octokit({ auth: fake.issueToken() });
    const env = { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: join(workspace, 'tmp'), GITHUB_REPOSITORY: 'acme/platform', GITHUB_REPOSITORY_OWNER: 'acme' };
    const core = recordingCore({ 'database-url': url, 'control-plane': controlPlane.connectionString as string, org: 'acme', 'fail-on': 'never', 'github-token': 'unused' });
    const outcome = await runIntrospectAction(core, env, octokit);
    expect(core.failures).toEqual([]);
    expect(outcome?.scanId).toEqual(expect.any(Number));
    const report = core.summaries[0] ?? '';
    expect(report).toContain('# Compliance report: postgres://postgres@127.0.0.1:5432/');
    expect(report).toContain('# Compliance report: GitHub organisation acme');
    expect(report).toMatch(/Branch protection|branch_protection/i);
    const scans = await controlPlane.db.query<{ kind: string }>(`select kind from ops.inventory_scans order by id desc limit 2`);
    expect(scans.rows.map((row) => row.kind).sort()).toEqual(['database', 'github']);
  });
});
