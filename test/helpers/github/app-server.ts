import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import pino from 'pino';
import { Probot, ProbotOctokit, Server, type ApplicationFunction } from 'probot';
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
  /** POSTs a signed webhook the way GitHub delivers it. */
  deliver(event: string, payload: unknown, options?: { deliveryId?: string; signature?: string }): Promise<Delivery>;
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
  const Octokit = ProbotOctokit.defaults((instanceOptions: { throttle?: Record<string, unknown> }) => ({
    ...instanceOptions,
    throttle: { ...instanceOptions.throttle, enabled: throttle },
  }));
  const port = await freePort();
  const server = new Server({
    host: '127.0.0.1',
    port,
    log,
    Probot: Probot.defaults({ appId: options.fake.appId, privateKey, secret, Octokit }),
  });
  await server.load(options.app);
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
      return { status: response.status, text, ms: performance.now() - started };
    },
    stop: () => server.stop(),
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
