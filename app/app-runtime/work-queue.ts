/**
 * The App's in-process work queue: webhooks are acknowledged as soon as they are verified and
 * recorded here, and the checks run behind them with bounded concurrency.
 *
 * - Deduplication: a delivery id already queued or running is not queued again (GitHub retries a
 *   delivery it thinks failed; an explicit redelivery after the work finished runs again).
 * - Coalescing: jobs with the same coalescing key (one pull request) never run side by side, and a
 *   queued job is superseded by a newer one for a different head SHA; the superseded job's
 *   `supersede` hook runs instead of its work (it settles the older commit's check runs).
 * - Fairness: each installation has its own line and a budget of running jobs; the queue takes the
 *   next job round robin over installations, so one busy installation cannot starve the others.
 */

export interface QueueJob {
  deliveryId: string;
  /** The GitHub App installation the work belongs to (its budget and its line in the round robin). */
  installation: string;
  /** Jobs with the same key (a pull request) run one at a time, and newer ones supersede queued older ones. */
  coalesceKey?: string;
  /** The commit the job checks: a queued job is superseded only by a job for a different commit. */
  headSha?: string;
  run(): Promise<void>;
  /** Runs instead of `run` when a newer job supersedes this one. */
  supersede?(newer: QueueJob): Promise<void>;
  /** `supersede` for the queue's own settling jobs (what a superseded job leaves behind). */
  kind?: 'run' | 'supersede';
}

export interface WorkQueueOptions {
  /** Jobs running at once over all installations. */
  concurrency: number;
  /** Jobs running at once for one installation. */
  perInstallation: number;
  /** Receives a job's failure; the queue goes on with the next job. */
  onError?(job: QueueJob, error: unknown, phase: 'run' | 'supersede'): void;
  onEvent?(event: QueueEvent): void;
}

export type QueueEvent =
  | { type: 'queued'; job: QueueJob }
  | { type: 'duplicate'; job: QueueJob }
  | { type: 'superseded'; job: QueueJob; by: QueueJob }
  | { type: 'started'; job: QueueJob }
  | { type: 'finished'; job: QueueJob; ms: number; failed: boolean };

export type EnqueueResult = 'queued' | 'duplicate';

export class WorkQueue {
  private readonly lines = new Map<string, QueueJob[]>();
  /** Installations in round-robin order; the next pick starts after the last one served. */
  private readonly order: string[] = [];
  private cursor = 0;
  private readonly runningByInstallation = new Map<string, number>();
  private readonly runningKeys = new Set<string>();
  private readonly pendingDeliveries = new Set<string>();
  private running = 0;
  private paused = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: WorkQueueOptions) {
    if (!(options.concurrency >= 1) || !(options.perInstallation >= 1)) {
      throw new Error(`work queue: concurrency (${options.concurrency}) and perInstallation (${options.perInstallation}) must be at least 1`);
    }
  }

  /** Jobs waiting to start. */
  get depth(): number {
    let depth = 0;
    for (const line of this.lines.values()) depth += line.length;
    return depth;
  }

  get active(): number {
    return this.running;
  }

  enqueue(job: QueueJob): EnqueueResult {
    if (this.pendingDeliveries.has(job.deliveryId)) {
      this.options.onEvent?.({ type: 'duplicate', job });
      return 'duplicate';
    }
    this.pendingDeliveries.add(job.deliveryId);
    if (job.coalesceKey !== undefined && job.headSha !== undefined) this.supersedeOlder(job);
    this.lineOf(job.installation).push(job);
    this.options.onEvent?.({ type: 'queued', job });
    this.pump();
    return 'queued';
  }

  /** Stops starting jobs (running ones finish); `resume` starts them again. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Resolves when nothing is queued or running (queued jobs of a paused queue count as work). */
  idle(): Promise<void> {
    if (this.running === 0 && this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private lineOf(installation: string): QueueJob[] {
    let line = this.lines.get(installation);
    if (!line) {
      line = [];
      this.lines.set(installation, line);
      this.order.push(installation);
    }
    return line;
  }

  private supersedeOlder(newer: QueueJob): void {
    const line = this.lines.get(newer.installation);
    if (!line) return;
    for (let index = line.length - 1; index >= 0; index--) {
      const older = line[index];
      if (!older || older.coalesceKey !== newer.coalesceKey || older.headSha === undefined || older.headSha === newer.headSha) continue;
      line.splice(index, 1);
      this.options.onEvent?.({ type: 'superseded', job: older, by: newer });
      // Settling the older commit is work of its own: it takes the job's place in its line, and its
      // delivery id stays taken until the older commit is settled.
      const settle: QueueJob = {
        kind: 'supersede',
        deliveryId: older.deliveryId,
        installation: older.installation,
        ...(older.coalesceKey !== undefined ? { coalesceKey: `${older.coalesceKey}:superseded` } : {}),
        run: () => (older.supersede ? older.supersede(newer) : Promise.resolve()),
      };
      line.splice(index, 0, settle);
    }
  }

  private pump(): void {
    while (!this.paused && this.running < this.options.concurrency) {
      const job = this.takeNext();
      if (!job) break;
      void this.start(job);
    }
    this.notifyIfIdle();
  }

  /** The next runnable job, round robin over installations within their budgets. */
  private takeNext(): QueueJob | undefined {
    const count = this.order.length;
    for (let step = 0; step < count; step++) {
      const index = (this.cursor + step) % count;
      const installation = this.order[index];
      if (installation === undefined) continue;
      if ((this.runningByInstallation.get(installation) ?? 0) >= this.options.perInstallation) continue;
      const line = this.lines.get(installation) ?? [];
      const position = line.findIndex((job) => job.coalesceKey === undefined || !this.runningKeys.has(job.coalesceKey));
      if (position < 0) continue;
      const [job] = line.splice(position, 1);
      if (!job) continue;
      this.cursor = (index + 1) % count;
      if (line.length === 0) this.forget(installation);
      return job;
    }
    return undefined;
  }

  /** Drops an installation with nothing queued, so the round robin stays as long as the busy set. */
  private forget(installation: string): void {
    if ((this.lines.get(installation)?.length ?? 0) > 0) return;
    const index = this.order.indexOf(installation);
    if (index < 0) return;
    this.lines.delete(installation);
    this.order.splice(index, 1);
    if (this.cursor > index) this.cursor--;
    if (this.cursor >= this.order.length) this.cursor = 0;
  }

  private async start(job: QueueJob): Promise<void> {
    this.running++;
    this.runningByInstallation.set(job.installation, (this.runningByInstallation.get(job.installation) ?? 0) + 1);
    if (job.coalesceKey !== undefined) this.runningKeys.add(job.coalesceKey);
    this.options.onEvent?.({ type: 'started', job });
    const started = performance.now();
    let failed = false;
    try {
      await job.run();
    } catch (error) {
      failed = true;
      try {
        this.options.onError?.(job, error, job.kind ?? 'run');
      } catch {
        // A failing error reporter must not stop the queue.
      }
    } finally {
      this.running--;
      const left = (this.runningByInstallation.get(job.installation) ?? 1) - 1;
      if (left > 0) this.runningByInstallation.set(job.installation, left);
      else this.runningByInstallation.delete(job.installation);
      if (job.coalesceKey !== undefined) this.runningKeys.delete(job.coalesceKey);
      this.pendingDeliveries.delete(job.deliveryId);
      this.options.onEvent?.({ type: 'finished', job, ms: performance.now() - started, failed });
      this.pump();
    }
  }

  private notifyIfIdle(): void {
    if (this.running > 0 || this.depth > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Queue sizes from the environment: PLATFORM_KIT_CONCURRENCY (default 4) and PLATFORM_KIT_INSTALLATION_CONCURRENCY (default 2). */
export function queueOptionsFromEnv(env: Record<string, string | undefined>): Pick<WorkQueueOptions, 'concurrency' | 'perInstallation'> {
  const concurrency = positiveInteger(env, 'PLATFORM_KIT_CONCURRENCY', 4);
  const perInstallation = Math.min(concurrency, positiveInteger(env, 'PLATFORM_KIT_INSTALLATION_CONCURRENCY', 2));
  return { concurrency, perInstallation };
}

function positiveInteger(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}
