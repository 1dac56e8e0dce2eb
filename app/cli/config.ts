/**
 * `platform-kit config publish|status|rollback|heartbeat|promote`: the config registry from a
 * terminal or CI. Artifacts come from the checkout (config/tokens/*.json and
 * config/consumers/consumers.json unless files or globs are given); versions, rollouts, heartbeats
 * and drift live in the control plane.
 */
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  ConfigRequestError,
  ConfigValidationError,
  configStatus,
  DEFAULT_ARTIFACT_GLOBS,
  findArtifactFiles,
  formatIssue,
  loadArtifacts,
  promoteRollout,
  publishConfig,
  renderDiffMarkdown,
  reportHeartbeat,
  rollbackConfig,
  type ArtifactStatus,
  type PublishReport,
} from '../config-registry/index.js';
import { ControlPlaneError, type ControlPlane } from '../control-plane/index.js';
import { openControlPlaneFromFlag } from '../control-plane/open-from-flag.js';
import { orgSlugOf } from '../control-plane/slugs.js';

export class ConfigUsageError extends Error {}

export const CONFIG_USAGE = `Usage:
  platform-kit config publish [FILE|GLOB...] [--dry-run] [--sha SHA] [--author NAME] [--pr N] [common options]
  platform-kit config status [--artifact NAME]... [common options]
  platform-kit config rollback --artifact NAME --reason TEXT [--to VERSION] [--actor NAME] [common options]
  platform-kit config heartbeat --consumer ID --artifact NAME --hash SHA256 [common options]
  platform-kit config promote --artifact NAME [common options]

publish validates every artifact first and publishes nothing if one is invalid; an artifact whose
content hash equals its latest version is left alone. Default artifacts: ${DEFAULT_ARTIFACT_GLOBS.join(', ')}.
status runs drift detection, then shows per artifact the target version, each consumer's reported
version and whether it drifted (off target past the rollout's grace period).
rollback publishes an earlier version's content (default: the one before the latest) as a new version.
promote hands the latest version to the next ring of config/consumers/consumers.json once the ring
before it reported it healthy and baked.

common options:
  --repo DIR              the checkout (default: the current directory)
  --org SLUG              the control plane org (default: $PLATFORM_KIT_ORG, $GITHUB_REPOSITORY_OWNER, else local)
  --control-plane WHERE   embedded (default: PGlite in .platform-kit/control-plane), supabase
                          (SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY) or a postgres:// URL
  --grace SECONDS         publish/rollback: seconds before an off-target consumer counts as drifted (default 900)
  --format F              text (default) | json

Exit codes: 0 done, 1 invalid artifacts or a refused request (nothing written), 2 usage error.
`;

export interface ConfigIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

const OPTIONS = {
  repo: { type: 'string' },
  org: { type: 'string' },
  'control-plane': { type: 'string' },
  format: { type: 'string' },
  grace: { type: 'string' },
  'dry-run': { type: 'boolean' },
  sha: { type: 'string' },
  author: { type: 'string' },
  pr: { type: 'string' },
  artifact: { type: 'string', multiple: true },
  reason: { type: 'string' },
  to: { type: 'string' },
  actor: { type: 'string' },
  consumer: { type: 'string' },
  hash: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ConfigUsageError(`${(error as Error).message.split('\n')[0]?.replace(/\.$/, '')} (see platform-kit config --help)`);
  }
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new ConfigUsageError(`${flag} must be a whole number (got "${value}")`);
  return number;
}

/** The org's id; created on first publish, an error for reads of an org that never published. */
export async function resolveOrg(controlPlane: ControlPlane, slug: string, create: boolean): Promise<string> {
  if (create) return (await controlPlane.ensureProject({ orgSlug: slug, projectSlug: 'config-registry', provider: 'github' })).org_id;
  const orgId = await controlPlane.introspection.findOrg(slug);
  if (!orgId) throw new ConfigRequestError(`no org "${slug}" in the control plane: nothing was published for it yet (or pass --org)`);
  return orgId;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (row: string[]) => row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const short = (hash: string | null | undefined) => (hash ? hash.slice(0, 12) : '-');

export function renderPublishText(report: PublishReport): string {
  const rows = report.artifacts.map((artifact) => [
    artifact.name,
    artifact.previous ? `v${artifact.previous.version} ${short(artifact.previous.hash)}` : '-',
    artifact.version ? `v${artifact.version.version} ${short(artifact.version.hash)}` : `${short(artifact.hash)} (dry run)`,
    artifact.changed ? (report.dryRun ? 'would publish' : 'published') : 'unchanged',
    artifact.ring ?? '',
  ]);
  return `${table(['artifact', 'old', 'new', 'result', 'ring'], rows)}\n`;
}

/** Markdown: the artifacts with old → new hash, then each changed artifact's diff. */
export function renderPublishMarkdown(report: PublishReport, title = 'Config publish'): string {
  const lines = [`## ${title}${report.dryRun ? ' (validation only, nothing published)' : ''}`, '', '| artifact | old | new | result |', '|---|---|---|---|'];
  for (const artifact of report.artifacts) {
    const before = artifact.previous ? `v${artifact.previous.version} \`${short(artifact.previous.hash)}\`` : '-';
    const after = artifact.version ? `v${artifact.version.version} \`${short(artifact.version.hash)}\`` : `\`${short(artifact.hash)}\``;
    const result = artifact.changed ? (report.dryRun ? 'would publish' : 'published') : 'unchanged';
    lines.push(`| \`${artifact.name}\` | ${before} | ${after} | ${result}${artifact.ring ? ` (ring ${artifact.ring})` : ''} |`);
  }
  for (const artifact of report.artifacts.filter((entry) => entry.changed)) {
    lines.push('', `### \`${artifact.name}\` (${artifact.file})`, '', renderDiffMarkdown(artifact.diff).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export function renderStatusText(status: ArtifactStatus[]): string {
  const out: string[] = [];
  for (const artifact of status) {
    out.push(`${artifact.artifact}: latest ${artifact.latestVersion === null ? 'none' : `v${artifact.latestVersion} ${short(artifact.latestHash)}`}`);
    const rows = artifact.consumers.map((consumer) => [
      consumer.consumer,
      consumer.targetVersion === null ? '-' : `v${consumer.targetVersion}`,
      consumer.reportedVersion === null ? (consumer.reportedHash ? short(consumer.reportedHash) : '-') : `v${consumer.reportedVersion}`,
      consumer.lastSeenAt ?? 'never',
      consumer.heartbeat === 'unknown' ? '-' : consumer.heartbeat,
      consumer.drifted ? 'DRIFTED' : consumer.inSync ? 'in sync' : 'pending',
    ]);
    out.push(rows.length > 0 ? table(['consumer', 'target', 'reported', 'last seen', 'heartbeat', 'state'], rows) : '(no consumers)', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

async function withControlPlane<T>(values: ReturnType<typeof parse>['values'], io: ConfigIo, fn: (controlPlane: ControlPlane) => Promise<T>): Promise<T> {
  const controlPlane = await openControlPlaneFromFlag(values['control-plane'] ?? 'embedded', {
    cwd: resolve(io.cwd, values.repo ?? '.'),
    env: io.env,
    allowNone: false,
    usageError: (message) => new ConfigUsageError(message),
  });
  try {
    return await fn(controlPlane);
  } finally {
    await controlPlane.close().catch(() => undefined);
  }
}

export async function runConfigCommand(args: string[], io: ConfigIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    (sub === undefined ? io.stderr : io.stdout)(CONFIG_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (!['publish', 'status', 'rollback', 'heartbeat', 'promote'].includes(sub)) {
    throw new ConfigUsageError(`unknown command "config ${sub}" (config publish, status, rollback, heartbeat, promote)`);
  }
  const { values, positionals } = parse(rest);
  if (values.help) {
    io.stdout(CONFIG_USAGE);
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new ConfigUsageError(`--format must be text or json (got "${format}")`);
  if (sub !== 'publish' && positionals.length > 0) throw new ConfigUsageError(`config ${sub} takes no positional arguments (got "${positionals[0]}")`);
  const repoDir = resolve(io.cwd, values.repo ?? '.');
  const orgSlug = orgSlugOf(values.org, io.env);
  const graceSeconds = positiveInteger(values.grace, '--grace');
  const print = (json: unknown, text: string) => io.stdout(format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : text);

  try {
    if (sub === 'publish') {
      const globs = positionals.length > 0 ? positionals : [...DEFAULT_ARTIFACT_GLOBS];
      const { files, unmatched } = await findArtifactFiles(repoDir, globs);
      if (files.length === 0) throw new ConfigUsageError(`no artifact files match ${unmatched.join(', ')} under ${repoDir}`);
      const config = await loadArtifacts({ repoDir, files });
      const pr = positiveInteger(values.pr, '--pr');
      const report = await withControlPlane(values, io, async (controlPlane) =>
        publishConfig({
          controlPlane,
          orgId: await resolveOrg(controlPlane, orgSlug, true),
          config,
          dryRun: values['dry-run'] ?? false,
          graceSeconds,
          source: { commitSha: values.sha ?? io.env.GITHUB_SHA, author: values.author ?? io.env.GITHUB_ACTOR, pullRequest: pr },
        }),
      );
      print(report, renderPublishText(report));
      return 0;
    }
    if (sub === 'status') {
      const status = await withControlPlane(values, io, async (controlPlane) => {
        const orgId = await resolveOrg(controlPlane, orgSlug, false);
        const artifacts = values.artifact ?? (await controlPlane.configArtifacts({ orgId })).map((row) => row.name);
        return configStatus({ controlPlane, orgId, artifacts, registry: await registryIfPresent(repoDir, io) });
      });
      print({ artifacts: status }, renderStatusText(status));
      return 0;
    }
    const artifact = values.artifact?.[0];
    if (!artifact) throw new ConfigUsageError(`config ${sub} needs --artifact NAME`);
    if (sub === 'rollback') {
      if (!values.reason?.trim()) throw new ConfigUsageError('config rollback needs --reason TEXT (it is recorded with the new version)');
      const toVersion = positiveInteger(values.to, '--to');
      const result = await withControlPlane(values, io, async (controlPlane) =>
        rollbackConfig({ controlPlane, orgId: await resolveOrg(controlPlane, orgSlug, false), artifact, toVersion, reason: values.reason as string, actor: values.actor ?? io.env.GITHUB_ACTOR, graceSeconds }),
      );
      print(result, `${artifact}: v${result.version.version} ${short(result.version.hash)} restores v${result.restored.version} (was v${result.from.version} ${short(result.from.hash)})\n`);
      return 0;
    }
    if (sub === 'heartbeat') {
      if (!values.consumer) throw new ConfigUsageError('config heartbeat needs --consumer ID');
      if (!values.hash) throw new ConfigUsageError('config heartbeat needs --hash SHA256 (the content hash the consumer runs)');
      const row = await withControlPlane(values, io, async (controlPlane) =>
        reportHeartbeat({ controlPlane, orgId: await resolveOrg(controlPlane, orgSlug, false), artifact, consumer: values.consumer as string, hash: values.hash as string }),
      );
      print(row, `${row.name}: reported ${short(row.applied_hash)} at ${row.last_seen_at ?? ''}\n`);
      return 0;
    }
    // promote
    const { files } = await findArtifactFiles(repoDir, ['config/consumers/consumers.json']);
    if (files.length === 0) throw new ConfigUsageError('config promote needs config/consumers/consumers.json (its rings) in the checkout');
    const { registry } = await loadArtifacts({ repoDir, files, checkConsumedArtifacts: false });
    const outcome = await withControlPlane(values, io, async (controlPlane) =>
      promoteRollout({ controlPlane, orgId: await resolveOrg(controlPlane, orgSlug, false), registry: registry!, artifact, actor: values.actor ?? io.env.GITHUB_ACTOR, graceSeconds }),
    );
    print(outcome, `${artifact}: ${outcome.outcome}${'ring' in outcome ? ` ${outcome.ring}` : ''}${'reason' in outcome ? ` (${outcome.reason})` : ''}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      for (const issue of error.issues) io.stderr(`${formatIssue(issue)}\n`);
      io.stderr(`platform-kit: ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}; nothing was published\n`);
      return 1;
    }
    if (error instanceof ConfigRequestError || (error instanceof ControlPlaneError && error.code?.startsWith('22'))) {
      io.stderr(`platform-kit: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** The checkout's consumers registry, for heartbeat intervals; status works without it. */
async function registryIfPresent(repoDir: string, io: ConfigIo) {
  const { files } = await findArtifactFiles(repoDir, ['config/consumers/consumers.json']);
  if (files.length === 0) return undefined;
  try {
    return (await loadArtifacts({ repoDir, files, checkConsumedArtifacts: false })).registry;
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    io.stderr(`platform-kit: warning: config/consumers/consumers.json is invalid (${error.issues.length} problem(s)); heartbeat ages are not shown\n`);
    return undefined;
  }
}
