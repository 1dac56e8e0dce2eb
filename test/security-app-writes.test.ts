import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { PNG } from 'pngjs';
import { directoryArtifactSink } from '../app/checks/diagrams/artifacts.js';
import { DIAGRAM_ARTIFACTS_SERVICE, DIAGRAM_RENDERER_SERVICE } from '../app/checks/diagrams/index.js';
import type { DiagramRenderer } from '../app/checks/diagrams/renderer/types.js';
import { runChecks } from '../app/checks/engine.js';
import type { CheckResult, CheckServices } from '../app/checks/types.js';
import { loadConfigFile } from '../app/config/load.js';
import { publishDiagramImages, type DiagramImagesCore } from '../app/github/autofix-action.js';
import { autofixTarget, commitRegeneratedExports, refusedBranch } from '../app/github/autofix-diagrams.js';
import { CommitFiles } from '../app/github/commit-files.js';
import { handlePullRequest, withHostPrograms } from '../app/github/handlers.js';
import type { PullRequestLike } from '../app/github/octokit-changeset.js';
import platformKitApp from '../app/probot.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';
import { mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import { startAppServer, type AppServer } from './helpers/github/app-server.js';
import { FakeGitHub, type RecordedRequest } from './helpers/github/fake-github.js';
import { pullRequestEvent } from './helpers/github/webhook-payloads.js';

/**
 * What the App (and the Action's `diagrams-output: commit`) may write to a repository: check runs
 * and the sticky comment anywhere; code (autofix commits, suggested changes on the diff) only to a
 * pull request's own branch in the base repository, on top of the head it checked, never by force,
 * and never to the base or default branch.
 */

type FakeRepo = ReturnType<FakeGitHub['addRepo']>;

const AUTOFIX_CONFIG = 'autofix:\n  diagrams: true\nchecks:\n  diagrams:\n    enabled: true\n';
const source = (label = 'API gateway') => mxfile([{ id: 'services', name: 'Services', model: serviceModel(label) }]);

function solidPng(red: number): Buffer {
  const image = new PNG({ width: 8, height: 8 });
  for (let offset = 0; offset < image.data.length; offset += 4) image.data.set([red, 40, 40, 255], offset);
  return PNG.sync.write(image);
}
const COMMITTED_PNG = solidPng(10);
const FRESH_PNG = solidPng(200);

/** Renders every page as FRESH_PNG: the committed export is then always out of date. */
const stubRenderer: DiagramRenderer = {
  name: 'stub',
  renderPage: async () => ({ png: FRESH_PNG, width: 8, height: 8, blockedRequests: [] }),
  close: async () => undefined,
};

/** Requests that write to git: blobs, trees, commits, refs. */
function gitWrites(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => request.method !== 'GET' && request.path.includes('/git/'));
}

function writesOfCode(requests: readonly RecordedRequest[]): string[] {
  return requests
    .filter((request) => (request.method !== 'GET' && request.path.includes('/git/')) || request.operationId === 'pulls/create-review')
    .map((request) => `${request.method} ${request.operationId}`);
}

describe('autofix commits and suggested changes (the App core, a fake GitHub)', () => {
  let fake: FakeGitHub;
  let artifactsDir: string;
  let services: CheckServices;
  let repoCount = 0;

  beforeEach(async () => {
    fake = new FakeGitHub().start();
    artifactsDir = await mkdtemp(join(tmpdir(), 'platform-kit-security-images-'));
    services = { [DIAGRAM_RENDERER_SERVICE]: stubRenderer, [DIAGRAM_ARTIFACTS_SERVICE]: directoryArtifactSink(artifactsDir) };
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    fake.stop();
    await rm(artifactsDir, { recursive: true, force: true });
  });

  /** A repository whose default branch holds a diagram and its export, and a PR that changes only the diagram. */
  function setUp(options: { headRef?: string; baseRef?: string; headRepo?: string; config?: string } = {}) {
    const name = `handbook-${++repoCount}`;
    const repo = fake.addRepo({ owner: 'acme', name });
    const main = fake.commit(null, { '.github/platform-kit.yml': options.config ?? AUTOFIX_CONFIG, 'docs/arch.drawio': source(), 'docs/arch.png': COMMITTED_PNG });
    fake.setBranch(repo, 'main', main);
    const baseRef = options.baseRef ?? 'main';
    if (baseRef !== 'main') fake.setBranch(repo, baseRef, main);
    const headRef = options.headRef ?? 'docs/gateway';
    const head = fake.commit(main, { 'docs/arch.drawio': source('API gateway v2') });
    // The head branch lives in the base repository unless the PR comes from a fork.
    if (!options.headRepo) fake.setBranch(repo, headRef, head);
    fake.openPullRequest(repo, { number: 7, base: { sha: main, ref: baseRef }, head: { sha: head, ref: headRef }, ...(options.headRepo ? { headRepo: options.headRepo } : {}) });
    return { repo, ref: { owner: 'acme', repo: name }, main, head, headRef };
  }

  const pullRequest = (repo: FakeRepo) => fake.pullRequestJson(repo, 7) as unknown as PullRequestLike;

  /** An Octokit for the fake whose `after` hook runs once a response arrived (someone else's push, say). */
  function octokitWith(after?: (method: string, url: string) => void): Octokit {
    return new Octokit({
      auth: fake.issueToken(),
      request: {
        fetch: async (url: string, init?: RequestInit) => {
          const response = await fetch(url, init);
          after?.(init?.method ?? 'GET', String(url));
          return response;
        },
      },
    });
  }

  it('commits to the pull request branch only: parent = the checked head, ref heads/<head ref>, force false', async () => {
    const { repo, ref, main, head, headRef } = setUp();
    const outcome = await handlePullRequest({ octokit: octokitWith(), repo: ref, pullRequest: pullRequest(repo), services });
    expect(outcome).toMatchObject({ status: 'checked', fromFork: false, autofix: { status: 'committed', files: ['docs/arch.png'] } });
    const fixed = fake.branchHead(repo, headRef) as string;
    expect(fake.gitCommit(fixed).parents).toEqual([head]);
    expect(autofixTarget(fake.gitCommit(fixed).message)).toBe(head);
    expect(fake.gitCommit(fixed).files.get('docs/arch.png')?.equals(FRESH_PNG)).toBe(true);
    const updates = fake.requests.filter((request) => request.operationId === 'git/update-ref');
    expect(updates.map((request) => ({ path: decodeURIComponent(request.path), body: request.body }))).toEqual([
      { path: `/repos/acme/${ref.repo}/git/refs/heads/${headRef}`, body: { sha: fixed, force: false } },
    ]);
    expect(fake.requests.filter((request) => request.operationId === 'git/create-ref')).toEqual([]);
    // The base (and default) branch is where it was.
    expect(fake.branchHead(repo, 'main')).toBe(main);
  });

  it('a fork gets check runs and the comment, but no commit and no suggested change (head repo differs)', async () => {
    const { repo, ref, main, head } = setUp({ headRepo: 'contributor/handbook', headRef: 'main' });
    const outcome = await handlePullRequest({ octokit: octokitWith(), repo: ref, pullRequest: pullRequest(repo), services });
    expect(outcome).toMatchObject({ status: 'checked', fromFork: true, comment: { action: 'created' } });
    expect(outcome.status === 'checked' && outcome.autofix).toBeFalsy();
    expect(fake.latestRunsFor(repo, head).find((run) => run.name === 'platform-kit/diagrams')?.conclusion).toBe('failure');
    expect(writesOfCode(fake.requests)).toEqual([]);
    expect(fake.requests.filter((request) => request.operationId === 'git/get-commit' || request.operationId === 'git/get-ref')).toEqual([]);
    expect(fake.branchHead(repo, 'main')).toBe(main);
  });

  it('a deleted fork (head.repo null) counts as a fork', async () => {
    const { repo, ref, main } = setUp({ headRepo: 'ghost/handbook', headRef: 'main' });
    const deleted = { ...pullRequest(repo) };
    deleted.head = { ...deleted.head, repo: null };
    const outcome = await handlePullRequest({ octokit: octokitWith(), repo: ref, pullRequest: deleted, services });
    expect(outcome).toMatchObject({ status: 'checked', fromFork: true });
    expect(writesOfCode(fake.requests)).toEqual([]);
    expect(fake.branchHead(repo, 'main')).toBe(main);
  });

  it('when the branch moves between the check and the commit, GitHub refuses the non-forced update and nothing more is written', async () => {
    const { repo, ref, head, headRef, main } = setUp();
    const pushed = fake.commit(head, { 'docs/notes.md': 'pushed meanwhile\n' });
    // Someone pushes right after the App created its commit, before it moves the branch.
    const octokit = octokitWith((method, url) => {
      if (method === 'POST' && url.endsWith('/git/commits')) fake.setBranch(repo, headRef, pushed);
    });
    const outcome = await handlePullRequest({ octokit, repo: ref, pullRequest: pullRequest(repo), services });
    expect(outcome).toMatchObject({ status: 'checked', autofix: { status: 'skipped', reason: expect.stringContaining(`the branch ${headRef} moved while the fix was prepared`) } });
    expect(fake.branchHead(repo, headRef)).toBe(pushed);
    expect(fake.branchHead(repo, 'main')).toBe(main);
    const writes = gitWrites(fake.requests);
    expect(writes.map((request) => `${request.operationId} ${request.status}`)).toEqual(['git/create-blob 201', 'git/create-tree 201', 'git/create-commit 201', 'git/update-ref 422']);
    const [update] = writes.filter((request) => request.operationId === 'git/update-ref');
    expect(decodeURIComponent(update?.path ?? '')).toBe(`/repos/acme/${ref.repo}/git/refs/heads/${headRef}`);
    expect(update?.body).toMatchObject({ force: false });
    // Not retried onto the new head, and no other branch made for the fix.
    expect(fake.gitCommit(pushed).parents).toEqual([head]);
  });

  it('when the branch already moved on before the App read it, nothing is written at all', async () => {
    const { repo, ref, head, headRef } = setUp();
    const stale = pullRequest(repo);
    const pushed = fake.commit(head, { 'docs/notes.md': 'newer\n' });
    fake.setBranch(repo, headRef, pushed);
    const outcome = await handlePullRequest({ octokit: octokitWith(), repo: ref, pullRequest: stale, services });
    expect(outcome).toMatchObject({ status: 'checked', autofix: { status: 'skipped', reason: `the branch ${headRef} has moved on to ${pushed.slice(0, 7)}` } });
    expect(gitWrites(fake.requests)).toEqual([]);
    expect(fake.branchHead(repo, headRef)).toBe(pushed);
  });

  it('never writes to the default branch, even when a pull request proposes it as its head', async () => {
    // main (the default branch) proposed into a release branch, in the same repository.
    const { repo, ref, head } = setUp({ headRef: 'main', baseRef: 'release' });
    expect(fake.branchHead(repo, 'main')).toBe(head);
    const outcome = await handlePullRequest({ octokit: octokitWith(), repo: ref, pullRequest: pullRequest(repo), services });
    expect(outcome).toMatchObject({ status: 'checked', fromFork: false, autofix: { status: 'skipped', reason: expect.stringContaining('main is the base or default branch') } });
    expect(gitWrites(fake.requests)).toEqual([]);
    expect(fake.branchHead(repo, 'main')).toBe(head);
  });

  it('refuses exports at paths a pull request could aim elsewhere, before any request', async () => {
    const { repo, ref, head, headRef } = setUp();
    for (const path of ['../../escape.png', 'docs/../../x.png', '/etc/arch.png', '.github/workflows/ci.png', '.git/hooks/x.png', 'docs/arch.drawio']) {
      const outcome = await commitRegeneratedExports({ octokit: octokitWith(), repo: ref, branch: headRef, headSha: head, files: [{ path, content: FRESH_PNG }] });
      expect(outcome).toEqual({ status: 'skipped', reason: expect.stringContaining(path) });
    }
    expect(fake.requests).toEqual([]);
    expect(fake.branchHead(repo, headRef)).toBe(head);
    expect(refusedBranch('refs/heads/main')).toContain('not a branch name');
    expect(refusedBranch('feature', ['main'])).toBeUndefined();
  });

  it('ignores the programs a repository config names for the renderer: it would run them on the App host', async () => {
    const marker = join(artifactsDir, 'ran');
    const script = join(artifactsDir, 'drawio.sh');
    await writeFile(script, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
    await chmod(script, 0o755);
    const config = `checks:\n  diagrams:\n    enabled: true\n    renderer: drawio-desktop\n    drawioCommand: ${script}\n    chromiumPath: ${script}\n`;
    const loaded = loadConfigFile(config, '.github/platform-kit.yml');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    expect(withHostPrograms(loaded.config).checks.diagrams).toMatchObject({ renderer: 'drawio-desktop', drawioCommand: 'drawio' });
    expect(withHostPrograms(loaded.config).checks.diagrams.chromiumPath).toBeUndefined();

    const { repo, ref } = setUp({ config });
    const hostServices = { [DIAGRAM_ARTIFACTS_SERVICE]: directoryArtifactSink(artifactsDir) };
    await handlePullRequest({ octokit: octokitWith(), repo: ref, pullRequest: pullRequest(repo), services: hostServices });
    expect(existsSync(marker)).toBe(false);

    // The local drivers run a checkout's own config as it says: there the script runs.
    const changeSet = memoryChangeSet({ base: { 'docs/arch.drawio': source(), 'docs/arch.png': COMMITTED_PNG }, head: { 'docs/arch.drawio': source('v2'), 'docs/arch.png': COMMITTED_PNG } });
    await runChecks({ changeSet, config: loaded.config, only: ['diagrams'], services: hostServices });
    expect(existsSync(marker)).toBe(true);
  });
});

describe("the App's reads of a commit", () => {
  it('never turn a path from the pull request into another API route', async () => {
    const fake = new FakeGitHub().start();
    try {
      fake.addRepo({ owner: 'acme', name: 'reads' });
      const sha = fake.commit(null, { 'docs/a.md': '# A\n' });
      const files = new CommitFiles(new Octokit({ auth: fake.issueToken() }), { owner: 'acme', repo: 'reads' }, async () => sha);
      // `contents/..` would be GET /repos/acme/reads itself; `contents/.` the root folder.
      for (const path of ['..', '.', '../../orgs/acme', 'docs/../../x', '/docs/a.md']) {
        expect(await files.readFile(path)).toEqual({ kind: 'missing' });
        expect(await files.readBytes(path)).toBeNull();
      }
      expect(fake.requests).toEqual([]);
      expect(await files.readFile('./docs//a.md')).toEqual({ kind: 'text', text: '# A\n' });
      expect(fake.violations).toEqual([]);
    } finally {
      fake.stop();
    }
  });
});

describe('the App over signed webhooks: a pull request from a fork', () => {
  const MIGRATION = 'supabase/migrations/20240501000000_notes.sql';
  // prefer-text-field on line 1 carries a suggested change.
  const SQL = 'create table public.notes (id bigint primary key, body varchar(200));\nalter table public.notes enable row level security;\n';
  let fake: FakeGitHub;
  let server: AppServer;

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

  it.each([
    ['a fork', 'contributor/shop', false],
    ['a deleted fork (head.repo null)', 'ghost/shop', true],
  ])('%s: check runs and the sticky comment (with the suggestion in it), no review, no git write', async (_name, headRepo, deleted) => {
    const repo = fake.addRepo({ owner: 'acme', name: `shop-${deleted ? 'deleted' : 'fork'}` });
    const main = fake.commit(null, { 'README.md': '# Shop\n', 'supabase/config.toml': '[api]\nschemas = ["public"]\n' });
    fake.setBranch(repo, 'main', main);
    const head = fake.commit(main, { [MIGRATION]: SQL });
    fake.openPullRequest(repo, { number: 3, base: { sha: main }, head: { sha: head, ref: 'main' }, headRepo });
    const payload = pullRequestEvent(fake, repo, 3);
    if (deleted) ((payload.pull_request as Record<string, unknown>).head as Record<string, unknown>).repo = null;
    const mark = fake.requests.length;

    expect((await server.deliver('pull_request', payload)).status).toBe(200);

    const requests = fake.requests.slice(mark);
    expect(writesOfCode(requests)).toEqual([]);
    expect(requests.filter((request) => request.method !== 'GET').map((request) => request.operationId)).toEqual(
      expect.arrayContaining(['checks/create', 'issues/create-comment']),
    );
    expect(fake.reviewsOn(repo, 3)).toEqual([]);
    expect(fake.reviewCommentsOn(repo, 3)).toEqual([]);
    const [sticky] = fake.commentsOn(repo, 3);
    expect(sticky?.body).toContain('```suggestion');
    expect(fake.branchHead(repo, 'main')).toBe(main);
  });
});

describe("the Action's diagrams-output: commit", () => {
  let fake: FakeGitHub;
  let dir: string;
  let results: CheckResult[];

  beforeEach(async () => {
    fake = new FakeGitHub().start();
    dir = await mkdtemp(join(tmpdir(), 'platform-kit-security-action-'));
    const after = join(dir, 'docs__arch.after.png');
    await writeFile(after, FRESH_PNG);
    results = [
      {
        checkId: 'diagrams',
        title: 'Diagrams',
        conclusion: 'failure',
        summary: '1 diagram checked.',
        findings: [
          {
            checkId: 'diagrams',
            ruleId: 'export-outdated',
            severity: 'error',
            path: 'docs/arch.png',
            title: 'Export out of date',
            message: 'docs/arch.png differs from a fresh render.',
            artifacts: [{ kind: 'after', path: after, contentType: 'image/png' }],
          },
        ],
      },
    ];
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function core(): DiagramImagesCore & { infos: string[] } {
    const infos: string[] = [];
    return {
      infos,
      getInput: (name) => (name === 'diagrams-output' ? 'commit' : ''),
      setOutput: () => undefined,
      error: () => undefined,
      warning: (message) => void infos.push(`warning: ${String(message)}`),
      notice: () => undefined,
      info: (message) => void infos.push(message),
      summary: { addRaw: () => undefined, write: async () => undefined },
    } as DiagramImagesCore & { infos: string[] };
  }

  async function commitWith(event: Record<string, unknown>, repository = 'acme/handbook') {
    const eventPath = join(dir, 'event.json');
    await writeFile(eventPath, JSON.stringify(event));
    const octokit = new Octokit({ auth: fake.issueToken() });
    return publishDiagramImages(core(), results, { GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: repository, RUNNER_TEMP: dir }, { octokit });
  }

  const event = (head: Record<string, unknown>, base: Record<string, unknown> = {}) => ({
    pull_request: {
      head: { ref: 'docs/gateway', sha: 'a'.repeat(40), repo: { full_name: 'acme/handbook' }, ...head },
      base: { ref: 'main', repo: { full_name: 'acme/handbook', default_branch: 'main' }, ...base },
    },
    repository: { full_name: 'acme/handbook', default_branch: 'main' },
  });

  it.each([
    ['a deleted fork', event({ repo: null }), 'the pull request comes from a fork'],
    ['a fork', event({ repo: { full_name: 'contributor/handbook' } }), 'the pull request comes from a fork'],
    ['the default branch as head', event({ ref: 'main' }, { ref: 'release' }), 'main is the base or default branch'],
  ])('%s: no request to GitHub at all', async (_name, payload, reason) => {
    const outcome = await commitWith(payload);
    expect(outcome.commit).toEqual({ status: 'skipped', reason: expect.stringContaining(reason) });
    expect(fake.requests).toEqual([]);
  });

  it('a head in another repository than the one the workflow runs in', async () => {
    const outcome = await commitWith(event({}), 'acme/other');
    expect(outcome.commit).toEqual({ status: 'skipped', reason: "the pull request's head lives in acme/handbook, not in acme/other" });
    expect(fake.requests).toEqual([]);
  });

  it('an export path leading outside the repository', async () => {
    const [finding] = results[0]?.findings ?? [];
    if (finding) finding.path = '../../escape.png';
    const outcome = await commitWith(event({}));
    expect(outcome.commit).toEqual({ status: 'skipped', reason: '"../../escape.png" is not a clean repository path' });
    expect(fake.requests).toEqual([]);
  });
});
