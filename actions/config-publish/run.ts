import { readFileSync } from 'node:fs';
import type { InputOptions } from '@actions/core';
import { renderPublishMarkdown } from '../../app/cli/config.js';
import {
  ConfigValidationError,
  findArtifactFiles,
  formatIssue,
  loadArtifacts,
  promoteRollout,
  publishConfig,
  upsertConfigComment,
  type PublishReport,
  type PromoteOutcome,
} from '../../app/config-registry/index.js';
import type { ControlPlane } from '../../app/control-plane/index.js';
import { controlPlaneFlagOfInput, openControlPlaneFromFlag } from '../../app/control-plane/open-from-flag.js';
import { orgSlugOf } from '../../app/control-plane/slugs.js';
import type { GitHubClient } from '../../app/github/client.js';
import { githubClientForAction } from '../../app/introspection/github-inventory.js';

/** The part of @actions/core the Action uses; tests may pass a recording fake. */
export interface ConfigPublishActionCore {
  getInput(name: string, options?: InputOptions): string;
  setOutput(name: string, value: unknown): void;
  setFailed(message: string | Error): void;
  setSecret(secret: string): void;
  info(message: string): void;
  summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } };
}

export interface ConfigPublishOutcome {
  report: PublishReport;
  promotions: Array<{ artifact: string } & PromoteOutcome>;
  comment?: { id: number; action: string };
}

/** GitHub keeps at most 1 MiB of job summary per step. */
const SUMMARY_BUDGET = 1024 * 1024 - 4096;
/** Reads of an org that never published: no versions, so every artifact is new. */
const NO_ORG = '00000000-0000-0000-0000-000000000000';

interface EventPayload {
  pull_request?: { number?: number; user?: { login?: string } };
  head_commit?: { message?: string; author?: { username?: string } };
}

function eventPayload(env: NodeJS.ProcessEnv): EventPayload {
  if (!env.GITHUB_EVENT_PATH) return {};
  try {
    return JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

/** The pull request a push came from: a squash or merge commit names it as "(#123)" or "Merge pull request #123". */
function pullRequestOf(payload: EventPayload): number | undefined {
  if (payload.pull_request?.number) return payload.pull_request.number;
  const match = /\(#(\d+)\)|Merge pull request #(\d+)/.exec(payload.head_commit?.message ?? '');
  const number = match ? Number(match[1] ?? match[2]) : NaN;
  return Number.isInteger(number) ? number : undefined;
}

function globsOf(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((glob) => glob.trim())
    .filter(Boolean);
}

async function promoteUpTo(controlPlane: ControlPlane, orgId: string, report: PublishReport, registry: NonNullable<Awaited<ReturnType<typeof loadArtifacts>>['registry']>, ring: string, actor: string | undefined) {
  const order = registry.rings.map((entry) => entry.name);
  const limit = order.indexOf(ring);
  if (limit < 0) throw new Error(`input ring "${ring}" is not a ring of config/consumers/consumers.json (${order.join(', ')})`);
  const promotions: ConfigPublishOutcome['promotions'] = [];
  for (const artifact of report.artifacts) {
    for (;;) {
      const outcome = await promoteRollout({ controlPlane, orgId, registry, artifact: artifact.name, actor });
      if (outcome.outcome === 'waiting' && order.indexOf(outcome.ring) > limit) break;
      promotions.push({ artifact: artifact.name, ...outcome });
      if (outcome.outcome !== 'promoted' || order.indexOf(outcome.ring) >= limit) break;
    }
  }
  return promotions;
}

export async function runConfigPublishAction(
  core: ConfigPublishActionCore,
  env: NodeJS.ProcessEnv = process.env,
  /** The GitHub client for the pull request comment; default one built from the github-token input. */
  github?: GitHubClient,
): Promise<ConfigPublishOutcome | undefined> {
  let controlPlane: ControlPlane | undefined;
  try {
    const input = (name: string) => core.getInput(name).trim();
    const key = input('control-plane-key');
    if (key) core.setSecret(key);
    const token = input('github-token');
    if (token) core.setSecret(token);
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    const pullRequestEvent = env.GITHUB_EVENT_NAME === 'pull_request' || env.GITHUB_EVENT_NAME === 'pull_request_target';
    const dryRun = pullRequestEvent || input('dry-run') === 'true';
    const graceText = input('grace-seconds') || '900';
    const graceSeconds = Number(graceText);
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 604800) throw new Error(`input grace-seconds must be a whole number of seconds up to 604800 (got "${graceText}")`);

    const store = controlPlaneFlagOfInput(input('control-plane') || 'embedded', key, env, (secret) => core.setSecret(secret));

    const globs = globsOf(input('artifacts') || 'config/tokens/*.json\nconfig/consumers/consumers.json');
    const { files, unmatched } = await findArtifactFiles(workspace, globs);
    for (const glob of unmatched) core.info(`no file matches ${glob}`);
    if (files.length === 0) throw new Error(`no artifact files match ${globs.join(', ')} in the workspace`);
    core.info(`artifacts: ${files.join(', ')}`);

    const payload = eventPayload(env);
    const pullRequest = pullRequestEvent ? payload.pull_request?.number : undefined;
    const comment = async (markdown: string) => {
      if (!pullRequest) return undefined;
      const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
      const octokit = github ?? (token ? githubClientForAction(token) : undefined);
      if (!owner || !repo || !octokit) {
        core.info('no pull request comment: needs GITHUB_REPOSITORY and the github-token input');
        return undefined;
      }
      const result = await upsertConfigComment(octokit, { owner, repo }, pullRequest, markdown);
      core.info(`pull request comment ${result.action}`);
      return result;
    };

    let config;
    try {
      config = await loadArtifacts({ repoDir: workspace, files });
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      const lines = error.issues.map((issue) => `- \`${formatIssue(issue).replace(/`/g, "'")}\``);
      const markdown = `## ${pullRequestEvent ? 'Config changes in this pull request' : 'Config publish'}\n\n${error.issues.length} problem(s); nothing ${pullRequestEvent ? 'can be' : 'was'} published.\n\n${lines.join('\n')}\n`;
      await core.summary.addRaw(markdown, true).write();
      await comment(markdown);
      core.setOutput('version-ids', '[]');
      core.setOutput('changed', 'false');
      core.setFailed(`${error.issues.length} invalid artifact value(s); nothing was published:\n${error.issues.map(formatIssue).join('\n')}`);
      return undefined;
    }

    const orgSlug = orgSlugOf(input('org') || undefined, env);
    controlPlane = await openControlPlaneFromFlag(store.flag, { cwd: workspace, env: store.env, allowNone: false });
    const orgId = dryRun
      ? ((await controlPlane.introspection.findOrg(orgSlug)) ?? NO_ORG)
      : (await controlPlane.ensureProject({ orgSlug, projectSlug: 'config-registry', provider: 'github' })).org_id;
    const author = payload.head_commit?.author?.username ?? env.GITHUB_ACTOR;
    const report = await publishConfig({
      controlPlane,
      orgId,
      config,
      dryRun,
      graceSeconds,
      source: { commitSha: env.GITHUB_SHA, author, pullRequest: pullRequestOf(payload) },
    });

    const ring = input('ring');
    const promotions = !dryRun && ring && config.registry ? await promoteUpTo(controlPlane, orgId, report, config.registry, ring, author) : [];
    for (const promotion of promotions) core.info(`${promotion.artifact}: ${promotion.outcome}${'ring' in promotion ? ` ${promotion.ring}` : ''}${'reason' in promotion ? ` (${promotion.reason})` : ''}`);

    const markdown = renderPublishMarkdown(report, pullRequestEvent ? 'Config changes in this pull request' : 'Config publish');
    const summary = Buffer.byteLength(markdown) > SUMMARY_BUDGET ? `${Buffer.from(markdown).subarray(0, SUMMARY_BUDGET).toString('utf8')}\n\n…cut at GitHub's summary limit.\n` : markdown;
    await core.summary.addRaw(summary, true).write();
    const created = report.artifacts.filter((artifact) => artifact.changed && artifact.version).map((artifact) => artifact.version?.id as number);
    core.setOutput('version-ids', JSON.stringify(dryRun ? [] : created));
    core.setOutput('changed', String(report.changed));
    for (const artifact of report.artifacts) core.info(`${artifact.name}: ${artifact.changed ? (dryRun ? 'would publish' : `published v${artifact.version?.version}`) : 'unchanged'} ${artifact.hash}`);

    const outcome: ConfigPublishOutcome = { report, promotions };
    const commented = await comment(markdown);
    if (commented) outcome.comment = commented;
    return outcome;
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
    return undefined;
  } finally {
    await controlPlane?.close().catch(() => undefined);
  }
}
