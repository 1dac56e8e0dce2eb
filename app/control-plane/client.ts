/**
 * The ControlPlane interface on top of a transport: each method is one RPC call or one or two
 * simple selects, described once here for every adapter.
 */
import { ControlPlaneError } from './errors.js';
import { introspectionStoreOver } from './introspection-store.js';
import type { ControlPlaneTransport, RpcCall } from './transport.js';
import type { ControlPlane, ControlPlaneKind } from './types.js';
import type {
  ConfigArtifactsRow,
  ConfigChecksRow,
  ConfigConsumersRow,
  ConfigDriftEventsRow,
  ConfigRolloutsRow,
  ConfigVersionsRow,
  DetectConfigDriftResult,
  EnsureProjectResult,
  FinishScanResult,
  InventoryObjectsRow,
  InventoryScansRow,
  PublishConfigVersionResult,
  RecordRemediationResult,
  RegisterConsumersResult,
  RunsRow,
} from './types.generated.js';

type RpcArgs = RpcCall['args'];

function only<T>(rows: unknown, fn: string): T {
  if (!Array.isArray(rows) || rows.length !== 1) {
    throw new ControlPlaneError(`${fn}: expected one result row, got ${Array.isArray(rows) ? rows.length : typeof rows}`, { operation: fn });
  }
  return rows[0] as T;
}

/** The arguments of a function that takes its input as one jsonb document, `p_input`. */
function jsonInput(value: Record<string, unknown>): RpcArgs {
  return { p_input: { type: 'jsonb', value } };
}

export function createControlPlane(kind: ControlPlaneKind, transport: ControlPlaneTransport): ControlPlane {
  // The result shapes of `ops` functions; the row types are the generated ones, trusted as the SQL declares them.
  const set = async <T>(fn: string, args: RpcArgs) => (await transport.call({ fn, returns: 'set', args })) as T[];
  /** A set-returning function that answers with exactly one row (a ControlPlaneError otherwise). */
  const one = async <T>(fn: string, args: RpcArgs) => only<T>(await transport.call({ fn, returns: 'set', args }), fn);
  const row = async <T>(fn: string, args: RpcArgs) => (await transport.call({ fn, returns: 'row', args })) as T;
  const scalar = async <T>(fn: string, args: RpcArgs) => (await transport.call({ fn, returns: 'scalar', args })) as T;

  const artifactId = async (orgId: string, artifact: string): Promise<number | undefined> => {
    const rows = (await transport.select({ table: 'config_artifacts', eq: { org_id: orgId, name: artifact }, limit: 1 })) as ConfigArtifactsRow[];
    return rows[0]?.id;
  };

  const controlPlane: Omit<ControlPlane, 'introspection'> = {
    kind,

    async publishConfigVersion(input) {
      return one<PublishConfigVersionResult>('publish_config_version', {
        p_org_id: { value: input.orgId, type: 'uuid' },
        p_artifact: { value: input.artifact, type: 'text' },
        p_content: { value: input.content, type: 'jsonb' },
        p_content_hash: { value: input.contentHash, type: 'text' },
        p_kind: { value: input.kind, type: 'text' },
        p_source_ref: { value: input.sourceRef, type: 'text' },
        p_published_by: { value: input.publishedBy, type: 'text' },
        p_rollout: { value: input.rollout, type: 'boolean' },
        p_grace_seconds: { value: input.graceSeconds, type: 'integer' },
      });
    },

    async rollbackConfig(input) {
      return one<PublishConfigVersionResult>('rollback_config', {
        p_org_id: { value: input.orgId, type: 'uuid' },
        p_artifact: { value: input.artifact, type: 'text' },
        p_to_version: { value: input.toVersion, type: 'integer' },
        p_actor: { value: input.actor, type: 'text' },
        p_reason: { value: input.reason, type: 'text' },
        p_grace_seconds: { value: input.graceSeconds, type: 'integer' },
      });
    },

    async registerConsumers(input) {
      return one<RegisterConsumersResult>('register_consumers', jsonInput({
        org_id: input.orgId,
        artifact: input.artifact,
        kind: input.kind,
        retire_missing: input.retireMissing,
        allow_self_registration: input.allowSelfRegistration,
        registered_by: input.registeredBy,
        consumers: input.consumers.map((consumer) => ({
          name: consumer.name,
          environment: consumer.environment ?? null,
          project_id: consumer.projectId ?? null,
          status: consumer.status,
        })),
      }));
    },

    async consumerHeartbeat(input) {
      return row<ConfigConsumersRow>('consumer_heartbeat', {
        p_org_id: { value: input.orgId, type: 'uuid' },
        p_artifact: { value: input.artifact, type: 'text' },
        p_consumer: { value: input.consumer, type: 'text' },
        p_content_hash: { value: input.contentHash, type: 'text' },
        p_version: { value: input.version, type: 'integer' },
        p_sdk_name: { value: input.sdkName, type: 'text' },
        p_sdk_version: { value: input.sdkVersion, type: 'text' },
        p_environment: { value: input.environment, type: 'text' },
      });
    },

    async recordConfigCheck(input) {
      return scalar<number>('record_config_check', {
        p_org_id: { value: input.orgId, type: 'uuid' },
        p_artifact: { value: input.artifact, type: 'text' },
        p_consumer: { value: input.consumer, type: 'text' },
        p_check: { value: input.check, type: 'text' },
        p_status: { value: input.status, type: 'text' },
        p_version: { value: input.version, type: 'integer' },
        p_details: { value: input.details, type: 'jsonb' },
      });
    },

    async detectConfigDrift(input = {}) {
      return one<DetectConfigDriftResult>('detect_config_drift', {
        p_org_id: { value: input.orgId, type: 'uuid' },
        p_at: { value: input.at, type: 'timestamptz' },
      });
    },

    async startConfigRingRollout(input) {
      return scalar<number>('start_config_ring_rollout', jsonInput({
        org_id: input.orgId,
        artifact: input.artifact,
        version: input.version,
        consumers: [...input.consumers],
        grace_seconds: input.graceSeconds,
        created_by: input.createdBy,
      }));
    },

    async ensureProject(input) {
      return one<EnsureProjectResult>('ensure_project', jsonInput({
        org_slug: input.orgSlug,
        org_name: input.orgName,
        project_slug: input.projectSlug,
        project_name: input.projectName,
        provider: input.provider,
        external_ref: input.externalRef,
        environment: input.environment,
      }));
    },

    async startScan(input) {
      return scalar<number>('start_scan', jsonInput({ org_id: input.orgId, project_id: input.projectId, kind: input.kind, triggered_by: input.triggeredBy }));
    },

    async finishScan(input) {
      return one<FinishScanResult>('finish_scan', jsonInput({
        scan_id: input.scanId,
        status: input.status,
        objects: input.objects ?? [],
        risks: input.risks ?? [],
        summary: input.summary,
        error: input.error,
        waivers: input.waivers,
        unreadable_objects: input.unreadableObjects,
      }));
    },

    async recordRemediation(input) {
      return one<RecordRemediationResult>('record_remediation', jsonInput({ org_id: input.orgId, plan_id: input.planId, outcome: input.outcome, actor: input.actor, details: input.details }));
    },

    async enqueueRun(input) {
      return row<RunsRow>('enqueue_run', {
        p_org_id: { value: input.orgId, type: 'uuid' },
        p_kind: { value: input.kind, type: 'text' },
        p_payload: { value: input.payload, type: 'jsonb' },
        p_project_id: { value: input.projectId, type: 'uuid' },
        p_max_attempts: { value: input.maxAttempts, type: 'integer' },
        p_run_after: { value: input.runAfter, type: 'timestamptz' },
      });
    },

    async claimNextRun(input) {
      const rows = await set<RunsRow>('claim_next_run', {
        p_worker_id: { value: input.workerId, type: 'text' },
        p_kinds: { value: [...input.kinds], type: 'text[]' },
        p_lease_seconds: { value: input.leaseSeconds, type: 'integer' },
      });
      return rows[0] ?? null;
    },

    async appendRunEvent(input) {
      return scalar<number>('append_run_event', {
        p_run_id: { value: input.runId, type: 'bigint' },
        p_kind: { value: input.kind, type: 'text' },
        p_message: { value: input.message, type: 'text' },
        p_data: { value: input.data, type: 'jsonb' },
        p_level: { value: input.level, type: 'text' },
        p_worker_id: { value: input.workerId, type: 'text' },
      });
    },

    async completeRun(input) {
      return row<RunsRow>('complete_run', {
        p_run_id: { value: input.runId, type: 'bigint' },
        p_worker_id: { value: input.workerId, type: 'text' },
        p_outcome: { value: input.outcome, type: 'text' },
        p_result: { value: input.result, type: 'jsonb' },
        p_error: { value: input.error, type: 'text' },
        p_retry: { value: input.retry, type: 'boolean' },
        p_retry_delay_seconds: { value: input.retryDelaySeconds, type: 'integer' },
        p_artifacts: { value: input.artifacts, type: 'jsonb' },
      });
    },

    async scanObjects(query) {
      const eq: Record<string, string | number> = { org_id: query.orgId, scan_id: query.scanId };
      if (query.objectType) eq.object_type = query.objectType;
      return (await transport.select({ table: 'inventory_objects', eq, order: [{ column: 'identity', ascending: true }] })) as InventoryObjectsRow[];
    },

    async latestScan(query) {
      const eq: Record<string, string> = { org_id: query.orgId, project_id: query.projectId };
      if (query.kind) eq.kind = query.kind;
      const rows = (await transport.select({
        table: 'inventory_scans',
        eq,
        order: [
          { column: 'started_at', ascending: false },
          { column: 'id', ascending: false },
        ],
        limit: 1,
      })) as InventoryScansRow[];
      return rows[0] ?? null;
    },

    async configVersions(query) {
      const id = await artifactId(query.orgId, query.artifact);
      if (id === undefined) return [];
      return (await transport.select({
        table: 'config_versions',
        eq: { org_id: query.orgId, artifact_id: id },
        order: [{ column: 'version', ascending: true }],
      })) as ConfigVersionsRow[];
    },

    async driftEvents(query) {
      const eq: Record<string, string> = { org_id: query.orgId };
      if (query.status) eq.status = query.status;
      return (await transport.select({
        table: 'config_drift_events',
        eq,
        order: [
          { column: 'detected_at', ascending: false },
          { column: 'id', ascending: false },
        ],
      })) as ConfigDriftEventsRow[];
    },

    async consumers(query) {
      const eq: Record<string, string | number> = { org_id: query.orgId };
      if (query.artifact !== undefined) {
        const id = await artifactId(query.orgId, query.artifact);
        if (id === undefined) return [];
        eq.artifact_id = id;
      }
      return (await transport.select({
        table: 'config_consumers',
        eq,
        order: [
          { column: 'name', ascending: true },
          { column: 'id', ascending: true },
        ],
      })) as ConfigConsumersRow[];
    },

    async configArtifacts(query) {
      return (await transport.select({ table: 'config_artifacts', eq: { org_id: query.orgId }, order: [{ column: 'name', ascending: true }] })) as ConfigArtifactsRow[];
    },

    async configRollouts(query) {
      const id = await artifactId(query.orgId, query.artifact);
      if (id === undefined) return [];
      const eq: Record<string, string | number> = { org_id: query.orgId, artifact_id: id };
      if (query.status) eq.status = query.status;
      return (await transport.select({
        table: 'config_rollouts',
        eq,
        order: [
          { column: 'started_at', ascending: true },
          { column: 'id', ascending: true },
        ],
      })) as ConfigRolloutsRow[];
    },

    async configChecks(query) {
      return (await transport.select({
        table: 'config_checks',
        eq: { org_id: query.orgId, version_id: query.versionId },
        order: [
          { column: 'checked_at', ascending: true },
          { column: 'id', ascending: true },
        ],
      })) as ConfigChecksRow[];
    },

    close: () => transport.close(),
  };
  return { ...controlPlane, introspection: introspectionStoreOver(controlPlane, transport) };
}
