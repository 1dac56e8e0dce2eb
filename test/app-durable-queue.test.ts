import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { startAppWorkers } from '../app/app-runtime/app-workers.js';
import { DurableEventQueue, type DurableWorkers } from '../app/app-runtime/durable-queue.js';
import { openPgControlPlane, type PgControlPlane } from '../app/control-plane/index.js';
import { createPlatformKitApp } from '../app/probot.js';
import { startAppServer, type AppServer, type LogRecord } from './helpers/github/app-server.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { pullRequestEvent } from './helpers/github/webhook-payloads.js';
import { serverAvailable } from './helpers/postgres-server.js';

/**
 * The App with its durable queue on the Postgres server: the web process writes each verified
 * delivery to ops.runs, workers claim and complete the runs, and faults (a worker dying, GitHub
 * failing mid-run, the database connection cut) end with every check run completed, once.
 */

const serverUp = await serverAvailable();
const DATABASE_PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;
const describePostgres = serverUp ? describe : describe.skip;

describePostgres('the durable queue on the Postgres server', () => {
  let handle: ControlPlaneDb;
  let controlPlane: PgControlPlane;
  let fake: FakeGitHub;
  let server: AppServer;
  let workers: DurableWorkers | undefined;
  const workerLogs: LogRecord[] = [];
  let repoCount = 0;

  beforeAll(async () => {
    handle = await openControlPlaneDb('postgres');
    // A password in the URL (the server trusts local connections and ignores it): no log may show it.
    const url = new URL(handle.connectionString!);
    url.password = DATABASE_PASSWORD;
    controlPlane = openPgControlPlane({ connectionString: url.toString(), role: 'service_role', max: 2 });
    fake = new FakeGitHub().start();
    const app = createPlatformKitApp({ dispatch: { kind: 'durable', queue: new DurableEventQueue({ controlPlane, maxAttempts: 2 }) } });
    server = await startAppServer({ fake, app });
  });

  afterAll(async () => {
    await workers?.stop();
    await server?.stop();
    fake?.stop();
    await controlPlane?.close();
    await handle?.close();
  });

  afterEach(async () => {
    await workers?.stop();
    workers = undefined;
    expect(fake.violations).toEqual([]);
  });

  function newPullRequest(number: number) {
    const repo = fake.addRepo({ owner: 'acme', name: `durable-${++repoCount}` });
    const main = fake.commit(null, { 'README.md': '# Shop\n' });
    fake.setBranch(repo, 'main', main);
    const head = fake.commit(main, { 'docs/guide.md': '# Guide\n' });
    fake.openPullRequest(repo, { number, base: { sha: main }, head: { sha: head } });
    return { repo, head };
  }

  const workerLog = pino({ level: 'info' }, { write: (line: string) => void workerLogs.push(JSON.parse(line) as LogRecord) });

  async function start(options: { fetch?: typeof fetch; leaseSeconds?: number; throttle?: boolean } = {}) {
    workers = await startAppWorkers({
      probot: server.createProbot({ log: workerLog, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.throttle ? { throttle: true } : {}) }),
      controlPlane,
      workerId: 'test-worker',
      concurrency: 2,
      leaseSeconds: options.leaseSeconds ?? 30,
      pollMs: 50,
      log: workerLog,
    });
    return workers;
  }

  async function runStatuses(): Promise<Array<{ id: number; status: string; attempts: number }>> {
    const { rows } = await handle.db.query<{ id: number; status: string; attempts: number }>(`select id::int, status, attempts from ops.runs order by id`);
    return rows;
  }

  async function settled(): Promise<void> {
    for (;;) {
      const { rows } = await handle.db.query<{ open: number }>(`select count(*)::int as open from ops.runs where status in ('queued', 'running')`);
      if (rows[0]?.open === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const summary = (repo: ReturnType<typeof newPullRequest>['repo'], sha: string) => fake.runsFor(repo, sha).map((run) => `${run.name} ${run.status} ${run.conclusion}`);
  const ALL_PASS = ['platform-kit/spec-bundle completed success', 'platform-kit/schema-safety completed success', 'platform-kit/doc-sync completed success'];

  it('acknowledges by writing a run, and a worker without the HTTP server checks the pull request', async () => {
    const { repo, head } = newPullRequest(1);
    const mark = fake.requests.length;
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 1));
    expect(response.status).toBe(200);
    // Nothing was asked of GitHub before the acknowledgement.
    expect(fake.requests.length).toBe(mark);
    const [queued] = (await runStatuses()).slice(-1);
    expect(queued?.status).toBe('queued');

    await start();
    await settled();
    expect(summary(repo, head)).toEqual(ALL_PASS);
    expect((await runStatuses()).slice(-1)[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('runs a delivery GitHub sent three times once', async () => {
    const { repo, head } = newPullRequest(8);
    const payload = pullRequestEvent(fake, repo, 8);
    const deliveryId = randomUUID();
    for (let attempt = 0; attempt < 3; attempt++) expect((await server.deliver('pull_request', payload, { deliveryId })).status).toBe(200);
    const mark = fake.requests.length;
    await start();
    await settled();
    expect(summary(repo, head)).toEqual(ALL_PASS);
    const writes = fake.requests.slice(mark).filter((request) => request.method !== 'GET' && request.operationId !== 'apps/create-installation-access-token');
    expect(writes.map((request) => request.operationId).sort()).toEqual(['checks/create', 'checks/create', 'checks/create', 'issues/create-comment']);
    expect(workerLogs.filter((record) => record.delivery === deliveryId && String(record.msg).startsWith('duplicate delivery'))).toHaveLength(2);
  });

  it('claims again the run of a worker that died holding it, and completes it once', async () => {
    const { repo, head } = newPullRequest(2);
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 2));
    // What a killed worker leaves: a claimed run under a lease nobody renews.
    const claimed = await controlPlane.claimNextRun({ workerId: 'killed-worker', kinds: ['github.webhook'], leaseSeconds: 1 });
    expect(claimed).not.toBeNull();
    await start();
    await settled();
    expect(summary(repo, head)).toEqual(ALL_PASS);
    const run = (await runStatuses()).find((row) => row.id === claimed?.id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    const { rows } = await handle.db.query<{ kind: string }>(`select kind from ops.run_events where run_id = $1 and kind in ('claimed', 'lease_expired') order by id`, [claimed?.id]);
    expect(rows.map((row) => row.kind)).toEqual(['claimed', 'lease_expired', 'claimed']);
  });

  it('retries GitHub answering 502 mid-run; the check runs end completed', async () => {
    const { repo, head } = newPullRequest(3);
    let failed = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      // The first attempt to create each check run meets a bad gateway.
      if ((init?.method ?? 'GET') === 'POST' && url.endsWith('/check-runs') && failed < 1) {
        failed++;
        return new Response('{"message":"Bad Gateway"}', { status: 502, headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 3));
    await start({ fetch: flaky });
    await settled();
    expect(failed).toBe(1);
    expect(summary(repo, head)).toEqual(ALL_PASS);
  });

  it('waits out a secondary rate limit for the Retry-After it gives, then completes the check runs', async () => {
    const { repo, head } = newPullRequest(6);
    let limited = 0;
    const limiting: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if ((init?.method ?? 'GET') === 'POST' && url.endsWith(`/${repo.name}/check-runs`) && limited < 1) {
        limited++;
        return new Response(JSON.stringify({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' }), {
          status: 403,
          headers: { 'content-type': 'application/json', 'retry-after': '1', 'x-ratelimit-remaining': '4000' },
        });
      }
      return fetch(input, init);
    };
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 6));
    // Production settings: Probot's throttling plugin, which spaces writes and honours Retry-After.
    await start({ fetch: limiting, throttle: true });
    await settled();
    expect(limited).toBe(1);
    // The limited write landed after the others.
    expect(summary(repo, head).sort()).toEqual([...ALL_PASS].sort());
    // Retried inside the attempt, not by the queue.
    expect((await runStatuses()).slice(-1)[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(workerLogs.some((record) => String(record.msg).includes('Secondary rate limit hit by POST'))).toBe(true);
  }, 60_000);

  it('retries a run whose GitHub calls time out past the client retries; the next attempt completes the check runs', async () => {
    const { repo, head } = newPullRequest(4);
    let listings = 0;
    let timedOut = 0;
    const slow: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const method = init?.method ?? 'GET';
      if (method === 'GET' && url.includes(`/${repo.name}/commits/`) && url.includes('/check-runs')) listings++;
      // During the first attempt every check run write times out, retries included.
      if (method === 'POST' && url.endsWith(`/${repo.name}/check-runs`) && listings === 1) {
        timedOut++;
        throw new TypeError('fetch failed: connect ETIMEDOUT');
      }
      return fetch(input, init);
    };
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 4));
    await start({ fetch: slow });
    await settled();
    expect(timedOut).toBeGreaterThan(3);
    expect(summary(repo, head)).toEqual(ALL_PASS);
    expect((await runStatuses()).slice(-1)[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('reaps a run whose workers died on every attempt: its check runs end completed neutral, once', async () => {
    const { repo, head } = newPullRequest(7);
    await server.deliver('pull_request', pullRequestEvent(fake, repo, 7));
    // Two workers in turn claim the run and die (max_attempts is 2); the next claim finds it dead.
    const first = await controlPlane.claimNextRun({ workerId: 'killed-1', kinds: ['github.webhook'], leaseSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = await controlPlane.claimNextRun({ workerId: 'killed-2', kinds: ['github.webhook'], leaseSeconds: 1 });
    expect(second?.id).toBe(first?.id);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await controlPlane.claimNextRun({ workerId: 'probe', kinds: ['github.webhook'], leaseSeconds: 1 })).toBeNull();
    expect((await runStatuses()).find((row) => row.id === first?.id)).toMatchObject({ status: 'dead', attempts: 2 });

    await start();
    for (let wait = 0; wait < 100 && fake.runsFor(repo, head).length < 3; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    await workers?.stop();
    workers = undefined;
    expect(summary(repo, head)).toEqual(['platform-kit/spec-bundle completed neutral', 'platform-kit/schema-safety completed neutral', 'platform-kit/doc-sync completed neutral']);
    expect(fake.runsFor(repo, head)[0]?.output.summary).toContain(`run ${first?.id} was abandoned after 2 attempts`);
    // Settled once: a second reaper pass leaves it alone.
    const again = await start();
    await again.stop();
    workers = undefined;
    expect(fake.runsFor(repo, head)).toHaveLength(3);
    const { rows } = await handle.db.query<{ count: number }>(`select count(*)::int as count from ops.run_events where run_id = $1 and kind = 'log'`, [first?.id]);
    expect(rows[0]?.count).toBe(1);
  });

  it('reconnects when the database cuts its sessions', async () => {
    await start();
    // Every session of the control plane's pool (the worker's) is cut.
    await controlPlane.claimNextRun({ workerId: 'probe', kinds: ['none'], leaseSeconds: 1 });
    const cut = await handle.db.query<{ pid: number }>(
      `select pg_terminate_backend(pid), pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
    );
    expect(cut.rows.length).toBeGreaterThan(0);
    const { repo, head } = newPullRequest(5);
    const response = await server.deliver('pull_request', pullRequestEvent(fake, repo, 5));
    expect(response.status).toBe(200);
    await settled();
    expect(summary(repo, head)).toEqual(ALL_PASS);
  });

  it('logs no token, private key, webhook secret or database password, in the web process or the workers', () => {
    const text = [...server.logs, ...workerLogs].map((record) => JSON.stringify(record)).join('\n');
    expect(workerLogs.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/ghs_[A-Za-z0-9]+/);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(server.secret);
    expect(text).not.toContain(DATABASE_PASSWORD);
  });
});
