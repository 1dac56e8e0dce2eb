import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { getOctokit } from '@actions/github';
import type { CheckResult, FindingArtifact } from '../checks/types.js';
import type { ActionsCoreLike } from '../report/actions.js';
import { resolveInside } from '../util/safe-path.js';
import { commitRegeneratedExports, regeneratedExports, type AutofixOutcome } from './autofix-diagrams.js';
import { errorMessage, type GitHubClient } from './client.js';

/**
 * What the check Action does with diagram images after the checks ran (input `diagrams-output`):
 * `artifact` (default) leaves the before/after/diff images in one folder named by the step output
 * `diagrams-dir`, for an `actions/upload-artifact` step to upload; `commit` also commits the
 * regenerated PNGs to the pull request's branch through the API, like the App; `none` does neither.
 */
export const DIAGRAMS_OUTPUTS = ['commit', 'artifact', 'none'] as const;
export type DiagramsOutput = (typeof DIAGRAMS_OUTPUTS)[number];

export interface DiagramImagesCore extends ActionsCoreLike {
  getInput(name: string): string;
  setOutput(name: string, value: unknown): void;
}

export interface DiagramImagesOutcome {
  mode: DiagramsOutput;
  /** Where the images are, when there were any and the mode keeps them. */
  dir?: string;
  images: number;
  commit?: AutofixOutcome;
}

export function parseDiagramsOutput(value: string): DiagramsOutput {
  const mode = (value.trim() || 'artifact').toLowerCase();
  if (!(DIAGRAMS_OUTPUTS as readonly string[]).includes(mode)) {
    throw new Error(`input diagrams-output must be one of ${DIAGRAMS_OUTPUTS.join(', ')} (got "${value}")`);
  }
  return mode as DiagramsOutput;
}

/** The fields of the event payload a commit needs. */
interface PullRequestEvent {
  pull_request?: {
    head?: { ref?: string; sha?: string; repo?: { full_name?: string } | null };
    base?: { ref?: string; repo?: { full_name?: string; default_branch?: string } | null };
  };
  repository?: { full_name?: string; default_branch?: string };
}

export interface PublishDiagramImagesOptions {
  /** Defaults to an Octokit for the `github-token` input. */
  octokit?: GitHubClient;
}

export async function publishDiagramImages(
  core: DiagramImagesCore,
  results: readonly CheckResult[],
  env: Record<string, string | undefined> = process.env,
  options: PublishDiagramImagesOptions = {},
): Promise<DiagramImagesOutcome> {
  const mode = parseDiagramsOutput(core.getInput('diagrams-output'));
  const artifacts = results.flatMap((result) => result.findings.flatMap((finding) => finding.artifacts ?? [])).filter((artifact) => !/^https?:\/\//i.test(artifact.path));
  if (mode === 'none' || artifacts.length === 0) return { mode, images: artifacts.length };

  const dir = await oneFolder(artifacts, env);
  core.setOutput('diagrams-dir', dir);
  core.info(`Diagram images (before, after, diff): ${artifacts.length} in ${dir}`);
  const outcome: DiagramImagesOutcome = { mode, dir, images: artifacts.length };
  const notes = [
    '### Diagram images',
    '',
    `${artifacts.length} image${artifacts.length === 1 ? '' : 's'} (the committed export, a fresh render and their diff for each export that differs) are in \`${dir}\`, the step output \`diagrams-dir\`. A following \`actions/upload-artifact\` step with \`path: \${{ steps.<this step's id>.outputs.diagrams-dir }}\` attaches them to the run.`,
    '',
  ];
  if (mode === 'commit') {
    outcome.commit = await commitFromAction(core, results, env, options);
    notes.push(outcome.commit.status === 'committed' ? `Committed the regenerated exports as ${outcome.commit.sha}.` : `No commit: ${outcome.commit.reason}.`, '');
  }
  try {
    core.summary.addRaw(`${notes.join('\n')}\n`);
    await core.summary.write();
  } catch (error) {
    core.info(`Job summary not written: ${errorMessage(error)}`);
  }
  return outcome;
}

/** The folder the check wrote every image to; copies them into a fresh one when they are spread out. */
async function oneFolder(artifacts: readonly FindingArtifact[], env: Record<string, string | undefined>): Promise<string> {
  const folders = [...new Set(artifacts.map((artifact) => dirname(artifact.path)))];
  if (folders.length === 1) return folders[0] as string;
  const dir = await mkdtemp(join(env['RUNNER_TEMP'] || tmpdir(), 'platform-kit-diagrams-'));
  for (const artifact of artifacts) await copyFile(artifact.path, await resolveInside(dir, basename(artifact.path)));
  return dir;
}

async function commitFromAction(
  core: DiagramImagesCore,
  results: readonly CheckResult[],
  env: Record<string, string | undefined>,
  options: PublishDiagramImagesOptions,
): Promise<AutofixOutcome> {
  const event = await readEvent(env['GITHUB_EVENT_PATH']);
  const pr = event.pull_request;
  const skip = (reason: string): AutofixOutcome => {
    core.info(`diagrams-output: commit — ${reason}`);
    return { status: 'skipped', reason };
  };
  if (!pr?.head?.ref || !pr.head.sha) return skip('not a pull request event; regenerated exports are committed to pull request branches only');
  // A deleted fork leaves head.repo null: still a fork. The token may write to the base repository
  // (pull_request_target), but a fork's branch is not the Action's to change.
  const headRepo = pr.head.repo?.full_name;
  if (!headRepo || headRepo !== pr.base?.repo?.full_name) return skip('the pull request comes from a fork; nothing is committed to it');
  const target = env['GITHUB_REPOSITORY'] ?? headRepo;
  const [owner, repo] = target.split('/');
  if (!owner || !repo) return skip(`GITHUB_REPOSITORY "${env['GITHUB_REPOSITORY'] ?? ''}" does not name a repository`);
  if (target.toLowerCase() !== headRepo.toLowerCase()) return skip(`the pull request's head lives in ${headRepo}, not in ${target}`);
  const protectedBranches = [pr.base?.ref, pr.base?.repo?.default_branch, event.repository?.default_branch].filter((branch): branch is string => Boolean(branch));
  const files = await regeneratedExports(results);
  if (files.length === 0) return skip('no export is out of date with its changed source');
  try {
    const octokit = options.octokit ?? getOctokit(core.getInput('github-token'));
    const outcome = await commitRegeneratedExports({ octokit, repo: { owner, repo }, branch: pr.head.ref, headSha: pr.head.sha, files, protectedBranches });
    if (outcome.status === 'committed') core.info(`Committed ${outcome.files.length} regenerated export(s) to ${pr.head.ref} as ${outcome.sha}`);
    else core.info(`diagrams-output: commit — ${outcome.reason}`);
    return outcome;
  } catch (error) {
    core.warning(`The regenerated diagram exports could not be committed: ${errorMessage(error)}`);
    return { status: 'skipped', reason: `the commit failed: ${errorMessage(error)}` };
  }
}

async function readEvent(path: string | undefined): Promise<PullRequestEvent> {
  if (!path) return {};
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PullRequestEvent;
  } catch {
    return {};
  }
}
