import type pg from 'pg';
import type { Probot } from 'probot';
import type { ControlPlane, PgControlPlane, RunsRow } from '../control-plane/index.js';
import type { GitHubClient } from '../github/client.js';
import { settleNeutral } from '../github/handlers.js';
import { createPlatformKitApp } from '../probot.js';
import { startDurableWorkers, type DurableWorkers, type QueuedDelivery, type WorkerLog } from './durable-queue.js';
import type { AppMetrics } from './metrics.js';
import { refetchDeliveryPayload, refetchMarker } from './payload-refetch.js';
import { reapDeadRuns } from './reaper.js';

export interface AppWorkersOptions {
  /** A Probot with the App's credentials (no HTTP server needed). */
  probot: Probot;
  controlPlane: ControlPlane;
  workerId: string;
  concurrency?: number;
  leaseSeconds?: number;
  pollMs?: number;
  log?: WorkerLog;
  onRunFinished?: Parameters<typeof startDurableWorkers>[0]['onRunFinished'];
  /** How often dead runs get their check runs settled (default 30 s; needs the Postgres adapter). */
  reapEveryMs?: number;
  /** Prometheus metrics the handlers record into. */
  metrics?: AppMetrics;
  /** Pages of GitHub's delivery list a worker reads to refetch a payload queued slim (default 20 of 100). */
  refetchMaxPages?: number;
}

/**
 * Workers for the App's durable queue: each claimed run is handed to the App's own handlers
 * (Probot's `receive`, as if the delivery had just arrived), which run the work on the spot. A run
 * that fails its last attempt completes its commit's check runs `neutral` with the reason.
 */
export async function startAppWorkers(options: AppWorkersOptions): Promise<DurableWorkers> {
  await options.probot.load(createPlatformKitApp({ dispatch: { kind: 'inline' }, ...(options.metrics ? { metrics: options.metrics } : {}) }));
  const settle = async (delivery: QueuedDelivery, reason: string): Promise<void> => {
    const target = checkedCommit(delivery);
    if (!target) return;
    const octokit = (await options.probot.auth(target.installationId)) as unknown as GitHubClient;
    const log = options.log;
    // Bound calls: a pino logger's methods need their `this`.
    const eventLog = log ? { debug() {}, info: log.info.bind(log), warn: log.warn.bind(log), error: log.error.bind(log) } : undefined;
    await settleNeutral({ octokit, repo: target.repo, ...(eventLog ? { log: eventLog } : {}) }, target.headSha, reason);
  };
  /** The delivery's payload; one queued slim (too large for the queue) is fetched back from GitHub as the App. */
  const fullPayload = async (delivery: QueuedDelivery, run: RunsRow): Promise<Record<string, unknown>> => {
    const marker = refetchMarker(delivery.payload);
    if (!marker) return delivery.payload;
    const octokit = (await options.probot.auth()) as unknown as GitHubClient;
    const refetched = await refetchDeliveryPayload({
      octokit,
      deliveryId: delivery.deliveryId,
      event: delivery.name,
      slim: delivery.payload,
      queuedAt: new Date(run.created_at),
      ...(options.refetchMaxPages !== undefined ? { maxPages: options.refetchMaxPages } : {}),
    });
    options.log?.info({ delivery: delivery.deliveryId, runId: run.id, bytes: marker.bytes, pages: refetched.pages }, 'payload of a slim delivery fetched from GitHub');
    return refetched.payload;
  };
  const pool = (options.controlPlane as Partial<PgControlPlane>).pool;
  const workers = startDurableWorkers({
    controlPlane: options.controlPlane,
    workerId: options.workerId,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.leaseSeconds !== undefined ? { leaseSeconds: options.leaseSeconds } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onRunFinished ? { onRunFinished: options.onRunFinished } : {}),
    handle: async (delivery, run) => {
      if (pool && (await isDuplicateDelivery(pool, delivery, run))) {
        options.log?.info({ delivery: delivery.deliveryId, runId: run.id }, 'duplicate delivery: an earlier run of it was queued or running when it arrived');
        return;
      }
      const payload = await fullPayload(delivery, run);
      await options.probot.receive({ id: delivery.deliveryId, name: delivery.name, payload } as Parameters<Probot['receive']>[0]);
    },
    giveUp: (delivery, run, error) =>
      settle(
        delivery,
        `Platform Kit could not check this commit after ${run.attempts} attempts: ${error instanceof Error ? error.message : String(error)}. Re-run the checks; if it fails again, the App's log has the details (run ${run.id}).`,
      ),
  });
  if (!pool) return workers;
  // The reaper: dead runs whose worker crashed on the last attempt still get their check runs completed.
  let reaping: Promise<unknown> = Promise.resolve();
  const reap = () => {
    reaping = reapDeadRuns({
      pool,
      controlPlane: options.controlPlane,
      ...(options.log ? { log: options.log } : {}),
      settle: (delivery, run) =>
        settle(delivery, `Platform Kit could not check this commit: its run ${run.id} was abandoned after ${run.attempts} attempts (${run.last_error ?? 'the worker stopped'}). Re-run the checks.`),
    }).catch((error: unknown) => options.log?.warn({ err: error }, 'reaper pass failed'));
  };
  reap();
  const timer = setInterval(reap, options.reapEveryMs ?? 30_000);
  return {
    async stop() {
      clearInterval(timer);
      await workers.stop();
      await reaping;
    },
    get completed() {
      return workers.completed;
    },
  };
}

/**
 * The commit whose check runs a delivery writes, and the installation that may write them. Reads
 * only fields a slim payload keeps (payload-refetch.ts), so a run whose payload never came back is
 * settled too.
 */
export function checkedCommit(delivery: QueuedDelivery): { installationId: number; repo: { owner: string; repo: string }; headSha: string } | undefined {
  const payload = delivery.payload as {
    installation?: { id?: number };
    repository?: { full_name?: string };
    pull_request?: { head?: { sha?: string } };
    after?: string;
    check_run?: { head_sha?: string };
    check_suite?: { head_sha?: string };
  };
  const installationId = payload.installation?.id;
  const [owner, repo] = (payload.repository?.full_name ?? '').split('/');
  const headSha = payload.pull_request?.head?.sha ?? payload.check_run?.head_sha ?? payload.check_suite?.head_sha ?? payload.after;
  if (installationId === undefined || !owner || !repo || !headSha || /^0+$/.test(headSha)) return undefined;
  return { installationId, repo: { owner, repo }, headSha };
}

/**
 * A delivery GitHub sent again while an earlier run of it was queued or running (its retry of a
 * slow answer) is a duplicate; one sent after that run finished (a redelivery someone asked for)
 * runs again. Runs that failed for good do not count: their delivery deserves another try.
 */
async function isDuplicateDelivery(pool: pg.Pool, delivery: QueuedDelivery, run: RunsRow): Promise<boolean> {
  const { rows } = await pool.query<{ found: number }>(
    `select 1 as found from ops.runs earlier, ops.runs this
     where this.id = $2 and earlier.kind = this.kind and earlier.id < this.id
       and earlier.payload ->> 'delivery' = $1
       and earlier.status not in ('failed', 'dead', 'cancelled')
       and (earlier.finished_at is null or earlier.finished_at >= this.created_at)
     limit 1`,
    [delivery.deliveryId, run.id],
  );
  return rows.length > 0;
}
