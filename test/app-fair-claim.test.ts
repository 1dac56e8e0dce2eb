import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DurableEventQueue } from '../app/app-runtime/durable-queue.js';
import { openPgControlPlane, type PgControlPlane } from '../app/control-plane/index.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

/**
 * The durable queue serves installations fairly: a burst from one organisation does not hold back
 * another's delivery, whichever worker claims next (claim_next_run orders by runs running per key).
 */

const serverUp = await serverAvailable();
const describePostgres = serverUp ? describe : describe.skip;

describePostgres('fair claiming on the Postgres server', () => {
  let handle: ControlPlaneDb;
  let controlPlane: PgControlPlane;
  let queue: DurableEventQueue;

  beforeAll(async () => {
    handle = await openControlPlaneDb('postgres');
    controlPlane = openPgControlPlane({ connectionString: handle.connectionString!, role: 'service_role', max: 2 });
    queue = new DurableEventQueue({ controlPlane });
  });

  afterAll(async () => {
    await controlPlane?.close();
    await handle?.close();
  });

  const delivery = (installation: number, n: number) => ({
    deliveryId: `fair-${installation}-${n}`,
    name: 'pull_request',
    payload: { action: 'synchronize', installation: { id: installation }, repository: { full_name: `org${installation}/repo` }, number: n },
  });
  const installationOf = (run: { payload: unknown } | null) => ((run?.payload as { payload?: { installation?: { id?: number } } } | undefined)?.payload?.installation?.id);
  const claim = (worker: string) => controlPlane.claimNextRun({ workerId: worker, kinds: ['github.webhook'], leaseSeconds: 60 });

  it('claims a later delivery of a quiet installation before the rest of a busy one\'s burst', async () => {
    for (let n = 0; n < 20; n++) await queue.enqueue(delivery(101, n));
    await queue.enqueue(delivery(202, 0));
    await queue.enqueue(delivery(303, 0));
    const stored = await handle.db.query<{ fair_key: string }>(`select payload ->> 'fair_key' as fair_key from ops.runs order by id limit 1`);
    expect(stored.rows[0]?.fair_key).toBe('installation:101');

    // The oldest run first; then, with one of 101's running, the other installations before 101's next.
    const order: Array<number | undefined> = [];
    for (let worker = 0; worker < 5; worker++) order.push(installationOf(await claim(`w${worker}`)));
    expect(order).toEqual([101, 202, 303, 101, 101]);
  });

  it('orders runs without a key as before: oldest first', async () => {
    await handle.db.query(`update ops.runs set status = 'cancelled', finished_at = now(), locked_by = null, lease_expires_at = null where status in ('queued', 'running')`);
    const orgId = (await handle.db.query<{ org_id: string }>(`select org_id from ops.runs limit 1`)).rows[0]!.org_id;
    const first = await controlPlane.enqueueRun({ orgId, kind: 'github.webhook', payload: { n: 1 } });
    const second = await controlPlane.enqueueRun({ orgId, kind: 'github.webhook', payload: { n: 2 } });
    expect((await claim('a'))?.id).toBe(first.id);
    expect((await claim('b'))?.id).toBe(second.id);
  });
});
