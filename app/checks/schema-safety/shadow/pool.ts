/**
 * Bounds the shadow databases a process runs at once. Each PGlite database takes about 650 MB, so
 * the App, with several workers checking pull requests side by side, hands out at most `size`
 * databases; a job waits for a free slot (or for its time budget to run out). Each job sees its own
 * view (JobScopedService): its databases are watched against its memory budget after every call and
 * terminated when it goes over budget or ends, which frees their slots for the next job.
 */
import { BudgetExceededError, Slots, type JobScope, type JobScopedService } from '../../budget.js';
import type { ShadowCreateOptions, ShadowDatabase, ShadowDatabaseFactory, ShadowDatabaseKind } from './types.js';

export const DEFAULT_SHADOW_POOL_SIZE = 2;

export interface ShadowDatabasePool extends ShadowDatabaseFactory, JobScopedService {
  readonly size: number;
  /** Databases handed out and not closed yet. */
  readonly inUse: number;
  /** create() calls waiting for a slot. */
  readonly waiting: number;
  /** The factory the pool creates databases with. */
  readonly factory: ShadowDatabaseFactory;
}

export function createShadowDatabasePool(factory: ShadowDatabaseFactory, options: { size?: number } = {}): ShadowDatabasePool {
  const slots = new Slots(options.size ?? DEFAULT_SHADOW_POOL_SIZE);

  async function lease(createOptions: ShadowCreateOptions | undefined, scope?: JobScope): Promise<ShadowDatabase> {
    await slots.acquire(scope?.signal);
    let database: ShadowDatabase;
    try {
      database = await factory.create(createOptions);
    } catch (error) {
      slots.release();
      throw error;
    }
    return leased(database, slots, scope);
  }

  return {
    get kind(): ShadowDatabaseKind {
      return factory.kind;
    },
    factory,
    size: slots.size,
    get inUse() {
      return slots.inUse;
    },
    get waiting() {
      return slots.waiting;
    },
    create: (createOptions) => lease(createOptions),
    dispose: () => factory.dispose(),
    forJob(scope) {
      const held = new Set<ShadowDatabase>();
      const stopAll = (reason: string) => {
        for (const database of held) stopNow(database, reason);
      };
      const onAbort = () => stopAll(`the shadow database was stopped: ${describeReason(scope.signal.reason)}`);
      scope.signal.addEventListener('abort', onAbort, { once: true });
      const service: ShadowDatabaseFactory = {
        kind: factory.kind,
        async create(createOptions) {
          const database = await lease(createOptions, scope);
          held.add(database);
          const close = database.close.bind(database);
          database.close = async () => {
            held.delete(database);
            await close();
          };
          // Created after the budget ran out (a start that was already under way).
          if (scope.signal.aborted) onAbort();
          return database;
        },
        dispose: async () => undefined,
      };
      return {
        service,
        async release() {
          scope.signal.removeEventListener('abort', onAbort);
          await Promise.all([...held].map((database) => database.close().catch(() => undefined)));
        },
      };
    },
  };
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : 'the job ended';
}

function stopNow(database: ShadowDatabase, reason: string): void {
  if (database.terminate) database.terminate(reason);
  else void database.close().catch(() => undefined);
}

/**
 * The database with its slot given back exactly once when it closes or stops, and, within a job,
 * its memory checked after every call against the job's budget.
 */
function leased(database: ShadowDatabase, slots: Slots, scope: JobScope | undefined): ShadowDatabase {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    slots.release();
  };
  const close = database.close.bind(database);
  const terminate = database.terminate?.bind(database);
  const checkMemory = () => {
    if (!scope || database.memoryBytes === undefined) return;
    const limitBytes = scope.budget.memoryMb * 1024 * 1024;
    if (database.memoryBytes <= limitBytes) return;
    const error = new BudgetExceededError(
      'memory',
      scope.budget.memoryMb,
      `the shadow database used ${Math.round(database.memoryBytes / (1024 * 1024))} MB, over the memory budget of ${scope.budget.memoryMb} MB`,
    );
    scope.exceed(error);
    throw error;
  };
  const query = database.query.bind(database);
  const exec = database.exec.bind(database);
  return Object.assign(database, {
    async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
      try {
        return await query<T>(sql, params);
      } finally {
        checkMemory();
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await exec(sql);
      } finally {
        checkMemory();
      }
    },
    terminate(reason: string) {
      if (terminate) terminate(reason);
      else void close().catch(() => undefined);
      release();
    },
    async close() {
      try {
        await close();
      } finally {
        release();
      }
    },
  });
}
