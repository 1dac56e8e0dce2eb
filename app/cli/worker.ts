import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Probot } from 'probot';
import { startAppWorkers } from '../app-runtime/app-workers.js';
import { GITHUB_EVENT_RUN_KIND } from '../app-runtime/durable-queue.js';
import { startOpsHttpServer } from '../app-runtime/http-server.js';
import { createAppMetrics } from '../app-runtime/metrics.js';
import { PlatformKitOctokit } from '../app-runtime/octokit.js';
import { openPgControlPlane } from '../control-plane/index.js';

export const WORKER_USAGE = `Usage:
  platform-kit worker [--concurrency N] [--lease-seconds S] [--poll-ms MS] [--port P]
      claims the GitHub App's queued deliveries from the control plane (ops.runs) and runs the
      checks, without the HTTP server; run as many as the load needs, next to the web processes

Environment: APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH), DATABASE_URL (the control plane's Postgres).
Options:
  --concurrency N     runs worked on at once (default: PLATFORM_KIT_CONCURRENCY, else 4)
  --lease-seconds S   lease per claimed run, renewed while it works (default 60)
  --poll-ms MS        wait between claims when nothing is queued (default 500)
  --port P            serve /healthz, /readyz (the database answers) and /metrics on this port
                      (default: PORT when set, else none)
`;

export class WorkerUsageError extends Error {}

export interface WorkerIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
}

export interface WorkerSettings {
  appId: number;
  privateKey: string;
  databaseUrl: string;
  concurrency: number;
  leaseSeconds: number;
  pollMs: number;
  /** The port of /healthz, /readyz and /metrics; none when undefined. */
  port?: number;
}

export async function parseWorkerArgs(argv: string[], env: Record<string, string | undefined>): Promise<WorkerSettings> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { concurrency: { type: 'string' }, 'lease-seconds': { type: 'string' }, 'poll-ms': { type: 'string' }, port: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new WorkerUsageError(`worker: ${error instanceof Error ? error.message : String(error)}`);
  }
  const appId = Number(env.APP_ID);
  if (!env.APP_ID || !Number.isInteger(appId) || appId <= 0) throw new WorkerUsageError('worker: APP_ID must be set to the GitHub App id');
  const privateKey = env.PRIVATE_KEY
    ? env.PRIVATE_KEY.replace(/\\n/g, '\n')
    : env.PRIVATE_KEY_PATH
      ? await readFile(env.PRIVATE_KEY_PATH, 'utf8').catch(() => {
          throw new WorkerUsageError(`worker: PRIVATE_KEY_PATH ${env.PRIVATE_KEY_PATH} cannot be read`);
        })
      : undefined;
  if (!privateKey) throw new WorkerUsageError('worker: PRIVATE_KEY or PRIVATE_KEY_PATH must hold the App private key');
  if (!env.DATABASE_URL) throw new WorkerUsageError('worker: DATABASE_URL must name the control plane database (the queue is ops.runs)');
  return {
    appId,
    privateKey,
    databaseUrl: env.DATABASE_URL,
    concurrency: positive(values.concurrency, '--concurrency', positive(env.PLATFORM_KIT_CONCURRENCY, 'PLATFORM_KIT_CONCURRENCY', 4)),
    leaseSeconds: positive(values['lease-seconds'], '--lease-seconds', 60),
    pollMs: positive(values['poll-ms'], '--poll-ms', 500),
    ...(values.port !== undefined || env.PORT ? { port: positive(values.port ?? env.PORT, values.port !== undefined ? '--port' : 'PORT', 0) } : {}),
  };
}

function positive(raw: string | boolean | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < 1) throw new WorkerUsageError(`worker: ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** Runs until SIGTERM or SIGINT, then finishes the runs in hand and exits. */
export async function runWorkerCommand(argv: string[], io: WorkerIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(WORKER_USAGE);
    return 0;
  }
  const settings = await parseWorkerArgs(argv, io.env);
  const log = pino({ level: io.env.LOG_LEVEL ?? 'info', base: { process: 'worker' } });
  const controlPlane = openPgControlPlane({ connectionString: settings.databaseUrl });
  const metrics = createAppMetrics({
    defaultMetrics: true,
    queueDepth: async () => {
      const { rows } = await controlPlane.pool.query<{ depth: number }>(`select count(*)::int as depth from ops.runs where kind = $1 and status = 'queued'`, [GITHUB_EVENT_RUN_KIND]);
      return rows[0]?.depth ?? 0;
    },
  });
  const ops =
    settings.port !== undefined
      ? await startOpsHttpServer({ host: io.env.HOST ?? '0.0.0.0', port: settings.port, metrics, readiness: { database: () => controlPlane.pool.query('select 1') } })
      : undefined;
  const probot = new Probot({ appId: settings.appId, privateKey: settings.privateKey, log, Octokit: PlatformKitOctokit });
  const workers = await startAppWorkers({
    probot,
    controlPlane,
    workerId: `${hostname()}:${process.pid}`,
    concurrency: settings.concurrency,
    leaseSeconds: settings.leaseSeconds,
    pollMs: settings.pollMs,
    log,
    metrics,
    onRunFinished: (_run, outcome) => {
      if (outcome === 'failed') metrics.failures.inc({ stage: 'run' });
    },
  });
  log.info({ concurrency: settings.concurrency, leaseSeconds: settings.leaseSeconds }, 'workers started');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  log.info({ completed: workers.completed }, 'stopping: finishing the runs in hand');
  await workers.stop();
  await ops?.stop();
  await controlPlane.close();
  return 0;
}
