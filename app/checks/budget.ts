/**
 * Per-job budgets for heavy work. Every check run gets a time budget and a memory budget; the
 * pooled services (shadow databases, diagram renderers) hand each job a view that watches both and
 * that the engine releases when the job ends. A job over budget stops its pooled resources at once
 * (the pool starts fresh ones for the next job) and concludes with an `over-budget` finding.
 */

export type BudgetResource = 'time' | 'memory';

export interface JobBudget {
  /** Wall-clock limit for one check of one change. */
  timeMs: number;
  /** Limit for the memory one pooled resource (a shadow database, a renderer page) may use. */
  memoryMb: number;
}

export const DEFAULT_JOB_BUDGET: Readonly<JobBudget> = { timeMs: 10 * 60_000, memoryMb: 2048 };

/** The work of one job ran past its time or memory budget. */
export class BudgetExceededError extends Error {
  constructor(
    readonly resource: BudgetResource,
    /** Milliseconds for `time`, megabytes for `memory`. */
    readonly limit: number,
    message: string,
  ) {
    super(message);
    this.name = 'BudgetExceededError';
  }
}

/** What a pooled service sees of the job it serves. */
export interface JobScope {
  readonly budget: JobBudget;
  /** Aborted (with a BudgetExceededError as its reason) when the job runs out of budget. */
  readonly signal: AbortSignal;
  /** A resource saw the job exceed its budget: stops the job with that reason. */
  exceed(error: BudgetExceededError): void;
}

/** A service the engine gives each job its own view of; `release` frees what the job still holds. */
export interface JobScopedService {
  forJob(scope: JobScope): { service: unknown; release(): Promise<void> };
}

export function isJobScopedService(value: unknown): value is JobScopedService {
  return typeof value === 'object' && value !== null && typeof (value as Partial<JobScopedService>).forJob === 'function';
}

/** The reason the scope was aborted with, as a BudgetExceededError, or undefined while within budget. */
export function budgetReason(signal: AbortSignal): BudgetExceededError | undefined {
  return signal.aborted && signal.reason instanceof BudgetExceededError ? signal.reason : undefined;
}

/** Throws the scope's BudgetExceededError when the job is already over budget. */
export function throwIfOverBudget(signal: AbortSignal): void {
  const reason = budgetReason(signal);
  if (reason) throw reason;
}

function positiveInteger(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got "${raw}")`);
  return value;
}

/**
 * The job budget from PLATFORM_KIT_JOB_TIMEOUT_MS and PLATFORM_KIT_JOB_MEMORY_MB: the operator's
 * settings, not the repository's (a pull request cannot raise its own budget).
 */
export function jobBudgetFromEnv(env: Record<string, string | undefined> = process.env): JobBudget {
  return {
    timeMs: positiveInteger(env, 'PLATFORM_KIT_JOB_TIMEOUT_MS', DEFAULT_JOB_BUDGET.timeMs),
    memoryMb: positiveInteger(env, 'PLATFORM_KIT_JOB_MEMORY_MB', DEFAULT_JOB_BUDGET.memoryMb),
  };
}

/** Pool sizes from the environment (PLATFORM_KIT_SHADOW_POOL_SIZE, PLATFORM_KIT_RENDERER_POOL_SIZE). */
export function poolSizeFromEnv(name: 'PLATFORM_KIT_SHADOW_POOL_SIZE' | 'PLATFORM_KIT_RENDERER_POOL_SIZE', fallback: number, env: Record<string, string | undefined> = process.env): number {
  return positiveInteger(env, name, fallback);
}

/** A FIFO counting semaphore whose waiters can give up when their job's signal aborts. */
export class Slots {
  private used = 0;
  private readonly waiters: Array<{ grant: () => void; fail: (error: unknown) => void }> = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.used < this.size) {
      this.used += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: reject,
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    // The slot passes straight to the next waiter: `used` stays the same.
    if (next) next.grant();
    else this.used = Math.max(0, this.used - 1);
  }
}
