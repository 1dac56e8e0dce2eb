/**
 * What an introspection run produces: inventory objects and risks in the shapes `ops.finish_scan`
 * takes (supabase/migrations/*_ops_rpcs.sql), so a scan is stored in one call.
 */

export type InventoryObjectType =
  | 'schema'
  | 'table'
  | 'view'
  | 'materialized_view'
  | 'foreign_table'
  | 'sequence'
  | 'function'
  | 'trigger'
  | 'policy'
  | 'index'
  | 'extension'
  | 'role'
  | 'publication'
  | 'bucket'
  | 'edge_function'
  | 'repository'
  | 'team'
  | 'workflow'
  | 'other';

export interface InventoryObject {
  object_type: InventoryObjectType;
  schema_name?: string | null;
  name: string;
  /** Unique per type within a scan: `schema.table`, `schema.fn(args)`, `schema.table.policy`, `owner/repo`. */
  identity: string;
  attributes: Record<string, unknown>;
}

/** The risk register's severities, most severe first. */
export const RISK_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type RiskSeverity = (typeof RISK_SEVERITIES)[number];

/**
 * What applying a fix can do to the running system: `metadata` changes no behaviour clients see
 * (a pinned search_path), `access` changes who can read or call something (enabling RLS, revoking
 * EXECUTE) and can break a client that relied on it, `locking` takes locks or rebuilds (indexes).
 */
export type RiskClass = 'metadata' | 'access' | 'locking';

export interface Remediation {
  description: string;
  sql: string | null;
  /** SQL that undoes `sql`, where one exists. */
  rollbackSql: string | null;
  riskClass: RiskClass;
}

export interface Risk {
  /** Stable across scans: the catalog lint's cache key. */
  fingerprint: string;
  rule_id: string;
  title: string;
  detail: string;
  severity: RiskSeverity;
  object_identity: string | null;
  metadata: Record<string, unknown>;
  remediation: Remediation | null;
}

/** An object kind the scan could not read, with the reason (a role without catalog privileges). */
export interface UnreadableKind {
  kind: string;
  reason: string;
}
