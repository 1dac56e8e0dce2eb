/**
 * The control plane client's behaviour, run against each adapter (PGlite, pg on the server,
 * supabase-js through postgrest-lite): the same calls must give the same rows and the same typed
 * errors, whichever way they travel.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  InvalidArgumentError,
  StateConflictError,
  UnknownObjectError,
  type ControlPlane,
  type ControlPlaneError,
} from '../../app/control-plane/index.js';
import type { Queryable } from '../../app/checks/schema-safety/shadow/index.js';
import { createOrg, one, sha256Hex } from './control-plane-fixtures.js';

export interface ClientHarness {
  controlPlane: ControlPlane;
  /** A connection with every right (the database owner), for fixtures and for checking what was written. */
  admin: Queryable;
  close(): Promise<void>;
}

async function rejection(promise: Promise<unknown>): Promise<ControlPlaneError> {
  try {
    await promise;
  } catch (error) {
    return error as ControlPlaneError;
  }
  throw new Error('expected the call to fail');
}

async function count(db: Queryable, sql: string, params: unknown[]): Promise<number> {
  return Number((await one<{ n: number }>(db, `select count(*)::int as n from (${sql}) counted`, params)).n);
}

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/;

export function describeControlPlaneClient(label: string, open: () => Promise<ClientHarness>): void {
  describe(`control plane client: ${label}`, () => {
    let harness: ClientHarness;
    let cp: ControlPlane;
    let orgId: string;
    let projectId: string;

    beforeAll(async () => {
      harness = await open();
      cp = harness.controlPlane;
      ({ orgId, projectId } = await createOrg(harness.admin, `client-${Math.random().toString(36).slice(2, 8)}`));
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('publishes idempotently, rolls back as a new version and lists the versions', async () => {
      const content = { color: { primary: '#0047ab' } };
      const first = await cp.publishConfigVersion({ orgId, artifact: 'tokens', content, kind: 'tokens', publishedBy: 'ci', sourceRef: 'abc123' });
      expect(first).toEqual({ version_id: expect.any(Number), version: 1, content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), created: true });
      const again = await cp.publishConfigVersion({ orgId, artifact: 'tokens', content });
      expect(again).toEqual({ ...first, created: false });

      const second = await cp.publishConfigVersion({ orgId, artifact: 'tokens', content: { color: { primary: '#ff0000' } } });
      expect(second).toMatchObject({ version: 2, created: true });
      const rolledBack = await cp.rollbackConfig({ orgId, artifact: 'tokens', toVersion: 1, actor: 'oncall', reason: 'red is too loud' });
      expect(rolledBack).toMatchObject({ version: 3, content_hash: first.content_hash, created: true });

      const versions = await cp.configVersions({ orgId, artifact: 'tokens' });
      expect(versions.map((row) => [row.version, row.kind, row.content_hash === first.content_hash])).toEqual([
        [1, 'publish', true],
        [2, 'publish', false],
        [3, 'rollback', true],
      ]);
      expect(versions[2]?.content).toEqual(content);
      expect(versions[2]?.restores_version_id).toBe(first.version_id);
      expect(versions[0]?.created_at).toMatch(ISO_TIMESTAMP);
      expect(await cp.configVersions({ orgId, artifact: 'no-such-artifact' })).toEqual([]);
    });

    it('rejects a bad publish with a typed error naming the field, and writes nothing', async () => {
      const badKind = await rejection(cp.publishConfigVersion({ orgId, artifact: 'flags', content: { a: 1 }, kind: 'nope' as never }));
      expect(badKind).toBeInstanceOf(InvalidArgumentError);
      expect({ code: badKind.code, field: badKind.field }).toEqual({ code: '22023', field: 'kind' });
      expect(badKind.message).toContain("'nope' is not an allowed value");

      const scalar = await rejection(cp.publishConfigVersion({ orgId, artifact: 'flags', content: 42, kind: 'flags' }));
      expect(scalar).toBeInstanceOf(InvalidArgumentError);
      expect(scalar.field).toBe('content');

      const badHash = await rejection(cp.publishConfigVersion({ orgId, artifact: 'flags', content: {}, kind: 'flags', contentHash: 'ABC' }));
      expect(badHash.field).toBe('content_hash');
      expect(await count(harness.admin, `select 1 from ops.config_artifacts where org_id = $1 and name = 'flags'`, [orgId])).toBe(0);

      const noVersion = await rejection(cp.rollbackConfig({ orgId, artifact: 'tokens', toVersion: 99 }));
      expect(noVersion).toBeInstanceOf(InvalidArgumentError);
      expect(noVersion.field).toBe('to_version');
    });

    it('registers consumers from the registry, idempotently, and retires the ones it drops', async () => {
      await cp.publishConfigVersion({ orgId, artifact: 'theme', content: { spacing: 4 }, kind: 'tokens' });
      const consumers = [
        { name: 'web@production', environment: 'production' as const, projectId },
        { name: 'api@production', environment: 'production' as const },
        { name: 'docs@preview', environment: 'preview' as const, status: 'disabled' as const },
      ];
      expect(await cp.registerConsumers({ orgId, artifact: 'theme', consumers })).toEqual({ registered: 3, updated: 0, unchanged: 0, retired: 0 });
      expect(await cp.registerConsumers({ orgId, artifact: 'theme', consumers })).toEqual({ registered: 0, updated: 0, unchanged: 3, retired: 0 });
      const changed = await cp.registerConsumers({
        orgId,
        artifact: 'theme',
        consumers: [{ ...consumers[0]!, environment: 'staging' }, consumers[1]!],
        retireMissing: true,
      });
      expect(changed).toEqual({ registered: 0, updated: 1, unchanged: 1, retired: 1 });

      const listed = await cp.consumers({ orgId, artifact: 'theme' });
      expect(listed.map((row) => [row.name, row.environment, row.status, row.registered_by, row.project_id])).toEqual([
        ['api@production', 'production', 'active', 'registry', null],
        ['docs@preview', 'preview', 'retired', 'registry', null],
        ['web@production', 'staging', 'active', 'registry', projectId],
      ]);
      expect(listed.every((row) => typeof row.id === 'number')).toBe(true);

      const duplicate = await rejection(cp.registerConsumers({ orgId, artifact: 'theme', consumers: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] }));
      expect(duplicate).toBeInstanceOf(InvalidArgumentError);
      expect(duplicate.field).toBe('consumers[2].name');
      const badEnvironment = await rejection(cp.registerConsumers({ orgId, artifact: 'theme', consumers: [{ name: 'a', environment: 'prod' as never }] }));
      expect(badEnvironment.field).toBe('consumers[0].environment');
      const unknownArtifact = await rejection(cp.registerConsumers({ orgId, artifact: 'nothing-here', consumers: [] }));
      expect(unknownArtifact.field).toBe('artifact');
    });

    it('records heartbeats and checks, rejects unknown consumers, and opens one drift event per consumer and version', async () => {
      // An org of its own: drift detection looks at every artifact of the org.
      const { orgId } = await createOrg(harness.admin, `drift-${Math.random().toString(36).slice(2, 8)}`);
      const published = await cp.publishConfigVersion({ orgId, artifact: 'brand', content: { logo: 'v1' }, kind: 'tokens', graceSeconds: 60 });
      await cp.registerConsumers({ orgId, artifact: 'brand', consumers: [{ name: 'web@production' }, { name: 'app@production' }] });

      const unknown = await rejection(cp.consumerHeartbeat({ orgId, artifact: 'brand', consumer: 'stranger@production', contentHash: published.content_hash }));
      expect(unknown).toBeInstanceOf(UnknownObjectError);
      expect({ code: unknown.code, field: unknown.field }).toEqual({ code: '42704', field: 'consumer' });
      expect(await count(harness.admin, `select 1 from ops.config_consumers where org_id = $1 and name = 'stranger@production'`, [orgId])).toBe(0);

      const beat = await cp.consumerHeartbeat({ orgId, artifact: 'brand', consumer: 'web@production', version: 1, sdkName: 'tokens-js', sdkVersion: '2.0.0' });
      expect(beat).toMatchObject({ name: 'web@production', applied_version_id: published.version_id, applied_hash: published.content_hash, sdk_name: 'tokens-js' });
      expect(beat.last_seen_at).toMatch(ISO_TIMESTAMP);
      const stale = await cp.consumerHeartbeat({ orgId, artifact: 'brand', consumer: 'app@production', contentHash: sha256Hex('something else') });
      expect(stale.applied_version_id).toBeNull();

      const checkId = await cp.recordConfigCheck({ orgId, artifact: 'brand', consumer: 'web@production', check: 'schema', status: 'pass', details: { ms: 3 } });
      expect(typeof checkId).toBe('number');
      expect(await count(harness.admin, 'select 1 from ops.config_checks where id = $1 and version_id = $2', [checkId, published.version_id])).toBe(1);

      const later = new Date(Date.now() + 3600_000).toISOString();
      expect(await cp.detectConfigDrift({ orgId, at: later })).toEqual({ opened: 1, resolved: 0 });
      expect(await cp.detectConfigDrift({ orgId, at: later })).toEqual({ opened: 0, resolved: 0 });
      const events = await cp.driftEvents({ orgId, status: 'open' });
      expect(events.map((event) => [event.expected_version_id, event.expected_hash, event.actual_hash])).toEqual([
        [published.version_id, published.content_hash, sha256Hex('something else')],
      ]);

      await cp.consumerHeartbeat({ orgId, artifact: 'brand', consumer: 'app@production', version: 1 });
      expect(await cp.detectConfigDrift({ orgId, at: later })).toEqual({ opened: 0, resolved: 1 });
      expect(await cp.driftEvents({ orgId, status: 'open' })).toEqual([]);
      expect((await cp.driftEvents({ orgId })).map((event) => event.status)).toEqual(['resolved']);
    });

    it('writes a scan with its objects and risks in one call, and reads the latest scan', async () => {
      expect(await cp.latestScan({ orgId, projectId })).toBeNull();
      const scanId = await cp.startScan({ orgId, projectId, kind: 'database', triggeredBy: 'test' });
      expect(typeof scanId).toBe('number');
      const running = await cp.latestScan({ orgId, projectId });
      expect(running).toMatchObject({ id: scanId, status: 'running', finished_at: null });

      const objects = [
        { object_type: 'table' as const, schema_name: 'public', name: 'orders', attributes: { rls: false } },
        { object_type: 'table' as const, schema_name: 'public', name: 'customers' },
        { object_type: 'oops' as never, name: 'bad' },
      ];
      const bad = await rejection(cp.finishScan({ scanId, status: 'succeeded', objects }));
      expect(bad).toBeInstanceOf(InvalidArgumentError);
      expect(bad.field).toBe('objects[2].object_type');
      expect(await count(harness.admin, 'select 1 from ops.inventory_objects where scan_id = $1', [scanId])).toBe(0);

      const finished = await cp.finishScan({
        scanId,
        status: 'succeeded',
        objects: objects.slice(0, 2),
        risks: [
          {
            fingerprint: 'rls_disabled_in_public:public.orders',
            rule_id: 'rls_disabled_in_public',
            title: 'RLS disabled on public.orders',
            severity: 'critical',
            object_identity: 'public.orders',
            remediation: { description: 'Enable RLS', sql: 'alter table public.orders enable row level security;' },
          },
        ],
        summary: { tables: 2 },
      });
      expect(finished).toEqual({ scan_id: scanId, status: 'succeeded', object_count: 2, risk_count: 1, resolved_count: 0 });
      const latest = await cp.latestScan({ orgId, projectId, kind: 'database' });
      expect(latest).toMatchObject({ id: scanId, status: 'succeeded', object_count: 2, risk_count: 1, summary: { tables: 2 } });
      expect(latest?.finished_at).toMatch(ISO_TIMESTAMP);
      expect(await cp.latestScan({ orgId, projectId, kind: 'github' })).toBeNull();

      const twice = await rejection(cp.finishScan({ scanId, status: 'failed' }));
      expect(twice).toBeInstanceOf(StateConflictError);
      expect({ code: twice.code, field: twice.field }).toEqual({ code: '55000', field: 'scan_id' });

      const wrongProject = await rejection(cp.startScan({ orgId, projectId: '00000000-0000-4000-8000-000000000000', kind: 'database' }));
      expect(wrongProject.field).toBe('project_id');
    });

    it('ensures a project by slug, applies waivers in a scan and records a remediation', async () => {
      const slug = `ensure-${Math.random().toString(36).slice(2, 8)}`;
      const made = await cp.ensureProject({ orgSlug: slug, projectSlug: 'web', provider: 'supabase', environment: 'staging' });
      expect(made).toEqual({ org_id: expect.any(String), project_id: expect.any(String), created: true });
      expect(await cp.ensureProject({ orgSlug: slug, projectSlug: 'web', provider: 'supabase' })).toEqual({ ...made, created: false });
      const badProvider = await rejection(cp.ensureProject({ orgSlug: slug, projectSlug: 'api', provider: 'mysql' as never }));
      expect(badProvider.field).toBe('provider');

      const scanId = await cp.startScan({ orgId: made.org_id, projectId: made.project_id, kind: 'database' });
      const risk = (name: string) => ({
        fingerprint: `rls:${name}`,
        rule_id: 'rls_disabled_in_public',
        title: `RLS disabled on ${name}`,
        severity: 'high' as const,
        remediation: { description: 'Enable RLS', sql: `alter table ${name} enable row level security;`, rollback_sql: `alter table ${name} disable row level security;`, risk_class: 'access' as const },
      });
      await cp.finishScan({
        scanId,
        status: 'succeeded',
        risks: [risk('public.a'), risk('public.b')],
        waivers: [{ fingerprint: 'rls:public.b', reason: 'public lookup table', expires: '2999-01-01' }],
      });
      const statuses = await harness.admin.query<{ fingerprint: string; status: string; rollback_sql: string | null; plan_id: number }>(
        `select r.fingerprint, r.status, p.rollback_sql, p.id::int as plan_id from ops.risk_register r join ops.remediation_plans p on p.risk_id = r.id
         where r.org_id = $1 order by r.fingerprint`,
        [made.org_id],
      );
      expect(statuses.rows.map((row) => [row.fingerprint, row.status, row.rollback_sql])).toEqual([
        ['rls:public.a', 'open', 'alter table public.a disable row level security;'],
        ['rls:public.b', 'accepted', 'alter table public.b disable row level security;'],
      ]);

      const planId = statuses.rows[0]!.plan_id;
      const applied = await cp.recordRemediation({ orgId: made.org_id, planId, outcome: 'applied', actor: 'oncall', details: { pr: 12 } });
      expect(applied).toEqual({ plan_id: planId, status: 'applied', applied_at: expect.stringMatching(ISO_TIMESTAMP), audit_id: expect.any(Number) });
      const missing = await rejection(cp.recordRemediation({ orgId: made.org_id, planId: 999_999_999, outcome: 'failed', actor: 'oncall' }));
      expect(missing).toBeInstanceOf(UnknownObjectError);
      expect(missing.field).toBe('plan_id');
    });

    it('queues, claims, narrates and completes runs, and refuses a worker that does not hold the run', async () => {
      const kind = `client-${label.replace(/[^a-z]/g, '')}`;
      const queued = await cp.enqueueRun({ orgId, kind, payload: { repo: 'web' }, projectId, maxAttempts: 2 });
      expect(queued).toMatchObject({ org_id: orgId, kind, status: 'queued', attempts: 0, max_attempts: 2, payload: { repo: 'web' } });

      const claimed = await cp.claimNextRun({ workerId: 'w1', kinds: [kind], leaseSeconds: 30 });
      expect(claimed).toMatchObject({ id: queued.id, status: 'running', attempts: 1, locked_by: 'w1' });
      expect(await cp.claimNextRun({ workerId: 'w2', kinds: [kind] })).toBeNull();

      const eventId = await cp.appendRunEvent({ runId: queued.id, kind: 'progress', message: 'half way', data: { done: 1 }, workerId: 'w1' });
      expect(typeof eventId).toBe('number');

      const notHeld = await rejection(cp.completeRun({ runId: queued.id, workerId: 'w2', outcome: 'succeeded' }));
      expect(notHeld).toBeInstanceOf(StateConflictError);
      expect(notHeld.field).toBe('worker_id');

      const retried = await cp.completeRun({ runId: queued.id, workerId: 'w1', outcome: 'failed', error: 'flaky' });
      expect(retried).toMatchObject({ status: 'queued', last_error: 'flaky' });
      await cp.claimNextRun({ workerId: 'w2', kinds: [kind] });
      const done = await cp.completeRun({
        runId: queued.id,
        workerId: 'w2',
        outcome: 'succeeded',
        result: { ok: true },
        artifacts: [{ name: 'report.json', media_type: 'application/json', content: { rows: 1 } }],
      });
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { ok: true } });
      expect(await count(harness.admin, 'select 1 from ops.artifacts where run_id = $1', [queued.id])).toBe(1);

      const badKind = await rejection(cp.enqueueRun({ orgId, kind: 'Not A Kind' }));
      expect(badKind).toBeInstanceOf(InvalidArgumentError);
      expect(badKind.field).toBe('kind');
      const badArtifact = await rejection(cp.completeRun({ runId: queued.id, workerId: 'w2', outcome: 'succeeded', artifacts: [{ name: '' }] }));
      expect(badArtifact.field).toBe('artifacts[0].name');
    });
  });
}
