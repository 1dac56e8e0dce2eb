/**
 * The org-readme Action reading the inventory the nightly introspection stored in the control plane
 * (a Postgres server), instead of scanning the organisation again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOrgReadmeAction, type OrgReadmeActionCore } from '../actions/org-readme/run.js';
import { executeIntrospection } from '../app/cli/introspect.js';
import { PROFILE_README_PATH } from '../app/org-readme/render.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { serverAvailable } from './helpers/postgres-server.js';

const serverUp = await serverAvailable();
const describeServer = serverUp ? describe : describe.skip;

function quietCore(inputs: Record<string, string>): OrgReadmeActionCore & { failures: string[]; lines: string[] } {
  const core = {
    failures: [] as string[],
    lines: [] as string[],
    getInput: (name: string) => inputs[name] ?? '',
    setOutput: () => undefined,
    setFailed: (message: string | Error) => void core.failures.push(String(message)),
    setSecret: () => undefined,
    info: (message: string) => void core.lines.push(message),
    summary: { addRaw: () => ({ write: async () => undefined }) },
  };
  return core;
}

describeServer('the org-readme Action on a stored inventory', () => {
  let controlPlane: ControlPlaneDb;
  let workspace: string;
  let fake: FakeGitHub;

  beforeAll(async () => {
    controlPlane = await openControlPlaneDb('postgres');
    workspace = await mkdtemp(join(tmpdir(), 'pk-org-readme-cp-'));
    fake = new FakeGitHub().start();
  }, 120_000);

  afterAll(async () => {
    fake?.stop();
    await controlPlane?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('renders from the newest GitHub scan without listing the repositories again', async () => {
    const profile = fake.addRepo({ owner: 'acme', name: '.github' });
    fake.setBranch(profile, 'main', fake.commit(null, { 'README.md': '# .github\n' }));
    const api = fake.addRepo({ owner: 'acme', name: 'orders-service', settings: { language: 'Go', description: 'Orders' } });
    fake.setBranch(api, 'main', fake.commit(null, { 'main.go': 'package main\n' }));
    const octokit = new Octokit({ auth: fake.issueToken() });
    const url = controlPlane.connectionString as string;
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: workspace, env: {} };
    await executeIntrospection({ controlPlane: url, org: 'acme', githubClient: octokit }, io);

    // A repository created after the scan is not in the README: the stored inventory is used.
    fake.setBranch(fake.addRepo({ owner: 'acme', name: 'late-app' }), 'main', fake.commit(null, { 'a.ts': '' }));
    fake.requests.length = 0;
    const core = quietCore({ 'github-token': 'unused', 'control-plane': url, org: 'acme' });
    expect(await runOrgReadmeAction(core, { GITHUB_WORKSPACE: workspace }, octokit)).toMatchObject({ action: 'committed' });
    expect(core.failures).toEqual([]);
    expect(core.lines.some((line) => line.startsWith("inventory: the control plane's GitHub scan"))).toBe(true);
    expect(fake.requests.some((request) => request.path === '/orgs/acme/repos')).toBe(false);
    const readme = fake.gitCommit(fake.branchHead(profile, 'main') as string).files.get(PROFILE_README_PATH)?.toString('utf8') ?? '';
    expect(readme).toContain('[orders-service](https://github.com/acme/orders-service)');
    expect(readme).not.toContain('late-app');
    expect(fake.violations).toEqual([]);
  }, 60_000);
});
