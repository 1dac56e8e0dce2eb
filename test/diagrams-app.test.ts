import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { DrawioOfflineRenderer } from '../app/checks/diagrams/renderer/drawio-offline.js';
import { disposeDefaultServices } from '../app/checks/services.js';
import { autofixTarget } from '../app/github/autofix-diagrams.js';
import platformKitApp from '../app/probot.js';
import { describeWithChromium, withOnePixelChanged } from './helpers/diagrams.js';
import { mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import { startAppServer, type AppServer } from './helpers/github/app-server.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { pullRequestEvent } from './helpers/github/webhook-payloads.js';

/**
 * The diagrams check in the App, end to end: signed webhooks into Probot's server, a fake GitHub
 * validating every request against GitHub's OpenAPI description, the bundled renderer for real.
 * A pull request that changes a .drawio without its PNG fails with a diff image, gets one commit
 * with the regenerated PNG, and passes on that commit; a hand-edited PNG fails; forks get no commit.
 */

const source = (label = 'API gateway') => mxfile([{ id: 'services', name: 'Services', model: serviceModel(label) }]);
const CONFIG = 'autofix:\n  diagrams: true\nchecks:\n  diagrams:\n    enabled: true\n';
const GIT_WRITES = new Set(['git/create-blob', 'git/create-tree', 'git/create-commit', 'git/update-ref']);

describeWithChromium('the App with diagrams autofix', () => {
  let fake: FakeGitHub;
  let server: AppServer;
  let renderer: DrawioOfflineRenderer;
  let servicePng: Buffer;
  let repoCount = 0;

  beforeAll(async () => {
    renderer = new DrawioOfflineRenderer();
    servicePng = (await renderer.renderPage(source(), 0, 'arch.drawio')).png;
    fake = new FakeGitHub().start();
    server = await startAppServer({ fake, app: platformKitApp });
  });
  afterAll(async () => {
    await server.stop();
    fake.stop();
    await renderer.close();
    // The App keeps one warm renderer for its lifetime; the test process ends it.
    await disposeDefaultServices();
  });
  afterEach(() => {
    expect(fake.violations).toEqual([]);
  });

  function newRepo(config = CONFIG) {
    const repo = fake.addRepo({ owner: 'acme', name: `handbook-${++repoCount}` });
    const main = fake.commit(null, { 'README.md': '# Handbook\n', '.github/platform-kit.yml': config, 'docs/arch.drawio': source(), 'docs/arch.png': servicePng });
    fake.setBranch(repo, 'main', main);
    return { repo, main };
  }

  const diagramsRun = (repo: ReturnType<typeof newRepo>['repo'], sha: string) => {
    const run = fake.latestRunsFor(repo, sha).find((candidate) => candidate.name === 'platform-kit/diagrams');
    if (!run) throw new Error(`no platform-kit/diagrams run on ${sha}`);
    return run;
  };
  const gitWritesSince = (mark: number) => fake.requests.slice(mark).filter((request) => GIT_WRITES.has(request.operationId ?? ''));

  it('done when: a PR that edits a .drawio without its PNG fails with a diff image and passes after the autofix commit; a PR that hand-edits a PNG fails', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { 'docs/arch.drawio': source('API gateway v2') });
    fake.setBranch(repo, 'docs/gateway', head);
    fake.openPullRequest(repo, { number: 3, base: { sha: main }, head: { sha: head, ref: 'docs/gateway' } });

    const mark = fake.requests.length;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 3))).status).toBe(200);
    const failed = diagramsRun(repo, head);
    expect(failed.conclusion).toBe('failure');
    expect(failed.annotations).toEqual([expect.objectContaining({ path: 'docs/arch.png', annotation_level: 'failure', title: expect.stringContaining('diagrams/export-outdated') })]);
    const images = /Images \(files where the check ran\): before `([^`]+)` · after `([^`]+)` · diff `([^`]+)`/.exec(failed.output.text ?? '');
    expect(images?.[3]).toMatch(/docs__arch\.diff\.png$/);
    // The diff image is pixelmatch's output, the size of the two images it compares.
    const diff = PNG.sync.read(await readFile(images?.[3] as string));
    const committed = PNG.sync.read(servicePng);
    expect([diff.width, diff.height]).toEqual([committed.width, committed.height]);
    const [comment] = fake.commentsOn(repo, 3);
    expect(comment?.body).toContain('docs__arch.diff.png');

    // One commit on the branch, by the App, with the fresh render and a trailer naming the head it fixes.
    const fixed = fake.branchHead(repo, 'docs/gateway') as string;
    expect(fixed).not.toBe(head);
    const commit = fake.gitCommit(fixed);
    expect(commit.parents).toEqual([head]);
    expect(commit.author?.name).toBe(`${fake.appSlug}[bot]`);
    expect(autofixTarget(commit.message)).toBe(head);
    expect(commit.message).toContain('- docs/arch.png');
    const fresh = (await renderer.renderPage(source('API gateway v2'), 0, 'arch.drawio')).png;
    expect(commit.files.get('docs/arch.png')?.equals(fresh)).toBe(true);
    expect(commit.files.get('docs/arch.drawio')?.toString('utf8')).toBe(source('API gateway v2'));
    expect(gitWritesSince(mark).map((request) => request.operationId)).toEqual(['git/create-blob', 'git/create-tree', 'git/create-commit', 'git/update-ref']);
    expect(failed.output.summary).toContain(`committed the regenerated export to the branch as ${fixed.slice(0, 7)}`);
    expect(fake.pullRequestJson(repo, 3)).toMatchObject({ head: { sha: fixed } });

    // GitHub sends `synchronize` for the App's push: the checks run on the fix and pass, and nothing more is committed.
    const sync = fake.requests.length;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 3, 'synchronize'))).status).toBe(200);
    expect(diagramsRun(repo, fixed).conclusion).toBe('success');
    expect(gitWritesSince(sync)).toEqual([]);
    expect(fake.branchHead(repo, 'docs/gateway')).toBe(fixed);

    // Another pull request retouches the PNG by hand: it fails, and the App does not overwrite it.
    const retouched = fake.commit(main, { 'docs/arch.png': withOnePixelChanged(servicePng, 10, 10) });
    fake.setBranch(repo, 'retouch', retouched);
    fake.openPullRequest(repo, { number: 4, base: { sha: main }, head: { sha: retouched, ref: 'retouch' } });
    const edit = fake.requests.length;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 4))).status).toBe(200);
    const editedRun = diagramsRun(repo, retouched);
    expect(editedRun.conclusion).toBe('failure');
    expect(editedRun.annotations).toEqual([expect.objectContaining({ path: 'docs/arch.png', title: expect.stringContaining('diagrams/export-edited') })]);
    expect(editedRun.output.text).toContain('docs__arch.diff.png');
    expect(gitWritesSince(edit)).toEqual([]);
    expect(fake.branchHead(repo, 'retouch')).toBe(retouched);
  });

  it('never commits twice for the same head, even when the event for it comes again', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { 'docs/arch.drawio': source('Edge') });
    fake.setBranch(repo, 'edge', head);
    fake.openPullRequest(repo, { number: 1, base: { sha: main }, head: { sha: head, ref: 'edge' } });
    const payload = pullRequestEvent(fake, repo, 1);
    expect((await server.deliver('pull_request', payload)).status).toBe(200);
    const fixed = fake.branchHead(repo, 'edge') as string;
    expect(autofixTarget(fake.gitCommit(fixed).message)).toBe(head);

    // The very same payload (head = the old SHA) redelivered: the App sees its own fix on the branch.
    const mark = fake.requests.length;
    expect((await server.deliver('pull_request', payload)).status).toBe(200);
    expect(gitWritesSince(mark)).toEqual([]);
    expect(fake.branchHead(repo, 'edge')).toBe(fixed);
    const log = server.logs.filter((record) => typeof record.msg === 'string' && record.msg.startsWith('autofix skipped')).at(-1);
    expect(log?.msg).toBe(`autofix skipped: the exports of ${head.slice(0, 7)} were already regenerated in ${fixed.slice(0, 7)}`);
  });

  it('makes no commit on a pull request from a fork', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { 'docs/arch.drawio': source('Forked') });
    fake.openPullRequest(repo, { number: 4, base: { sha: main }, head: { sha: head, ref: 'main' }, headRepo: 'contributor/handbook' });
    const mark = fake.requests.length;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 4))).status).toBe(200);
    expect(diagramsRun(repo, head).conclusion).toBe('failure');
    expect(fake.requests.slice(mark).filter((request) => request.path.includes('/git/') && request.method !== 'GET')).toEqual([]);
    expect(fake.requests.slice(mark).filter((request) => request.operationId === 'git/get-commit')).toEqual([]);
  });

  it('leaves the branch alone when autofix is not enabled', async () => {
    const { repo, main } = newRepo('checks:\n  diagrams:\n    enabled: true\n');
    const head = fake.commit(main, { 'docs/arch.drawio': source('Off') });
    fake.setBranch(repo, 'off', head);
    fake.openPullRequest(repo, { number: 5, base: { sha: main }, head: { sha: head, ref: 'off' } });
    const mark = fake.requests.length;
    expect((await server.deliver('pull_request', pullRequestEvent(fake, repo, 5))).status).toBe(200);
    expect(diagramsRun(repo, head).conclusion).toBe('failure');
    expect(gitWritesSince(mark)).toEqual([]);
    expect(fake.branchHead(repo, 'off')).toBe(head);
  });
});
