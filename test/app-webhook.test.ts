import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import platformKitApp from '../app/probot.js';
import { STICKY_MARKER } from '../app/report/index.js';
import { startAppServer, type AppServer } from './helpers/github/app-server.js';
import { FakeGitHub, type GitHubFileEntry } from './helpers/github/fake-github.js';
import { checkRunRerequestedEvent, checkSuiteEvent, pullRequestEvent, pushEvent } from './helpers/github/webhook-payloads.js';

/**
 * The App end to end: Probot's HTTP server receives real webhook payloads, signed with the
 * webhook secret, and talks to a fake GitHub whose every request is checked against GitHub's
 * OpenAPI description.
 */

const SPEC = {
  'spec/checkout/constitution.md': '# Constitution\n\nPrinciples.\n',
  // Line 3 holds a YAML error.
  'spec/checkout/prd.md': '---\ntitle: Checkout\nstatus: : bad: [\nowner: team-shop\n---\n# Checkout\n\n## Problem\n\nSlow.\n\n## Goals\n\nFast.\n',
  'spec/checkout/plan.md': '# Plan\n\n## Approach\n\nDo it.\n',
  'spec/checkout/tasks.md': '# Tasks\n\nWrite the code.\n',
};

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

/** A repository of its own per test, with `main` at a first commit. */
function newRepo(files: Record<string, string> = { 'README.md': '# Shop\n' }) {
  const repo = fake.addRepo({ owner: 'acme', name: `shop-${++repoCount}` });
  const main = fake.commit(null, files);
  fake.setBranch(repo, 'main', main);
  return { repo, main };
}

function requestsSince(mark: number) {
  return fake.requests.slice(mark).filter((request) => request.operationId !== 'apps/create-installation-access-token');
}

/** The run of one check on a commit (its newest, as a pull request shows it). */
function runNamed(repo: ReturnType<typeof newRepo>['repo'], sha: string, name: string) {
  const run = fake.latestRunsFor(repo, sha).find((candidate) => candidate.name === name);
  if (!run) throw new Error(`no ${name} run on ${sha}`);
  return run;
}

function apiCallsLogged(event: string): number[] {
  return server.logs.filter((record) => record.event === event).map((record) => record.apiCalls as number);
}

describe('pull_request.opened', () => {
  it('publishes one check run per check with annotations, one sticky comment, and survives a redelivery', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, SPEC);
    fake.openPullRequest(repo, { number: 7, base: { sha: main }, head: { sha: head, ref: 'feature/checkout' }, body: 'Adds checkout.' });
    const payload = pullRequestEvent(fake, repo, 7);
    const deliveryId = randomUUID();

    const first = await server.deliver('pull_request', payload, { deliveryId });
    expect(first.status).toBe(200);

    const runs = fake.runsFor(repo, head);
    expect(runs.map((run) => `${run.name} ${run.status} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle completed failure',
      'platform-kit/schema-safety completed success',
      'platform-kit/doc-sync completed success',
    ]);
    const specRun = runNamed(repo, head, 'platform-kit/spec-bundle');
    const annotations = specRun.annotations.map((annotation) => `${annotation.path}:${annotation.start_line} ${annotation.annotation_level}`);
    expect(annotations).toEqual(expect.arrayContaining(['spec/checkout/prd.md:3 failure', 'spec/checkout/tasks.md:1 failure']));
    // No migration in the change: schema-safety passes without a finding.
    expect(runNamed(repo, head, 'platform-kit/schema-safety').annotations).toEqual([]);
    const comments = fake.commentsOn(repo, 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.user.type).toBe('Bot');
    expect(comments[0]?.body.startsWith(STICKY_MARKER)).toBe(true);
    expect(comments[0]?.body).toContain('platform-kit/spec-bundle');
    expect(comments[0]?.body).toContain('platform-kit/schema-safety');

    // GitHub redelivers the same delivery: the run is updated, not duplicated, and so is the comment.
    const mark = fake.requests.length;
    const again = await server.deliver('pull_request', payload, { deliveryId });
    expect(again.status).toBe(200);
    const writes = requestsSince(mark).filter((request) => request.method !== 'GET');
    expect(writes.map((request) => request.operationId)).toEqual(['checks/update', 'checks/update', 'checks/update']);
    expect(fake.runsFor(repo, head).map((run) => run.id)).toEqual(runs.map((run) => run.id));
    expect(runNamed(repo, head, 'platform-kit/spec-bundle').annotations).toHaveLength(specRun.annotations.length);
    expect(fake.commentsOn(repo, 7)).toHaveLength(1);
    expect(fake.commentsOn(repo, 7)[0]?.id).toBe(comments[0]?.id);
  });

  it('fails platform-kit/schema-safety at the line of a migration that does not parse, and leaves spec-bundle alone', async () => {
    const { repo, main } = newRepo({
      'README.md': '# Shop\n',
      'supabase/config.toml': '[api]\nschemas = ["public"]\n',
      'supabase/migrations/20240101000000_init.sql': 'create table public.orders (id bigint generated always as identity primary key);\n',
    });
    const migration = 'supabase/migrations/20240418150000_add_carts.sql';
    // Line 4 misspells `table`: the parser stops there, and nothing before it is a statement another rule could flag.
    const head = fake.commit(main, { [migration]: '-- Carts for the checkout.\n-- One per signed-in user.\n\ncreate tabel public.carts ();\n' });
    fake.openPullRequest(repo, { number: 12, base: { sha: main }, head: { sha: head }, body: 'Adds carts.' });
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 12));
    expect(response.status).toBe(200);

    expect(fake.runsFor(repo, head).map((run) => `${run.name} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle success',
      'platform-kit/schema-safety failure',
      'platform-kit/doc-sync success',
    ]);
    const schemaRun = runNamed(repo, head, 'platform-kit/schema-safety');
    expect(schemaRun.annotations).toEqual([
      expect.objectContaining({ path: migration, start_line: 4, annotation_level: 'failure', title: expect.stringContaining('schema-safety/syntax-error') }),
    ]);
    expect(runNamed(repo, head, 'platform-kit/spec-bundle').annotations).toEqual([]);
    const [comment] = fake.commentsOn(repo, 12);
    expect(comment?.body).toContain(`${migration}:4`);
  });

  it('rejects a delivery with a bad signature without calling GitHub', async () => {
    const { repo, main } = newRepo();
    fake.openPullRequest(repo, { number: 1, base: { sha: main }, head: { sha: fake.commit(main, SPEC) } });
    const mark = fake.requests.length;
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 1), { signature: `sha256=${'0'.repeat(64)}` });
    expect(response.status).toBe(400);
    expect(response.text).toContain('signature does not match');
    expect(fake.requests.length).toBe(mark);
  });

  it('turns a broken config into a failing platform-kit/config check at the YAML line', async () => {
    const { repo, main } = newRepo({ 'README.md': '# Shop\n', '.github/platform-kit.yml': 'pullRequests:\n  drafts: check\n  comment: yes: no\nchecks: {}\n' });
    const head = fake.commit(main, SPEC);
    fake.openPullRequest(repo, { number: 2, base: { sha: main }, head: { sha: head } });
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 2));
    expect(response.status).toBe(200);

    const runs = fake.runsFor(repo, head);
    expect(runs.map((run) => `${run.name} ${run.conclusion}`)).toEqual(['platform-kit/config failure']);
    const [annotation] = runs[0]?.annotations ?? [];
    expect(annotation).toMatchObject({ path: '.github/platform-kit.yml', start_line: 3, annotation_level: 'failure' });
    expect(annotation?.message).toContain('invalid YAML');
    expect(`${runs[0]?.output.summary}\n${runs[0]?.output.text}`).toContain('.github/platform-kit.yml:3');
    // The author learns why nothing ran.
    expect(fake.commentsOn(repo, 2)[0]?.body).toContain('platform-kit/config');

    // Fixed on the default branch and re-run: the config check passes, the real checks run.
    fake.setBranch(repo, 'main', fake.commit(main, { '.github/platform-kit.yml': 'pullRequests:\n  comment: true\n' }));
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 2, 'synchronize'));
    // The failing config run carries annotations GitHub cannot remove: a new run supersedes it.
    expect(fake.latestRunsFor(repo, head).map((run) => `${run.name} ${run.conclusion}`).sort()).toEqual([
      'platform-kit/config success',
      'platform-kit/doc-sync success',
      'platform-kit/schema-safety success',
      'platform-kit/spec-bundle failure',
    ]);
  });

  it('concludes every check neutral on a pull request over 3,000 files', async () => {
    const { repo, main } = newRepo();
    const files: GitHubFileEntry[] = Array.from({ length: 3000 }, (_, index) => ({
      sha: '0'.repeat(40),
      filename: `generated/${index}.json`,
      status: 'added',
      additions: 1,
      deletions: 0,
      changes: 1,
      blob_url: '',
      raw_url: '',
      contents_url: '',
      patch: '@@ -0,0 +1 @@\n+{}',
    }));
    fake.openPullRequest(repo, { number: 3, base: { sha: main }, head: { sha: main }, files, changedFiles: 3200 });
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 3));
    expect(response.status).toBe(200);
    const runs = fake.runsFor(repo, main);
    expect(runs.map((run) => run.name)).toEqual(['platform-kit/spec-bundle', 'platform-kit/schema-safety', 'platform-kit/doc-sync']);
    for (const run of runs) {
      expect(run.conclusion).toBe('neutral');
      expect(run.output.summary).toContain('3,000');
    }
  });

  it('checks a 50-file pull request with a small, fixed number of API calls', async () => {
    const { repo, main } = newRepo();
    const files: Record<string, string> = {};
    for (let index = 0; index < 50; index++) files[`src/module-${index}.ts`] = `export const value${index} = ${index};\n`;
    const head = fake.commit(main, files);
    fake.openPullRequest(repo, { number: 4, base: { sha: main }, head: { sha: head } });
    const mark = fake.requests.length;
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 4));
    expect(response.status).toBe(200);

    const calls = requestsSince(mark).map((request) => `${request.method} ${request.operationId}`);
    expect(calls).toEqual([
      'GET repos/get-content', // org defaults: <owner>/.github:.github/platform-kit.yml (404)
      'GET repos/get-content', // the repository's .github/platform-kit.yml (404)
      'GET pulls/list-files', // 50 files: one page
      'GET git/get-tree', // spec-bundle lists the spec folders of the head commit (one recursive tree)
      'GET checks/list-for-ref', // our existing runs on the head commit
      'POST checks/create', // platform-kit/spec-bundle
      'POST checks/create', // platform-kit/schema-safety (no migration in the change: it reads nothing)
      'POST checks/create', // platform-kit/doc-sync (no instruction file in the change: it reads nothing)
      'GET issues/list-comments', // find the sticky comment
      'POST issues/create-comment',
      'GET issues/list-comments', // make sure no concurrent delivery created one too
    ]);
    expect(fake.runsFor(repo, head).map((run) => `${run.name} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle success',
      'platform-kit/schema-safety success',
      'platform-kit/doc-sync success',
    ]);
    expect(runNamed(repo, head, 'platform-kit/schema-safety').output.summary).toContain('No migration added or changed.');
    // The App logs the same count for the event.
    expect(apiCallsLogged('pull_request.opened').at(-1)).toBe(calls.length);
  });
});

describe('other events', () => {
  it('checks a push to the default branch without commenting', async () => {
    const { repo, main } = newRepo();
    const after = fake.commit(main, { 'docs/guide.md': '# Guide\n' });
    fake.setBranch(repo, 'main', after);
    const response = await server.deliver('push', pushEvent(fake, repo, { ref: 'refs/heads/main', before: main, after }));
    expect(response.status).toBe(200);
    expect(fake.runsFor(repo, after).map((run) => `${run.name} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle success',
      'platform-kit/schema-safety success',
      'platform-kit/doc-sync success',
    ]);
    expect(fake.comments.filter((comment) => comment.repo === `acme/${repo.name}`)).toEqual([]);
  });

  it('ignores branch deletions and pushes to other branches', async () => {
    const { repo, main } = newRepo();
    const mark = fake.requests.length;
    await server.deliver('push', pushEvent(fake, repo, { ref: 'refs/heads/main', before: main, after: '0'.repeat(40), deleted: true }));
    await server.deliver('push', pushEvent(fake, repo, { ref: 'refs/heads/feature', before: main, after: fake.commit(main, { 'a.md': 'a\n' }) }));
    expect(requestsSince(mark)).toEqual([]);
  });

  it('re-runs a check when its check run is re-requested', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, SPEC);
    fake.openPullRequest(repo, { number: 5, base: { sha: main }, head: { sha: head } });
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 5));
    const runs = fake.runsFor(repo, head);
    const specRun = runNamed(repo, head, 'platform-kit/spec-bundle');

    const mark = fake.requests.length;
    const response = await server.deliver('check_run', checkRunRerequestedEvent(fake, repo, { name: 'platform-kit/spec-bundle', headSha: head, pullNumbers: [5] }));
    expect(response.status).toBe(200);
    const calls = requestsSince(mark);
    expect(calls.map((request) => request.operationId)).toContain('pulls/get');
    // Only the re-requested run is written to; the other check is left as it was.
    const writes = calls.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);
    expect(writes).toEqual([`PATCH /repos/acme/${repo.name}/check-runs/${specRun.id}`]);
    expect(fake.runsFor(repo, head).map((run) => run.id)).toEqual(runs.map((run) => run.id));
    expect(fake.commentsOn(repo, 5)).toHaveLength(1);
  });

  it('re-runs every check when the check suite is re-requested', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, SPEC);
    fake.openPullRequest(repo, { number: 6, base: { sha: main }, head: { sha: head } });
    const response = await server.deliver('check_suite', checkSuiteEvent(fake, repo, 'rerequested', { headSha: head, headBranch: 'feature', before: main, pullNumbers: [6] }));
    expect(response.status).toBe(200);
    expect(fake.runsFor(repo, head).map((run) => `${run.name} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle failure',
      'platform-kit/schema-safety success',
      'platform-kit/doc-sync success',
    ]);
  });

  it('leaves check_suite.requested to the pull_request and push events', async () => {
    const { repo, main } = newRepo();
    const mark = fake.requests.length;
    const response = await server.deliver('check_suite', checkSuiteEvent(fake, repo, 'requested', { headSha: main, headBranch: 'main', before: main, pullNumbers: [] }));
    expect(response.status).toBe(200);
    expect(requestsSince(mark)).toEqual([]);
    expect(server.logs.some((record) => String(record.msg).includes('check_suite.requested'))).toBe(true);
  });

  it('re-runs only the spec-bundle check when the body changes, and nothing for a title edit', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, SPEC);
    fake.openPullRequest(repo, { number: 8, base: { sha: main }, head: { sha: head } });
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 8));
    const runs = fake.runsFor(repo, head);
    const specRun = runNamed(repo, head, 'platform-kit/spec-bundle');

    let mark = fake.requests.length;
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 8, 'edited', { changes: { title: { from: 'Old' } } }));
    expect(requestsSince(mark)).toEqual([]);

    mark = fake.requests.length;
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 8, 'edited', { changes: { body: { from: '' } } }));
    const writes = requestsSince(mark)
      .filter((request) => request.method !== 'GET')
      .map((request) => `${request.method} ${request.path}`);
    expect(writes).toEqual([`PATCH /repos/acme/${repo.name}/check-runs/${specRun.id}`]);
    expect(fake.runsFor(repo, head).map((run) => run.id)).toEqual(runs.map((run) => run.id));
  });

  it('re-runs the spec-bundle check when a waiver label is added', async () => {
    const { repo, main } = newRepo();
    const big = Array.from({ length: 600 }, (_, index) => `export const line${index} = ${index};`).join('\n');
    const head = fake.commit(main, { 'src/big.ts': `${big}\n` });
    const pull = fake.openPullRequest(repo, { number: 11, base: { sha: main }, head: { sha: head }, body: 'No-spec reason: generated client, reviewed upstream.' });
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 11));
    expect(runNamed(repo, head, 'platform-kit/spec-bundle').conclusion).toBe('failure');

    pull.labels.push('no-spec');
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 11, 'labeled', { label: { id: 1, name: 'no-spec', color: 'ededed', default: false } }));
    expect(response.status).toBe(200);
    expect(runNamed(repo, head, 'platform-kit/spec-bundle').conclusion).toBe('success');
    // The comment follows the re-run: it lists every check with its fresh result, not the old failure.
    const comments = fake.commentsOn(repo, 11);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).not.toMatch(/failed/);
    expect(comments[0]?.body).toMatch(/platform-kit\/schema-safety/);
  });

  it('leaves draft pull requests alone when the config says so', async () => {
    const { repo, main } = newRepo({ '.github/platform-kit.yml': 'pullRequests:\n  drafts: skip\n' });
    const head = fake.commit(main, SPEC);
    fake.openPullRequest(repo, { number: 9, base: { sha: main }, head: { sha: head }, draft: true });
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 9));
    expect(response.status).toBe(200);
    expect(fake.runsFor(repo, head)).toEqual([]);
    expect(fake.commentsOn(repo, 9)).toEqual([]);
    expect(server.logs.some((record) => String(record.msg).includes('draft pull request'))).toBe(true);
  });

  it('checks a pull request from a fork with the same read-only calls', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, SPEC);
    fake.openPullRequest(repo, { number: 10, base: { sha: main }, head: { sha: head }, headRepo: 'contributor/shop' });
    const mark = fake.requests.length;
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 10));
    expect(response.status).toBe(200);
    const writes = requestsSince(mark).filter((request) => request.method !== 'GET').map((request) => request.operationId);
    expect(writes).toEqual(['checks/create', 'checks/create', 'checks/create', 'issues/create-comment']);
  });
});
