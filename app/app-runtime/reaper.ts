import type pg from 'pg';
import type { ControlPlane, RunsRow } from '../control-plane/index.js';
import { deliveryOf, GITHUB_EVENT_RUN_KIND, type QueuedDelivery, type WorkerLog } from './durable-queue.js';

/** The run event that marks a dead run as settled, so each is settled once. */
export const REAPED_MESSAGE = 'reaped: check runs settled';

export interface ReaperOptions {
  /** The control plane's pool (the Postgres adapter): the reaper reads ops.runs directly. */
  pool: pg.Pool;
  controlPlane: ControlPlane;
  /** Completes the check runs of a delivery whose run is dead. */
  settle(delivery: QueuedDelivery, run: RunsRow): Promise<void>;
  log?: WorkerLog;
  /** Runs per pass (default 50). */
  batch?: number;
}

/**
 * Settles the check runs of dead runs: a worker that crashed on a run's last attempt leaves no one
 * to complete them (claim_next_run marks the run `dead` when its lease expires). Each dead run is
 * settled once, marked by a `log` run event; a failure to settle is tried again on the next pass.
 */
export async function reapDeadRuns(options: ReaperOptions): Promise<number> {
  const { rows } = await options.pool.query<RunsRow>(
    `select r.* from ops.runs r
     where r.kind = $1 and r.status = 'dead'
       and not exists (select 1 from ops.run_events e where e.org_id = r.org_id and e.run_id = r.id and e.kind = 'log' and e.message = $2)
     order by r.id
     limit $3`,
    [GITHUB_EVENT_RUN_KIND, REAPED_MESSAGE, options.batch ?? 50],
  );
  let settled = 0;
  for (const row of rows) {
    const run = { ...row, id: Number(row.id) };
    try {
      await options.settle(deliveryOf(run), run);
      await options.controlPlane.appendRunEvent({ runId: run.id, kind: 'log', message: REAPED_MESSAGE, level: 'warning' });
      settled++;
    } catch (error) {
      options.log?.error({ runId: run.id, err: error }, 'dead run not settled; trying again on the next pass');
    }
  }
  return settled;
}
