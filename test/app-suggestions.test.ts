import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import platformKitApp from '../app/probot.js';
import { startAppServer, type AppServer } from './helpers/github/app-server.js';
import { FakeGitHub, type GitHubFileEntry } from './helpers/github/fake-github.js';
import { pullRequestEvent } from './helpers/github/webhook-payloads.js';

/**
 * Suggested changes on the diff, end to end: Probot receives signed webhooks, the checks run on a
 * real change, and the review goes to a fake GitHub that refuses comments on lines outside the diff
 * and checks every request against GitHub's OpenAPI description.
 */

const INIT = 'supabase/migrations/20240101000000_init.sql';
const NOTES = 'supabase/migrations/20240501000000_notes.sql';
const BASE = {
  'README.md': '# Shop\n',
  'supabase/config.toml': '[api]\nschemas = ["public"]\n',
  [INIT]: 'create table public.orders (id bigint primary key, ref varchar(10));\nalter table public.orders enable row level security;\n',
};
// Line 2: a varchar column (prefer-text-field); lines 5-8: a table without row level security (rls-not-enabled).
const NOTES_SQL = [
  '-- Notes for the checkout.',
  'create table public.notes (id bigint primary key, body varchar(200));',
  'alter table public.notes enable row level security;',
  '',
  'create table public.tags (',
  '  id bigint primary key,',
  '  name text',
  ');',
  '',
].join('\n');
const TEXT_SUGGESTION = 'create table public.notes (id bigint primary key, body text check (char_length(body) <= 200));';
const RLS_SUGGESTION = 'create table public.tags (\n  id bigint primary key,\n  name text\n);\nalter table public.tags enable row level security;';

let fake: FakeGitHub;
let server: AppServer;
let repoCount = 0;

beforeAll(async () => {
  fake = new FakeGitHub().start();
  server = await startAppServer({ fake, app: platformKitApp });
});

afterAll(async () => {
  await server.stop();
  fake.stop();
});

afterEach(() => {
  expect(fake.violations).toEqual([]);
});

function newRepo(files: Record<string, string> = BASE) {
  const repo = fake.addRepo({ owner: 'acme', name: `notes-${++repoCount}` });
  const main = fake.commit(null, files);
  fake.setBranch(repo, 'main', main);
  return { repo, main };
}

function callsSince(mark: number): string[] {
  return fake.requests
    .slice(mark)
    .filter((request) => request.operationId !== 'apps/create-installation-access-token')
    .map((request) => `${request.method} ${request.operationId}`);
}

function suggestionBlock(text: string): string {
  return `\`\`\`suggestion\n${text}\n\`\`\``;
}

/** The same block as the sticky comment shows it: inside a list item, indented. */
function listedSuggestionBlock(text: string): string {
  return suggestionBlock(text).replaceAll('\n', '\n  ');
}

describe('suggested changes on the diff', () => {
  it('posts one review with a suggestion per finding, and a redelivery adds nothing', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { [NOTES]: NOTES_SQL });
    fake.openPullRequest(repo, { number: 1, base: { sha: main }, head: { sha: head }, body: 'Adds notes.' });
    const payload = pullRequestEvent(fake, repo, 1);
    const deliveryId = randomUUID();
    let mark = fake.requests.length;

    expect((await server.deliver('pull_request', payload, { deliveryId })).status).toBe(200);

    const calls = callsSince(mark);
    // Two calls more than a pull request without suggestions: the list of review comments, the review.
    expect(calls.filter((call) => call.includes('review'))).toEqual(['GET pulls/list-review-comments', 'POST pulls/create-review']);
    // After the check runs, before the sticky comment (which points at the review).
    expect(calls.indexOf('POST pulls/create-review')).toBeGreaterThan(calls.lastIndexOf('POST checks/create'));
    expect(calls.indexOf('POST pulls/create-review')).toBeLessThan(calls.indexOf('GET issues/list-comments'));

    const [review, ...otherReviews] = fake.reviewsOn(repo, 1);
    expect(otherReviews).toEqual([]);
    expect(review).toMatchObject({ event: 'COMMENT', commit_id: head, user: { type: 'Bot' } });
    const comments = fake.reviewCommentsOn(repo, 1);
    expect(comments.map((comment) => ({ path: comment.path, start_line: comment.start_line, line: comment.line, side: comment.side, start_side: comment.start_side }))).toEqual([
      // rls-not-enabled is an error: the most severe comes first.
      { path: NOTES, start_line: 5, line: 8, side: 'RIGHT', start_side: 'RIGHT' },
      { path: NOTES, start_line: null, line: 2, side: 'RIGHT', start_side: null },
    ]);
    const [rls, text] = comments;
    expect(rls?.body).toMatch(/^<!-- platform-kit:suggestion [0-9a-f]{64} -->\n/);
    expect(rls?.body).toContain('**Table without row level security**');
    expect(rls?.body).toContain('[`schema-safety/rls-not-enabled`](https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/rls-not-enabled.md)');
    expect(rls?.body).toContain(suggestionBlock(RLS_SUGGESTION));
    expect(text?.body).toContain('`schema-safety/prefer-text-field`');
    expect(text?.body).toContain(suggestionBlock(TEXT_SUGGESTION));

    // The sticky comment links the suggestions instead of repeating them.
    const [sticky, ...otherStickies] = fake.commentsOn(repo, 1);
    expect(otherStickies).toEqual([]);
    expect(sticky?.body).not.toContain('```suggestion');
    const reviewLink = `https://github.com/acme/${repo.name}/pull/1#pullrequestreview-${review?.id}`;
    expect(sticky?.body.split(`**Suggested on the diff**: [apply it there](${reviewLink}).`)).toHaveLength(3);

    // The same delivery again: one list, no review, and the comment reads the same.
    mark = fake.requests.length;
    expect((await server.deliver('pull_request', payload, { deliveryId })).status).toBe(200);
    const again = callsSince(mark);
    expect(again.filter((call) => call.includes('review'))).toEqual(['GET pulls/list-review-comments']);
    expect(again.filter((call) => !call.startsWith('GET'))).toEqual(['PATCH checks/update', 'PATCH checks/update', 'PATCH checks/update']);
    expect(fake.reviewsOn(repo, 1)).toHaveLength(1);
    expect(fake.reviewCommentsOn(repo, 1)).toHaveLength(2);
    expect(fake.commentsOn(repo, 1).map((comment) => comment.body)).toEqual([sticky?.body]);
  });

  it('adds nothing when a new commit leaves the suggested lines as they were', async () => {
    const { repo, main } = newRepo();
    const first = fake.commit(main, { [NOTES]: NOTES_SQL });
    const pull = fake.openPullRequest(repo, { number: 2, base: { sha: main }, head: { sha: first } });
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 2));
    expect(fake.reviewCommentsOn(repo, 2)).toHaveLength(2);

    const second = fake.commit(first, { 'docs/notes.md': '# Notes\n' });
    pull.head.sha = second;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 2, 'synchronize'))).status).toBe(200);
    expect(fake.reviewsOn(repo, 2)).toHaveLength(1);
    expect(fake.reviewCommentsOn(repo, 2)).toHaveLength(2);
  });

  it('keeps a suggestion for lines outside the diff in the sticky comment only', async () => {
    const { repo, main } = newRepo();
    // An edited migration: schema-safety lints the whole file, but the diff only shows lines 3-5.
    const head = fake.commit(main, { [INIT]: `${BASE[INIT]}\ncreate table public.tags (id bigint primary key, label varchar(5));\nalter table public.tags enable row level security;\n` });
    fake.openPullRequest(repo, { number: 3, base: { sha: main }, head: { sha: head } });
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 3))).status).toBe(200);

    const comments = fake.reviewCommentsOn(repo, 3);
    expect(comments.map((comment) => `${comment.path}:${comment.line}`)).toEqual([`${INIT}:4`]);
    expect(comments[0]?.body).toContain(suggestionBlock('create table public.tags (id bigint primary key, label text check (char_length(label) <= 5));'));
    const [sticky] = fake.commentsOn(repo, 3);
    // Line 1 is not on the diff: GitHub would refuse a review comment there, so the comment shows the change.
    expect(sticky?.body).toContain(listedSuggestionBlock('create table public.orders (id bigint primary key, ref text check (char_length(ref) <= 10));'));
    expect(sticky?.body).not.toContain('label text check');
    expect(sticky?.body.match(/Suggested on the diff/g)).toHaveLength(1);
  });

  it('posts no review when the config has pullRequests.suggestions: false', async () => {
    const { repo, main } = newRepo({ ...BASE, '.github/platform-kit.yml': 'pullRequests:\n  suggestions: false\n' });
    const head = fake.commit(main, { [NOTES]: NOTES_SQL });
    fake.openPullRequest(repo, { number: 4, base: { sha: main }, head: { sha: head } });
    const mark = fake.requests.length;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 4))).status).toBe(200);

    expect(callsSince(mark).filter((call) => call.includes('review'))).toEqual([]);
    expect(fake.reviewsOn(repo, 4)).toEqual([]);
    const [sticky] = fake.commentsOn(repo, 4);
    expect(sticky?.body).toContain(listedSuggestionBlock(TEXT_SUGGESTION));
    expect(sticky?.body).toContain(listedSuggestionBlock(RLS_SUGGESTION));
    expect(sticky?.body).not.toContain('Suggested on the diff');
  });

  it('still checks and comments when GitHub refuses the review, and posts it on the next event', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { [NOTES]: NOTES_SQL });
    fake.openPullRequest(repo, { number: 5, base: { sha: main }, head: { sha: head } });
    fake.failures.push({ method: 'POST', path: /\/pulls\/5\/reviews$/, status: 422, times: 1 });

    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 5))).status).toBe(200);
    expect(fake.reviewsOn(repo, 5)).toEqual([]);
    expect(fake.runsFor(repo, head).map((run) => `${run.name} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle success',
      'platform-kit/schema-safety failure',
      'platform-kit/doc-sync success',
    ]);
    const [sticky, ...others] = fake.commentsOn(repo, 5);
    expect(others).toEqual([]);
    expect(sticky?.body).toContain(listedSuggestionBlock(TEXT_SUGGESTION));
    expect(server.logs.some((record) => record.msg.includes('suggested changes not posted'))).toBe(true);

    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 5, 'reopened'))).status).toBe(200);
    expect(fake.reviewCommentsOn(repo, 5)).toHaveLength(2);
    const after = fake.commentsOn(repo, 5);
    expect(after.map((comment) => comment.id)).toEqual([sticky?.id]);
    expect(after[0]?.body).not.toContain('```suggestion');
  });

  it('posts no suggested change on a pull request from a fork; the comment shows them', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { [NOTES]: NOTES_SQL });
    fake.openPullRequest(repo, { number: 6, base: { sha: main }, head: { sha: head }, headRepo: 'contributor/shop' });
    const mark = fake.requests.length;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 6))).status).toBe(200);
    expect(callsSince(mark).filter((call) => !call.startsWith('GET'))).toEqual(['POST checks/create', 'POST checks/create', 'POST checks/create', 'POST issues/create-comment']);
    expect(fake.reviewCommentsOn(repo, 6)).toEqual([]);
    expect(fake.commentsOn(repo, 6)[0]?.body).toContain('```suggestion');
  });
});

describe('the fake review API', () => {
  function twoHunkPull(number: number) {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { [NOTES]: NOTES_SQL });
    const entry: GitHubFileEntry = {
      sha: '0'.repeat(40),
      filename: NOTES,
      status: 'modified',
      additions: 3,
      deletions: 0,
      changes: 3,
      blob_url: '',
      raw_url: '',
      contents_url: '',
      // Head lines 2-3 and 7-8.
      patch: '@@ -1,1 +2,2 @@\n+a\n+b\n@@ -5,0 +7,2 @@\n+c\n+d',
    };
    fake.openPullRequest(repo, { number, base: { sha: main }, head: { sha: head }, files: [entry] });
    return { repo, head, octokit: new Octokit({ auth: fake.issueToken() }) };
  }

  const review = (repo: { name: string }, number: number, head: string, comments: Array<Record<string, unknown>>) => ({
    owner: 'acme',
    repo: repo.name,
    pull_number: number,
    commit_id: head,
    event: 'COMMENT' as const,
    body: 'Suggestions.',
    comments: comments as Array<{ path: string; body: string }>,
  });

  it('refuses, as GitHub does, comments off the diff and ranges across hunks, and creates nothing', async () => {
    const { repo, head, octokit } = twoHunkPull(20);
    const post = (comments: Array<Record<string, unknown>>) => octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', review(repo, 20, head, comments));
    await expect(post([{ path: NOTES, line: 2, side: 'RIGHT', body: 'ok' }, { path: NOTES, line: 5, side: 'RIGHT', body: 'off the diff' }])).rejects.toMatchObject({ status: 422 });
    await expect(post([{ path: NOTES, start_line: 3, start_side: 'RIGHT', line: 7, side: 'RIGHT', body: 'across hunks' }])).rejects.toMatchObject({ status: 422 });
    await expect(post([{ path: 'elsewhere.sql', line: 2, side: 'RIGHT', body: 'not in the pull request' }])).rejects.toMatchObject({ status: 422 });
    expect(fake.reviewsOn(repo, 20)).toEqual([]);

    await post([{ path: NOTES, start_line: 7, start_side: 'RIGHT', line: 8, side: 'RIGHT', body: 'fine' }]);
    expect(fake.reviewCommentsOn(repo, 20).map((comment) => `${comment.start_line}-${comment.line}`)).toEqual(['7-8']);
  });

  it('records a body GitHub does not describe as a violation', async () => {
    const { repo, head, octokit } = twoHunkPull(21);
    const misspelt = [{ path: NOTES, line: 2, sides: 'RIGHT', body: 'misspelt key' }];
    await expect(octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', review(repo, 21, head, misspelt))).rejects.toMatchObject({ status: 422 });
    expect(fake.violations).toEqual([expect.stringContaining('body.comments.0 must NOT have additional properties "sides"')]);
    fake.violations.length = 0;
  });
});
