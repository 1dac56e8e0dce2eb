import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { groupRisksByPolicy, issueBody, policyIssueKey, syncPolicyIssues, type PolicyIssueResult } from '../app/introspection/policy-issues.js';
import type { Risk, RiskSeverity } from '../app/introspection/types.js';
import { FakeGitHub } from './helpers/github/fake-github.js';

type FakeRepo = ReturnType<FakeGitHub['addRepo']>;

const REPO = { owner: 'acme', repo: '.github' };

function risk(rule: string, object: string, severity: RiskSeverity = 'critical', detail = `${object} breaks ${rule}.`): Risk {
  return {
    fingerprint: `${rule}_${object}`,
    rule_id: rule,
    title: rule === 'rls_disabled_in_public' ? 'RLS disabled in public' : 'Exposed auth users',
    detail,
    severity,
    object_identity: object,
    metadata: { why: 'Anyone with the anon key can read every row.', docs: 'https://supabase.com/docs/guides/database/database-linter' },
    remediation: null,
  };
}

const summary = (results: PolicyIssueResult[]) => results.map(({ rule, action, issueNumber, closedDuplicates }) => ({ rule, action, issueNumber, closedDuplicates }));

describe('policy issues', () => {
  let fake: FakeGitHub;
  let octokit: Octokit;
  let repo: FakeRepo;

  beforeEach(() => {
    fake = new FakeGitHub().start();
    repo = fake.addRepo({ owner: REPO.owner, name: REPO.repo });
    octokit = new Octokit({ auth: fake.issueToken() });
  });
  afterEach(() => {
    expect(fake.violations).toEqual([]);
    fake.stop();
  });

  const writes = () => fake.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.operationId} #${request.path.split('/')[5] ?? ''}`);
  const openByPolicy = () => {
    const open = new Map<string, number[]>();
    for (const issue of fake.issuesOf(repo).filter((candidate) => candidate.state === 'open')) {
      const rule = /<!-- platform-kit:policy (\S+) -->/.exec(issue.body)?.[1] ?? '(none)';
      open.set(rule, [...(open.get(rule) ?? []), issue.number]);
    }
    return Object.fromEntries(open);
  };

  it('creates, updates only on change, leaves alone, and closes when clean, across three runs', async () => {
    // A duplicate pair left by two earlier runs racing: the oldest is kept, the other closed.
    const key = policyIssueKey('rls_disabled_in_public');
    const older = fake.addIssue(repo, { title: 'Policy rls_disabled_in_public', body: `${key}\nold text`, labels: ['platform-kit'] });
    const newer = fake.addIssue(repo, { title: 'Policy rls_disabled_in_public', body: `${key}\nold text`, labels: ['platform-kit', 'policy:rls_disabled_in_public'] });
    // Someone else's issue that mentions nothing of ours.
    fake.addIssue(repo, { title: 'A bug', body: 'Broken.', labels: ['platform-kit'] });

    const rls = [risk('rls_disabled_in_public', 'public.orders')];
    const exposed = [risk('auth_users_exposed', 'public.profiles_view')];
    const first = await syncPolicyIssues(octokit, REPO, {
      rls_disabled_in_public: rls,
      auth_users_exposed: exposed,
      // Not critical: no issue under the default threshold.
      'github.secret_scanning_disabled': [risk('github.secret_scanning_disabled', 'acme/api', 'high')],
    });
    expect(summary(first)).toEqual([
      { rule: 'auth_users_exposed', action: 'created', issueNumber: 4, closedDuplicates: [] },
      { rule: 'rls_disabled_in_public', action: 'updated', issueNumber: older.number, closedDuplicates: [newer.number] },
    ]);
    expect(openByPolicy()).toEqual({ rls_disabled_in_public: [older.number], auth_users_exposed: [4], '(none)': [3] });
    const created = fake.issuesOf(repo).find((issue) => issue.number === 4);
    expect(created).toMatchObject({ title: 'Policy auth_users_exposed: Exposed auth users', labels: ['platform-kit', 'policy:auth_users_exposed'] });
    expect(created?.body.startsWith(policyIssueKey('auth_users_exposed'))).toBe(true);
    expect(created?.body).toContain('| critical | `public.profiles_view` | public.profiles_view breaks auth_users_exposed. |');
    expect(created?.body).toContain('**Why it matters:** Anyone with the anon key can read every row.');
    expect(fake.issuesOf(repo).find((issue) => issue.number === newer.number)).toMatchObject({ state: 'closed', stateReason: 'duplicate' });
    expect(fake.commentsOn(repo, newer.number).map((comment) => comment.body)).toEqual([`Duplicate of #${older.number}: Platform Kit keeps one open issue per policy.`]);
    // The kept issue gets its labels back.
    expect(fake.issuesOf(repo).find((issue) => issue.number === older.number)?.labels).toEqual(['platform-kit', 'policy:rls_disabled_in_public']);

    // Run 2: one more exposed view, RLS unchanged.
    fake.resetRequests();
    const second = await syncPolicyIssues(octokit, REPO, groupRisksByPolicy([...rls, ...exposed, risk('auth_users_exposed', 'public.admin_view')]));
    expect(summary(second)).toEqual([
      { rule: 'auth_users_exposed', action: 'updated', issueNumber: 4, closedDuplicates: [] },
      { rule: 'rls_disabled_in_public', action: 'unchanged', issueNumber: older.number, closedDuplicates: [] },
    ]);
    expect(writes()).toEqual(['PATCH issues/update #4']);
    expect(fake.issuesOf(repo).find((issue) => issue.number === 4)?.body).toContain('**2 findings** (2 critical)');

    // The same findings again (in another order): nothing is written.
    fake.resetRequests();
    const again = await syncPolicyIssues(octokit, REPO, groupRisksByPolicy([risk('auth_users_exposed', 'public.admin_view'), ...exposed, ...rls]));
    expect(again.map((result) => result.action)).toEqual(['unchanged', 'unchanged']);
    expect(writes()).toEqual([]);

    // Run 3: the exposed views are fixed.
    fake.resetRequests();
    const third = await syncPolicyIssues(octokit, REPO, { rls_disabled_in_public: rls, auth_users_exposed: [] });
    expect(summary(third)).toEqual([
      { rule: 'rls_disabled_in_public', action: 'unchanged', issueNumber: older.number, closedDuplicates: [] },
      { rule: 'auth_users_exposed', action: 'closed', issueNumber: 4, closedDuplicates: [] },
    ]);
    expect(writes()).toEqual(['POST issues/create-comment #4', 'PATCH issues/update #4']);
    expect(fake.issuesOf(repo).find((issue) => issue.number === 4)).toMatchObject({ state: 'closed', stateReason: 'completed' });
    expect(fake.commentsOn(repo, 4).map((comment) => comment.body)).toEqual(['✅ Policy `auth_users_exposed` is clean again: the latest scan found no critical findings. Closing.']);
    expect(openByPolicy()).toEqual({ rls_disabled_in_public: [older.number], '(none)': [3] });

    // The policy fails again: a fresh issue, still one open per policy.
    const fourth = await syncPolicyIssues(octokit, REPO, { rls_disabled_in_public: rls, auth_users_exposed: exposed });
    expect(fourth.find((result) => result.rule === 'auth_users_exposed')).toMatchObject({ action: 'created', issueNumber: 5 });
    expect(openByPolicy()).toEqual({ rls_disabled_in_public: [older.number], auth_users_exposed: [5], '(none)': [3] });
  });

  it('opens issues at a configured severity, and leaves policies outside the scope alone', async () => {
    const github = [risk('github.secret_scanning_disabled', 'acme/api', 'high'), risk('github.codeowners_missing', 'acme/api', 'low')];
    const created = await syncPolicyIssues(octokit, REPO, groupRisksByPolicy([...github, risk('rls_disabled_in_public', 'public.orders')]), { minSeverity: 'high', labels: ['security'] });
    expect(summary(created).map(({ rule, action }) => [rule, action])).toEqual([
      ['github.secret_scanning_disabled', 'created'],
      ['rls_disabled_in_public', 'created'],
    ]);
    expect(fake.issuesOf(repo)[0]?.labels).toEqual(['platform-kit', 'policy:github.secret_scanning_disabled', 'security']);

    // A GitHub-only run finds the org clean: it closes its own policy, not the database's.
    const githubOnly = await syncPolicyIssues(octokit, REPO, new Map(), { minSeverity: 'high', labels: ['security'], scope: (rule) => rule.startsWith('github.') });
    expect(summary(githubOnly).map(({ rule, action }) => [rule, action])).toEqual([['github.secret_scanning_disabled', 'closed']]);
    expect(openByPolicy()).toEqual({ rls_disabled_in_public: [2] });
  });

  it('keeps a long list of findings under GitHub’s body limit and still notices a change beyond the listed rows', () => {
    const many = Array.from({ length: 400 }, (_, index) => risk('rls_disabled_in_public', `public.t${String(index).padStart(3, '0')}`, 'critical', 'x'.repeat(400)));
    const body = issueBody('rls_disabled_in_public', many);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('…and 300 more; see the compliance report.');
    const changed = issueBody('rls_disabled_in_public', [...many.slice(0, 399), risk('rls_disabled_in_public', 'public.t999', 'critical', 'x'.repeat(400))]);
    expect(changed).not.toBe(body);
  });
});
