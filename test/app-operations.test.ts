import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import pino from 'pino';
import { startAppHttpServer, startOpsHttpServer, type AppHttpServer } from '../app/app-runtime/http-server.js';
import { createAppMetrics, type AppMetrics } from '../app/app-runtime/metrics.js';
import { startupProblems } from '../app/app-runtime/web.js';
import { createPlatformKitApp, type PlatformKitApp } from '../app/probot.js';
import { startAppServer, type AppServer, type LogRecord } from './helpers/github/app-server.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { pullRequestEvent } from './helpers/github/webhook-payloads.js';

/**
 * The App's own HTTP server as operators meet it: health, readiness, Prometheus metrics, a size
 * limit on payloads, refusing to start unsafely, and logs that carry no secret.
 */

let fake: FakeGitHub;
let probotServer: AppServer;
let http: AppHttpServer;
let app: PlatformKitApp;
let metrics: AppMetrics;
const logs: LogRecord[] = [];
let ready = true;

beforeAll(async () => {
  fake = new FakeGitHub().start();
  // The Probot server of the helper supplies the credentials; this file's requests go to the App's own server.
  probotServer = await startAppServer({ fake, app: () => undefined });
  metrics = createAppMetrics({ queueDepth: () => app.queues.reduce((sum, queue) => sum + queue.depth, 0) });
  app = createPlatformKitApp({ metrics, queue: { concurrency: 2, perInstallation: 1 } });
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
  http = await startAppHttpServer({
    probot: probotServer.createProbot({ log }),
    app,
    port: 0,
    metrics,
    maxPayloadBytes: 1024 * 1024,
    readiness: {
      queue: async () => {
        if (!ready) throw new Error('queue unreachable');
      },
    },
  });
});

afterAll(async () => {
  await app.idle();
  await http.stop();
  await probotServer.stop();
  fake.stop();
});

afterEach(() => {
  expect(fake.violations).toEqual([]);
});

async function deliver(event: string, payload: unknown, body = JSON.stringify(payload)) {
  const response = await fetch(`${http.url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(probotServer.secret, body),
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe("the App's HTTP server", () => {
  it('answers /healthz, and /readyz by what its dependencies answer', async () => {
    expect((await fetch(`${http.url}/healthz`)).status).toBe(200);
    const readyResponse = await fetch(`${http.url}/readyz`);
    expect(readyResponse.status).toBe(200);
    expect(await readyResponse.json()).toEqual({ status: 'ready', checks: { queue: 'ok' } });
    ready = false;
    try {
      const notReady = await fetch(`${http.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', checks: { queue: 'unavailable: Error' } });
    } finally {
      ready = true;
    }
  });

  it('checks a delivered pull request and counts it in /metrics', async () => {
    const repo = fake.addRepo({ owner: 'acme', name: 'ops-1' });
    const main = fake.commit(null, { 'README.md': '# Shop\n' });
    fake.setBranch(repo, 'main', main);
    const head = fake.commit(main, { 'docs/a.md': '# A\n' });
    fake.openPullRequest(repo, { number: 1, base: { sha: main }, head: { sha: head } });
    expect((await deliver('pull_request', pullRequestEvent(fake, repo, 1))).status).toBe(200);
    await app.idle();
    expect(fake.runsFor(repo, head).map((run) => `${run.name} ${run.status}`)).toEqual([
      'platform-kit/spec-bundle completed',
      'platform-kit/schema-safety completed',
      'platform-kit/doc-sync completed',
    ]);

    const text = await (await fetch(`${http.url}/metrics`)).text();
    expect(text).toMatch(/platform_kit_deliveries_total\{event="pull_request.opened",result="accepted"\} 1/);
    expect(text).toMatch(/platform_kit_queue_depth 0/);
    expect(text).toMatch(/platform_kit_run_duration_seconds_count\{event="pull_request.opened",outcome="succeeded"\} 1/);
    // Durations by check: one observation per check run, labelled with its conclusion.
    for (const check of ['spec-bundle', 'schema-safety', 'doc-sync']) {
      expect(text).toMatch(new RegExp(`platform_kit_check_duration_seconds_count\\{check="${check}",conclusion="(success|failure|neutral)"\\} 1`));
    }
    expect(text).toMatch(/platform_kit_github_api_calls_total\{route="POST \/repos\/\{owner\}\/\{repo\}\/check-runs"\} 3/);
    // Every line logged while the event is handled (GitHub requests included) names the delivery, installation and repository.
    const handlerLines = logs.filter((record) => typeof record.msg === 'string' && (record.msg.startsWith('GitHub request') || record.msg.startsWith('comment')));
    expect(handlerLines.length).toBeGreaterThan(8);
    for (const record of handlerLines) expect(record).toMatchObject({ delivery: expect.any(String), installation: fake.installationId, repo: 'acme/ops-1' });
  });

  it('refuses a payload over the limit before reading it, and one that streams past it', async () => {
    const mark = fake.requests.length;
    const big = JSON.stringify({ action: 'opened', filler: 'x'.repeat(1024 * 1024 + 1) });
    const refused = await deliver('pull_request', undefined, big);
    expect(refused.status).toBe(413);
    expect(refused.text).toContain('payload too large');
    expect(fake.requests.length).toBe(mark);
    expect(await (await fetch(`${http.url}/metrics`)).text()).toMatch(/platform_kit_deliveries_total\{event="pull_request",result="refused"\} 1/);

    // Without a content-length (chunked), the body is counted as it arrives.
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await fetch(`${http.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=00' },
      body: stream,
      duplex: 'half',
    } as RequestInit).then(
      (response) => response.status,
      () => 'connection closed',
    );
    expect([413, 'connection closed']).toContain(streamed);
    expect(fake.requests.length).toBe(mark);
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${http.url}/nothing-here`)).status).toBe(404);
  });

  it('logs no token, private key or webhook secret', () => {
    const text = [...logs, ...probotServer.logs].map((record) => JSON.stringify(record)).join('\n');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/ghs_[A-Za-z0-9]+/);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(probotServer.secret);
  });
});

describe("a worker's operations server", () => {
  it('serves /healthz, /readyz and /metrics, and nothing else', async () => {
    const workerMetrics = createAppMetrics({ queueDepth: () => 7 });
    workerMetrics.failures.inc({ stage: 'run' });
    const ops = await startOpsHttpServer({ port: 0, metrics: workerMetrics, readiness: { database: () => Promise.reject(new Error('connection refused')) } });
    try {
      expect((await fetch(`${ops.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${ops.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', checks: { database: 'unavailable: Error' } });
      const text = await (await fetch(`${ops.url}/metrics`)).text();
      expect(text).toContain('platform_kit_queue_depth 7');
      expect(text).toContain('platform_kit_failures_total{stage="run"} 1');
      expect((await fetch(`${ops.url}/api/github/webhooks`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await ops.stop();
    }
  });
});

describe('startup', () => {
  it('refuses production without a webhook secret', () => {
    expect(startupProblems({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('no WEBHOOK_SECRET')]);
    expect(startupProblems({ NODE_ENV: 'production', WEBHOOK_SECRET: 's' })).toEqual([]);
    expect(startupProblems({ NODE_ENV: 'development' })).toEqual([]);
  });
});
