import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { queueOptionsFromEnv, WorkQueue, type QueueJob } from '../app/app-runtime/work-queue.js';
import { createPlatformKitApp } from '../app/probot.js';
import { startAppServer, type AppServer } from './helpers/github/app-server.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { pullRequestEvent } from './helpers/github/webhook-payloads.js';

/**
 * The App acknowledges a verified delivery at once and does the work in its queue: one run per
 * delivery id, one pull request's events one at a time with newer commits superseding queued
 * older ones, and installations served in turn.
 */

describe('WorkQueue', () => {
  /** A job that records when it starts and finishes only when released. */
  function gatedJob(started: string[], deliveryId: string, installation: string, extra: Partial<QueueJob> = {}) {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const job: QueueJob = {
      deliveryId,
      installation,
      run: async () => {
        started.push(deliveryId);
        await done;
      },
      ...extra,
    };
    return { job, release };
  }

  it('serves installations round robin, so a busy one cannot starve a quiet one', async () => {
    const started: string[] = [];
    const queue = new WorkQueue({ concurrency: 1, perInstallation: 1 });
    queue.pause();
    const busy = Array.from({ length: 5 }, (_, index) => gatedJob(started, `busy-${index}`, 'busy'));
    const quiet = gatedJob(started, 'quiet-0', 'quiet');
    for (const { job } of busy) queue.enqueue(job);
    queue.enqueue(quiet.job);
    queue.resume();
    for (const { release } of [...busy, quiet]) release();
    await queue.idle();
    expect(started.slice(0, 2)).toEqual(['busy-0', 'quiet-0']);
    expect(started).toHaveLength(6);
  });

  it('keeps an installation within its budget while others have room', async () => {
    const started: string[] = [];
    const queue = new WorkQueue({ concurrency: 3, perInstallation: 1 });
    const first = gatedJob(started, 'a-0', 'a');
    const second = gatedJob(started, 'a-1', 'a');
    const other = gatedJob(started, 'b-0', 'b');
    queue.enqueue(first.job);
    queue.enqueue(second.job);
    queue.enqueue(other.job);
    expect(started).toEqual(['a-0', 'b-0']);
    expect(queue.depth).toBe(1);
    first.release();
    other.release();
    second.release();
    await queue.idle();
    expect(started).toEqual(['a-0', 'b-0', 'a-1']);
  });

  it('ignores a delivery id that is queued or running, and accepts it again once done', async () => {
    const started: string[] = [];
    const queue = new WorkQueue({ concurrency: 2, perInstallation: 2 });
    const job = gatedJob(started, 'd-1', 'a');
    expect(queue.enqueue(job.job)).toBe('queued');
    expect(queue.enqueue({ ...job.job })).toBe('duplicate');
    job.release();
    await queue.idle();
    expect(started).toEqual(['d-1']);
    expect(queue.enqueue({ deliveryId: 'd-1', installation: 'a', run: async () => void started.push('again') })).toBe('queued');
    await queue.idle();
    expect(started).toEqual(['d-1', 'again']);
  });

  it('supersedes a queued job for an older commit, and never runs two jobs of one pull request at once', async () => {
    const events: string[] = [];
    const queue = new WorkQueue({ concurrency: 4, perInstallation: 4 });
    const job = (id: string, sha: string): QueueJob => ({
      deliveryId: id,
      installation: 'a',
      coalesceKey: 'acme/shop#1',
      headSha: sha,
      run: async () => {
        events.push(`start ${sha}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${sha}`);
      },
      supersede: async (newer) => void events.push(`superseded ${sha} by ${newer.headSha}`),
    });
    queue.enqueue(job('1', 'sha-1'));
    queue.enqueue(job('2', 'sha-2'));
    queue.enqueue(job('3', 'sha-3'));
    await queue.idle();
    expect(events).toEqual(['start sha-1', 'superseded sha-2 by sha-3', 'end sha-1', 'start sha-3', 'end sha-3']);
  });

  it('reports a failing job and goes on with the next', async () => {
    const failures: string[] = [];
    const queue = new WorkQueue({ concurrency: 1, perInstallation: 1, onError: (job, error) => void failures.push(`${job.deliveryId}: ${String(error)}`) });
    let ran = false;
    queue.enqueue({ deliveryId: 'x', installation: 'a', run: () => Promise.reject(new Error('GitHub is down')) });
    queue.enqueue({ deliveryId: 'y', installation: 'a', run: async () => void (ran = true) });
    await queue.idle();
    expect(failures).toEqual(['x: Error: GitHub is down']);
    expect(ran).toBe(true);
  });

  it('reads its sizes from the environment and names a bad value', () => {
    expect(queueOptionsFromEnv({})).toEqual({ concurrency: 4, perInstallation: 2 });
    expect(queueOptionsFromEnv({ PLATFORM_KIT_CONCURRENCY: '1' })).toEqual({ concurrency: 1, perInstallation: 1 });
    expect(() => queueOptionsFromEnv({ PLATFORM_KIT_INSTALLATION_CONCURRENCY: 'two' })).toThrow('PLATFORM_KIT_INSTALLATION_CONCURRENCY must be a positive integer, got "two"');
  });
});

describe('the App with its queue', () => {
  const app = createPlatformKitApp({ queue: { concurrency: 4, perInstallation: 2 } });
  let fake: FakeGitHub;
  let server: AppServer;
  let repoCount = 0;

  beforeAll(async () => {
    fake = new FakeGitHub().start();
    server = await startAppServer({ fake, app });
  });

  afterAll(async () => {
    await server.stop();
    fake.stop();
  });

  afterEach(() => {
    expect(fake.violations).toEqual([]);
  });

  function newRepo() {
    const repo = fake.addRepo({ owner: 'acme', name: `queue-${++repoCount}` });
    const main = fake.commit(null, { 'README.md': '# Shop\n' });
    fake.setBranch(repo, 'main', main);
    return { repo, main };
  }

  it('runs a delivery sent three times once', async () => {
    const { repo, main } = newRepo();
    const head = fake.commit(main, { 'docs/a.md': '# A\n' });
    fake.openPullRequest(repo, { number: 1, base: { sha: main }, head: { sha: head } });
    const payload = pullRequestEvent(fake, repo, 1);
    const deliveryId = randomUUID();
    app.pause();
    const responses = [];
    for (let attempt = 0; attempt < 3; attempt++) responses.push(await server.deliver('pull_request', payload, { deliveryId, settle: false }));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    app.resume();
    await server.idle();

    expect(fake.runsFor(repo, head).map((run) => `${run.name} ${run.status} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle completed success',
      'platform-kit/schema-safety completed success',
      'platform-kit/doc-sync completed success',
    ]);
    expect(fake.commentsOn(repo, 1)).toHaveLength(1);
    expect(server.logs.filter((record) => record.delivery === deliveryId && record.msg === 'duplicate delivery: already queued or running')).toHaveLength(2);
  });

  it('settles 20 pushes to one pull request in a burst: every run completed, only the newest commit checked', async () => {
    const { repo, main } = newRepo();
    const heads: string[] = [];
    let parent = main;
    for (let push = 0; push < 20; push++) {
      parent = fake.commit(parent, { [`src/file-${push}.ts`]: `export const value = ${push};\n` });
      heads.push(parent);
    }
    const pull = fake.openPullRequest(repo, { number: 2, base: { sha: main }, head: { sha: heads[0] ?? main } });
    app.pause();
    for (const [index, head] of heads.entries()) {
      pull.head.sha = head;
      const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 2, index === 0 ? 'opened' : 'synchronize'), { settle: false });
      expect(response.status).toBe(200);
    }
    app.resume();
    await server.idle();

    const newest = heads.at(-1) ?? '';
    expect(fake.runsFor(repo, newest).map((run) => `${run.name} ${run.status} ${run.conclusion}`)).toEqual([
      'platform-kit/spec-bundle completed success',
      'platform-kit/schema-safety completed success',
      'platform-kit/doc-sync completed success',
    ]);
    for (const [index, head] of heads.slice(0, -1).entries()) {
      const runs = fake.runsFor(repo, head);
      expect(runs.map((run) => `${run.name} ${run.status} ${run.conclusion}`)).toEqual([
        'platform-kit/spec-bundle completed neutral',
        'platform-kit/schema-safety completed neutral',
        'platform-kit/doc-sync completed neutral',
      ]);
      // Each queued commit gave way to the next one pushed.
      for (const run of runs) expect(run.output.summary).toContain(`superseded by ${heads[index + 1]}`);
    }
    // One comment, about the newest commit.
    const comments = fake.commentsOn(repo, 2);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(newest.slice(0, 7));
  });
});
