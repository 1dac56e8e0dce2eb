import type { Context, Probot } from 'probot';
import { defaultServices } from './checks/services.js';
import type { CheckServices } from './checks/types.js';
import { countApiCalls } from './github/api-counter.js';
import { CHECK_RUN_PREFIX } from './github/check-runs.js';
import type { EventLog, RepoRef } from './github/client.js';
import { handlePullRequest, handlePush, pullRequestsAt, type EventDeps, type EventOutcome } from './github/handlers.js';

export { handlePullRequest, handlePush } from './github/handlers.js';

/** The checks a body edit or a label change can affect: both can link a spec bundle or waive it. */
const LINK_CHECKS = ['spec-bundle'];

type AnyContext = Context<'pull_request' | 'push' | 'check_suite' | 'check_run'>;

/**
 * The GitHub App: webhook → change set → checks → check runs, suggested changes on the diff and
 * one sticky comment. The handlers only pick what to run from the payload; app/github/handlers.ts
 * does the work.
 */
export default function platformKitApp(app: Probot): void {
  app.on(
    ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
    (context) => withEvent(context, (deps) => handlePullRequest({ ...deps, pullRequest: context.payload.pull_request })),
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

/**
 * Runs one event with its own Octokit (Probot makes one per event), counting the API calls it
 * makes and logging them when it ends, successful or not.
 */
async function withEvent<T>(context: AnyContext, handle: (deps: EventDeps & { log: EventLog }) => Promise<T>): Promise<T> {
  const payload = context.payload;
  const action = 'action' in payload ? `.${payload.action}` : '';
  const event = `${context.name}${action}`;
  const counter = countApiCalls(context.octokit);
  // The owner can be null in the typings of some events; full_name always names it.
  const [owner = '', name = payload.repository.name] = payload.repository.full_name.split('/');
  const repo: RepoRef = { owner, repo: name };
  const appId = process.env.APP_ID ? Number(process.env.APP_ID) : undefined;
  const started = Date.now();
  let failed = false;
  try {
    return await handle({ octokit: context.octokit, repo, log: context.log, services: appServices(), ...(appId ? { appId } : {}) });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    context.log.info(
      { event, delivery: context.id, repo: `${repo.owner}/${repo.repo}`, apiCalls: counter.count, apiCallsByRoute: counter.byRoute, ms: Date.now() - started, failed },
      `${event}: ${counter.count} GitHub API calls`,
    );
  }
}
