import type { ApplicationFunction, Context, Probot } from 'probot';
import type { DurableEventQueue } from './app-runtime/durable-queue.js';
import type { AppMetrics } from './app-runtime/metrics.js';
import { queueOptionsFromEnv, WorkQueue, type QueueJob, type WorkQueueOptions } from './app-runtime/work-queue.js';
import { defaultServices } from './checks/services.js';
import type { CheckResult, CheckServices } from './checks/types.js';
import { countApiCalls } from './github/api-counter.js';
import { CHECK_RUN_PREFIX } from './github/check-runs.js';
import type { EventLog, RepoRef } from './github/client.js';
import { handlePullRequest, handlePush, pullRequestsAt, supersedePullRequest, type EventDeps, type EventOutcome } from './github/handlers.js';
import type { PullRequestLike } from './github/octokit-changeset.js';

export { handlePullRequest, handlePush } from './github/handlers.js';

/** The checks a body edit or a label change can affect: both can link a spec bundle or waive it. */
const LINK_CHECKS = ['spec-bundle'];

type AnyContext = Context<'pull_request' | 'push' | 'check_suite' | 'check_run'>;

export interface PlatformKitAppOptions {
  /**
   * Where a verified delivery goes: `memory` (default) an in-process queue; `durable` a run in the
   * control plane's ops.runs, for `platform-kit worker` processes to claim; `inline` the work runs in
   * the handler (what a worker does with a claimed run).
   */
  dispatch?: { kind: 'memory' } | { kind: 'durable'; queue: DurableEventQueue } | { kind: 'inline' };
  /** In-process queue sizes; default from PLATFORM_KIT_CONCURRENCY and PLATFORM_KIT_INSTALLATION_CONCURRENCY. */
  queue?: Partial<Pick<WorkQueueOptions, 'concurrency' | 'perInstallation'>>;
  /** Prometheus metrics to record into (app/app-runtime/metrics.ts). */
  metrics?: AppMetrics;
}

/** The metrics of the App that received an event, for the code that runs it later. */
const metricsOf = new WeakMap<object, AppMetrics>();

type Dispatch = <T>(context: AnyContext, handle: (deps: EventDeps & { log: EventLog }) => Promise<T>, coalesce?: Coalesce) => Promise<void>;

/** The App as Probot loads it, with a handle on the work its webhooks queued. */
export interface PlatformKitApp extends ApplicationFunction {
  /** Resolves when every queued event has been handled (tests and graceful shutdown wait on it). */
  idle(): Promise<void>;
  /** Holds queued events without running them (an operator draining a process, a test lining up a burst). */
  pause(): void;
  resume(): void;
  queues: WorkQueue[];
}

/**
 * The GitHub App: webhook → change set → checks → check runs, suggested changes on the diff and
 * one sticky comment. A verified delivery is queued and acknowledged at once; the work runs in the
 * queue (bounded, deduplicated by delivery id, coalesced per pull request, fair between
 * installations). The handlers only pick what to run from the payload; app/github/handlers.ts
 * does the work.
 */
export function createPlatformKitApp(options: PlatformKitAppOptions = {}): PlatformKitApp {
  const queues: WorkQueue[] = [];
  const load = (app: Probot): void => {
    const dispatch = options.dispatch ?? { kind: 'memory' };
    if (dispatch.kind === 'durable') {
      registerHandlers(app, (context) => enqueueDurably(dispatch.queue, context), options.metrics);
      return;
    }
    if (dispatch.kind === 'inline') {
      registerHandlers(app, runNow, options.metrics, 'run');
      return;
    }
    const queue = new WorkQueue({
      ...queueOptionsFromEnv(process.env),
      ...options.queue,
      onError(job, error, phase) {
        options.metrics?.failures.inc({ stage: phase });
        app.log.error({ delivery: job.deliveryId, installation: job.installation, err: error }, `queued ${phase} failed`);
      },
      onEvent(event) {
        if (event.type === 'duplicate') {
          options.metrics?.deliveries.inc({ event: 'any', result: 'duplicate' });
          app.log.info({ delivery: event.job.deliveryId, installation: event.job.installation }, 'duplicate delivery: already queued or running');
        }
        if (event.type === 'superseded') {
          options.metrics?.deliveries.inc({ event: 'any', result: 'superseded' });
          app.log.info({ delivery: event.job.deliveryId, supersededBy: event.by.deliveryId, headSha: event.job.headSha, newerSha: event.by.headSha }, 'queued check superseded by a newer head commit');
        }
      },
    });
    queues.push(queue);
    registerHandlers(app, async (context, handle, coalesce) => enqueueEvent(queue, context, handle, coalesce), options.metrics);
  };
  return Object.assign(load, {
    queues,
    idle: async () => {
      // Settling work can queue more (a superseded job's settle step): wait until all are quiet at once.
      while (queues.some((queue) => queue.depth + queue.active > 0)) await Promise.all(queues.map((queue) => queue.idle()));
    },
    pause: () => queues.forEach((queue) => queue.pause()),
    resume: () => queues.forEach((queue) => queue.resume()),
  });
}

const platformKitApp = createPlatformKitApp();
export default platformKitApp;

function registerHandlers(app: Probot, dispatch: Dispatch, metrics: AppMetrics | undefined, failureStage: 'enqueue' | 'run' = 'enqueue'): void {
  const withEvent: Dispatch = async (context, handle, coalesce) => {
    if (metrics) metricsOf.set(context, metrics);
    const event = `${context.name}${'action' in context.payload ? `.${context.payload.action}` : ''}`;
    try {
      await dispatch(context, handle, coalesce);
    } catch (error) {
      metrics?.failures.inc({ stage: failureStage });
      throw error;
    }
    metrics?.deliveries.inc({ event, result: 'accepted' });
  };
  const byPullRequest = (context: AnyContext, pullRequest: PullRequestLike): Coalesce => ({
    key: `${context.payload.repository.full_name}#${pullRequest.number}`,
    pullNumber: pullRequest.number,
    headSha: pullRequest.head.sha,
    supersede: (newerSha) => runEvent(context, (deps) => supersedePullRequest({ ...deps, pullRequest, newerSha })),
  });

  app.on(
    ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
    (context) =>
      withEvent(context, (deps) => handlePullRequest({ ...deps, pullRequest: context.payload.pull_request }), byPullRequest(context, context.payload.pull_request)),
  );

  app.on('pull_request.edited', (context) =>
    withEvent(context, async (deps) => {
      const { changes, pull_request: pullRequest } = context.payload;
      if (pullRequest.state !== 'open') return skipped(deps.log, 'the pull request is closed');
      // A new base branch changes the whole diff; a new body can only change which spec is linked.
      if (changes.base) return handlePullRequest({ ...deps, pullRequest });
      if (changes.body) return handlePullRequest({ ...deps, pullRequest, only: LINK_CHECKS });
      return skipped(deps.log, 'only the title changed');
    }),
  );

  // `spec:<feature>` links a bundle and `no-spec` waives it, so labels matter to the spec-bundle check.
  app.on(['pull_request.labeled', 'pull_request.unlabeled'], (context) =>
    withEvent(context, async (deps) => {
      const pullRequest = context.payload.pull_request;
      if (pullRequest.state !== 'open') return skipped(deps.log, 'the pull request is closed');
      return handlePullRequest({ ...deps, pullRequest, only: LINK_CHECKS });
    }),
  );

  app.on('push', (context) =>
    withEvent(context, (deps) => {
      const { ref, before, after, deleted } = context.payload;
      return handlePush({ ...deps, push: { ref, before, after, deleted }, defaultBranch: context.payload.repository.default_branch });
    }),
  );

  app.on('check_suite.requested', (context) =>
    withEvent(context, async (deps) =>
      // GitHub asks every app for checks on each push; pull_request and push events already cover the commits we check.
      skipped(deps.log, 'check_suite.requested: the pull_request and push events of this commit run the checks'),
    ),
  );

  app.on('check_suite.rerequested', (context) =>
    withEvent(context, async (deps) => {
      const suite = context.payload.check_suite;
      return rerun(deps, suite.head_sha, suite.pull_requests, undefined, {
        branch: suite.head_branch,
        before: suite.before,
        defaultBranch: context.payload.repository.default_branch,
      });
    }),
  );

  app.on('check_run.rerequested', (context) =>
    withEvent(context, async (deps) => {
      const run = context.payload.check_run;
      if (!run.name.startsWith(CHECK_RUN_PREFIX)) return skipped(deps.log, `${run.name} is not a Platform Kit check run`);
      const checkId = run.name.slice(CHECK_RUN_PREFIX.length);
      // The config check has no run of its own: re-running it re-reads the config and runs everything.
      const only = checkId === 'config' ? undefined : [checkId];
      return rerun(deps, run.head_sha, run.pull_requests, only, {
        branch: run.check_suite.head_branch,
        before: run.check_suite.before,
        defaultBranch: context.payload.repository.default_branch,
      });
    }),
  );
}

interface SuiteInfo {
  branch?: string | null;
  before?: string | null;
  defaultBranch: string;
}

async function rerun(
  deps: EventDeps & { log: EventLog },
  headSha: string,
  listed: Array<{ number: number }>,
  only: string[] | undefined,
  suite: SuiteInfo,
): Promise<EventOutcome[]> {
  const pulls = await pullRequestsAt(deps.octokit, deps.repo, headSha, listed);
  if (pulls.length > 0) {
    const outcomes: EventOutcome[] = [];
    for (const pullRequest of pulls) outcomes.push(await handlePullRequest({ ...deps, pullRequest, ...(only ? { only } : {}) }));
    return outcomes;
  }
  if (suite.branch === suite.defaultBranch && suite.before) {
    // No pull request: the commit was checked as a push to the default branch.
    return [await handlePush({ ...deps, push: { ref: `refs/heads/${suite.branch}`, before: suite.before, after: headSha }, defaultBranch: suite.defaultBranch })];
  }
  return [skipped(deps.log, `no open pull request has ${headSha} as its head`)];
}

function skipped(log: EventLog, reason: string): EventOutcome {
  log.info({}, `nothing to check: ${reason}`);
  return { status: 'skipped', reason };
}

let services: CheckServices | undefined;

/**
 * One shadow database factory for the App's lifetime: its PGlite snapshot is built once and every
 * event starts from it. Nothing starts until a change touches a migration.
 */
function appServices(): CheckServices {
  services ??= defaultServices().services;
  return services;
}

interface Coalesce {
  /** The pull request: its events run one at a time, and a newer head commit supersedes queued older ones. */
  key: string;
  pullNumber: number;
  headSha: string;
  supersede(newerSha: string): Promise<unknown>;
}

/** Records the delivery as a run in ops.runs; the webhook is answered once the row is written. */
async function enqueueDurably(queue: DurableEventQueue, context: AnyContext): Promise<void> {
  const installationId = (context.payload as { installation?: { id?: number } }).installation?.id;
  const run = await queue.enqueue({ deliveryId: context.id, name: context.name, payload: context.payload as unknown as Record<string, unknown> });
  context.log.info({ delivery: context.id, installation: installationId, repo: context.payload.repository.full_name, runId: run.id }, 'delivery queued');
}

/**
 * Runs the event now (a worker with a claimed run). A pull request event whose commit is no longer
 * the pull request's head is not checked: its check runs are settled as superseded, wherever the
 * newer event is being handled.
 */
async function runNow<T>(context: AnyContext, handle: (deps: EventDeps & { log: EventLog }) => Promise<T>, coalesce?: Coalesce): Promise<void> {
  if (coalesce?.pullNumber !== undefined) {
    const [owner = '', repo = ''] = context.payload.repository.full_name.split('/');
    const { data } = await context.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: coalesce.pullNumber });
    if (data.head.sha !== coalesce.headSha) {
      await coalesce.supersede(data.head.sha);
      return;
    }
  }
  await runEvent(context, handle);
}

/** Records the delivery in the queue; the webhook is answered as soon as this returns. */
function enqueueEvent<T>(queue: WorkQueue, context: AnyContext, handle: (deps: EventDeps & { log: EventLog }) => Promise<T>, coalesce?: Coalesce): void {
  const installationId = (context.payload as { installation?: { id?: number } }).installation?.id;
  const job: QueueJob = {
    deliveryId: context.id,
    installation: installationId === undefined ? 'none' : String(installationId),
    run: async () => {
      await runEvent(context, handle);
    },
    ...(coalesce
      ? {
          coalesceKey: coalesce.key,
          headSha: coalesce.headSha,
          supersede: async (newer: QueueJob) => {
            await coalesce.supersede(newer.headSha ?? 'a newer commit');
          },
        }
      : {}),
  };
  const result = queue.enqueue(job);
  context.log.info({ delivery: context.id, installation: job.installation, repo: context.payload.repository.full_name, queue: result, depth: queue.depth }, `delivery ${result}`);
}

/**
 * Runs one event with its own Octokit (Probot makes one per event), counting the API calls it
 * makes and logging them when it ends, successful or not.
 */
async function runEvent<T>(context: AnyContext, handle: (deps: EventDeps & { log: EventLog }) => Promise<T>): Promise<T> {
  const payload = context.payload;
  const action = 'action' in payload ? `.${payload.action}` : '';
  const event = `${context.name}${action}`;
  const counter = countApiCalls(context.octokit);
  const metrics = metricsOf.get(context);
  const installationId = (payload as { installation?: { id?: number } }).installation?.id;
  if (metrics) observeGitHub(context.octokit, metrics, String(installationId ?? 'none'));
  // The owner can be null in the typings of some events; full_name always names it.
  const [owner = '', name = payload.repository.name] = payload.repository.full_name.split('/');
  const repo: RepoRef = { owner, repo: name };
  // Every line the handlers log names the delivery, the installation and the repository.
  const log = context.log.child({ delivery: context.id, installation: installationId, repo: payload.repository.full_name });
  // Probot's request logging reads `octokit.log` on each request: GitHub calls get the same fields.
  context.octokit.log = log as unknown as typeof context.octokit.log;
  const appId = process.env.APP_ID ? Number(process.env.APP_ID) : undefined;
  const started = Date.now();
  let failed = false;
  try {
    return await handle({
      octokit: context.octokit,
      repo,
      log,
      services: appServices(),
      ...(appId ? { appId } : {}),
      ...(metrics ? { onCheckFinished: (result: CheckResult, seconds: number) => metrics.checkDuration.observe({ check: result.checkId, conclusion: result.conclusion }, seconds) } : {}),
    });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    metrics?.runDuration.observe({ event, outcome: failed ? 'failed' : 'succeeded' }, (Date.now() - started) / 1000);
    context.log.info(
      { event, delivery: context.id, repo: `${repo.owner}/${repo.repo}`, apiCalls: counter.count, apiCallsByRoute: counter.byRoute, ms: Date.now() - started, failed },
      `${event}: ${counter.count} GitHub API calls`,
    );
  }
}

/** Counts the event's GitHub requests by route and keeps the rate limit its responses report. */
function observeGitHub(octokit: AnyContext['octokit'], metrics: AppMetrics, installation: string): void {
  octokit.hook.wrap('request', async (request, options) => {
    metrics.githubCalls.inc({ route: `${options.method} ${String(options.url).split('?')[0]}` });
    const response = await request(options);
    const remaining = Number(response.headers['x-ratelimit-remaining']);
    if (Number.isFinite(remaining)) metrics.rateLimitRemaining.set({ installation }, remaining);
    return response;
  });
}
