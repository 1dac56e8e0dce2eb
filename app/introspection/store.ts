import type { InventoryObject, Risk, RiskSeverity } from './types.js';

/**
 * What introspection needs from the control plane: the project, the scan (written in one call, so
 * a failed scan leaves nothing half-written), the register it updates, and remediation plans.
 * The control plane client (app/control-plane/) implements it for every adapter.
 */

export interface EnsureProjectInput {
  orgSlug: string;
  orgName?: string;
  projectSlug: string;
  projectName?: string;
  provider: 'supabase' | 'postgres' | 'github';
  externalRef?: string;
  environment?: 'production' | 'staging' | 'development' | 'preview';
}

export interface ScanWaiver {
  fingerprint: string;
  reason: string;
  expires?: string | null;
}

export interface StoreFinishScanInput {
  scanId: number;
  status: 'succeeded' | 'failed';
  objects?: readonly InventoryObject[];
  risks?: readonly Risk[];
  waivers?: readonly ScanWaiver[];
  /** Objects the scan could not read: their risks are neither confirmed nor resolved. */
  unreadableObjects?: readonly string[];
  summary?: Record<string, unknown>;
  error?: string;
}

export interface FinishedScan {
  scan_id: number;
  status: string;
  object_count: number;
  risk_count: number;
  resolved_count: number;
}

/** A row of ops.risk_register with the newest remediation plan of the risk, if any. */
export interface RegisterRisk {
  id: number;
  fingerprint: string;
  rule_id: string;
  title: string;
  detail: string | null;
  severity: RiskSeverity;
  status: 'open' | 'acknowledged' | 'accepted' | 'resolved';
  object_identity: string | null;
  metadata: Record<string, unknown>;
  last_seen_scan_id: number | null;
  first_seen_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  plan: RemediationPlanRow | null;
}

export interface RemediationPlanRow {
  id: number;
  org_id: string;
  risk_id: number;
  status: 'proposed' | 'approved' | 'applied' | 'rejected' | 'superseded';
  description: string;
  fix_sql: string | null;
  rollback_sql: string | null;
  risk_class: 'metadata' | 'access' | 'locking' | null;
  created_at: string;
  applied_at: string | null;
}

export interface RecordRemediationInput {
  orgId: string;
  planId: number;
  outcome: 'applied' | 'failed';
  actor: string;
  details?: Record<string, unknown>;
}

export interface IntrospectionStore {
  /** The org's id by slug, or null. */
  findOrg(slug: string): Promise<string | null>;
  ensureProject(input: EnsureProjectInput): Promise<{ orgId: string; projectId: string }>;
  startScan(input: { orgId: string; projectId: string; kind: 'database' | 'github' | 'config'; triggeredBy?: string }): Promise<number>;
  finishIntrospectionScan(input: StoreFinishScanInput): Promise<FinishedScan>;
  /** When the scan started, by the database's clock (what "new" and "resolved since" compare with). */
  scanStartedAt(input: { orgId: string; scanId: number }): Promise<string | null>;
  riskRegister(input: { orgId: string; projectId: string }): Promise<RegisterRisk[]>;
  remediationPlan(input: { orgId: string; planId: number }): Promise<RemediationPlanRow | null>;
  recordRemediation(input: RecordRemediationInput): Promise<{ plan_id: number; status: string; audit_id: number }>;
}

/** The risks in the JSON shape ops.finish_scan reads. */
export function risksForFinishScan(risks: readonly Risk[]): Array<Record<string, unknown>> {
  return risks.map((risk) => ({
    fingerprint: risk.fingerprint,
    rule_id: risk.rule_id,
    title: risk.title.slice(0, 500),
    detail: risk.detail.slice(0, 10000),
    severity: risk.severity,
    object_identity: risk.object_identity,
    metadata: risk.metadata,
    remediation: risk.remediation
      ? {
          description: risk.remediation.description.slice(0, 10000),
          sql: risk.remediation.sql,
          rollback_sql: risk.remediation.rollbackSql,
          risk_class: risk.remediation.riskClass,
        }
      : null,
  }));
}
