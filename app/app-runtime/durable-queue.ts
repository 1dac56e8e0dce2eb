/**
 * The App's durable work queue: with a control plane, a verified delivery becomes a run in
 * ops.runs (enqueue_run) and workers, in any process sharing the database, claim it
 * (claim_next_run: SKIP LOCKED under a lease), renew the lease while they work (append_run_event),
 * and complete it (complete_run). A worker that dies leaves its lease to expire: the run is claimed
 * again, and after max_attempts it is `dead`. The web processes keep no state of their own.
 * A payload too large for a run is queued slim and fetched back from GitHub by the worker
 * (payload-refetch.ts).
 */
import { ConnectionError, type ControlPlane, type Json, type RunsRow } from '../control-plane/index.js';
import type { AppMetrics } from './metrics.js';
import { jsonbTextBytes, SLIM_ABOVE_BYTES, slimPayload } from './payload-refetch.js';

export const GITHUB_EVENT_RUN_KIND = 'github.webhook';
const ORG_SLUG = 'github-app';

/** What a run carries: the delivery as Probot received it. */
export interface QueuedDelivery {
  deliveryId: string;
  /** The event name (`pull_request`), without the action. */
  name: string;
  payload: Record<string, unknown>;
}

export interface DurableQueueOptions {
  controlPlane: ControlPlane;
  /** The control plane org the runs belong to (created on first use); default `github-app`. */
  orgSlug?: string;
  /** Attempts before a run is dead (default 3). */
  maxAttempts?: number;
  /** Payloads larger than this (bytes of jsonb text) are queued slim and refetched by the worker; default SLIM_ABOVE_BYTES. */
  slimAboveBytes?: number;
  /** Where a slimmed delivery is logged (info). */
  log?: Pick<WorkerLog, 'info'>;
  /** Counts slimmed deliveries: `deliveries{result="queued-slim"}`. */
  metrics?: Pick<AppMetrics, 'deliveries'>;
}

/**
 * A pooled session the server closed (a restart, a terminated backend) fails the first call made on
 * it; the pool then opens a new one. Enqueueing again is safe: a delivery queued twice runs once
 * (the workers skip a duplicate delivery).
 */
async function retryOnLostConnection<T>(call: () => Promise<T>, delaysMs: readonly number[] = [50, 250, 1000]): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const delay = delaysMs[attempt];
      if (!(error instanceof ConnectionError) || delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export class DurableEventQueue {
  private orgId: Promise<string> | undefined;

  constructor(private readonly options: DurableQueueOptions) {}

  async enqueue(delivery: QueuedDelivery): Promise<RunsRow> {
    const orgId = await retryOnLostConnection(() => this.org());
    const bytes = jsonbTextBytes(delivery.payload);
    const installationId = (delivery.payload.installation as { id?: unknown } | undefined)?.id;
    const slim = bytes > (this.options.slimAboveBytes ?? SLIM_ABOVE_BYTES) ? slimPayload(delivery.payload, bytes) : undefined;
    const run = await retryOnLostConnection(() =>
      this.options.controlPlane.enqueueRun({
        orgId,
        kind: GITHUB_EVENT_RUN_KIND,
        // Webhook payloads are JSON as parsed from the request body.
        payload: {
          delivery: delivery.deliveryId,
          name: delivery.name,
          payload: (slim ?? delivery.payload) as Json,
          // claim_next_run serves installations fairly by this key.
          ...(installationId !== undefined ? { fair_key: `installation:${installationId}` } : {}),
        },
        maxAttempts: this.options.maxAttempts ?? 3,
      }),
    );
    if (slim) {
      const action = typeof delivery.payload.action === 'string' ? `.${delivery.payload.action}` : '';
      this.options.metrics?.deliveries.inc({ event: `${delivery.name}${action}`, result: 'queued-slim' });
      this.options.log?.info(
        { delivery: delivery.deliveryId, event: delivery.name, runId: run.id, bytes, slimBytes: jsonbTextBytes(slim) },
        'delivery too large for the queue: queued slim, the worker fetches its payload from GitHub',
      );
    }
    return run;
  }

  private org(): Promise<string> {
    this.orgId ??= this.options.controlPlane
      .ensureProject({ orgSlug: this.options.orgSlug ?? ORG_SLUG, projectSlug: 'github-app', projectName: 'GitHub App', provider: 'github' })
      .then((project) => project.org_id)
      .catch((error: unknown) => {
        // A failed lookup (database down) is tried again on the next delivery.
        this.orgId = undefined;
        throw error;
      });
    return this.orgId;
  }
}

export interface WorkerLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface DurableWorkersOptions {
  controlPlane: ControlPlane;
  /** Unique per process; each loop appends its index. */
  workerId: string;
  /** Loops claiming runs side by side (default 1). */
  concurrency?: number;
  /** Lease per claim; renewed every third of it while the run works (default 60). */
  leaseSeconds?: number;
  /** Wait between claims when nothing is due (default 500 ms). */
  pollMs?: number;
  /** Handles one delivery; a throw fails the attempt (retried while attempts remain). */
  handle(delivery: QueuedDelivery, run: RunsRow): Promise<void>;
  /** The run's last attempt failed: settle what it leaves behind (its check runs) before it is dead. */
  giveUp?(delivery: QueuedDelivery, run: RunsRow, error: unknown): Promise<void>;
  log?: WorkerLog;
  onRunFinished?(run: RunsRow, outcome: 'succeeded' | 'failed', ms: number): void;
}

export interface DurableWorkers {
  /** Stops claiming; resolves when the runs in hand are completed. */
  stop(): Promise<void>;
  /** Runs completed (succeeded or failed) by these loops. */
  readonly completed: number;
}

const quietLog: WorkerLog = { info() {}, warn() {}, error() {} };

export function startDurableWorkers(options: DurableWorkersOptions): DurableWorkers {
  const log = options.log ?? quietLog;
  const leaseSeconds = options.leaseSeconds ?? 60;
  const pollMs = options.pollMs ?? 500;
  let stopping = false;
  let completed = 0;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const waker = () => {
        clearTimeout(timer);
        wakers.delete(waker);
        resolve();
      };
      const timer = setTimeout(waker, ms);
      wakers.add(waker);
    });

  const loop = async (workerId: string): Promise<void> => {
    let failures = 0;
    while (!stopping) {
      let run: RunsRow | null;
      try {
        run = await options.controlPlane.claimNextRun({ workerId, kinds: [GITHUB_EVENT_RUN_KIND], leaseSeconds });
        failures = 0;
      } catch (error) {
        // The database is away (restarted, connection cut): back off, the pool reconnects on the next call.
        failures++;
        log.warn({ workerId, err: error, failures }, 'cannot claim a run; retrying');
        await sleep(Math.min(5_000, pollMs * 2 ** Math.min(failures, 4)));
        continue;
      }
      if (!run) {
        await sleep(pollMs);
        continue;
      }
      await work(workerId, run);
    }
  };

  const work = async (workerId: string, run: RunsRow): Promise<void> => {
    let delivery: QueuedDelivery;
    try {
      delivery = deliveryOf(run);
    } catch (error) {
      log.error({ workerId, runId: run.id, err: error }, 'run dropped: not a webhook delivery');
      await completeWithRetries(options.controlPlane, log, { workerId, runId: run.id }, { runId: run.id, workerId, outcome: 'failed', error: errorText(error), retry: false });
      return;
    }
    const fields = { workerId, runId: run.id, delivery: delivery.deliveryId, event: delivery.name, attempt: run.attempts };
    const started = performance.now();
    const renew = setInterval(() => {
      options.controlPlane
        .appendRunEvent({ runId: run.id, kind: 'progress', message: 'working', workerId })
        .catch((error: unknown) => log.warn({ ...fields, err: error }, 'lease not renewed'));
    }, Math.max(250, (leaseSeconds * 1000) / 3));
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let failure: unknown;
    try {
      await options.handle(delivery, run);
    } catch (error) {
      outcome = 'failed';
      failure = error;
    } finally {
      clearInterval(renew);
    }
    const lastAttempt = run.attempts >= run.max_attempts;
    if (failure !== undefined) {
      log.error({ ...fields, err: failure, lastAttempt }, lastAttempt ? 'run failed on its last attempt' : 'run failed; it will be retried');
      if (lastAttempt && options.giveUp) {
        await options.giveUp(delivery, run, failure).catch((error: unknown) => log.error({ ...fields, err: error }, 'could not settle the check runs of a failed run'));
      }
    }
    await completeWithRetries(options.controlPlane, log, fields, {
      runId: run.id,
      workerId,
      outcome,
      ...(failure !== undefined ? { error: errorText(failure), retryDelaySeconds: Math.min(60, 2 ** run.attempts) } : {}),
    });
    completed++;
    options.onRunFinished?.(run, outcome, performance.now() - started);
  };

  const count = Math.max(1, options.concurrency ?? 1);
  const loops = Array.from({ length: count }, (_, index) => loop(`${options.workerId}-${index + 1}`));
  return {
    async stop() {
      stopping = true;
      for (const wake of [...wakers]) wake();
      await Promise.all(loops);
    },
    get completed() {
      return completed;
    },
  };
}

/** complete_run survives a connection cut in the middle: a few tries, then the lease decides. */
async function completeWithRetries(
  controlPlane: ControlPlane,
  log: WorkerLog,
  fields: Record<string, unknown>,
  input: Parameters<ControlPlane['completeRun']>[0],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await controlPlane.completeRun(input);
      return;
    } catch (error) {
      // A run whose lease went to another worker refuses us (55000): that worker completes it.
      const code = (error as { code?: unknown }).code;
      if (code === '55000' || attempt >= 5) {
        log.warn({ ...fields, err: error }, 'run not completed by this worker; its lease decides');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

export function deliveryOf(run: RunsRow): QueuedDelivery {
  const payload = run.payload as { delivery?: unknown; name?: unknown; payload?: unknown } | null;
  if (!payload || typeof payload.delivery !== 'string' || typeof payload.name !== 'string' || typeof payload.payload !== 'object' || payload.payload === null) {
    throw new Error(`run ${run.id}: payload is not a queued webhook delivery`);
  }
  return { deliveryId: payload.delivery, name: payload.name, payload: payload.payload as Record<string, unknown> };
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 10_000);
}
