import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import pino from 'pino';
import { startAppHttpServer } from '../app/app-runtime/http-server.js';
import { createAppMetrics, type AppMetrics } from '../app/app-runtime/metrics.js';
import { createPlatformKitApp } from '../app/probot.js';
import { startAppServer } from '../test/helpers/github/app-server.js';
import { FakeGitHub } from '../test/helpers/github/fake-github.js';
import { pullRequestEvent } from '../test/helpers/github/webhook-payloads.js';

/**
 * Webhook load on loopback: autocannon replays signed pull_request deliveries (real payloads from
 * @octokit/webhooks-examples, one pull request each) at the App's HTTP server at a fixed rate, and
 * GitHub's API is the fake (every request validated against GitHub's OpenAPI description) behind
 * an added latency per request. Reports acknowledgement latency at 100 and 500 deliveries/s, runs
 * completed per second with 1 and 4 workers, peak memory of the process (web server and workers
 * share it here), and deliveries in against runs completed, which must be equal.
 */

const GITHUB_LATENCY_MS = 20;
const RATES = [
  { rate: 100, seconds: 3 },
  { rate: 500, seconds: 2 },
];
const THROUGHPUT_RUNS = 60;

interface AutocannonResult {
  latency: { p50: number; p99: number; max: number };
  requests: { total: number; sent: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  overallRate?: number;
  amount: number;
  requests: Array<{ setupRequest: (request: AutocannonRequest) => AutocannonRequest }>;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function runsCompleted(metrics: AppMetrics): Promise<number> {
  return metrics.runDuration.get().then((metric) => metric.values.filter((value) => value.metricName === 'platform_kit_run_duration_seconds_count').reduce((sum, value) => sum + value.value, 0));
}

async function setup(workers: number) {
  const fake = new FakeGitHub().start();
  const credentials = await startAppServer({ fake, app: () => undefined });
  const slowGitHub: typeof fetch = async (input, init) => {
    await sleep(GITHUB_LATENCY_MS);
    return fetch(input, init);
  };
  const metrics = createAppMetrics();
  const app = createPlatformKitApp({ metrics, queue: { concurrency: workers, perInstallation: workers } });
  const http = await startAppHttpServer({ probot: credentials.createProbot({ fetch: slowGitHub, log: pino({ level: 'warn' }) }), app, port: 0, metrics });
  const repo = fake.addRepo({ owner: 'acme', name: 'load' });
  const main = fake.commit(null, { 'README.md': '# Load\n' });
  fake.setBranch(repo, 'main', main);
  let pulls = 0;
  /** Signed deliveries, each opening a pull request of its own (nothing to coalesce or deduplicate). */
  const deliveries = async (count: number) => {
    const signed: Array<{ body: string; signature: string }> = [];
    for (let index = 0; index < count; index++) {
      const number = ++pulls;
      const head = fake.commit(main, { [`src/change-${number}.ts`]: `export const value = ${number};\n` });
      fake.openPullRequest(repo, { number, base: { sha: main }, head: { sha: head } });
      const body = JSON.stringify(pullRequestEvent(fake, repo, number));
      signed.push({ body, signature: await sign(credentials.secret, body) });
    }
    return signed;
  };
  const stop = async () => {
    await app.idle();
    await http.stop();
    await credentials.stop();
    if (fake.violations.length > 0) throw new Error(`requests GitHub would reject:\n${fake.violations.slice(0, 5).join('\n')}`);
    fake.stop();
  };
  return { app, http, metrics, deliveries, stop };
}

async function fire(url: string, signed: Array<{ body: string; signature: string }>, rate: number): Promise<AutocannonResult> {
  let next = 0;
  return autocannon({
    url,
    connections: Math.min(50, signed.length),
    overallRate: rate,
    amount: signed.length,
    requests: [
      {
        setupRequest: (request) => {
          const delivery = signed[next++ % signed.length];
          return {
            ...request,
            method: 'POST',
            path: '/api/github/webhooks',
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'pull_request',
              'x-github-delivery': randomUUID(),
              'x-hub-signature-256': delivery?.signature ?? '',
            },
            body: delivery?.body ?? '',
          };
        },
      },
    ],
  });
}

export async function benchWebhooks(): Promise<void> {
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    console.log(`Webhooks on loopback: signed pull_request deliveries, GitHub answering after ${GITHUB_LATENCY_MS} ms per request`);
    // Acknowledgement latency while 4 workers run the checks behind it.
    const load = await setup(4);
    let delivered = 0;
    try {
      // Warm-up: module loading, the installation token, the first PGlite-free check.
      await fire(load.http.url, await load.deliveries(5), 50);
      await load.app.idle();
      const warm = await runsCompleted(load.metrics);
      for (const { rate, seconds } of RATES) {
        const signed = await load.deliveries(rate * seconds);
        const result = await fire(load.http.url, signed, rate);
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          throw new Error(`at ${rate}/s: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
        }
        delivered += result.requests.total;
        console.log(`  ${rate} deliveries/s for ${seconds} s: acknowledged p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
      }
      await load.app.idle();
      const completed = (await runsCompleted(load.metrics)) - warm;
      console.log(`  deliveries in: ${delivered}, runs completed: ${completed}`);
      if (completed !== delivered) throw new Error(`${delivered} deliveries but ${completed} runs completed`);
    } finally {
      await load.stop();
    }

    // Throughput: a backlog of runs, drained by 1 and by 4 workers.
    for (const workers of [1, 4]) {
      const drain = await setup(workers);
      try {
        await fire(drain.http.url, await drain.deliveries(3), 50);
        await drain.app.idle();
        const before = await runsCompleted(drain.metrics);
        drain.app.pause();
        const result = await fire(drain.http.url, await drain.deliveries(THROUGHPUT_RUNS), 1000);
        const started = performance.now();
        drain.app.resume();
        await drain.app.idle();
        const seconds = (performance.now() - started) / 1000;
        const completed = (await runsCompleted(drain.metrics)) - before;
        if (completed !== result.requests.total) throw new Error(`${result.requests.total} deliveries but ${completed} runs completed`);
        console.log(`  ${workers} worker${workers > 1 ? 's' : ''}: ${(completed / seconds).toFixed(1)} runs/s (${completed} runs in ${seconds.toFixed(2)} s)`);
      } finally {
        await drain.stop();
      }
    }
    console.log(`  peak memory (RSS) of the process, web server and workers together: ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
  } finally {
    clearInterval(sampler);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchWebhooks().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
