import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeMiddleware, type ApplicationFunction, type Probot } from 'probot';
import type { AppMetrics } from './metrics.js';

/** GitHub caps webhook payloads at 25 MB; anything larger is not GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export interface AppHttpServerOptions {
  probot: Probot;
  app: ApplicationFunction;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  webhookPath?: string;
  maxPayloadBytes?: number;
  metrics?: AppMetrics;
  /** Dependencies /readyz checks (database, queue): each resolves, or rejects with why it is not ready. */
  readiness?: Record<string, () => Promise<unknown>>;
}

export interface AppHttpServer {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/**
 * The App's HTTP server: /healthz (the process answers), /readyz (its dependencies answer),
 * /metrics (Prometheus), and the webhook path, where payloads over the limit are refused before
 * Probot reads them; Probot verifies the signature before it parses anything.
 */
export async function startAppHttpServer(options: AppHttpServerOptions): Promise<AppHttpServer> {
  const webhookPath = options.webhookPath ?? '/api/github/webhooks';
  const maxBytes = options.maxPayloadBytes ?? MAX_WEBHOOK_BYTES;
  const middleware = await createNodeMiddleware(options.app, { probot: options.probot, webhooksPath: webhookPath });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') return json(response, 200, { status: 'ok' });
    if (request.method === 'GET' && path === '/readyz') return readyz(response, options.readiness ?? {});
    if (request.method === 'GET' && path === '/metrics' && options.metrics) {
      const body = await options.metrics.registry.metrics();
      response.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(body);
      return;
    }
    if (path === webhookPath && request.method === 'POST') {
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > maxBytes) return refuseTooLarge(response, options.metrics, request);
      // Read here, within the limit (a chunked body has no length up front); the webhooks middleware
      // takes a body that is already read, verifies its signature, and only then parses it.
      const body = await readBounded(request, maxBytes);
      if (body === undefined) return refuseTooLarge(response, options.metrics, request);
      (request as IncomingMessage & { body?: string }).body = body;
    }
    const handled = await middleware(request, response, () => json(response, 404, { error: 'not found' }));
    if (handled === false && !response.headersSent) json(response, 404, { error: 'not found' });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.probot.log.error({ err: error }, 'request failed');
      if (!response.headersSent) json(response, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface OpsHttpServerOptions {
  host?: string;
  port?: number;
  metrics?: AppMetrics;
  readiness?: Record<string, () => Promise<unknown>>;
}

/** /healthz, /readyz and /metrics alone: what a worker process serves to its orchestrator. */
export async function startOpsHttpServer(options: OpsHttpServerOptions): Promise<Omit<AppHttpServer, 'url'> & { url: string }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    void (async () => {
      if (request.method === 'GET' && path === '/healthz') return json(response, 200, { status: 'ok' });
      if (request.method === 'GET' && path === '/readyz') return readyz(response, options.readiness ?? {});
      if (request.method === 'GET' && path === '/metrics' && options.metrics) {
        response.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(await options.metrics.registry.metrics());
        return;
      }
      json(response, 404, { error: 'not found' });
    })().catch(() => {
      if (!response.headersSent) json(response, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBounded(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      if (over) return;
      received += chunk.length;
      if (received > maxBytes) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function refuseTooLarge(response: ServerResponse, metrics: AppMetrics | undefined, request: IncomingMessage): void {
  metrics?.deliveries.inc({ event: String(request.headers['x-github-event'] ?? 'unknown'), result: 'refused' });
  response.setHeader('connection', 'close');
  json(response, 413, { error: 'payload too large: GitHub sends at most 25 MB' });
}

async function readyz(response: ServerResponse, checks: Record<string, () => Promise<unknown>>): Promise<void> {
  const results: Record<string, string> = {};
  let ready = true;
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), 2_000);
        results[name] = 'ok';
      } catch (error) {
        ready = false;
        // The reason without connection details: error messages of drivers can carry the URL.
        results[name] = `unavailable: ${error instanceof Error ? error.name : 'error'}`;
      }
    }),
  );
  json(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: results });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
