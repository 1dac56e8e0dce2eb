import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { InputOptions } from '@actions/core';
import { bundledTemplatePath } from '../../app/cli/org-readme.js';
import { controlPlaneFlagOfInput, openControlPlaneFromFlag, type ControlPlaneInput } from '../../app/control-plane/open-from-flag.js';
import type { ControlPlane } from '../../app/control-plane/types.js';
import type { GitHubClient } from '../../app/github/client.js';
import { githubClientForAction } from '../../app/introspection/github-inventory.js';
import { buildOrgReadmeView, type OrgReadmeOptions } from '../../app/org-readme/model.js';
import { parseOrgReadmeOptions } from '../../app/org-readme/options.js';
import { parsePublishMode, publishOrgReadme, type PublishOutcome } from '../../app/org-readme/publish.js';
import { DEFAULT_TEMPLATE_PATH, renderOrgReadme } from '../../app/org-readme/render.js';
import { orgReadmeInventory } from '../../app/org-readme/source.js';

/** The part of @actions/core the Action uses; tests pass a recording fake. */
export interface OrgReadmeActionCore {
  getInput(name: string, options?: InputOptions): string;
  setOutput(name: string, value: unknown): void;
  setFailed(message: string | Error): void;
  setSecret(secret: string): void;
  info(message: string): void;
  summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } };
}

/** A path in the workspace; one that leaves it is refused (the input comes from a workflow file). */
function workspacePath(workspace: string, path: string, input: string): string {
  const full = resolve(workspace, path);
  const inside = relative(workspace, full);
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`input ${input} must be a path inside the workspace (got "${path}")`);
  return full;
}

/** Where the inventory is read from; the embedded control plane of an Action's fresh workspace holds none. */
function controlPlaneInput(where: string, key: string, env: NodeJS.ProcessEnv, setSecret: (secret: string) => void): ControlPlaneInput {
  if (where !== 'none' && !/^(https|postgres(ql)?):\/\//.test(where)) {
    throw new Error(`input control-plane must be a postgres:// URL, a https://<ref>.supabase.co URL or none (got "${where}")`);
  }
  return controlPlaneFlagOfInput(where, key, env, setSecret);
}

function describe(outcome: PublishOutcome, org: string): string {
  switch (outcome.action) {
    case 'unchanged':
      return `${org}/.github: nothing to change (${outcome.reason})`;
    case 'committed':
      return `${org}/.github: committed ${outcome.commitSha.slice(0, 7)} to ${outcome.branch}`;
    case 'pull-request':
      return `${org}/.github: ${outcome.created ? 'opened' : 'updated'} pull request #${outcome.pullNumber} ${outcome.pullUrl}`;
    case 'pull-request-unchanged':
      return `${org}/.github: pull request #${outcome.pullNumber} is already up to date ${outcome.pullUrl}`;
  }
}

export async function runOrgReadmeAction(
  core: OrgReadmeActionCore,
  env: NodeJS.ProcessEnv = process.env,
  /** The GitHub client; default one built from the github-token input with retries and throttling. */
  github?: GitHubClient,
): Promise<PublishOutcome | undefined> {
  let controlPlane: ControlPlane | null = null;
  try {
    const input = (name: string) => core.getInput(name).trim();
    const token = input('github-token');
    const key = input('control-plane-key');
    for (const secret of [token, key]) if (secret) core.setSecret(secret);
    const store = controlPlaneInput(input('control-plane') || 'none', key, env, (secret) => core.setSecret(secret));
    const org = input('org') || env.GITHUB_REPOSITORY_OWNER || '';
    if (!org) throw new Error('input org is required (or GITHUB_REPOSITORY_OWNER)');
    const mode = parsePublishMode(input('mode') || 'commit');
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    if (!github && !token) throw new Error('input github-token is required');
    const octokit = github ?? githubClientForAction(token);

    // Everything that can fail on bad input is read before GitHub is touched: a broken template
    // leaves the README as it is.
    const templateInput = input('template');
    // Actions check out the whole repository of a `uses:` Action; its template is two folders up.
    const templatePath = templateInput ? workspacePath(workspace, templateInput, 'template') : env.GITHUB_ACTION_PATH ? join(env.GITHUB_ACTION_PATH, '..', '..', DEFAULT_TEMPLATE_PATH) : bundledTemplatePath();
    const template = await readFile(templatePath, 'utf8');
    let options: OrgReadmeOptions = {};
    if (input('options')) options = parseOrgReadmeOptions(await readFile(workspacePath(workspace, input('options'), 'options'), 'utf8'), input('options'));

    controlPlane = await openControlPlaneFromFlag(store.flag, { cwd: workspace, env: store.env, allowNone: true });
    const { inventory, source } = await orgReadmeInventory({ org, controlPlane, octokit, onProgress: (done, total) => done % 100 === 0 && core.info(`${done}/${total} repositories read`) });
    core.info(source.kind === 'control-plane' ? `inventory: the control plane's GitHub scan (${source.scanAt ?? 'unknown time'})` : `inventory: a fresh scan of ${org} (${inventory.repositories.length} repositories)`);
    const rendered = renderOrgReadme({ view: buildOrgReadmeView(inventory, options), template, templatePath: templateInput || DEFAULT_TEMPLATE_PATH });

    const outcome = await publishOrgReadme({ octokit, org, rendered, mode });
    const line = describe(outcome, org);
    core.info(line);
    core.setOutput('action', outcome.action);
    core.setOutput('commit-sha', 'commitSha' in outcome ? outcome.commitSha : '');
    core.setOutput('pull-request', 'pullNumber' in outcome ? outcome.pullNumber : '');
    await core.summary.addRaw(`## Organisation profile README\n\n${line}\n\n${inventory.repositories.length} repositories, ${Buffer.byteLength(rendered.markdown)} bytes${rendered.compact ? ' (compacted for a large organisation)' : ''}.\n`, true).write();
    return outcome;
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
    return undefined;
  } finally {
    await controlPlane?.close();
  }
}
