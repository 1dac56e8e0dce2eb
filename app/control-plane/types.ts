/**
 * The control plane client: one interface over the `ops` schema, used by the Actions and the App,
 * with an adapter per way of reaching the database (PGlite embedded, a Postgres server, hosted
 * Supabase through supabase-js). Inputs are camelCase; what comes back is the database's own rows
 * and RPC result rows (snake_case, types.generated.ts), serialised as JSON the way PostgREST does
 * (bigint ids as numbers, timestamps as ISO strings), whichever adapter fetched them.
 */
import type { IntrospectionStore, ScanWaiver } from '../introspection/store.js';
import type { InventoryObjectType } from '../introspection/types.js';
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
  Json,
  PublishConfigVersionResult,
  RecordRemediationResult,
  RegisterConsumersResult,
  RunsRow,
} from './types.generated.js';

export type { Json } from './types.generated.js';

export type ControlPlaneKind = 'pglite' | 'postgres' | 'supabase';
export type ArtifactKind = 'tokens' | 'consumers' | 'flags' | 'policy' | 'other';
export type Environment = 'production' | 'staging' | 'development' | 'preview';
export type ScanKind = 'database' | 'github' | 'config';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type CheckStatus = 'pass' | 'fail' | 'error' | 'skipped';
export type ConsumerStatus = 'active' | 'disabled' | 'retired';
/** The inventory's object types (ops.inventory_objects.object_type). */
export type ObjectType = InventoryObjectType;

export interface PublishConfigVersionInput {
  orgId: string;
  artifact: string;
  /** A JSON object or array. */
  content: Json;
  /** SHA-256 of the canonical content in lower-case hex; computed by the database from `content` when absent. */
  contentHash?: string;
  /** Required on the artifact's first publish. */
  kind?: ArtifactKind;
  sourceRef?: string;
  publishedBy?: string;
  /** Make the new version every consumer's target (default true). */
  rollout?: boolean;
  graceSeconds?: number;
}

export interface RollbackConfigInput {
  orgId: string;
  artifact: string;
  toVersion: number;
  actor?: string;
  reason?: string;
  graceSeconds?: number;
}

export interface ConsumerHeartbeatInput {
  orgId: string;
  artifact: string;
  consumer: string;
  /** What the consumer applied; one of contentHash and version is required. */
  contentHash?: string;
  version?: number;
  sdkName?: string;
  sdkVersion?: string;
  environment?: Environment;
}

export interface RecordConfigCheckInput {
  orgId: string;
  artifact: string;
  consumer: string;
  check: string;
  status: CheckStatus;
  version?: number;
  details?: { [key: string]: Json };
}

export interface DetectConfigDriftInput {
  /** Every org when absent. */
  orgId?: string;
  /** Detection time (ISO timestamp); now when absent. */
  at?: string;
}

export interface StartScanInput {
  orgId: string;
  projectId: string;
  kind: ScanKind;
  triggeredBy?: string;
}

export interface ScanObject {
  object_type: ObjectType;
  name: string;
  schema_name?: string | null;
  /** Unique per scan and object type; `schema_name.name` when absent. */
  identity?: string | null;
  attributes?: { [key: string]: Json };
}

export interface ScanRisk {
  /** Stable across scans: the register keeps one row per project and fingerprint. */
  fingerprint: string;
  rule_id: string;
  title: string;
  severity: Severity;
  detail?: string | null;
  object_identity?: string | null;
  metadata?: { [key: string]: Json };
  remediation?: {
    description: string;
    sql?: string | null;
    /** SQL that undoes `sql`, where one exists. */
    rollback_sql?: string | null;
    /** What applying the fix can break. */
    risk_class?: 'metadata' | 'access' | 'locking' | null;
  } | null;
}

/** A waiver from the config: the risk with this fingerprint is `accepted` until `expires` (YYYY-MM-DD). */
export type { ScanWaiver };

export interface FinishScanInput {
  scanId: number;
  status: 'succeeded' | 'failed';
  objects?: readonly ScanObject[];
  risks?: readonly ScanRisk[];
  summary?: { [key: string]: Json };
  error?: string;
  waivers?: readonly ScanWaiver[];
  /** Objects the scan could not read: their risks are neither confirmed nor resolved. */
  unreadableObjects?: readonly string[];
}

export interface EnsureProjectInput {
  orgSlug: string;
  orgName?: string;
  projectSlug: string;
  projectName?: string;
  provider: 'supabase' | 'postgres' | 'github';
  externalRef?: string;
  environment?: Environment;
}

export interface RecordRemediationInput {
  orgId: string;
  planId: number;
  outcome: 'applied' | 'failed';
  actor: string;
  details?: { [key: string]: Json };
}

export interface EnqueueRunInput {
  orgId: string;
  kind: string;
  payload?: { [key: string]: Json };
  projectId?: string;
  maxAttempts?: number;
  /** Not claimed before this time (ISO timestamp). */
  runAfter?: string;
}

export interface ClaimNextRunInput {
  workerId: string;
  kinds: readonly string[];
  leaseSeconds?: number;
}

export interface AppendRunEventInput {
  runId: number;
  kind: 'progress' | 'log';
  message?: string;
  data?: { [key: string]: Json };
  level?: 'debug' | 'info' | 'warning' | 'error';
  /** Given the worker holding the run, the event also renews its lease. */
  workerId?: string;
}

export interface RunArtifactInput {
  name: string;
  media_type?: string;
  content?: Json;
  storage_path?: string;
  size_bytes?: number;
  sha256?: string;
}

export interface CompleteRunInput {
  runId: number;
  workerId: string;
  outcome: 'succeeded' | 'failed';
  result?: Json;
  error?: string;
  /** A failure is queued again while attempts remain (default true); false makes it final. */
  retry?: boolean;
  retryDelaySeconds?: number;
  artifacts?: readonly RunArtifactInput[];
}

export interface RegisteredConsumer {
  name: string;
  environment?: Environment | null;
  projectId?: string | null;
  status?: ConsumerStatus;
}

export interface RegisterConsumersInput {
  orgId: string;
  artifact: string;
  /** Creates the artifact when it does not exist yet. */
  kind?: ArtifactKind;
  consumers: readonly RegisteredConsumer[];
  /** Retire the registry's consumers of the artifact that the list no longer names. */
  retireMissing?: boolean;
  allowSelfRegistration?: boolean;
  registeredBy?: string;
}

export interface StartConfigRingRolloutInput {
  orgId: string;
  artifact: string;
  /** The version the consumers should run. */
  version: number;
  /** Consumer names; each gets its own rollout, which beats the artifact-wide one. */
  consumers: readonly string[];
  graceSeconds?: number;
  createdBy?: string;
}

export interface ConfigRolloutsQuery {
  orgId: string;
  artifact: string;
  status?: 'active' | 'completed' | 'superseded' | 'cancelled';
}

export interface ConfigChecksQuery {
  orgId: string;
  /** The checks of this version (by its row id). */
  versionId: number;
}

export interface LatestScanQuery {
  orgId: string;
  projectId: string;
  kind?: ScanKind;
}

export interface ConfigVersionsQuery {
  orgId: string;
  artifact: string;
}

export interface DriftEventsQuery {
  orgId: string;
  status?: 'open' | 'resolved';
}

export interface ScanObjectsQuery {
  orgId: string;
  scanId: number;
  /** Only this object type (e.g. `repository`). */
  objectType?: string;
}

export interface ConsumersQuery {
  orgId: string;
  /** Every artifact's consumers when absent. */
  artifact?: string;
}

export interface ControlPlane {
  readonly kind: ControlPlaneKind;

  // Config registry.
  publishConfigVersion(input: PublishConfigVersionInput): Promise<PublishConfigVersionResult>;
  rollbackConfig(input: RollbackConfigInput): Promise<PublishConfigVersionResult>;
  registerConsumers(input: RegisterConsumersInput): Promise<RegisterConsumersResult>;
  consumerHeartbeat(input: ConsumerHeartbeatInput): Promise<ConfigConsumersRow>;
  /** The id of the check row. */
  recordConfigCheck(input: RecordConfigCheckInput): Promise<number>;
  detectConfigDrift(input?: DetectConfigDriftInput): Promise<DetectConfigDriftResult>;
  /** Makes a version the target of the named consumers (a rollout ring); how many rollouts started. */
  startConfigRingRollout(input: StartConfigRingRolloutInput): Promise<number>;

  // Inventory.
  /** The org and project (by slug), created on first use. */
  ensureProject(input: EnsureProjectInput): Promise<EnsureProjectResult>;
  /** The id of the new, running scan. */
  startScan(input: StartScanInput): Promise<number>;
  finishScan(input: FinishScanInput): Promise<FinishScanResult>;
  /** Records applying a remediation plan (applied or failed) in the plan and the audit log. */
  recordRemediation(input: RecordRemediationInput): Promise<RecordRemediationResult>;
  /** What a scan found, by identity. */
  scanObjects(query: ScanObjectsQuery): Promise<InventoryObjectsRow[]>;

  // Work queue.
  enqueueRun(input: EnqueueRunInput): Promise<RunsRow>;
  /** The claimed run, or null when none is due. */
  claimNextRun(input: ClaimNextRunInput): Promise<RunsRow | null>;
  /** The id of the event. */
  appendRunEvent(input: AppendRunEventInput): Promise<number>;
  completeRun(input: CompleteRunInput): Promise<RunsRow>;

  // Reads.
  latestScan(query: LatestScanQuery): Promise<InventoryScansRow | null>;
  /** Oldest first. An unknown artifact has no versions. */
  configVersions(query: ConfigVersionsQuery): Promise<ConfigVersionsRow[]>;
  /** Newest first. */
  driftEvents(query: DriftEventsQuery): Promise<ConfigDriftEventsRow[]>;
  /** By name. */
  consumers(query: ConsumersQuery): Promise<ConfigConsumersRow[]>;
  /** The org's config artifacts, by name. */
  configArtifacts(query: { orgId: string }): Promise<ConfigArtifactsRow[]>;
  /** Oldest first. An unknown artifact has none. */
  configRollouts(query: ConfigRolloutsQuery): Promise<ConfigRolloutsRow[]>;
  /** Oldest first. */
  configChecks(query: ConfigChecksQuery): Promise<ConfigChecksRow[]>;

  /** Projects, scans, the risk register and remediation plans, for `platform-kit introspect` and `remediate`. */
  readonly introspection: IntrospectionStore;

  close(): Promise<void>;
}
