import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { isPostgresServerReachable } from '../app/checks/schema-safety/shadow/index.js';
import { connectAs, openControlPlaneDb } from '../test/helpers/control-plane-db.js';

/**
 * The control plane's work queue on the Postgres server: claims per second with 1, 4 and 8
 * workers, each on its own connection as service_role, each run claimed with ops.claim_next_run
 * (FOR UPDATE SKIP LOCKED, one row per call) and finished with ops.complete_run. The peer figure is
 * the same loop with a bare `UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)` and no
 * lease, attempts or events: what the RPCs' bookkeeping costs.
 */

const RUNS_PER_ROUND = 2000;
const WORKER_COUNTS = [1, 4, 8] as const;

type Loop = (client: pg.Client, workerId: string, kind: string) => Promise<number>;

const rpcLoop: Loop = async (client, workerId, kind) => {
  let claimed = 0;
  for (;;) {
    const { rows } = await client.query<{ id: string }>('select id from ops.claim_next_run($1, $2::text[], 60)', [workerId, [kind]]);
    const run = rows[0];
    if (!run) return claimed;
    claimed += 1;
    await client.query(`select ops.complete_run($1, $2, 'succeeded')`, [run.id, workerId]);
  }
};

/** The minimal SKIP LOCKED queue over the same table: claim and finish, nothing else. */
const bareLoop: Loop = async (client, workerId, kind) => {
  let claimed = 0;
  for (;;) {
    const { rows } = await client.query<{ id: string }>(
      `update ops.runs set status = 'running', locked_by = $1, lease_expires_at = now() + interval '60 seconds'
       where id = (select id from ops.runs where status = 'queued' and kind = $2 order by run_after, id limit 1 for update skip locked)
       returning id`,
      [workerId, kind],
    );
    const run = rows[0];
    if (!run) return claimed;
    claimed += 1;
    await client.query(`update ops.runs set status = 'succeeded', locked_by = null, lease_expires_at = null, finished_at = now() where id = $1`, [run.id]);
  }
};

async function round(admin: pg.Client, clients: pg.Client[], orgId: string, loop: Loop): Promise<{ perSecond: number; claimed: number }> {
  const kind = `bench-${randomUUID().slice(0, 8)}`;
  await admin.query(`insert into ops.runs (org_id, kind) select $1, $2 from generate_series(1, $3::int)`, [orgId, kind, RUNS_PER_ROUND]);
  await admin.query('analyze ops.runs');
  const started = performance.now();
  const counts = await Promise.all(clients.map((client, index) => loop(client, `bench-${index}`, kind)));
  const seconds = (performance.now() - started) / 1000;
  const claimed = counts.reduce((sum, value) => sum + value, 0);
  if (claimed !== RUNS_PER_ROUND) throw new Error(`claimed ${claimed} runs of ${RUNS_PER_ROUND}`);
  return { perSecond: claimed / seconds, claimed };
}

export async function benchQueue(): Promise<string> {
  if (!(await isPostgresServerReachable())) return 'bench/queue: skipped, no Postgres server at 127.0.0.1:5432 (set SHADOW_DATABASE_URL to use another).';
  const handle = await openControlPlaneDb('postgres');
  const clients: pg.Client[] = [];
  try {
    const admin = await connectAs(handle.connectionString!);
    clients.push(admin);
    const orgId = randomUUID();
    await admin.query(`insert into ops.orgs (id, slug, name) values ($1, 'bench', 'Bench')`, [orgId]);
    const workers: pg.Client[] = [];
    for (let index = 0; index < Math.max(...WORKER_COUNTS); index++) workers.push(await connectAs(handle.connectionString!, 'service_role'));
    clients.push(...workers);

    const lines = [`${RUNS_PER_ROUND} runs per round, each worker on its own connection (claims per second):`, '', 'workers  claim_next_run + complete_run   bare SKIP LOCKED update (peer)'];
    for (const count of WORKER_COUNTS) {
      const ours = await round(admin, workers.slice(0, count), orgId, rpcLoop);
      const peer = await round(admin, workers.slice(0, count), orgId, bareLoop);
      lines.push(`${String(count).padStart(7)}  ${ours.perSecond.toFixed(0).padStart(29)}   ${peer.perSecond.toFixed(0).padStart(30)}`);
    }
    return lines.join('\n');
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await handle.close();
  }
}
