import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { InputOptions } from '@actions/core';
import { overallConclusion } from '../../app/checks/engine.js';
import type { CheckResult, Severity } from '../../app/checks/types.js';
import type { PullRequestMetadata } from '../../app/git/local-changeset.js';
import { localSarif, runLocalChecks, UsageError } from '../../app/git/run-local-checks.js';
import { reportToActions, type ActionsCoreLike } from '../../app/report/index.js';

/** The part of @actions/core the Action uses; tests may pass a recording fake. */
export interface ActionCore extends ActionsCoreLike {
  getInput(name: string, options?: InputOptions): string;
  setOutput(name: string, value: unknown): void;
  setFailed(message: string | Error): void;
}

export const FAIL_ON = ['error', 'warning', 'notice', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export interface ActionOutcome {
  conclusion: string;
  findingsCount: number;
  failed: boolean;
  results: CheckResult[];
}

/** The fields of a `pull_request` (or `pull_request_target`) event payload the Action reads. */
interface PullRequestPayload {
  number?: number;
  title?: string;
  body?: string | null;
  draft?: boolean;
  labels?: Array<{ name?: string }>;
  user?: { login?: string };
  head?: { ref?: string; sha?: string; repo?: { full_name?: string } | null };
  base?: { ref?: string; sha?: string; repo?: { full_name?: string } | null };
}

interface EventPayload {
  pull_request?: PullRequestPayload;
  /** push events: the commit before the push. */
  before?: string;
}

async function readEvent(path: string | undefined): Promise<EventPayload> {
  if (!path) return {};
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EventPayload;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new UsageError(`cannot read the event payload ${path}: ${(error as Error).message}`);
  }
}

function pullRequestMetadata(pr: PullRequestPayload): PullRequestMetadata {
  const headRepo = pr.head?.repo?.full_name;
  const baseRepo = pr.base?.repo?.full_name;
  return {
    number: pr.number,
    title: pr.title,
    body: pr.body ?? '',
    labels: (pr.labels ?? []).map((label) => label.name ?? '').filter((name) => name !== ''),
    headBranch: pr.head?.ref,
    baseBranch: pr.base?.ref,
    draft: pr.draft,
    author: pr.user?.login,
    // A deleted fork leaves head.repo null: still a fork.
    fromFork: baseRepo !== undefined && headRepo !== baseRepo,
  };
}

const NO_COMMIT = /^0+$/;

/** The `base` input wins; then the PR's base commit; then the commit before a push; else the git defaults. */
function baseFrom(input: string, event: EventPayload): string | undefined {
  if (input) return input;
  if (event.pull_request?.base?.sha) return event.pull_request.base.sha;
  if (event.before && !NO_COMMIT.test(event.before)) return event.before;
  return undefined;
}

function parseFailOn(value: string): FailOn {
  const failOn = (value || 'error').toLowerCase();
  if (!(FAIL_ON as readonly string[]).includes(failOn)) {
    throw new UsageError(`input fail-on must be one of ${FAIL_ON.join(', ')} (got "${value}")`);
  }
  return failOn as FailOn;
}

function parseChecks(value: string): string[] | undefined {
  const ids = value.split(/[\s,]+/).filter((id) => id !== '');
  return ids.length > 0 ? ids : undefined;
}

function failingFindings(results: readonly CheckResult[], failOn: FailOn): number {
  if (failOn === 'never') return 0;
  const threshold = SEVERITY_RANK[failOn];
  return results.reduce((n, result) => n + result.findings.filter((f) => SEVERITY_RANK[f.severity] <= threshold).length, 0);
}

/**
 * The Action: the same local pipeline as the CLI on $GITHUB_WORKSPACE, published as annotations,
 * a job summary, outputs and optionally SARIF. Fails the step per `fail-on`; a broken config is
 * reported as the failing `platform-kit/config` check.
 */
export async function runCheckAction(core: ActionCore, env: Record<string, string | undefined> = process.env): Promise<ActionOutcome | undefined> {
  try {
    const failOn = parseFailOn(core.getInput('fail-on'));
    const workspace = env['GITHUB_WORKSPACE'] || process.cwd();
    const event = await readEvent(env['GITHUB_EVENT_PATH']);
    const configInput = core.getInput('config');
    const sarifInput = core.getInput('sarif-file');

    const pullRequest = event.pull_request ? pullRequestMetadata(event.pull_request) : undefined;
    const outcome = await runLocalChecks({
      repoDir: workspace,
      cwd: workspace,
      base: baseFrom(core.getInput('base'), event),
      checks: parseChecks(core.getInput('checks')),
      configFile: configInput || undefined,
      pullRequest,
      env,
      // A fork's config is the contributor's: under pull_request_target it would pick programs for a job with a write token.
      trustConfigPrograms: !pullRequest?.fromFork,
    });
    const results = outcome.ok ? outcome.results : [outcome.configResult];
    if (outcome.ok) {
      for (const warning of outcome.warnings) core.warning(warning);
      const { base, head, files } = outcome.changeSet;
      const describe = (side: { ref: string; sha: string }) => (side.ref === side.sha ? side.sha.slice(0, 7) : `${side.ref} (${side.sha.slice(0, 7)})`);
      core.info(`Checked ${files.length} changed file(s) from ${describe(base)} to ${describe(head)}`);
    }

    await reportToActions(results, core);
    const conclusion = overallConclusion(results);
    const findingsCount = results.reduce((n, result) => n + result.findings.length, 0);
    core.setOutput('conclusion', conclusion);
    core.setOutput('findings-count', String(findingsCount));

    if (sarifInput) {
      const sarifPath = resolve(workspace, sarifInput);
      await mkdir(dirname(sarifPath), { recursive: true });
      await writeFile(sarifPath, localSarif(results, outcome.configFile));
      core.info(`SARIF written to ${sarifPath}`);
    }

    // A broken config fails the step whatever fail-on says: nothing was checked.
    const failing = outcome.ok ? failingFindings(results, failOn) : findingsCount;
    if (failing > 0) {
      const why = outcome.ok ? `at or above fail-on: ${failOn}` : 'in the config; no check ran';
      core.setFailed(`Platform Kit found ${failing} finding${failing === 1 ? '' : 's'} ${why}`);
    }
    return { conclusion, findingsCount, failed: failing > 0, results };
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
