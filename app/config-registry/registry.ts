/**
 * Publishing config artifacts to the control plane, promoting them ring by ring, rolling back,
 * reading the rollout status and reporting heartbeats. Everything goes through the ControlPlane
 * interface, so it runs the same on the embedded database, a Postgres server or hosted Supabase.
 */
import { ControlPlaneError } from '../control-plane/errors.js';
import type { ControlPlane, Json } from '../control-plane/types.js';
import type { ConfigVersionsRow } from '../control-plane/types.generated.js';
import type { LoadedArtifact, LoadedConfig } from './artifacts.js';
import { ringsOf, type ConsumersRegistry } from './consumers.js';
import { jsonbTextBytes } from './canonical.js';
import { diffJson, diffTokens, type ArtifactDiff } from './diff.js';
import { ConfigValidationError, type ConfigIssue } from './errors.js';
import type { JsonValue } from './json.js';

/** ops.config_artifacts.max_content_bytes of a new artifact. */
export const DEFAULT_MAX_CONTENT_BYTES = 1_048_576;

/** Where a publish comes from, recorded on the version. */
export interface PublishSource {
  commitSha?: string;
  author?: string;
  pullRequest?: number;
}

export interface ArtifactPublish {
  name: string;
  kind: LoadedArtifact['kind'];
  file: string;
  previous: { version: number; hash: string } | null;
  /** The new version, or the existing one when the content did not change; null in a dry run that would publish. */
  version: { id: number; version: number; hash: string } | null;
  hash: string;
  /** A new version was (or, in a dry run, would be) created. */
  changed: boolean;
  diff: ArtifactDiff;
  /** The ring that received the version first, when the registry has rings for it. */
  ring?: string;
}

export interface PublishReport {
  dryRun: boolean;
  artifacts: ArtifactPublish[];
  changed: boolean;
}

export interface PublishOptions {
  controlPlane: ControlPlane;
  orgId: string;
  config: LoadedConfig;
  source?: PublishSource;
  dryRun?: boolean;
  /** Seconds after a rollout starts before an off-target consumer counts as drifted (default 900). */
  graceSeconds?: number;
}

/** `source_ref` of a version: the commit, then the pull request. */
export function sourceRefOf(source: PublishSource = {}): string | undefined {
  const parts = [source.commitSha, source.pullRequest === undefined ? undefined : `#${source.pullRequest}`].filter((part): part is string => !!part);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

export function diffArtifact(kind: LoadedArtifact['kind'], before: JsonValue | null, after: JsonValue): ArtifactDiff {
  return kind === 'tokens' ? diffTokens(before, after) : diffJson(before, after);
}

function latest(versions: ConfigVersionsRow[]): ConfigVersionsRow | undefined {
  return versions[versions.length - 1];
}

/** The rings of the artifact that have consumers, in order; empty when the registry gives none. */
function activeRings(registry: ConsumersRegistry | undefined, artifact: string) {
  return registry ? ringsOf(registry, artifact).filter((entry) => entry.consumers.length > 0) : [];
}

/**
 * Publishes every artifact whose content changed. The config has been validated as a whole by
 * loadArtifacts; writes start only after that. Per artifact the publish is idempotent (same hash as
 * the latest version → that version). With rings, a new version goes to the first ring only.
 */
export async function publishConfig(options: PublishOptions): Promise<PublishReport> {
  const { controlPlane, orgId, config } = options;
  const source = options.source ?? {};
  const report: PublishReport = { dryRun: options.dryRun ?? false, artifacts: [], changed: false };

  // The control plane's own limit per artifact, checked before anything is written.
  const limits = new Map((await controlPlane.configArtifacts({ orgId })).map((row) => [row.name, row.max_content_bytes]));
  const tooLarge: ConfigIssue[] = [];
  for (const artifact of config.artifacts) {
    const limit = limits.get(artifact.name) ?? DEFAULT_MAX_CONTENT_BYTES;
    const bytes = jsonbTextBytes(artifact.content);
    if (bytes > limit) {
      tooLarge.push({ file: artifact.file, pointer: '', message: `is ${bytes} bytes as stored; the control plane takes at most ${limit} bytes for artifact ${artifact.name} (ops.config_artifacts.max_content_bytes)` });
    }
  }
  if (tooLarge.length > 0) throw new ConfigValidationError(tooLarge);

  // Registry first: rollouts to rings need the consumers to exist.
  if (config.registry && !options.dryRun) {
    for (const artifact of config.artifacts) {
      const consumers = config.registry.consumers.filter((consumer) => consumer.artifacts.includes(artifact.name));
      await controlPlane.registerConsumers({
        orgId,
        artifact: artifact.name,
        kind: artifact.kind,
        consumers: consumers.map((consumer) => ({ name: consumer.id, environment: consumer.environment })),
        retireMissing: true,
        registeredBy: source.author,
      });
    }
  }

  for (const artifact of config.artifacts) {
    const versions = await controlPlane.configVersions({ orgId, artifact: artifact.name });
    const previous = latest(versions);
    const diff = diffArtifact(artifact.kind, previous ? (previous.content as JsonValue) : null, artifact.content);
    const entry: ArtifactPublish = {
      name: artifact.name,
      kind: artifact.kind,
      file: artifact.file,
      previous: previous ? { version: previous.version, hash: previous.content_hash } : null,
      version: previous && previous.content_hash === artifact.hash ? { id: previous.id, version: previous.version, hash: previous.content_hash } : null,
      hash: artifact.hash,
      changed: !previous || previous.content_hash !== artifact.hash,
      diff,
    };
    const rings = activeRings(config.registry, artifact.name);
    if (!options.dryRun) {
      const published = await controlPlane.publishConfigVersion({
        orgId,
        artifact: artifact.name,
        content: artifact.content as Json,
        contentHash: artifact.hash,
        kind: artifact.kind,
        sourceRef: sourceRefOf(source),
        publishedBy: source.author,
        rollout: rings.length === 0,
        graceSeconds: options.graceSeconds,
      });
      entry.version = { id: published.version_id, version: published.version, hash: published.content_hash };
      entry.changed = published.created;
      const first = rings[0];
      if (published.created && first) {
        await controlPlane.startConfigRingRollout({
          orgId,
          artifact: artifact.name,
          version: published.version,
          consumers: first.consumers.map((consumer) => consumer.id),
          graceSeconds: options.graceSeconds,
          createdBy: source.author,
        });
        entry.ring = first.ring.name;
      }
    } else if (entry.changed && rings[0]) {
      entry.ring = rings[0].ring.name;
    }
    report.artifacts.push(entry);
  }
  report.changed = report.artifacts.some((entry) => entry.changed);
  return report;
}

export interface PromoteOptions {
  controlPlane: ControlPlane;
  orgId: string;
  registry: ConsumersRegistry;
  artifact: string;
  /** The clock: bake times are measured against it. */
  now?: () => Date;
  graceSeconds?: number;
  actor?: string;
}

export type PromoteOutcome =
  | { outcome: 'promoted'; version: number; ring: string }
  | { outcome: 'waiting'; version: number; ring: string; reason: string }
  | { outcome: 'complete'; version: number }
  | { outcome: 'nothing-published' };

/**
 * Moves the latest version to the next ring when the ring before it is done: every one of its
 * consumers recorded a passing check for the version (its latest check) and the ring's bake time
 * has passed since the version reached it.
 */
export async function promoteRollout(options: PromoteOptions): Promise<PromoteOutcome> {
  const { controlPlane, orgId, artifact } = options;
  const now = (options.now ?? (() => new Date()))();
  const target = latest(await controlPlane.configVersions({ orgId, artifact }));
  if (!target) return { outcome: 'nothing-published' };
  const rings = activeRings(options.registry, artifact);
  const consumers = await controlPlane.consumers({ orgId, artifact });
  const idByName = new Map(consumers.map((consumer) => [consumer.name, consumer.id]));
  const rollouts = (await controlPlane.configRollouts({ orgId, artifact, status: 'active' })).filter((rollout) => rollout.version_id === target.id);
  const artifactWide = rollouts.some((rollout) => rollout.consumer_id === null);
  const rolloutOf = new Map(rollouts.filter((rollout) => rollout.consumer_id !== null).map((rollout) => [rollout.consumer_id as number, rollout]));
  const checks = await controlPlane.configChecks({ orgId, versionId: target.id });
  const lastCheck = new Map<number, string>();
  for (const check of checks) lastCheck.set(check.consumer_id, check.status);

  for (let index = 0; index < rings.length; index++) {
    const { ring, consumers: members } = rings[index] as (typeof rings)[number];
    const reached = members.map((member) => rolloutOf.get(idByName.get(member.id) ?? -1));
    if (artifactWide || reached.every((rollout) => rollout !== undefined)) {
      // This ring runs the version; is it ready to hand it to the next?
      const next = rings[index + 1];
      if (!next) continue;
      const nextReached = next.consumers.every((member) => rolloutOf.has(idByName.get(member.id) ?? -1));
      if (artifactWide || nextReached) continue;
      const unhealthy = members.filter((member) => lastCheck.get(idByName.get(member.id) ?? -1) !== 'pass').map((member) => member.id);
      if (unhealthy.length > 0) {
        return { outcome: 'waiting', version: target.version, ring: next.ring.name, reason: `${ring.name}: no passing check for version ${target.version} from ${unhealthy.join(', ')}` };
      }
      const startedAt = Math.max(...reached.map((rollout) => Date.parse((rollout as { started_at: string }).started_at)));
      const bakedAt = startedAt + ring.bakeMinutes * 60_000;
      if (now.getTime() < bakedAt) {
        return { outcome: 'waiting', version: target.version, ring: next.ring.name, reason: `${ring.name} bakes until ${new Date(bakedAt).toISOString()}` };
      }
      await controlPlane.startConfigRingRollout({
        orgId,
        artifact,
        version: target.version,
        consumers: next.consumers.map((member) => member.id),
        graceSeconds: options.graceSeconds,
        createdBy: options.actor,
      });
      return { outcome: 'promoted', version: target.version, ring: next.ring.name };
    }
    return { outcome: 'waiting', version: target.version, ring: ring.name, reason: `version ${target.version} has not reached ${ring.name}` };
  }
  return { outcome: 'complete', version: target.version };
}

export interface RollbackOptions {
  controlPlane: ControlPlane;
  orgId: string;
  artifact: string;
  /** The version whose content to restore; the one before the latest when absent. */
  toVersion?: number;
  reason: string;
  actor?: string;
  graceSeconds?: number;
}

export class ConfigRequestError extends Error {}

/** Publishes an earlier version's content as a new version, recorded with the reason. */
export async function rollbackConfig(options: RollbackOptions) {
  const { controlPlane, orgId, artifact } = options;
  const versions = await controlPlane.configVersions({ orgId, artifact });
  const current = latest(versions);
  if (!current) throw new ConfigRequestError(`artifact ${artifact} has no versions; nothing to roll back`);
  const toVersion = options.toVersion ?? versions[versions.length - 2]?.version;
  if (toVersion === undefined) throw new ConfigRequestError(`artifact ${artifact} has only version ${current.version}; there is no earlier version to restore`);
  const target = versions.find((version) => version.version === toVersion);
  if (!target) throw new ConfigRequestError(`artifact ${artifact} has no version ${toVersion} (versions 1 to ${current.version})`);
  if (target.id === current.id) throw new ConfigRequestError(`version ${toVersion} is already the latest version of ${artifact}`);
  const kind = ((await controlPlane.configArtifacts({ orgId })).find((row) => row.name === artifact)?.kind ?? 'other') as LoadedArtifact['kind'];
  const restored = await controlPlane.rollbackConfig({ orgId, artifact, toVersion, actor: options.actor, reason: options.reason, graceSeconds: options.graceSeconds });
  return {
    artifact,
    from: { version: current.version, hash: current.content_hash },
    restored: { version: target.version, hash: target.content_hash },
    version: { id: restored.version_id, version: restored.version, hash: restored.content_hash },
    diff: diffArtifact(kind, current.content as JsonValue, target.content as JsonValue),
  };
}

export interface ConsumerStatus {
  consumer: string;
  environment: string | null;
  status: string;
  targetVersion: number | null;
  targetHash: string | null;
  reportedVersion: number | null;
  reportedHash: string | null;
  lastSeenAt: string | null;
  inSync: boolean;
  /** Off target past the rollout's grace period (an open drift event). */
  drifted: boolean;
  /**
   * With the registry: `ok` when the last heartbeat is within twice the consumer's expected
   * interval, `late` when it is older, `never` when none came; `unknown` without the registry.
   */
  heartbeat: 'ok' | 'late' | 'never' | 'unknown';
}

export interface ArtifactStatus {
  artifact: string;
  latestVersion: number | null;
  latestHash: string | null;
  consumers: ConsumerStatus[];
}

export interface StatusOptions {
  controlPlane: ControlPlane;
  orgId: string;
  artifacts: readonly string[];
  /** The clock for drift detection and heartbeat ages. */
  now?: () => Date;
  /** The consumers registry, for each consumer's expected heartbeat interval. */
  registry?: ConsumersRegistry;
}

/** A consumer missing this many heartbeats in a row is late. */
const MISSED_HEARTBEATS = 2;

/**
 * Per artifact: the latest version, each consumer's target and reported version, and drift. Runs
 * drift detection first (ops.detect_config_drift writes one event per consumer and target version).
 */
export async function configStatus(options: StatusOptions): Promise<ArtifactStatus[]> {
  const { controlPlane, orgId } = options;
  const now = (options.now ?? (() => new Date()))();
  const at = now.toISOString();
  const intervals = new Map((options.registry?.consumers ?? []).map((consumer) => [consumer.id, consumer.heartbeatIntervalSeconds]));
  const heartbeatOf = (name: string, lastSeenAt: string | null): ConsumerStatus['heartbeat'] => {
    const interval = intervals.get(name);
    if (interval === undefined) return 'unknown';
    if (!lastSeenAt) return 'never';
    return now.getTime() - Date.parse(lastSeenAt) > MISSED_HEARTBEATS * interval * 1000 ? 'late' : 'ok';
  };
  await controlPlane.detectConfigDrift({ orgId, at });
  const openEvents = await controlPlane.driftEvents({ orgId, status: 'open' });
  const out: ArtifactStatus[] = [];
  for (const artifact of options.artifacts) {
    const versions = await controlPlane.configVersions({ orgId, artifact });
    const byId = new Map(versions.map((version) => [version.id, version]));
    const rollouts = await controlPlane.configRollouts({ orgId, artifact, status: 'active' });
    const wide = [...rollouts].reverse().find((rollout) => rollout.consumer_id === null);
    const consumers = await controlPlane.consumers({ orgId, artifact });
    const current = latest(versions);
    out.push({
      artifact,
      latestVersion: current?.version ?? null,
      latestHash: current?.content_hash ?? null,
      consumers: consumers
        .filter((consumer) => consumer.status !== 'retired')
        .map((consumer) => {
          const own = [...rollouts].reverse().find((rollout) => rollout.consumer_id === consumer.id);
          const target = byId.get((own ?? wide)?.version_id ?? -1);
          const reported = consumer.applied_version_id === null ? undefined : byId.get(consumer.applied_version_id);
          return {
            consumer: consumer.name,
            environment: consumer.environment,
            status: consumer.status,
            targetVersion: target?.version ?? null,
            targetHash: target?.content_hash ?? null,
            reportedVersion: reported?.version ?? null,
            reportedHash: consumer.applied_hash,
            lastSeenAt: consumer.last_seen_at,
            inSync: target !== undefined && consumer.applied_hash === target.content_hash,
            drifted: openEvents.some((event) => event.consumer_id === consumer.id && event.expected_version_id === target?.id),
            heartbeat: heartbeatOf(consumer.name, consumer.last_seen_at),
          };
        }),
    });
  }
  return out;
}

export interface HeartbeatInput {
  controlPlane: ControlPlane;
  orgId: string;
  artifact: string;
  consumer: string;
  hash: string;
  sdkName?: string;
  sdkVersion?: string;
}

/** A consumer reports the content it runs; an unknown consumer is refused and nothing is written. */
export async function reportHeartbeat(input: HeartbeatInput) {
  if (!/^[0-9a-f]{64}$/.test(input.hash)) throw new ConfigRequestError(`--hash must be a SHA-256 content hash (64 lower-case hex characters), got "${input.hash}"`);
  try {
    return await input.controlPlane.consumerHeartbeat({
      orgId: input.orgId,
      artifact: input.artifact,
      consumer: input.consumer,
      contentHash: input.hash,
      sdkName: input.sdkName,
      sdkVersion: input.sdkVersion,
    });
  } catch (error) {
    if (error instanceof ControlPlaneError && error.code === '42704') {
      throw new ConfigRequestError(`consumer "${input.consumer}" is not in the registry for artifact ${input.artifact} (config/consumers/consumers.json); nothing was recorded`);
    }
    throw error;
  }
}
