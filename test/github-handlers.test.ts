import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { handlePullRequest, handlePush, PublishError, pushSkipReason } from '../app/github/handlers.js';
import type { PullRequestLike } from '../app/github/octokit-changeset.js';
import { FakeGitHub } from './helpers/github/fake-github.js';

/** The App's core without Probot: an Octokit instance, a fake GitHub, and the outcome it returns. */

let fake: FakeGitHub;
let octokit: Octokit;
let shop: ReturnType<FakeGitHub['addRepo']>;
let main: string;
const repo = { owner: 'acme', repo: 'shop' };

beforeEach(() => {
  fake = new FakeGitHub().start();
  shop = fake.addRepo({ owner: 'acme', name: 'shop' });
  main = fake.commit(null, { 'README.md': '# Shop\n' });
  fake.setBranch(shop, 'main', main);
  octokit = new Octokit({ auth: fake.issueToken() });
});

afterEach(() => {
  expect(fake.violations).toEqual([]);
  fake.stop();
});

function pullRequest(number: number): PullRequestLike {
  return fake.pullRequestJson(shop, number) as unknown as PullRequestLike;
}

describe('handlePullRequest', () => {
  it('reports what it published, and that the head lives in a fork', async () => {
    const head = fake.commit(main, { 'docs/a.md': '# A\n' });
    fake.openPullRequest(shop, { number: 1, base: { sha: main }, head: { sha: head }, headRepo: 'someone/shop' });
    const outcome = await handlePullRequest({ octokit, repo, pullRequest: pullRequest(1) });
    expect(outcome).toMatchObject({
      status: 'checked',
      headSha: head,
      fromFork: true,
      checkRuns: [
        { name: 'platform-kit/spec-bundle', action: 'created', conclusion: 'success' },
        { name: 'platform-kit/schema-safety', action: 'created', conclusion: 'success' },
        { name: 'platform-kit/doc-sync', action: 'created', conclusion: 'success' },
      ],
      comment: { action: 'created' },
    });
  });

  it('fails every check with the reason when the change cannot be loaded', async () => {
    const head = fake.commit(main, { 'docs/a.md': '# A\n' });
    fake.openPullRequest(shop, { number: 2, base: { sha: main }, head: { sha: head } });
    fake.failures.push({ method: 'GET', path: /\/pulls\/2\/files$/, status: 502, times: 1 });
    const outcome = await handlePullRequest({ octokit, repo, pullRequest: pullRequest(2) });
    expect(outcome.status).toBe('checked');
    const runs = fake.runsFor(shop, head);
    expect(runs.map((run) => `${run.name} ${run.status} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle completed failure',
      'platform-kit/schema-safety completed failure',
      'platform-kit/doc-sync completed failure',
    ]);
    for (const run of runs) expect(run.output.summary).toContain('Platform Kit could not check this change');
    expect(fake.commentsOn(shop, 2)[0]?.body).toContain('could not check this change');
  });

  it('still comments when a check run cannot be published, then reports the failure', async () => {
    const head = fake.commit(main, { 'docs/a.md': '# A\n' });
    fake.openPullRequest(shop, { number: 3, base: { sha: main }, head: { sha: head } });
    // The first create (platform-kit/spec-bundle) is refused; the next check's run still goes out.
    fake.failures.push({ method: 'POST', path: /\/check-runs$/, status: 403, times: 1 });
    const outcome = handlePullRequest({ octokit, repo, pullRequest: pullRequest(3) });
    await expect(outcome).rejects.toBeInstanceOf(PublishError);
    await expect(outcome).rejects.toThrow('platform-kit/spec-bundle');
    expect(fake.runsFor(shop, head).map((run) => run.name)).toEqual(['platform-kit/schema-safety', 'platform-kit/doc-sync']);
    expect(fake.commentsOn(shop, 3)).toHaveLength(1);
  });

  it('does not comment when the config turns comments off', async () => {
    fake.setBranch(shop, 'main', fake.commit(main, { '.github/platform-kit.yml': 'pullRequests:\n  comment: false\n' }));
    const head = fake.commit(main, { 'docs/a.md': '# A\n' });
    fake.openPullRequest(shop, { number: 4, base: { sha: main }, head: { sha: head } });
    const outcome = await handlePullRequest({ octokit, repo, pullRequest: pullRequest(4) });
    expect(outcome).toMatchObject({ status: 'checked', commentSkipped: 'the config has pullRequests.comment: false' });
    expect(fake.commentsOn(shop, 4)).toEqual([]);
    expect(fake.runsFor(shop, head).map((run) => run.name)).toEqual(['platform-kit/spec-bundle', 'platform-kit/schema-safety', 'platform-kit/doc-sync']);
  });

  it('reports the suggested changes it posted, then the ones already on the diff, even with comments off', async () => {
    fake.setBranch(shop, 'main', fake.commit(main, { '.github/platform-kit.yml': 'pullRequests:\n  comment: false\n' }));
    const migration = 'supabase/migrations/20240501000000_notes.sql';
    const head = fake.commit(main, { [migration]: 'create table private.notes (id bigint primary key, body varchar(200));\n' });
    fake.openPullRequest(shop, { number: 6, base: { sha: main }, head: { sha: head } });
    const first = await handlePullRequest({ octokit, repo, pullRequest: pullRequest(6) });
    const [review] = fake.reviewsOn(shop, 6);
    expect(first).toMatchObject({ status: 'checked', suggestions: { posted: 1, alreadyOnDiff: 0, elsewhere: 0, reviewId: review?.id } });
    expect(fake.reviewCommentsOn(shop, 6).map((comment) => `${comment.path}:${comment.line}`)).toEqual([`${migration}:1`]);

    const second = await handlePullRequest({ octokit, repo, pullRequest: pullRequest(6) });
    expect(second).toMatchObject({ status: 'checked', suggestions: { posted: 0, alreadyOnDiff: 1, elsewhere: 0 } });
    expect(fake.reviewsOn(shop, 6)).toHaveLength(1);
    expect(fake.commentsOn(shop, 6)).toEqual([]);
  });

  it('settles a check that the config switched off since the last run', async () => {
    const head = fake.commit(main, { 'docs/a.md': '# A\n' });
    fake.openPullRequest(shop, { number: 5, base: { sha: main }, head: { sha: head } });
    await handlePullRequest({ octokit, repo, pullRequest: pullRequest(5) });
    fake.setBranch(shop, 'main', fake.commit(main, { '.github/platform-kit.yml': 'checks:\n  spec-bundle:\n    enabled: false\n' }));
    const outcome = await handlePullRequest({ octokit, repo, pullRequest: pullRequest(5) });
    // Only the check still enabled runs; the switched-off one's run is settled rather than left failing or stale.
    expect(outcome).toMatchObject({ status: 'checked', results: [{ checkId: 'schema-safety' }, { checkId: 'doc-sync' }] });
    expect(outcome.status === 'checked' && outcome.results).toHaveLength(2);
    expect(fake.latestRunsFor(shop, head).map((run) => `${run.name} ${run.conclusion}: ${run.output.summary}`)).toEqual([
      expect.stringContaining('platform-kit/spec-bundle neutral: Not run: the spec-bundle check is disabled in the Platform Kit config.'),
      expect.stringContaining('platform-kit/schema-safety success: No migration added or changed.'),
      expect.stringContaining('platform-kit/doc-sync success: No agent instruction file changed.'),
    ]);
  });
});

describe('handlePush', () => {
  it('names why a push is not checked', () => {
    const sha = 'a'.repeat(40);
    expect(pushSkipReason({ ref: 'refs/heads/main', before: sha, after: '0'.repeat(40), deleted: true }, 'main')).toBe('the branch was deleted');
    expect(pushSkipReason({ ref: 'refs/heads/dev', before: sha, after: sha }, 'main')).toContain('is not the default branch');
    expect(pushSkipReason({ ref: 'refs/heads/main', before: '0'.repeat(40), after: sha }, 'main')).toContain('just created');
    expect(pushSkipReason({ ref: 'refs/heads/main', before: sha, after: sha }, 'main')).toBeUndefined();
  });

  it('checks the pushed commits on the default branch', async () => {
    const after = fake.commit(main, { 'docs/b.md': '# B\n' });
    const outcome = await handlePush({ octokit, repo, push: { ref: 'refs/heads/main', before: main, after }, defaultBranch: 'main' });
    expect(outcome).toMatchObject({ status: 'checked', headSha: after, checkRuns: [
        { name: 'platform-kit/spec-bundle', conclusion: 'success' },
        { name: 'platform-kit/schema-safety', conclusion: 'success' },
        { name: 'platform-kit/doc-sync', conclusion: 'success' },
      ],
    });
    expect(fake.requests.map((request) => request.operationId)).toContain('repos/compare-commits');
  });
});
