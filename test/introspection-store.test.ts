/**
 * Introspection end to end: an unsafe database scanned into the control plane, remediated plan by
 * plan, scanned again. On PGlite (both databases embedded) and on the Postgres server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openPgControlPlane, openPgliteControlPlane, type ControlPlane } from '../app/control-plane/index.js';
import { introspectDatabase } from '../app/introspection/introspect.js';
import { remediatePlan } from '../app/introspection/remediate-plan.js';
import type { EnsureProjectInput } from '../app/introspection/store.js';
import type { Risk } from '../app/introspection/types.js';
import { openPgliteLintDb, openServerLintDb, type LintTestDb } from './helpers/catalog-lint-db.js';
import { openControlPlaneDb } from './helpers/control-plane-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

const UNSAFE = `
  create table public.profiles (id uuid primary key, email text);
  create function public.make_admin(target uuid) returns void language sql security definer
    as $$ update public.profiles set email = email where id = target $$;
  create extension pg_trgm schema public;
  create view public.user_emails as select id, email from auth.users;
  grant select on public.user_emails to anon, authenticated;
`;

const PROJECT: EnsureProjectInput = { orgSlug: 'acme', projectSlug: 'shop-db', provider: 'postgres', externalRef: 'db.acme.test' };

interface Setup {
  controlPlane: ControlPlane;
  /** Reads the control plane's tables directly, for assertions. */
  sql<T>(text: string): Promise<T[]>;
  target: LintTestDb;
  close(): Promise<void>;
}

function describeIntrospectionStore(label: string, open: () => Promise<Setup>): void {
  describe(label, () => {
    let setup: Setup;

    beforeAll(async () => {
      setup = await open();
      await setup.target.exec(UNSAFE);
    }, 180_000);

    afterAll(async () => {
      await setup?.close();
    });

    const scan = async (waivers: Array<{ fingerprint: string; reason: string; expires?: string }> = []) =>
      introspectDatabase({ db: setup.target, target: 'db.acme.test/postgres', exposedSchemas: ['public'], store: { store: setup.controlPlane.introspection, project: PROJECT, triggeredBy: 'test' }, waivers });

    it('stores a scan, fixes what it can plan by plan, and the next scan shows it resolved', async () => {
      const extensionKey = 'extension_in_public_pg_trgm';
      const first = await scan([{ fingerprint: extensionKey, reason: 'moving it in Q3', expires: '2999-01-01' }]);
      expect(first.scanId).toEqual(expect.any(Number));
      expect(first.openBySeverity.critical).toBeGreaterThanOrEqual(2);
      const byRule = new Map(first.risks.map((risk) => [risk.ruleId, risk]));
      expect(byRule.get('rls_disabled_in_public')).toMatchObject({ status: 'open', isNew: true, planId: expect.any(Number) });
      expect(byRule.get('extension_in_public')).toMatchObject({ status: 'accepted', waiver: { reason: 'moving it in Q3' } });
      expect(first.report).toContain('## New since the last scan');
      expect(first.report).toContain('| Extension in Public | `pg_trgm` | moving it in Q3 | 2999-01-01 |');

      const objects = await setup.sql<{ count: number }>(`select count(*)::int as count from ops.inventory_objects where scan_id = ${first.scanId}`);
      expect(objects[0]?.count).toBe(first.inventory.objects.length);
      const plans = await setup.sql<{ risk_class: string; rollback_sql: string | null }>(
        `select p.risk_class, p.rollback_sql from ops.remediation_plans p join ops.risk_register r on r.id = p.risk_id where r.rule_id = 'rls_disabled_in_public'`,
      );
      expect(plans).toEqual([{ risk_class: 'access', rollback_sql: expect.stringMatching(/disable row level security/) }]);

      const orgId = (await setup.sql<{ id: string }>(`select id from ops.orgs where slug = 'acme'`))[0]?.id as string;
      const fixable = first.risks.filter((risk) => risk.planId && risk.status === 'open');
      for (const risk of fixable) {
        const dry = await remediatePlan({ store: setup.controlPlane.introspection, orgId, planId: risk.planId as number, apply: false, actor: 'test' });
        expect(dry.outcome).toBe('dry-run');
        const applied = await remediatePlan({ store: setup.controlPlane.introspection, orgId, planId: risk.planId as number, session: setup.target, apply: true, actor: 'test' });
        expect(['applied', 'refused']).toContain(applied.outcome);
      }
      // Idempotent: a second apply runs nothing.
      const planId = byRule.get('rls_disabled_in_public')?.planId as number;
      const again = await remediatePlan({ store: setup.controlPlane.introspection, orgId, planId, session: setup.target, apply: true, actor: 'test' });
      expect(again.outcome).toBe('already-applied');
      const audit = await setup.sql<{ action: string; actor: string }>(`select action, actor from ops.audit_log where target_type = 'remediation_plan' and target_id = '${planId}'`);
      expect(audit).toEqual([{ action: 'remediation.applied', actor: 'test' }]);

      const second = await scan([{ fingerprint: extensionKey, reason: 'moving it in Q3', expires: '2999-01-01' }]);
      const resolved = second.risks.filter((risk) => risk.resolvedNow).map((risk) => risk.ruleId);
      expect(resolved).toEqual(expect.arrayContaining(['rls_disabled_in_public', 'function_search_path_mutable']));
      expect(second.resolvedCount).toBe(resolved.length);
      expect(second.report).toContain('## Resolved since the last scan');
      // Enabling RLS without a policy denies every row: the one new risk, the fix's own follow-up.
      expect(second.risks.filter((risk) => risk.isNew).map((risk) => risk.ruleId)).toEqual(['rls_enabled_no_policy']);

      // The waiver expires: the risk it accepted is open again.
      const third = await scan([{ fingerprint: extensionKey, reason: 'moving it in Q3', expires: '2000-01-01' }]);
      expect(third.risks.find((risk) => risk.ruleId === 'extension_in_public')).toMatchObject({ status: 'open' });
    });

    it('neither confirms nor resolves the risks of objects a scan could not read', async () => {
      const store = setup.controlPlane.introspection;
      const { orgId, projectId } = await store.ensureProject({ orgSlug: 'acme', projectSlug: 'github-acme', provider: 'github', externalRef: 'acme' });
      const risk: Risk = {
        fingerprint: 'github.secret_scanning_disabled_acme/api',
        rule_id: 'github.secret_scanning_disabled',
        title: 'Secret scanning is off',
        detail: 'acme/api has secret scanning off.',
        severity: 'high',
        object_identity: 'acme/api',
        metadata: {},
        remediation: null,
      };
      const scan = async (risks: Risk[], unreadableObjects?: string[]) => {
        const scanId = await store.startScan({ orgId, projectId, kind: 'github' });
        return store.finishIntrospectionScan({ scanId, status: 'succeeded', risks, ...(unreadableObjects ? { unreadableObjects } : {}) });
      };
      await scan([risk]);
      // The token lost access to acme/api: the scan cannot tell whether it was fixed.
      expect((await scan([], ['acme/api'])).resolved_count).toBe(0);
      expect((await store.riskRegister({ orgId, projectId })).map((row) => row.status)).toEqual(['open']);
      // Readable again and fixed: resolved.
      expect((await scan([])).resolved_count).toBe(1);
      expect((await store.riskRegister({ orgId, projectId })).map((row) => row.status)).toEqual(['resolved']);
    });

    it('records a scan that fails as failed, with nothing else written', async () => {
      const broken = { query: async () => Promise.reject(new Error('connection terminated')) };
      await expect(
        introspectDatabase({ db: broken, target: 'broken', exposedSchemas: ['public'], store: { store: setup.controlPlane.introspection, project: PROJECT } }),
      ).rejects.toThrow('connection terminated');
      const rows = await setup.sql<{ status: string; error: string; objects: number }>(
        `select s.status, s.error, (select count(*)::int from ops.inventory_objects o where o.scan_id = s.id) as objects from ops.inventory_scans s order by s.id desc limit 1`,
      );
      expect(rows).toEqual([{ status: 'failed', error: 'connection terminated', objects: 0 }]);
    });
  });
}

describeIntrospectionStore('introspection stored in the embedded control plane (PGlite)', async () => {
  const controlPlane = await openPgliteControlPlane({ dataDir: null });
  const target = await openPgliteLintDb();
  return {
    controlPlane,
    sql: async <T>(text: string) => (await controlPlane.db.query<T>(text)).rows,
    target,
    close: async () => {
      await target.close();
      await controlPlane.close();
    },
  };
});

const serverUp = await serverAvailable();
if (serverUp) {
  describeIntrospectionStore('introspection stored on the Postgres server', async () => {
    const handle = await openControlPlaneDb('postgres');
    const controlPlane = openPgControlPlane({ connectionString: handle.connectionString as string, role: 'service_role' });
    const target = await openServerLintDb();
    return {
      controlPlane,
      sql: async <T>(text: string) => (await handle.db.query<T>(text)).rows,
      target,
      close: async () => {
        await target.close();
        await controlPlane.close();
        await handle.close();
      },
    };
  });
}
