import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import pino from 'pino';
import { Probot, Server, type ApplicationFunction } from 'probot';
import { PlatformKitOctokit } from '../../../app/app-runtime/octokit.js';
import type { FakeGitHub } from './fake-github.js';

/**
 * The App as GitHub meets it: Probot's own HTTP server, with a freshly generated private key and
 * webhook secret, answering signed webhook deliveries over HTTP. GitHub's API is the FakeGitHub.
 */

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Delivery {
  status: number;
  text: string;
  /** Time from sending the request to the end of the response. */
  ms: number;
}

export interface AppServer {
  url: string;
  secret: string;
  /** Everything the App and Probot logged at info level and above, parsed. */
  logs: LogRecord[];
  /**
   * POSTs a signed webhook the way GitHub delivers it. The App acknowledges before it does the
   * work; unless `settle` is false, this then waits until the App's queue is idle.
   */
  deliver(event: string, payload: unknown, options?: { deliveryId?: string; signature?: string; settle?: boolean }): Promise<Delivery>;
  /** Resolves when the App has handled every delivery it acknowledged. */
  idle(): Promise<void>;
  /**
   * Another Probot with the same App credentials and no HTTP server (a `platform-kit worker`);
   * `fetch` replaces its transport to GitHub (fault injection in front of the fake).
   */
  createProbot(options?: { fetch?: typeof fetch; log?: pino.Logger; throttle?: boolean }): Probot;
  stop(): Promise<void>;
}

export interface AppServerOptions {
  fake: FakeGitHub;
  app: ApplicationFunction;
  /**
   * Probot spaces write requests a second apart per installation (its throttling plugin), which is
   * what production does; tests switch it off to stay fast. The benchmark measures both.
   */
  throttle?: boolean;
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const secret = randomUUID();
  const logs: LogRecord[] = [];
  const log = pino(
    { level: 'info' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as LogRecord);
      },
    },
  );
  const throttle = options.throttle ?? false;
  const octokitWith = (fetchImpl?: typeof fetch, throttled = throttle) =>
    PlatformKitOctokit.defaults((instanceOptions: { throttle?: Record<string, unknown>; request?: Record<string, unknown> }) => ({
      ...instanceOptions,
      throttle: { ...instanceOptions.throttle, enabled: throttled },
      // Octokit's retries of 5xx and network errors wait 1 s, 4 s, 9 s; tests keep the count, not the wait.
      ...(fetchImpl ? { request: { ...instanceOptions.request, fetch: fetchImpl }, retry: { retryAfterBaseValue: 10 } } : {}),
    }));
  const Octokit = octokitWith();
  const port = await freePort();
  const server = new Server({
    host: '127.0.0.1',
    port,
    log,
    Probot: Probot.defaults({ appId: options.fake.appId, privateKey, secret, Octokit }),
  });
  await server.load(options.app);
  const idle = async (): Promise<void> => {
    const app = options.app as ApplicationFunction & { idle?: () => Promise<void> };
    if (typeof app.idle === 'function') await app.idle();
  };
  await server.start();
  const url = `http://127.0.0.1:${server.port}/api/github/webhooks`;

  return {
    url,
    secret,
    logs,
    async deliver(event, payload, deliveryOptions = {}) {
      const body = JSON.stringify(payload);
      const started = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': deliveryOptions.deliveryId ?? randomUUID(),
          'x-hub-signature-256': deliveryOptions.signature ?? (await sign(secret, body)),
          'user-agent': 'GitHub-Hookshot/platform-kit-test',
        },
        body,
      });
      const text = await response.text();
      const ms = performance.now() - started;
      if (deliveryOptions.settle !== false) await idle();
      return { status: response.status, text, ms };
    },
    idle,
    createProbot: (probotOptions = {}) =>
      new Probot({ appId: options.fake.appId, privateKey, secret, Octokit: octokitWith(probotOptions.fetch, probotOptions.throttle), log: probotOptions.log ?? log }),
    stop: async () => {
      await idle();
      await server.stop();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
