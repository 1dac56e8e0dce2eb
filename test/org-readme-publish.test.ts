/**
 * The org README written to `<org>/.github` through the GitHub API stub (every request checked
 * against GitHub's OpenAPI description): a data change is committed, a template change opens one
 * pull request that later runs update, and a run that changes nothing writes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOrgReadmeAction, type OrgReadmeActionCore } from '../actions/org-readme/run.js';
import { buildOrgReadmeView, type ReadmeInventory } from '../app/org-readme/model.js';
import { ORG_README_BRANCH, publishOrgReadme } from '../app/org-readme/publish.js';
import { PROFILE_README_PATH, readGeneratedHeader, renderOrgReadme } from '../app/org-readme/render.js';
import { FakeGitHub } from './helpers/github/fake-github.js';

const ROOT = join(import.meta.dirname, '..');
const template = await readFile(join(ROOT, 'templates', 'org-readme', 'README.md.hbs'), 'utf8');

type FakeRepo = ReturnType<FakeGitHub['addRepo']>;

interface RecordingCore extends OrgReadmeActionCore {
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
    summary: { addRaw: (text) => ({ write: async () => void core.summaries.push(text) }) },
  };
  return core;
}

function inventoryOf(names: string[]): ReadmeInventory {
  return {
    org: 'acme',
    repositories: names.map((name) => ({
      identity: `acme/${name}`,
      name,
      attributes: {
        visibility: 'private', archived: false, default_branch: 'main', topics: [], language: 'TypeScript', description: `${name} repository`, pushed_at: '2025-01-01T00:00:00Z', readable: true,
        protection: { source: 'none', required_reviews: null, required_status_checks: [], enforce_admins: null },
        workflows: [], default_branch_ci: null, security: { secret_scanning: true, push_protection: true, dependabot_alerts: true },
        codeowners: null, platform_kit_config: false, spec_bundles: false, unknown: {},
      },
    })),
  };
}

describe('publishing the org README', () => {
  let fake: FakeGitHub;
  let octokit: Octokit;
  let profile: FakeRepo;

  beforeEach(() => {
    fake = new FakeGitHub().start();
    octokit = new Octokit({ auth: fake.issueToken() });
    profile = fake.addRepo({ owner: 'acme', name: '.github' });
    fake.setBranch(profile, 'main', fake.commit(null, { 'README.md': '# .github\n', '.github/platform-kit.yml': 'checks: {}\n' }));
  });

  afterEach(() => {
    expect(fake.violations).toEqual([]);
    fake.stop();
  });

  const fileOn = (branch: string) => fake.gitCommit(fake.branchHead(profile, branch) as string).files.get(PROFILE_README_PATH)?.toString('utf8');
  const writes = () => fake.requests.filter((request) => request.method !== 'GET').length;

  it('commits the first README and data changes to the default branch, and nothing when unchanged', async () => {
    const first = renderOrgReadme({ view: buildOrgReadmeView(inventoryOf(['billing-service', 'web-app'])), template });
    const one = await publishOrgReadme({ octokit, org: 'acme', rendered: first, mode: 'commit' });
    expect(one).toMatchObject({ action: 'committed', branch: 'main' });
    expect(fileOn('main')).toBe(first.markdown);
    // Only the README changes; the rest of the repository is kept.
    const head = fake.gitCommit(fake.branchHead(profile, 'main') as string);
    expect([...head.files.keys()].sort()).toEqual(['.github/platform-kit.yml', 'README.md', PROFILE_README_PATH]);

    fake.requests.length = 0;
    expect(await publishOrgReadme({ octokit, org: 'acme', rendered: first, mode: 'commit' })).toMatchObject({ action: 'unchanged' });
    expect(writes()).toBe(0);

    // A new repository in an existing category: data only, committed.
    const second = renderOrgReadme({ view: buildOrgReadmeView(inventoryOf(['billing-service', 'orders-service', 'web-app'])), template });
    expect(second.structureHash).toBe(first.structureHash);
    const two = await publishOrgReadme({ octokit, org: 'acme', rendered: second, mode: 'commit' });
    expect(two).toMatchObject({ action: 'committed' });
    expect(fake.gitCommit(fake.branchHead(profile, 'main') as string).parents).toEqual([head.sha]);
    expect(fileOn('main')).toContain('orders-service');
  });

  it('opens one pull request for a template change, updates it on the next change, and leaves it alone when unchanged', async () => {
    const first = renderOrgReadme({ view: buildOrgReadmeView(inventoryOf(['billing-service'])), template });
    await publishOrgReadme({ octokit, org: 'acme', rendered: first, mode: 'commit' });
    const mainBefore = fake.branchHead(profile, 'main');

    const edited = `${template}\n_Maintained by the platform team._\n`;
    const changed = renderOrgReadme({ view: buildOrgReadmeView(inventoryOf(['billing-service'])), template: edited });
    const opened = await publishOrgReadme({ octokit, org: 'acme', rendered: changed, mode: 'commit' });
    expect(opened).toMatchObject({ action: 'pull-request', created: true });
    expect(fake.branchHead(profile, 'main')).toBe(mainBefore);
    expect(fileOn(ORG_README_BRANCH)).toBe(changed.markdown);
    const pull = fake.pullRequestJson(profile, (opened as { pullNumber: number }).pullNumber) as { body: string; head: { ref: string }; base: { ref: string } };
    expect(pull.head.ref).toBe(ORG_README_BRANCH);
    expect(pull.base.ref).toBe('main');
    expect(pull.body).toContain('the template changed');

    fake.requests.length = 0;
    expect(await publishOrgReadme({ octokit, org: 'acme', rendered: changed, mode: 'commit' })).toMatchObject({ action: 'pull-request-unchanged', pullNumber: (opened as { pullNumber: number }).pullNumber });
    expect(writes()).toBe(0);

    const newer = renderOrgReadme({ view: buildOrgReadmeView(inventoryOf(['billing-service', 'shop-app'])), template: edited });
    const updated = await publishOrgReadme({ octokit, org: 'acme', rendered: newer, mode: 'commit' });
    expect(updated).toMatchObject({ action: 'pull-request', created: false, pullNumber: (opened as { pullNumber: number }).pullNumber });
    expect(fileOn(ORG_README_BRANCH)).toBe(newer.markdown);
    expect([...fake.requests].filter((request) => request.method === 'POST' && /\/pulls$/.test(request.path))).toHaveLength(0);
  });

  it('sends a hand-written README and every change in pr mode through the pull request', async () => {
    fake.setBranch(profile, 'main', fake.commit(fake.branchHead(profile, 'main') as string, { [PROFILE_README_PATH]: '# Welcome to Acme\n' }));
    const rendered = renderOrgReadme({ view: buildOrgReadmeView(inventoryOf(['billing-service'])), template });
    const outcome = await publishOrgReadme({ octokit, org: 'acme', rendered, mode: 'commit' });
    expect(outcome).toMatchObject({ action: 'pull-request', created: true });
    expect(fileOn('main')).toBe('# Welcome to Acme\n');

    const other = fake.addRepo({ owner: 'beta', name: '.github' });
    fake.setBranch(other, 'main', fake.commit(null, { 'README.md': '# beta\n' }));
    const beta = renderOrgReadme({ view: buildOrgReadmeView({ ...inventoryOf(['x']), org: 'beta' }), template });
    expect(await publishOrgReadme({ octokit, org: 'beta', rendered: beta, mode: 'pr' })).toMatchObject({ action: 'pull-request', created: true });
    expect(fake.branchHead(other, 'main')).toBeDefined();
    expect(readGeneratedHeader(fake.gitCommit(fake.branchHead(other, ORG_README_BRANCH) as string).files.get(PROFILE_README_PATH)?.toString('utf8') ?? '')).not.toBeNull();
  });

  it('says what to do when the org has no .github repository', async () => {
    const rendered = renderOrgReadme({ view: buildOrgReadmeView({ org: 'nobody', repositories: [] }), template });
    await expect(publishOrgReadme({ octokit, org: 'nobody', rendered, mode: 'commit' })).rejects.toThrow("nobody/.github does not exist or is not visible to the token: create the organisation's .github repository first");
  });
});

describe('the org-readme Action', () => {
  let fake: FakeGitHub;
  let workspace: string;

  beforeEach(async () => {
    fake = new FakeGitHub().start();
    workspace = await mkdtemp(join(tmpdir(), 'pk-org-readme-action-'));
  });

  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    fake.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  it('scans a fresh org, commits the README with its governance matrix, and makes no commit on a second run', async () => {
    const profile = fake.addRepo({ owner: 'acme', name: '.github' });
    fake.setBranch(profile, 'main', fake.commit(null, { 'README.md': '# .github\n' }));
    const secure = { admin: true, securityAndAnalysis: { secretScanning: true, pushProtection: true }, language: 'TypeScript' };
    const api = fake.addRepo({ owner: 'acme', name: 'payments-api', settings: { ...secure, topics: ['service'], description: 'Payments <b>API</b>' } });
    fake.setBranch(api, 'main', fake.commit(null, { '.github/CODEOWNERS': '* @acme/payments\n', '.github/platform-kit.yml': 'checks: {}\n', 'spec/refunds/prd.md': '# PRD\n' }));
    fake.protectBranch(api, 'main', { requiredApprovingReviews: 1, requiredStatusChecks: ['platform-kit/schema-safety'] });
    const web = fake.addRepo({ owner: 'acme', name: 'shop-app', settings: { admin: true, securityAndAnalysis: null, language: 'TypeScript' } });
    fake.setBranch(web, 'main', fake.commit(null, { 'index.ts': '' }));
    const octokit = new Octokit({ auth: fake.issueToken() });
    const env = { GITHUB_WORKSPACE: workspace, GITHUB_REPOSITORY_OWNER: 'acme' };

    const first = recordingCore({ 'github-token': 'unused', mode: 'commit' });
    const outcome = await runOrgReadmeAction(first, env, octokit);
    expect(first.failures).toEqual([]);
    expect(outcome).toMatchObject({ action: 'committed' });
    expect(first.outputs.action).toBe('committed');
    const readme = fake.gitCommit(fake.branchHead(profile, 'main') as string).files.get(PROFILE_README_PATH)?.toString('utf8') ?? '';
    expect(readme).toContain('## Governance matrix');
    expect(readme).toContain('| [payments-api](https://github.com/acme/payments-api) | ✓ | ✓ | ✗ | ✓ | ✓ | ✓ | ✓ | 85 |');
    expect(readme).toMatch(/\| \[shop-app\]\(https:\/\/github\.com\/acme\/shop-app\) \| ✗ \| ✗ \| ✗ \| \? \| ✗ \| ✗ \| ✗ \| 0 \|/);
    expect(readme).toContain('Payments &lt;b&gt;API&lt;/b&gt;');
    expect(readme).not.toContain('[.github]');
    expect(first.summaries[0]).toContain('committed');

    const headBefore = fake.branchHead(profile, 'main');
    fake.requests.length = 0;
    const second = recordingCore({ 'github-token': 'unused' });
    expect(await runOrgReadmeAction(second, env, octokit)).toMatchObject({ action: 'unchanged' });
    expect(second.outputs['commit-sha']).toBe('');
    expect(fake.branchHead(profile, 'main')).toBe(headBefore);
    expect(fake.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });

  it('fails on a broken template before touching the README', async () => {
    const profile = fake.addRepo({ owner: 'acme', name: '.github' });
    fake.setBranch(profile, 'main', fake.commit(null, { [PROFILE_README_PATH]: 'kept\n' }));
    await writeFile(join(workspace, 'readme.hbs'), '# {{org}}\n\n{{#each categories}}\n');
    const core = recordingCore({ 'github-token': 'unused', template: 'readme.hbs', org: 'acme' });
    expect(await runOrgReadmeAction(core, { GITHUB_WORKSPACE: workspace }, new Octokit({ auth: fake.issueToken() }))).toBeUndefined();
    expect(core.failures).toHaveLength(1);
    expect(core.failures[0]).toMatch(/^readme\.hbs:\d+: template error: /);
    expect(fake.gitCommit(fake.branchHead(profile, 'main') as string).files.get(PROFILE_README_PATH)?.toString('utf8')).toBe('kept\n');
    expect(fake.requests.filter((request) => request.method !== 'GET')).toEqual([]);

    const bad = recordingCore({ 'github-token': 'unused', org: 'acme', mode: 'sometimes' });
    await runOrgReadmeAction(bad, { GITHUB_WORKSPACE: workspace }, new Octokit({ auth: fake.issueToken() }));
    expect(bad.failures).toEqual(['mode must be one of commit, pr (got "sometimes")']);
  });
});
