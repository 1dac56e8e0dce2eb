import { createProbot, type Probot } from 'probot';
import { openPgControlPlane, type PgControlPlane } from '../control-plane/index.js';
import { createPlatformKitApp, type PlatformKitApp } from '../probot.js';
import { DurableEventQueue } from './durable-queue.js';
import { startAppHttpServer, type AppHttpServer } from './http-server.js';
import { createAppMetrics, type AppMetrics } from './metrics.js';
import { PlatformKitOctokit } from './octokit.js';

/** Why the App must not start with this environment; empty when it may. */
export function startupProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.NODE_ENV === 'production' && !env.WEBHOOK_SECRET) {
    problems.push('NODE_ENV=production and no WEBHOOK_SECRET: unsigned deliveries would be accepted. Set WEBHOOK_SECRET to the App\'s webhook secret.');
  }
  return problems;
}

export interface WebProcess {
  http: AppHttpServer;
  app: PlatformKitApp;
  metrics: AppMetrics;
  controlPlane?: PgControlPlane;
  stop(): Promise<void>;
}

/**
 * The App's web process: verifies and queues deliveries, serves health and metrics. With
 * DATABASE_URL the queue is the control plane's ops.runs (workers: `platform-kit worker`);
 * without, an in-process queue with workers in this process.
 */
export async function startWebProcess(env: Record<string, string | undefined>, probot: Probot = createProbot({ env, overrides: { Octokit: PlatformKitOctokit } })): Promise<WebProcess> {
  const problems = startupProblems(env);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const controlPlane = env.DATABASE_URL ? openPgControlPlane({ connectionString: env.DATABASE_URL }) : undefined;
  let app: PlatformKitApp | undefined;
  const metrics = createAppMetrics({
    defaultMetrics: true,
    queueDepth: async () => {
      if (!controlPlane) return (app?.queues ?? []).reduce((sum, queue) => sum + queue.depth, 0);
      const { rows } = await controlPlane.pool.query<{ depth: number }>(`select count(*)::int as depth from ops.runs where kind = 'github.webhook' and status = 'queued'`);
      return rows[0]?.depth ?? 0;
    },
  });
  app = createPlatformKitApp({ metrics, ...(controlPlane ? { dispatch: { kind: 'durable', queue: new DurableEventQueue({ controlPlane, log: probot.log, metrics }) } } : {}) });
  const http = await startAppHttpServer({
    probot,
    app,
    host: env.HOST ?? '0.0.0.0',
    port: Number(env.PORT ?? 3000),
    metrics,
    readiness: controlPlane
      ? {
          database: () => controlPlane.pool.query('select 1'),
          queue: () => controlPlane.pool.query(`select 1 from ops.runs limit 1`),
        }
      : { queue: async () => undefined },
  });
  probot.log.info({ port: http.port, queue: controlPlane ? 'ops.runs' : 'in-process' }, 'Platform Kit App listening');
  return {
    http,
    app,
    metrics,
    ...(controlPlane ? { controlPlane } : {}),
    async stop() {
      await http.stop();
      await app?.idle();
      await controlPlane?.close();
    },
  };
}
