/**
 * The control plane as introspection's store: the client's own project, scan and remediation
 * calls, plus the reads a compliance report needs (the register with each risk's newest plan).
 */
import { risksForFinishScan, type IntrospectionStore, type RegisterRisk, type RemediationPlanRow } from '../introspection/store.js';
import type { ControlPlaneTransport } from './transport.js';
import type { ControlPlane, ScanRisk } from './types.js';

type ControlPlaneCalls = Pick<ControlPlane, 'ensureProject' | 'startScan' | 'finishScan' | 'recordRemediation'>;

export function introspectionStoreOver(client: ControlPlaneCalls, transport: ControlPlaneTransport): IntrospectionStore {
  return {
    async findOrg(slug) {
      const rows = (await transport.select({ table: 'orgs', eq: { slug }, limit: 1 })) as Array<{ id?: string }>;
      return rows[0]?.id ?? null;
    },

    async ensureProject(input) {
      const row = await client.ensureProject(input);
      return { orgId: row.org_id, projectId: row.project_id };
    },

    startScan: (input) => client.startScan(input),

    async finishIntrospectionScan(input) {
      const row = await client.finishScan({
        scanId: input.scanId,
        status: input.status,
        objects: (input.objects ?? []) as unknown as Parameters<ControlPlane['finishScan']>[0]['objects'],
        risks: risksForFinishScan(input.risks ?? []) as unknown as ScanRisk[],
        waivers: input.waivers ?? [],
        ...(input.unreadableObjects?.length ? { unreadableObjects: input.unreadableObjects } : {}),
        ...(input.summary ? { summary: input.summary as Parameters<ControlPlane['finishScan']>[0]['summary'] } : {}),
        ...(input.error !== undefined ? { error: input.error } : {}),
      });
      return { scan_id: Number(row.scan_id), status: row.status, object_count: row.object_count, risk_count: row.risk_count, resolved_count: row.resolved_count };
    },

    async scanStartedAt(input) {
      const rows = (await transport.select({ table: 'inventory_scans', eq: { org_id: input.orgId, id: input.scanId }, limit: 1 })) as Array<{ started_at?: string }>;
      return rows[0]?.started_at ?? null;
    },

    async riskRegister(input) {
      const rows = (await transport.call({
        fn: 'project_risks',
        returns: 'set',
        args: { p_org_id: { value: input.orgId, type: 'uuid' }, p_project_id: { value: input.projectId, type: 'uuid' } },
      })) as RegisterRisk[];
      return rows.map((row) => ({ ...row, id: Number(row.id), plan: row.plan ? { ...row.plan, id: Number(row.plan.id), risk_id: Number(row.plan.risk_id) } : null }));
    },

    async remediationPlan(input) {
      const rows = (await transport.select({ table: 'remediation_plans', eq: { org_id: input.orgId, id: input.planId }, limit: 1 })) as RemediationPlanRow[];
      const row = rows[0];
      return row ? { ...row, id: Number(row.id), risk_id: Number(row.risk_id) } : null;
    },

    async recordRemediation(input) {
      const { details, ...rest } = input;
      const row = await client.recordRemediation({ ...rest, ...(details ? { details: details as Parameters<ControlPlane['recordRemediation']>[0]['details'] } : {}) });
      return { plan_id: Number(row.plan_id), status: row.status, audit_id: Number(row.audit_id) };
    },
  };
}
