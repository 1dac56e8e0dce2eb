import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import type { CheckResult, Finding } from '../app/checks/types.js';
import { countApiCalls } from '../app/github/api-counter.js';
import { CheckRunPublishError, publishCheckRuns } from '../app/github/check-runs.js';
import { contentsConfigSource } from '../app/github/config-source.js';
import { loadPullRequestChangeSet, loadPushChangeSet, type PullRequestLike } from '../app/github/octokit-changeset.js';
import { parsePatchHunks } from '../app/github/patch.js';
import { upsertStickyComment } from '../app/github/sticky-comment.js';
import { renderComment, STICKY_MARKER } from '../app/report/index.js';
import { FakeGitHub, type GitHubFileEntry } from './helpers/github/fake-github.js';

const repo = { owner: 'acme', repo: 'shop' };

function finding(index: number, severity: Finding['severity'] = 'warning'): Finding {
  return {
    checkId: 'spec-bundle',
    ruleId: 'missing-heading',
    severity,
    path: `docs/file-${String(index).padStart(3, '0')}.md`,
    startLine: index + 1,
    endLine: index + 1,
    title: 'Missing heading',
    message: `Finding ${index}`,
  };
}

function result(findings: Finding[], conclusion: CheckResult['conclusion'] = 'failure'): CheckResult {
  return { checkId: 'spec-bundle', title: 'Spec bundle', conclusion, summary: `${findings.length} problems.`, findings };
}

describe('parsePatchHunks', () => {
  it('reads hunk headers, with and without counts, and skips bodies that look like headers', () => {
    const patch = ['@@ -1,2 +1,3 @@ intro', ' a', '-b', '+c', '+@@ -9 +9 @@ not a header', '@@ -10 +11,0 @@', '-gone', '\\ No newline at end of file'].join('\n');
    expect(parsePatchHunks(patch)).toEqual([
      { baseStart: 1, baseLines: 2, headStart: 1, headLines: 3 },
      { baseStart: 10, baseLines: 1, headStart: 11, headLines: 0 },
    ]);
  });
});

describe('GitHub glue over the REST API', () => {
  let fake: FakeGitHub;
  let octokit: Octokit;
  let shop: ReturnType<FakeGitHub['addRepo']>;

  beforeEach(() => {
    fake = new FakeGitHub().start();
    shop = fake.addRepo({ owner: 'acme', name: 'shop' });
    octokit = new Octokit({ auth: fake.issueToken() });
  });
  afterEach(() => {
    expect(fake.violations).toEqual([]);
    fake.stop();
  });

  function pullRequest(number: number): PullRequestLike {
    return fake.pullRequestJson(shop, number) as unknown as PullRequestLike;
  }

  describe('pull request change set', () => {
    it('pages through the files 100 at a time and parses their hunks', async () => {
      const base = fake.commit(null, { 'README.md': 'hello\n' });
      const files: Record<string, string> = {};
      for (let index = 0; index < 250; index++) files[`src/file-${String(index).padStart(3, '0')}.ts`] = `export const n = ${index};\n`;
      files['README.md'] = 'hello\nworld\n';
      const head = fake.commit(base, files);
      fake.openPullRequest(shop, { number: 1, base: { sha: base }, head: { sha: head } });

      const changeSet = await loadPullRequestChangeSet(octokit, repo, pullRequest(1));
      expect(changeSet.files).toHaveLength(251);
      expect(changeSet.files.find((file) => file.path === 'README.md')).toEqual({
        path: 'README.md',
        status: 'modified',
        additions: 1,
        deletions: 0,
        hunks: [{ baseStart: 1, baseLines: 0, headStart: 2, headLines: 1 }],
      });
      expect(changeSet.truncated).toBeUndefined();
      expect(changeSet.pullRequest).toMatchObject({ number: 1, fromFork: false, changedFiles: 251 });
      // 251 files: three pages, and no fourth request for an empty page.
      expect(fake.requests.map((request) => request.query.page)).toEqual(['1', '2', '3']);
    });

    it('does not list a pull request over 3,000 files and marks it truncated', async () => {
      const base = fake.commit(null, { 'README.md': 'x\n' });
      const synthetic: GitHubFileEntry[] = Array.from({ length: 3000 }, (_, index) => ({
        sha: '0'.repeat(40),
        filename: `gen/${index}.txt`,
        status: 'added',
        additions: 1,
        deletions: 0,
        changes: 1,
        blob_url: '',
        raw_url: '',
        contents_url: '',
        patch: '@@ -0,0 +1 @@\n+x',
      }));
      fake.openPullRequest(shop, { number: 2, base: { sha: base }, head: { sha: base }, files: synthetic, changedFiles: 3500 });
      const changeSet = await loadPullRequestChangeSet(octokit, repo, pullRequest(2));
      expect(changeSet.truncated?.reason).toContain('3,500 files');
      expect(fake.requests.filter((request) => request.operationId === 'pulls/list-files')).toHaveLength(0);
    });

    it('reads files lazily, once each, and tells text, binary, missing and too-large apart', async () => {
      const base = fake.commit(null, { 'README.md': 'v1\n' });
      const head = fake.commit(base, {
        'README.md': 'v2\n',
        'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
        'big.sql': 'x'.repeat(1024 * 1024 + 10),
      });
      fake.openPullRequest(shop, { number: 3, base: { sha: base }, head: { sha: head } });
      const changeSet = await loadPullRequestChangeSet(octokit, repo, pullRequest(3));
      fake.resetRequests();

      expect(await changeSet.readFile('head', 'README.md')).toEqual({ kind: 'text', text: 'v2\n' });
      expect(await changeSet.readFile('head', 'README.md')).toEqual({ kind: 'text', text: 'v2\n' });
      expect(await changeSet.readFile('head', 'logo.png')).toEqual({ kind: 'binary', size: 6 });
      expect(await changeSet.readFile('head', 'nope.md')).toEqual({ kind: 'missing' });
      // Without a loaded tree the contents API tells the size (and sends no content above 1 MB).
      expect(await changeSet.readFile('head', 'big.sql')).toEqual({ kind: 'too-large', size: 1024 * 1024 + 10 });
      expect(fake.requests.map((request) => request.operationId)).toEqual(['repos/get-content', 'repos/get-content', 'repos/get-content', 'repos/get-content']);
      // The base side is read at the merge base, found once with the compare API.
      expect(await changeSet.readFile('base', 'README.md')).toEqual({ kind: 'text', text: 'v1\n' });
      expect(fake.requests.slice(4).map((request) => request.operationId)).toEqual(['repos/compare-commits', 'repos/get-content']);
    });

    it('lists a side with one cached tree request, and uses its sizes to skip contents requests', async () => {
      const base = fake.commit(null, { 'README.md': 'v1\n' });
      const head = fake.commit(base, { 'spec/a/prd.md': '# A\n', 'spec/a/plan.md': '# Plan\n', 'data/huge.csv': 'y'.repeat(2 * 1024 * 1024) });
      fake.openPullRequest(shop, { number: 4, base: { sha: base }, head: { sha: head } });
      const changeSet = await loadPullRequestChangeSet(octokit, repo, pullRequest(4));
      fake.resetRequests();

      expect(await changeSet.listFiles('head', 'spec/**')).toEqual(['spec/a/plan.md', 'spec/a/prd.md']);
      expect(await changeSet.listFiles('head', '**/*.md')).toEqual(['README.md', 'spec/a/plan.md', 'spec/a/prd.md']);
      expect(await changeSet.readFile('head', 'data/huge.csv')).toEqual({ kind: 'too-large', size: 2 * 1024 * 1024 });
      expect(await changeSet.readFile('head', 'spec/a/missing.md')).toEqual({ kind: 'missing' });
      expect(fake.requests.map((request) => `${request.operationId} ${JSON.stringify(request.query)}`)).toEqual(['git/get-tree {"recursive":"1"}']);
    });

    it('lists the base branch tip for rules about what the change merges into, with no extra request when it has not moved', async () => {
      const forkPoint = fake.commit(null, { 'supabase/migrations/20240101000000_init.sql': 'select 1;\n' });
      const head = fake.commit(forkPoint, { 'supabase/migrations/20240201000000_feature.sql': 'select 2;\n' });
      const movedOn = fake.commit(forkPoint, { 'supabase/migrations/20240301000000_landed.sql': 'select 3;\n' });
      fake.openPullRequest(shop, { number: 5, base: { sha: movedOn }, head: { sha: head } });
      const changeSet = await loadPullRequestChangeSet(octokit, repo, pullRequest(5));
      expect(changeSet.files.map((file) => file.path)).toEqual(['supabase/migrations/20240201000000_feature.sql']);
      expect(await changeSet.listFiles('base', 'supabase/migrations/*.sql')).toEqual(['supabase/migrations/20240101000000_init.sql']);
      expect(await changeSet.listBaseTipFiles?.('supabase/migrations/*.sql')).toEqual([
        'supabase/migrations/20240101000000_init.sql',
        'supabase/migrations/20240301000000_landed.sql',
      ]);

      fake.openPullRequest(shop, { number: 6, base: { sha: forkPoint }, head: { sha: head } });
      const unmoved = await loadPullRequestChangeSet(octokit, repo, pullRequest(6));
      await unmoved.listFiles('base', 'supabase/**');
      fake.resetRequests();
      expect(await unmoved.listBaseTipFiles?.('supabase/migrations/*.sql')).toEqual(['supabase/migrations/20240101000000_init.sql']);
      expect(fake.requests).toEqual([]);
    });

    it('walks folder by folder when GitHub truncates the recursive tree', async () => {
      const big = fake.addRepo({ owner: 'acme', name: 'monorepo', truncateTrees: true });
      const base = fake.commit(null, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n', 'spec/x/prd.md': '# X\n', 'spec/y/prd.md': '# Y\n', 'z.txt': 'z\n' });
      fake.openPullRequest(big, { number: 1, base: { sha: base }, head: { sha: base } });
      const changeSet = await loadPullRequestChangeSet(octokit, { owner: 'acme', repo: 'monorepo' }, fake.pullRequestJson(big, 1) as unknown as PullRequestLike);
      expect(await changeSet.listFiles('head', 'spec/**/prd.md')).toEqual(['spec/x/prd.md', 'spec/y/prd.md']);
      expect(await changeSet.listFiles('head', '*.txt')).toEqual(['a.txt', 'b.txt', 'c.txt', 'z.txt']);
    });
  });

  it('loads a push from the compare API, with the merge base as its base side', async () => {
    const first = fake.commit(null, { 'README.md': 'one\n' });
    const second = fake.commit(first, { 'README.md': 'one\ntwo\n', 'docs/new.md': '# New\n' });
    const changeSet = await loadPushChangeSet(octokit, repo, { ref: 'refs/heads/main', before: first, after: second });
    expect(changeSet.base).toEqual({ ref: 'main', sha: first });
    expect(changeSet.head).toEqual({ ref: 'main', sha: second });
    expect(changeSet.files.map((file) => `${file.status} ${file.path}`)).toEqual(['modified README.md', 'added docs/new.md']);
    expect(await changeSet.readFile('base', 'docs/new.md')).toEqual({ kind: 'missing' });
  });

  it('reads config files from default branches, null when absent', async () => {
    fake.setBranch(shop, 'main', fake.commit(null, { '.github/platform-kit.yml': 'pullRequests:\n  comment: false\n' }));
    const source = contentsConfigSource(octokit);
    expect(await source.read({ owner: 'acme', repo: 'shop', path: '.github/platform-kit.yml' })).toBe('pullRequests:\n  comment: false\n');
    expect(await source.read({ owner: 'acme', repo: 'shop', path: '.github/other.yml' })).toBeNull();
    expect(await source.read({ owner: 'acme', repo: '.github', path: '.github/platform-kit.yml' })).toBeNull();
  });

  describe('check runs', () => {
    let sha: string;
    beforeEach(() => {
      sha = fake.commit(null, { 'README.md': 'x\n' });
    });

    it('sends 50 annotations per request: create with the first 50, then updates', async () => {
      const findings = Array.from({ length: 120 }, (_, index) => finding(index));
      const [run] = await publishCheckRuns({ octokit, repo, headSha: sha, results: [result(findings)] });
      expect(run).toMatchObject({ name: 'platform-kit/spec-bundle', action: 'created', conclusion: 'failure' });
      const writes = fake.requests.filter((request) => request.method !== 'GET');
      expect(writes.map((request) => `${request.method} ${(request.body as { output: { annotations?: unknown[] } }).output.annotations?.length}`)).toEqual([
        'POST 50',
        'PATCH 50',
        'PATCH 20',
      ]);
      const [stored] = fake.runsFor(shop, sha);
      expect(stored).toMatchObject({ status: 'completed', conclusion: 'failure', name: 'platform-kit/spec-bundle' });
      expect(stored?.annotations).toHaveLength(120);
      expect(stored?.annotations[0]).toMatchObject({ path: 'docs/file-000.md', start_line: 1, annotation_level: 'warning' });
    });

    it('publishing the same result again updates the run without duplicating its annotations', async () => {
      const results = [result([finding(1), finding(2)])];
      await publishCheckRuns({ octokit, repo, headSha: sha, results });
      const [again] = await publishCheckRuns({ octokit, repo, headSha: sha, results });
      expect(again?.action).toBe('refreshed');
      expect(fake.runsFor(shop, sha)).toHaveLength(1);
      expect(fake.runsFor(shop, sha)[0]?.annotations).toHaveLength(2);
    });

    it('updates a run without annotations in place, and supersedes one whose annotations are stale', async () => {
      await publishCheckRuns({ octokit, repo, headSha: sha, results: [result([], 'success')] });
      const [updated] = await publishCheckRuns({ octokit, repo, headSha: sha, results: [result([finding(1, 'error')])] });
      expect(updated?.action).toBe('updated');
      expect(fake.runsFor(shop, sha)).toHaveLength(1);

      const [replaced] = await publishCheckRuns({ octokit, repo, headSha: sha, results: [result([], 'success')] });
      expect(replaced?.action).toBe('replaced');
      const runs = fake.runsFor(shop, sha);
      expect(runs).toHaveLength(2);
      expect(runs[1]).toMatchObject({ conclusion: 'success', annotations: [] });
    });

    it('settles runs the new results do not cover', async () => {
      const configFailure: CheckResult = { checkId: 'config', title: 'Config', conclusion: 'failure', summary: 'Broken.', findings: [] };
      await publishCheckRuns({ octokit, repo, headSha: sha, results: [configFailure] });
      await publishCheckRuns({
        octokit,
        repo,
        headSha: sha,
        results: [result([], 'success')],
        settle: (checkId) => (checkId === 'config' ? { ...configFailure, conclusion: 'success', summary: 'Valid.' } : undefined),
      });
      expect(fake.runsFor(shop, sha).map((run) => `${run.name} ${run.conclusion}`).sort()).toEqual([
        'platform-kit/config success',
        'platform-kit/spec-bundle success',
      ]);
    });

    it('leaves no run claiming to be complete when an annotation request fails', async () => {
      fake.failures.push({ method: 'PATCH', path: /check-runs/, status: 422, times: 1 });
      const findings = Array.from({ length: 60 }, (_, index) => finding(index, 'notice'));
      const error = await publishCheckRuns({ octokit, repo, headSha: sha, results: [result(findings, 'success')] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CheckRunPublishError);
      const [stored] = fake.runsFor(shop, sha);
      expect(stored).toMatchObject({ status: 'completed', conclusion: 'neutral' });
      expect(stored?.output.summary).toContain('Only 50 of 60 annotations could be published');
    });

    it('lists only our runs, in one request', async () => {
      const counter = countApiCalls(octokit);
      await publishCheckRuns({ octokit, repo, headSha: sha, results: [result([], 'success')], appId: fake.appId });
      expect(counter.count).toBe(2);
      expect(counter.byRoute).toEqual({ 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': 1, 'POST /repos/{owner}/{repo}/check-runs': 1 });
      expect(fake.requests[0]?.query).toEqual({ filter: 'latest', per_page: '100', page: '1', app_id: String(fake.appId) });
    });
  });

  describe('sticky comment', () => {
    beforeEach(() => {
      const sha = fake.commit(null, { 'README.md': 'x\n' });
      fake.openPullRequest(shop, { number: 9, base: { sha }, head: { sha } });
    });
    const body = (text: string) => `${STICKY_MARKER}\n${text}`;

    it('creates one comment, edits it in place, and leaves it alone when nothing changed', async () => {
      // A person quoting the marker does not own the sticky comment.
      fake.addComment(shop, 9, body('quoted by a person'));
      const created = await upsertStickyComment({ octokit, repo, issueNumber: 9, body: body('first') });
      const updated = await upsertStickyComment({ octokit, repo, issueNumber: 9, body: body('second') });
      fake.resetRequests();
      const unchanged = await upsertStickyComment({ octokit, repo, issueNumber: 9, body: body('second') });
      expect([created.action, updated.action, unchanged.action]).toEqual(['created', 'updated', 'unchanged']);
      expect(updated.id).toBe(created.id);
      expect(fake.requests.map((request) => request.method)).toEqual(['GET']);
      expect(fake.commentsOn(shop, 9).map((comment) => comment.body)).toEqual([body('quoted by a person'), body('second')]);
    });

    it('removes copies left by a race, keeping the oldest', async () => {
      const bot = { login: 'platform-kit[bot]', id: 1, type: 'Bot' as const };
      const oldest = fake.addComment(shop, 9, body('one'), bot);
      fake.addComment(shop, 9, body('two'), bot);
      const outcome = await upsertStickyComment({ octokit, repo, issueNumber: 9, body: renderComment([], { headSha: 'abc' }) });
      expect(outcome).toMatchObject({ id: oldest.id, action: 'updated', removedDuplicates: 1 });
      expect(fake.commentsOn(shop, 9)).toHaveLength(1);
    });
  });
});
