import { createHash } from 'node:crypto';
import type { CheckResult, Conclusion } from '../checks/types.js';
import { checkRunOutput, chunkAnnotations, type Annotation, type CheckRunOutput } from '../report/index.js';
import { errorMessage, silentLog, type EventLog, type GitHubClient, type RepoRef } from './client.js';

export const CHECK_RUN_PREFIX = 'platform-kit/';
const ANNOTATIONS_PER_REQUEST = 50;
/** Enough for every run on a busy commit when the App id is unknown and runs of other apps share the list. */
const MAX_LIST_PAGES = 5;

/** One of our check runs as the list API returns it. */
export interface ExistingCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  htmlUrl: string | null;
  annotationsCount: number;
}

export type PublishAction = 'created' | 'updated' | 'refreshed' | 'replaced';

export interface PublishedCheckRun {
  checkId: string;
  name: string;
  id: number;
  htmlUrl: string | null;
  conclusion: Conclusion;
  /**
   * created: no run of that name on the commit; updated: the existing run now shows the new result;
   * refreshed: the existing run already showed this exact result (a redelivery or a re-run);
   * replaced: a new run supersedes one whose annotations would otherwise stay next to the new ones.
   */
  action: PublishAction;
}

export interface PublishCheckRunsOptions {
  octokit: GitHubClient;
  repo: RepoRef;
  headSha: string;
  results: CheckResult[];
  /** Lets the lookup filter by app (GitHub lists every app's runs); without it runs match by name prefix. */
  appId?: number;
  /**
   * For runs of ours on the commit that `results` does not cover: the result that settles them
   * (a config check that passes again, a check that was switched off). Undefined leaves them alone.
   */
  settle?: (checkId: string) => CheckResult | undefined;
  /** Receives our runs found on the commit (e.g. to link runs this call leaves alone). */
  observeExisting?: (runs: ExistingCheckRun[]) => void;
  log?: EventLog;
}

export class CheckRunPublishError extends Error {
  constructor(readonly failures: Array<{ name: string; error: unknown }>, readonly published: PublishedCheckRun[]) {
    super(`could not publish ${failures.map((failure) => `${failure.name} (${errorMessage(failure.error)})`).join(', ')}`);
  }
}

/**
 * Publishes one completed check run per result on the head commit: one request lists our runs,
 * then each run is created or updated with its first 50 annotations, and further requests add the
 * rest 50 at a time. Runs are created already completed, so none can be left `in_progress`.
 */
export async function publishCheckRuns(options: PublishCheckRunsOptions): Promise<PublishedCheckRun[]> {
  const log = options.log ?? silentLog;
  const existing = await listOurCheckRuns(options.octokit, options.repo, options.headSha, options.appId);
  options.observeExisting?.(existing);
  const byName = new Map(existing.map((run) => [run.name, run]));
  const todo = [...options.results];
  const covered = new Set(options.results.map((result) => `${CHECK_RUN_PREFIX}${result.checkId}`));
  if (options.settle) {
    for (const run of existing) {
      if (covered.has(run.name)) continue;
      const settled = options.settle(run.name.slice(CHECK_RUN_PREFIX.length));
      if (settled) todo.push(settled);
    }
  }

  const published: PublishedCheckRun[] = [];
  const failures: Array<{ name: string; error: unknown }> = [];
  for (const result of todo) {
    const output = checkRunOutput(result);
    try {
      const run = await upsertCheckRun(options, output, byName.get(output.name), log);
      published.push({ ...run, checkId: result.checkId, name: output.name, conclusion: output.conclusion });
    } catch (error) {
      log.error({ checkRun: output.name, err: error }, 'check run not published');
      failures.push({ name: output.name, error });
    }
  }
  if (failures.length > 0) throw new CheckRunPublishError(failures, published);
  return published;
}

export async function listOurCheckRuns(octokit: GitHubClient, repo: RepoRef, sha: string, appId?: number): Promise<ExistingCheckRun[]> {
  const runs: ExistingCheckRun[] = [];
  for (let page = 1; page <= MAX_LIST_PAGES; page++) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      ...repo,
      ref: sha,
      filter: 'latest',
      per_page: 100,
      page,
      ...(appId !== undefined ? { app_id: appId } : {}),
    });
    for (const run of data.check_runs) {
      if (!run.name.startsWith(CHECK_RUN_PREFIX)) continue;
      if (appId !== undefined && run.app && run.app.id !== appId) continue;
      runs.push({
        id: Number(run.id),
        name: run.name,
        status: run.status,
        conclusion: run.conclusion,
        externalId: run.external_id,
        htmlUrl: run.html_url,
        annotationsCount: run.output.annotations_count,
      });
    }
    if (page * 100 >= data.total_count || data.check_runs.length < 100) break;
  }
  // `filter: latest` already keeps the newest run per name; the newest id wins if GitHub returns more.
  const newest = new Map<string, ExistingCheckRun>();
  for (const run of runs) {
    const seen = newest.get(run.name);
    if (!seen || run.id > seen.id) newest.set(run.name, run);
  }
  return [...newest.values()];
}

/** Identifies a rendered output, so a redelivered event can tell that a run already shows it. */
export function outputFingerprint(output: CheckRunOutput): string {
  const hash = createHash('sha256').update(JSON.stringify([output.conclusion, output.title, output.summary, output.text, output.annotations]));
  return `platform-kit:${hash.digest('hex').slice(0, 40)}`;
}

async function upsertCheckRun(
  options: PublishCheckRunsOptions,
  output: CheckRunOutput,
  existing: ExistingCheckRun | undefined,
  log: EventLog,
): Promise<{ id: number; htmlUrl: string | null; action: PublishAction }> {
  const { octokit, repo } = options;
  const fingerprint = outputFingerprint(output);
  const chunks = chunkAnnotations(output.annotations, ANNOTATIONS_PER_REQUEST);
  const completion = {
    status: 'completed' as const,
    conclusion: output.conclusion,
    completed_at: new Date().toISOString(),
    external_id: fingerprint,
  };
  const textOutput = { title: output.title, summary: output.summary, text: output.text };

  if (existing && existing.status === 'completed' && existing.externalId === fingerprint) {
    // The run shows this result already; its annotations are there, and sending them again would duplicate them.
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: existing.id,
      ...completion,
      output: textOutput,
    });
    return { id: existing.id, htmlUrl: existing.htmlUrl, action: 'refreshed' };
  }

  let id: number;
  let htmlUrl: string | null;
  let action: PublishAction;
  const first = { ...textOutput, ...(chunks[0] ? { annotations: chunks[0] } : {}) };
  if (existing && existing.annotationsCount === 0) {
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: existing.id,
      ...completion,
      output: first,
    });
    ({ id, htmlUrl } = existing);
    action = 'updated';
  } else {
    // GitHub appends annotations on every update and cannot remove them: a run that has some gets
    // a successor instead, which GitHub shows in its place (the newest run of a name wins).
    const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      ...repo,
      name: output.name,
      head_sha: options.headSha,
      ...completion,
      output: first,
    });
    id = Number(data.id);
    htmlUrl = data.html_url;
    action = existing ? 'replaced' : 'created';
  }

  for (const [index, chunk] of chunks.entries()) {
    if (index === 0) continue;
    try {
      await appendAnnotations(options, id, textOutput, chunk);
    } catch (error) {
      await markIncomplete(options, id, output, index * ANNOTATIONS_PER_REQUEST, error, log);
      throw error;
    }
  }
  return { id, htmlUrl, action };
}

function appendAnnotations(
  options: PublishCheckRunsOptions,
  id: number,
  textOutput: { title: string; summary: string; text: string },
  annotations: Annotation[],
): Promise<unknown> {
  return options.octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    ...options.repo,
    check_run_id: id,
    output: { ...textOutput, annotations },
  });
}

/** The run is completed already; make sure it does not claim to show every annotation, nor pass. */
async function markIncomplete(
  options: PublishCheckRunsOptions,
  id: number,
  output: CheckRunOutput,
  sent: number,
  error: unknown,
  log: EventLog,
): Promise<void> {
  const note = `> Only ${sent} of ${output.annotations.length} annotations could be published (${errorMessage(error)}). Re-run the check to publish them all.`;
  try {
    await options.octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...options.repo,
      check_run_id: id,
      status: 'completed',
      conclusion: output.conclusion === 'failure' ? 'failure' : 'neutral',
      // A different id than any complete output has, so the next run does not take this one as up to date.
      external_id: 'platform-kit:incomplete',
      output: { title: output.title, summary: `${note}\n\n${output.summary}`.slice(0, 65_535), text: output.text },
    });
  } catch (markError) {
    log.error({ checkRunId: id, err: markError }, 'check run left with partial annotations');
  }
}
