import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { checkedCommit, startAppWorkers } from '../app/app-runtime/app-workers.js';
import { DurableEventQueue, type DurableWorkers, type QueuedDelivery } from '../app/app-runtime/durable-queue.js';
import { createAppMetrics, type AppMetrics } from '../app/app-runtime/metrics.js';
import { jsonbTextBytes, refetchDeliveryPayload, refetchMarker, SLIM_ABOVE_BYTES, slimPayload } from '../app/app-runtime/payload-refetch.js';
import { serverAvailable } from './helpers/postgres-server.js';
import { openPgControlPlane, type Json as JsonValue, type PgControlPlane } from '../app/control-plane/index.js';
import type { GitHubClient } from '../app/github/client.js';
import { createPlatformKitApp } from '../app/probot.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { startAppServer, type AppServer, type LogRecord } from './helpers/github/app-server.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { checkRunRerequestedEvent, checkSuiteEvent, pullRequestEvent, pushEvent } from './helpers/github/webhook-payloads.js';

/**
 * Deliveries too large for a run (ops.enqueue_run refuses payloads over 256 KiB; GitHub sends up
 * to 25 MB) are queued slim and their payload is fetched back from GitHub's record of the App's
 * webhook deliveries by the worker; a payload that cannot be fetched back ends with neutral check runs.
 */

type Json = Record<string, unknown>;
type FakeRepo = ReturnType<FakeGitHub['addRepo']>;

/**
 * A pull request GitHub sends with a payload over 256 KiB: a body at GitHub's cap of 65,536
 * characters, written in a script of three bytes a character, and 100 labels (GitHub's cap per
 * issue) with names and descriptions in the same script.
 */
function largePullRequestEvent(fake: FakeGitHub, repo: FakeRepo, number: number): Json {
  const payload = pullRequestEvent(fake, repo, number);
  const pull = payload.pull_request as Json;
  pull.body = '数据库迁移说明。'.repeat(8192);
  pull.labels = Array.from({ length: 100 }, (_, index) => {
    const name = `${'数据库架构变更审查标签'.repeat(5).slice(0, 47)}${String(index).padStart(3, '0')}`;
    return {
      id: 9000 + index,
      node_id: `LA_${9000 + index}`,
      url: `https://api.github.com/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
      name,
      color: 'ededed',
      default: false,
      description: '此标签表示拉取请求包含需要数据库团队审查的架构变更，合并前必须获得批准。'.repeat(3).slice(0, 100),
    };
  });
  return payload;
}

function newPullRequest(fake: FakeGitHub, name: string, number: number) {
  const repo = fake.addRepo({ owner: 'acme', name });
  const main = fake.commit(null, { 'README.md': '# Shop\n' });
  fake.setBranch(repo, 'main', main);
  const head = fake.commit(main, { 'docs/guide.md': '# Guide\n' });
  fake.openPullRequest(repo, { number, base: { sha: main }, head: { sha: head } });
  return { repo, main, head };
}

/** Deliveries of other events, newest last, as a busy App's list holds them. */
function recordOtherDeliveries(fake: FakeGitHub, count: number, deliveredAt?: string): void {
  for (let index = 0; index < count; index++) {
    fake.recordHookDelivery({ guid: randomUUID(), event: 'check_suite', payload: { action: 'requested' }, ...(deliveredAt ? { deliveredAt } : {}) });
  }
}

describe('slimming a payload too large for the queue', () => {
  const fake = new FakeGitHub();
  const { repo, main, head } = newPullRequest(fake, 'slim', 1);

  it('measures payloads as Postgres prints jsonb, with a space after every colon and comma', () => {
    expect(jsonbTextBytes({ a: 1, b: [1, 2, { c: 'é' }], d: {} })).toBe(Buffer.byteLength('{"a": 1, "b": [1, 2, {"c": "é"}], "d": {}}'));
  });

  it('keeps what identifies and settles the work, and the marker, in a few hundred bytes', () => {
    const payload = largePullRequestEvent(fake, repo, 1);
    const bytes = jsonbTextBytes(payload);
    expect(bytes).toBeGreaterThan(256 * 1024);
    const slim = slimPayload(payload, bytes);
    expect(jsonbTextBytes(slim)).toBeLessThan(1024);
    expect(refetchMarker(slim)).toEqual({ via: 'app-hook-delivery', bytes });
    expect(refetchMarker(payload)).toBeUndefined();
    expect(slim).toEqual({
      action: 'opened',
      number: 1,
      installation: { id: fake.installationId },
      repository: { id: repo.id, name: 'slim', full_name: 'acme/slim', owner: { login: 'acme' } },
      pull_request: { number: 1, head: { sha: head, ref: 'feature', repo: { full_name: 'acme/slim' } }, base: { sha: main, ref: 'main' } },
      sender: { login: expect.any(String) },
      refetch: { via: 'app-hook-delivery', bytes },
    });
  });

  it('keeps the commit, repository and installation the check runs are settled on, for every event the App checks', () => {
    const events: Array<[string, Json]> = [
      ['pull_request', pullRequestEvent(fake, repo, 1)],
      ['push', pushEvent(fake, repo, { ref: 'refs/heads/main', before: main, after: head })],
      ['check_run', checkRunRerequestedEvent(fake, repo, { name: 'platform-kit/doc-sync', headSha: head, pullNumbers: [1] })],
      ['check_suite', checkSuiteEvent(fake, repo, 'rerequested', { headSha: head, headBranch: 'feature', before: main, pullNumbers: [1] })],
    ];
    for (const [name, payload] of events) {
      const full: QueuedDelivery = { deliveryId: 'd', name, payload };
      const slim: QueuedDelivery = { ...full, payload: slimPayload(payload, jsonbTextBytes(payload)) };
      expect(checkedCommit(full)).toEqual({ installationId: fake.installationId, repo: { owner: 'acme', repo: 'slim' }, headSha: head });
      expect(checkedCommit(slim)).toEqual(checkedCommit(full));
    }
  });

  it('keeps a deleted fork as null, and leaves out fields the payload does not have', () => {
    const payload = pullRequestEvent(fake, repo, 1);
    ((payload.pull_request as Json).head as Json).repo = null;
    const slim = slimPayload(payload, 1);
    expect(((slim.pull_request as Json).head as Json).repo).toBeNull();
    expect(slim).not.toHaveProperty('check_run');
    expect(slim).not.toHaveProperty('after');
  });
});

describe("refetching a payload from the App's webhook deliveries", () => {
  let fake: FakeGitHub;
  let server: AppServer;
  let octokit: GitHubClient;

  beforeAll(async () => {
    fake = new FakeGitHub().start();
    server = await startAppServer({ fake, app: () => {} });
    octokit = (await server.createProbot().auth()) as unknown as GitHubClient;
  });

  afterAll(async () => {
    await server?.stop();
    fake?.stop();
  });

  afterEach(() => {
    expect(fake.violations).toEqual([]);
    fake.hookDeliveries.length = 0;
    fake.resetRequests();
  });

  /** A run queued long enough ago for GitHub to have listed its delivery. */
  const queuedSecondsAgo = () => new Date(Date.now() - 5_000);

  function queuedLarge(name: string) {
    const { repo } = newPullRequest(fake, name, 1);
    const payload = largePullRequestEvent(fake, repo, 1);
    return { guid: randomUUID(), payload, slim: slimPayload(payload, jsonbTextBytes(payload)) };
  }

  it('pages the list newest first with its cursor until the delivery, then reads its payload, as the App', async () => {
    const { guid, payload, slim } = queuedLarge('refetch-paged');
    fake.recordHookDelivery({ guid, event: 'pull_request', payload });
    recordOtherDeliveries(fake, 250);
    const found = await refetchDeliveryPayload({ octokit, deliveryId: guid, event: 'pull_request', slim, queuedAt: queuedSecondsAgo() });
    expect(found.pages).toBe(3);
    expect(found.payload).toEqual(payload);
    const calls = fake.requests.map((request) => [request.operationId, request.query.cursor ?? null, request.status]);
    expect(calls).toEqual([
      ['apps/list-webhook-deliveries', null, 200],
      ['apps/list-webhook-deliveries', expect.stringMatching(/^v1_/), 200],
      ['apps/list-webhook-deliveries', expect.stringMatching(/^v1_/), 200],
      ['apps/get-webhook-delivery', null, 200],
    ]);
    expect(fake.requests.every((request) => request.query.per_page === undefined || request.query.per_page === '100')).toBe(true);
  });

  it('waits until GitHub can have listed the delivery of a run claimed at once', async () => {
    const { guid, payload, slim } = queuedLarge('refetch-young');
    fake.recordHookDelivery({ guid, event: 'pull_request', payload });
    const started = performance.now();
    const found = await refetchDeliveryPayload({ octokit, deliveryId: guid, event: 'pull_request', slim, queuedAt: new Date(), listingDelayMs: 400 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    expect(found.pages).toBe(1);
  });

  it('stops at deliveries older than the run, naming the delivery', async () => {
    const { guid, slim } = queuedLarge('refetch-old');
    recordOtherDeliveries(fake, 150, '2025-01-01T00:00:00Z');
    recordOtherDeliveries(fake, 20);
    const refetch = refetchDeliveryPayload({ octokit, deliveryId: guid, event: 'pull_request', slim, queuedAt: queuedSecondsAgo() });
    await expect(refetch).rejects.toThrow(`webhook delivery ${guid} was queued without its payload`);
    await expect(refetch).rejects.toThrow('listed back to 2025-01-01T00:00:00Z (1 page(s))');
    expect(fake.requests).toHaveLength(1);
  });

  it('stops after a bounded number of pages', async () => {
    const { guid, payload, slim } = queuedLarge('refetch-bounded');
    fake.recordHookDelivery({ guid, event: 'pull_request', payload });
    recordOtherDeliveries(fake, 350);
    await expect(refetchDeliveryPayload({ octokit, deliveryId: guid, event: 'pull_request', slim, queuedAt: queuedSecondsAgo(), maxPages: 3 })).rejects.toThrow(
      `webhook delivery ${guid} was queued without its payload (too large for the queue), and GitHub's list of the App's deliveries does not have it: not among the 300 newest deliveries (3 pages)`,
    );
    expect(fake.requests).toHaveLength(3);
  });

  it('refuses a payload that does not match what was queued', async () => {
    const { guid, payload, slim } = queuedLarge('refetch-mismatch');
    fake.recordHookDelivery({ guid, event: 'pull_request', payload: { ...payload, action: 'closed' } });
    await expect(refetchDeliveryPayload({ octokit, deliveryId: guid, event: 'pull_request', slim, queuedAt: queuedSecondsAgo() })).rejects.toThrow('does not match the one queued');
  });
});

const serverUp = await serverAvailable();
const describePostgres = serverUp ? describe : describe.skip;

describePostgres('a large delivery through the durable queue on the Postgres server', () => {
  let handle: ControlPlaneDb;
  let controlPlane: PgControlPlane;
  let fake: FakeGitHub;
  let server: AppServer;
  let metrics: AppMetrics;
  let workers: DurableWorkers | undefined;
  const webLogs: LogRecord[] = [];
  const workerLogs: LogRecord[] = [];
  const webLog = pino({ level: 'info' }, { write: (line: string) => void webLogs.push(JSON.parse(line) as LogRecord) });
  const workerLog = pino({ level: 'info' }, { write: (line: string) => void workerLogs.push(JSON.parse(line) as LogRecord) });

  beforeAll(async () => {
    handle = await openControlPlaneDb('postgres');
    controlPlane = openPgControlPlane({ connectionString: handle.connectionString!, role: 'service_role', max: 2 });
    fake = new FakeGitHub().start();
    metrics = createAppMetrics();
    const queue = new DurableEventQueue({ controlPlane, maxAttempts: 2, log: webLog, metrics });
    server = await startAppServer({ fake, app: createPlatformKitApp({ metrics, dispatch: { kind: 'durable', queue } }) });
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

  async function start(): Promise<void> {
    workers = await startAppWorkers({ probot: server.createProbot({ log: workerLog }), controlPlane, workerId: 'large-payload', concurrency: 1, leaseSeconds: 30, pollMs: 50, log: workerLog });
  }

  async function settled(): Promise<void> {
    for (;;) {
      const { rows } = await handle.db.query<{ open: number }>(`select count(*)::int as open from ops.runs where status in ('queued', 'running')`);
      if (rows[0]?.open === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function queuedRun(deliveryId: string): Promise<{ id: number; status: string; attempts: number; bytes: number; payload: Json; last_error: string | null }> {
    const { rows } = await handle.db.query<{ id: number; status: string; attempts: number; bytes: number; payload: Json; last_error: string | null }>(
      `select id::int, status, attempts, octet_length(payload::text) as bytes, payload, last_error from ops.runs where payload ->> 'delivery' = $1`,
      [deliveryId],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  const summary = (repo: FakeRepo, sha: string) => fake.runsFor(repo, sha).map((run) => `${run.name} ${run.status} ${run.conclusion}`);

  it('measures a payload to the byte as the control plane does, which refuses this one whole', async () => {
    const { repo } = newPullRequest(fake, 'measured', 1);
    const payload = largePullRequestEvent(fake, repo, 1);
    const { rows } = await handle.db.query<{ bytes: number }>(`select octet_length($1::jsonb::text) as bytes`, [JSON.stringify(payload)]);
    expect(jsonbTextBytes(payload)).toBe(rows[0]?.bytes);
    const { org_id: orgId } = await controlPlane.ensureProject({ orgSlug: 'github-app', projectSlug: 'github-app', projectName: 'GitHub App', provider: 'github' });
    await expect(controlPlane.enqueueRun({ orgId, kind: 'github.webhook', payload: { delivery: 'whole', name: 'pull_request', payload: payload as JsonValue } })).rejects.toThrow(
      'the limit is 262144',
    );
  });

  it('queues a delivery under the threshold whole', async () => {
    const { repo } = newPullRequest(fake, 'small', 2);
    const payload = pullRequestEvent(fake, repo, 2);
    expect(jsonbTextBytes(payload)).toBeLessThan(SLIM_ABOVE_BYTES);
    const deliveryId = randomUUID();
    expect((await server.deliver('pull_request', payload, { deliveryId })).status).toBe(200);
    expect((await queuedRun(deliveryId)).payload.payload).toEqual(payload);
    expect((await metrics.deliveries.get()).values.filter((value) => value.labels.result === 'queued-slim')).toEqual([]);
    await start();
    await settled();
    expect(fake.requests.filter((request) => request.path.startsWith('/app/hook/deliveries'))).toEqual([]);
  });

  it('acknowledges a pull request over 256 KiB, queues it slim, and a worker fetches it back from GitHub and checks it', async () => {
    const { repo, head } = newPullRequest(fake, 'large', 7);
    const payload = largePullRequestEvent(fake, repo, 7);
    const deliveryId = randomUUID();
    const response = await server.deliver('pull_request', payload, { deliveryId });
    expect(response.status).toBe(200);
    // GitHub records the delivery as it sends it; a busy App has had others since.
    fake.recordHookDelivery({ guid: deliveryId, event: 'pull_request', payload });
    recordOtherDeliveries(fake, 120);

    const queued = await queuedRun(deliveryId);
    expect(queued.status).toBe('queued');
    expect(queued.bytes).toBeLessThan(2048);
    expect((queued.payload.payload as Json).refetch).toEqual({ via: 'app-hook-delivery', bytes: jsonbTextBytes(payload) });
    const slimLog = webLogs.find((record) => record.delivery === deliveryId && String(record.msg).includes('queued slim'));
    expect(slimLog).toMatchObject({ event: 'pull_request', bytes: jsonbTextBytes(payload) });
    const counted = (await metrics.deliveries.get()).values.find((value) => value.labels.result === 'queued-slim');
    expect(counted).toMatchObject({ value: 1, labels: { event: 'pull_request.opened' } });

    const mark = fake.requests.length;
    await start();
    await settled();
    expect(summary(repo, head)).toEqual(['platform-kit/spec-bundle completed success', 'platform-kit/schema-safety completed success', 'platform-kit/doc-sync completed success']);
    expect(await queuedRun(deliveryId)).toMatchObject({ status: 'succeeded', attempts: 1 });
    const refetches = fake.requests.slice(mark).filter((request) => request.path.startsWith('/app/hook/deliveries'));
    expect(refetches.map((request) => request.operationId)).toEqual(['apps/list-webhook-deliveries', 'apps/list-webhook-deliveries', 'apps/get-webhook-delivery']);
    expect(workerLogs.find((record) => record.delivery === deliveryId && String(record.msg).includes('fetched from GitHub'))).toMatchObject({ pages: 2 });
  });

  it('retries a run whose payload GitHub does not list, then settles its check runs neutral with the reason', async () => {
    const { repo, head } = newPullRequest(fake, 'unlisted', 3);
    const payload = largePullRequestEvent(fake, repo, 3);
    const deliveryId = randomUUID();
    expect((await server.deliver('pull_request', payload, { deliveryId })).status).toBe(200);
    // GitHub lists other deliveries, not this one (past its retention, or another App's hook).
    recordOtherDeliveries(fake, 30);

    await start();
    await settled();
    const run = await queuedRun(deliveryId);
    expect(run).toMatchObject({ status: 'dead', attempts: 2 });
    expect(run.last_error).toContain(`DeliveryNotRefetchedError: webhook delivery ${deliveryId} was queued without its payload`);
    expect(summary(repo, head)).toEqual(['platform-kit/spec-bundle completed neutral', 'platform-kit/schema-safety completed neutral', 'platform-kit/doc-sync completed neutral']);
    const reason = fake.runsFor(repo, head)[0]?.output.summary ?? '';
    expect(reason).toContain(`could not check this commit after 2 attempts: webhook delivery ${deliveryId} was queued without its payload`);
    expect(workerLogs.filter((record) => record.delivery === deliveryId && String(record.msg).startsWith('run failed')).map((record) => record.msg)).toEqual([
      'run failed; it will be retried',
      'run failed on its last attempt',
    ]);
  }, 30_000);
});
