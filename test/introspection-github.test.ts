import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GitHubClient } from '../app/github/client.js';
import { githubClientForAction, mapWithConcurrency, scanGitHubOrg, type GitHubInventory, type RepositoryAttributes } from '../app/introspection/github-inventory.js';
import { FakeGitHub } from './helpers/github/fake-github.js';

type FakeRepo = ReturnType<FakeGitHub['addRepo']>;

const ORG = 'acme';
const PLAIN_REPOS = 244;
const SECONDARY_LIMIT = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

const pullRequestRule = (reviews: number) => ({
  type: 'pull_request',
  parameters: {
    required_approving_review_count: reviews,
    dismiss_stale_reviews_on_push: false,
    require_code_owner_review: false,
    require_last_push_approval: false,
    required_review_thread_resolution: false,
  },
});
const statusChecksRule = (...contexts: string[]) => ({
  type: 'required_status_checks',
  parameters: { strict_required_status_checks_policy: true, required_status_checks: contexts.map((context) => ({ context })) },
});

/**
 * An org of 250 repositories: 244 that meet every policy, and six that each show one way a
 * repository can differ (unprotected and failing, classic protection, a ruleset without reviews,
 * a token without admin rights, archived, and one the token may not read at all).
 */
function buildOrg(fake: FakeGitHub): Record<string, FakeRepo> {
  const compliant = fake.commit(null, {
    'README.md': '# service\n',
    '.github/CODEOWNERS': '* @acme/platform\n',
    '.github/platform-kit.yml': 'extends: org\n',
    '.github/workflows/ci.yml': 'on: push\n',
  });
  const secure = { securityAndAnalysis: { secretScanning: true, pushProtection: true }, vulnerabilityAlerts: true };
  for (let index = 1; index <= PLAIN_REPOS; index++) {
    const repo = fake.addRepo({ owner: ORG, name: `svc-${String(index).padStart(3, '0')}`, settings: { ...secure, language: 'TypeScript', topics: ['service'] } });
    fake.setBranch(repo, 'main', compliant);
    fake.addRuleset(repo, { name: 'default branch', branches: ['~DEFAULT_BRANCH'], rules: [pullRequestRule(1), statusChecksRule('ci')] });
    fake.addWorkflowRun(repo, fake.addWorkflow(repo, { name: 'CI', path: '.github/workflows/ci.yml' }), { conclusion: 'success' });
  }

  const api = fake.addRepo({
    owner: ORG,
    name: 'api',
    settings: { visibility: 'private', language: 'Go', description: 'The public API', securityAndAnalysis: { secretScanning: false, pushProtection: false }, vulnerabilityAlerts: false },
  });
  fake.setBranch(api, 'main', fake.commit(null, { 'main.go': 'package main\n', '.github/workflows/ci.yml': 'on: push\n' }));
  const apiCi = fake.addWorkflow(api, { name: 'CI', path: '.github/workflows/ci.yml' });
  const apiLint = fake.addWorkflow(api, { name: 'Lint', path: '.github/workflows/lint.yml' });
  fake.addWorkflowRun(api, apiCi, { conclusion: 'success' });
  fake.addWorkflowRun(api, apiLint, { conclusion: 'success' });
  fake.addWorkflowRun(api, apiCi, { conclusion: 'failure' });
  // Newer, but not the default branch's code: must not hide or cause the failure.
  fake.addWorkflowRun(api, apiCi, { conclusion: 'success', event: 'pull_request' });
  fake.addWorkflowRun(api, apiCi, { conclusion: 'success', branch: 'feature' });

  const web = fake.addRepo({ owner: ORG, name: 'web', defaultBranch: 'trunk', settings: { ...secure, language: 'TypeScript' } });
  fake.setBranch(web, 'trunk', fake.commit(null, { CODEOWNERS: '* @acme/web\n', 'spec/checkout/prd.md': '# PRD\n', 'src/index.ts': '' }));
  fake.protectBranch(web, 'trunk', { requiredApprovingReviews: 2, requiredStatusChecks: ['test', 'build'], enforceAdmins: true });
  fake.addRuleset(web, { name: 'ci', branches: ['trunk'], rules: [statusChecksRule('e2e')] });

  const docs = fake.addRepo({ owner: ORG, name: 'docs-site', settings: secure });
  fake.setBranch(docs, 'main', fake.commit(null, { 'docs/CODEOWNERS': '* @acme/docs\n', 'docs/index.md': '# Docs\n', '.github/platform-kit.yml': 'extends: org\n', 'specs/a.md': '' }));
  fake.addRuleset(docs, { name: 'prs', branches: ['main'], rules: [pullRequestRule(0), { type: 'non_fast_forward' }] });
  // Not enforced: must not count as protection.
  fake.addRuleset(docs, { name: 'trial', branches: ['main'], enforcement: 'evaluate', rules: [pullRequestRule(2)] });

  const tools = fake.addRepo({ owner: ORG, name: 'tools', settings: { admin: false, securityAndAnalysis: null, vulnerabilityAlerts: true } });
  fake.setBranch(tools, 'main', compliant);

  const legacy = fake.addRepo({ owner: ORG, name: 'legacy', settings: { archived: true } });
  fake.setBranch(legacy, 'main', fake.commit(null, { 'README.md': 'old\n' }));

  const vault = fake.addRepo({ owner: ORG, name: 'vault', settings: { visibility: 'internal', forbidden: 'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.' } });
  fake.addTeam(ORG, { slug: 'platform', name: 'Platform', description: 'Owns the platform' });
  return { api, web, docs, tools, legacy, vault };
}

function attributesOf(inventory: GitHubInventory, identity: string): RepositoryAttributes {
  const object = inventory.objects.find((candidate) => candidate.object_type === 'repository' && candidate.identity === identity);
  if (!object) throw new Error(`no repository object ${identity}`);
  return object.attributes as unknown as RepositoryAttributes;
}

describe('GitHub org inventory', () => {
  let fake: FakeGitHub;
  let inventory: GitHubInventory;
  let progress: number[];
  let maxReposInFlight = 0;

  beforeAll(async () => {
    fake = new FakeGitHub().start();
    buildOrg(fake);
    // The first listing request meets a secondary rate limit; the Action client waits and retries it.
    fake.failures.push({ method: 'GET', path: /^\/orgs\/acme\/repos$/, status: 403, times: 1, message: SECONDARY_LIMIT, headers: { 'retry-after': '1' } });
    const octokit = githubClientForAction(fake.issueToken(), { fetch: globalThis.fetch });
    const inFlight = new Map<string, number>();
    octokit.hook.wrap('request', async (request, options) => {
      const repo = (options as Record<string, unknown>).repo;
      const key = typeof repo === 'string' ? repo : undefined;
      if (key) inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      maxReposInFlight = Math.max(maxReposInFlight, inFlight.size);
      try {
        return await request(options);
      } finally {
        if (key) {
          const left = (inFlight.get(key) ?? 1) - 1;
          if (left === 0) inFlight.delete(key);
          else inFlight.set(key, left);
        }
      }
    });
    progress = [];
    inventory = await scanGitHubOrg(octokit, ORG, { onProgress: (done) => progress.push(done) });
  });
  afterAll(() => fake.stop());

  it('sends only requests GitHub knows, and gets answers that fit its description', () => {
    expect(fake.violations).toEqual([]);
  });

  it('pages through 250 repositories, retrying the listing after a secondary rate limit', () => {
    const listings = fake.requests.filter((request) => request.path === '/orgs/acme/repos');
    expect(listings.map((request) => [request.query.page, request.query.per_page, request.status])).toEqual([
      ['1', '100', 403],
      ['1', '100', 200],
      ['2', '100', 200],
      ['3', '100', 200],
    ]);
    const repositories = inventory.objects.filter((object) => object.object_type === 'repository');
    expect(repositories).toHaveLength(250);
    expect(new Set(repositories.map((object) => object.identity)).size).toBe(250);
    expect(progress).toHaveLength(250);
    expect(progress.at(-1)).toBe(250);
  });

  it('reads at most four repositories at a time', () => {
    expect(maxReposInFlight).toBeGreaterThan(1);
    expect(maxReposInFlight).toBeLessThanOrEqual(4);
  });

  it('describes a compliant repository', () => {
    expect(attributesOf(inventory, 'acme/svc-007')).toEqual({
      visibility: 'public',
      archived: false,
      default_branch: 'main',
      topics: ['service'],
      language: 'TypeScript',
      description: null,
      pushed_at: '2025-01-01T00:00:00Z',
      readable: true,
      protection: { source: 'rulesets', required_reviews: 1, required_status_checks: ['ci'], enforce_admins: null },
      workflows: [{ name: 'CI', path: '.github/workflows/ci.yml', state: 'active' }],
      default_branch_ci: { conclusion: 'success', run_url: expect.stringMatching(/^https:\/\/github\.com\/acme\/svc-007\/actions\/runs\/\d+$/), workflow: 'CI' },
      security: { secret_scanning: true, push_protection: true, dependabot_alerts: true },
      codeowners: '.github/CODEOWNERS',
      platform_kit_config: true,
      spec_bundles: false,
      unknown: {},
    });
  });

  it('reports a failing default branch and missing settings', () => {
    const api = attributesOf(inventory, 'acme/api');
    expect(api).toMatchObject({
      visibility: 'private',
      language: 'Go',
      description: 'The public API',
      protection: { source: 'none', required_reviews: null, required_status_checks: [], enforce_admins: null },
      security: { secret_scanning: false, push_protection: false, dependabot_alerts: false },
      codeowners: null,
      platform_kit_config: false,
      unknown: {},
    });
    expect(api.default_branch_ci).toEqual({ conclusion: 'failure', run_url: expect.stringContaining('/acme/api/actions/runs/'), workflow: 'CI' });
    const workflows = inventory.objects.filter((object) => object.object_type === 'workflow' && object.identity.startsWith('acme/api/'));
    expect(workflows.map((object) => [object.identity, object.attributes.default_branch_conclusion])).toEqual([
      ['acme/api/.github/workflows/ci.yml', 'failure'],
      ['acme/api/.github/workflows/lint.yml', 'success'],
    ]);
  });

  it('merges classic protection with the rulesets that also apply', () => {
    expect(attributesOf(inventory, 'acme/web')).toMatchObject({
      default_branch: 'trunk',
      protection: { source: 'branch-protection', required_reviews: 2, required_status_checks: ['build', 'e2e', 'test'], enforce_admins: true },
      codeowners: 'CODEOWNERS',
      spec_bundles: true,
      platform_kit_config: false,
      default_branch_ci: null,
      workflows: [],
    });
    expect(attributesOf(inventory, 'acme/docs-site')).toMatchObject({
      protection: { source: 'rulesets', required_reviews: 0, required_status_checks: [], enforce_admins: null },
      codeowners: 'docs/CODEOWNERS',
      spec_bundles: true,
      platform_kit_config: true,
    });
  });

  it('marks what a token without admin rights cannot see as unknown, not as off', () => {
    const tools = attributesOf(inventory, 'acme/tools');
    expect(tools.protection.source).toBe('unknown');
    expect(tools.security).toEqual({ secret_scanning: 'unknown', push_protection: 'unknown', dependabot_alerts: 'unknown' });
    expect(Object.keys(tools.unknown).sort()).toEqual(['protection', 'security', 'security.dependabot_alerts']);
    expect(tools.codeowners).toBe('.github/CODEOWNERS');
    // Without admin rights the admin-only endpoints answer 404 anyway: they are not asked.
    expect(fake.requests.filter((request) => request.path.startsWith('/repos/acme/tools/') && /protection|vulnerability-alerts/.test(request.path))).toEqual([]);
  });

  it('lists a repository the token may not read, with the reason, instead of dropping it', () => {
    const vault = attributesOf(inventory, 'acme/vault');
    expect(vault).toMatchObject({ readable: false, visibility: 'internal', reason: expect.stringContaining('403: Resource protected by organization SAML enforcement') });
    expect(vault.protection.source).toBe('unknown');
    expect(inventory.unreadable).toContainEqual({ kind: 'repository acme/vault', reason: expect.stringContaining('SAML') });
    expect(inventory.unreadable).toContainEqual({ kind: 'branch protection', reason: expect.stringMatching(/^1 of 249 repositories; e\.g\. reading branch protection needs admin access/) });
    // One refused request is enough to know.
    expect(fake.requests.filter((request) => request.path.startsWith('/repos/acme/vault/'))).toHaveLength(1);
  });

  it('lists the teams', () => {
    expect(inventory.objects.filter((object) => object.object_type === 'team')).toEqual([
      { object_type: 'team', schema_name: null, name: 'Platform', identity: 'acme/platform', attributes: { slug: 'platform', description: 'Owns the platform', privacy: 'closed', permission: 'pull', parent: null } },
    ]);
  });

  it('raises the policy risks of readable, active repositories with stable fingerprints', () => {
    const risks = inventory.risks.map((risk) => [risk.fingerprint, risk.severity]).sort(([a], [b]) => String(a).localeCompare(String(b)));
    expect(risks).toEqual([
      ['github.branch_protection_missing_acme/api', 'high'],
      ['github.codeowners_missing_acme/api', 'low'],
      ['github.default_branch_ci_failing_acme/api', 'medium'],
      ['github.dependabot_alerts_disabled_acme/api', 'medium'],
      ['github.platform_kit_config_missing_acme/api', 'info'],
      ['github.platform_kit_config_missing_acme/web', 'info'],
      ['github.push_protection_disabled_acme/api', 'medium'],
      ['github.required_reviews_missing_acme/docs-site', 'medium'],
      ['github.secret_scanning_disabled_acme/api', 'high'],
    ]);
    const protection = inventory.risks.find((risk) => risk.rule_id === 'github.branch_protection_missing');
    expect(protection).toMatchObject({
      object_identity: 'acme/api',
      title: 'Default branch is not protected',
      detail: expect.stringContaining('Fix: Add a branch ruleset'),
      metadata: { why: expect.any(String), docs: expect.stringMatching(/^https:\/\/docs\.github\.com\//), repository: 'acme/api' },
      remediation: null,
    });
  });
});

describe('GitHub org inventory with a narrow token', () => {
  let fake: FakeGitHub;
  let octokit: GitHubClient;

  beforeAll(() => {
    fake = new FakeGitHub().start();
    const repo = fake.addRepo({ owner: ORG, name: 'site', settings: { securityAndAnalysis: null, vulnerabilityAlerts: true } });
    fake.setBranch(repo, 'main', fake.commit(null, { 'index.html': '' }));
    octokit = githubClientForAction(fake.issueToken(), { fetch: globalThis.fetch });
  });
  afterAll(() => fake.stop());

  it('says what an installation without the org and administration permissions could not read', async () => {
    const integration = 'Resource not accessible by integration';
    fake.failures.push({ method: 'GET', path: /^\/orgs\/acme\/teams$/, status: 403, times: 1, message: integration });
    fake.failures.push({ method: 'GET', path: /\/branches\/main\/protection$/, status: 403, times: 1, message: integration });
    fake.failures.push({ method: 'GET', path: /\/actions\/workflows$/, status: 403, times: 1, message: integration });
    const inventory = await scanGitHubOrg(octokit, ORG);
    expect(fake.violations).toEqual([]);
    expect(inventory.unreadable).toEqual([
      { kind: 'branch protection', reason: `1 of 1 repositories; e.g. reading branch protection needs admin access to the repository (GitHub answered 403: ${integration})` },
      { kind: 'secret scanning and push protection settings', reason: '1 of 1 repositories; e.g. security_and_analysis is only returned to repository admins and security managers' },
      { kind: 'workflows', reason: `1 of 1 repositories; e.g. 403: ${integration}` },
      { kind: 'default-branch CI runs', reason: `1 of 1 repositories; e.g. 403: ${integration}` },
      { kind: 'teams', reason: `403: ${integration} (listing teams needs the read:org scope or the Members organisation permission)` },
    ]);
    expect(inventory.repositories[0]?.attributes.security).toEqual({ secret_scanning: 'unknown', push_protection: 'unknown', dependabot_alerts: true });
    // Nothing it could not read turns into a risk; what it could read still does.
    expect(inventory.risks.map((risk) => risk.rule_id).sort()).toEqual(['github.codeowners_missing', 'github.platform_kit_config_missing']);
  });

  it('fails with a clear error for an organisation it cannot see', async () => {
    await expect(scanGitHubOrg(octokit, 'nobody')).rejects.toThrow('GitHub organisation "nobody" not found, or not visible to this token (GET /orgs/nobody/repos answered 404)');
  });
});

describe('githubClientForAction', () => {
  let fake: FakeGitHub;

  beforeAll(() => {
    fake = new FakeGitHub().start();
    fake.addRepo({ owner: ORG, name: 'site' });
  });
  afterAll(() => fake.stop());

  it('waits out a primary rate limit until its reset and retries', async () => {
    fake.resetRequests();
    const reset = String(Math.floor(Date.now() / 1000));
    fake.failures.push({ method: 'GET', path: /^\/orgs\/acme\/repos$/, status: 403, times: 1, message: 'API rate limit exceeded for installation ID 1.', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (_fields: Record<string, unknown>, message: string) => warnings.push(message) };
    const octokit = githubClientForAction(fake.issueToken(), { fetch: globalThis.fetch, log });
    const { data } = await octokit.request('GET /orgs/{org}/repos', { org: ORG, per_page: 100 });
    expect(data.map((repo) => repo.name)).toEqual(['site']);
    expect(fake.requests.map((request) => request.status)).toEqual([403, 200]);
    expect(warnings).toEqual([expect.stringMatching(/^primary rate limit hit; retrying after \d+ s$/)]);
  });

  it('gives up on a secondary rate limit after the configured retries', async () => {
    fake.resetRequests();
    fake.failures.push({ method: 'GET', path: /^\/orgs\/acme\/repos$/, status: 403, times: 1, message: SECONDARY_LIMIT, headers: { 'retry-after': '1' } });
    const octokit = githubClientForAction(fake.issueToken(), { fetch: globalThis.fetch, rateLimitRetries: 0 });
    await expect(octokit.request('GET /orgs/{org}/repos', { org: ORG })).rejects.toMatchObject({ status: 403 });
    expect(fake.requests.map((request) => request.status)).toEqual([403]);
  });
});

describe('mapWithConcurrency', () => {
  it('keeps the order of the input and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0, 6], 3, async (value) => {
      running += 1;
      peak = Math.max(peak, running);
      for (let tick = 0; tick < value; tick++) await Promise.resolve();
      running -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
  });
});
