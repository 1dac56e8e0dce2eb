import { withHostPrograms as withHostProgramsOnly } from '../config/host-programs.js';
import { configErrorResult, runChecks } from '../checks/engine.js';
import { checks as registeredChecks, findCheck } from '../checks/registry.js';
import type { ChangedFile, ChangeSet, CheckResult, CheckServices } from '../checks/types.js';
import { loadConfig, type ConfigLoadResult } from '../config/load.js';
import type { PlatformKitConfig } from '../config/schema.js';
import { renderComment } from '../report/index.js';
import { CHECK_RUN_PREFIX, CheckRunPublishError, publishCheckRuns, type ExistingCheckRun, type PublishedCheckRun } from './check-runs.js';
import { autofixPullRequest, noteAutofix, type AutofixOutcome } from './autofix-diagrams.js';
import { errorMessage, silentLog, type EventLog, type GitHubClient, type RepoRef } from './client.js';
import { contentsConfigSource } from './config-source.js';
import { isFromFork, loadPullRequestChangeSet, loadPushChangeSet, type PullRequestLike, type PushRef } from './octokit-changeset.js';
import { markSuggestedOnDiff, postReviewSuggestions, type SuggestionLinks } from './review-suggestions.js';
import { serialize } from './serialize.js';
import { upsertStickyComment, type StickyCommentResult } from './sticky-comment.js';

const ZERO_SHA = /^0+$/;

export interface EventDeps {
  octokit: GitHubClient;
  repo: RepoRef;
  log?: EventLog;
  /** Narrows the lookup of existing check runs to this App's. */
  appId?: number;
  services?: CheckServices;
  /** Told each check's result and duration (the App's per-check metrics). */
  onCheckFinished?(result: CheckResult, seconds: number): void;
}

export interface PullRequestDeps extends EventDeps {
  pullRequest: PullRequestLike;
  /** Check ids to run (a re-run of one check, the spec-bundle check on a body edit); default every enabled check. */
  only?: string[];
}

export interface PushDeps extends EventDeps {
  push: PushRef & { deleted?: boolean };
  defaultBranch: string;
}

export type EventOutcome =
  | { status: 'skipped'; reason: string }
  | {
      status: 'checked';
      headSha: string;
      results: CheckResult[];
      checkRuns: PublishedCheckRun[];
      comment?: StickyCommentResult;
      /** Why the comment was left alone, when it was. */
      commentSkipped?: string;
      /** Suggested changes on the diff, when some findings had one for lines the diff shows. */
      suggestions?: SuggestionsSummary;
      fromFork?: boolean;
      /** The autofix commit (regenerated diagram exports), when the config enables it and there was something to fix. */
      autofix?: AutofixOutcome;
    };

export interface SuggestionsSummary {
  posted: number;
  alreadyOnDiff: number;
  /** Suggestions only the sticky comment shows. */
  elsewhere: number;
  reviewId?: number;
  /** Why posting failed; the comment then shows every suggestion itself. */
  failed?: string;
}

/** Thrown after everything that could be published was: the webhook then answers with an error GitHub shows. */
export class PublishError extends Error {
  constructor(readonly causes: unknown[]) {
    super(`Platform Kit could not publish its results: ${causes.map(errorMessage).join('; ')}`);
  }
}

/**
 * Checks a pull request and reports on it: config (org defaults, then the repo's file, both from
 * default branches), change set, checks, one check run per check and the sticky comment. Events
 * about the same pull request run one at a time.
 */
export function handlePullRequest(deps: PullRequestDeps): Promise<EventOutcome> {
  const { repo, pullRequest: pr } = deps;
  return serialize(`${repo.owner}/${repo.repo}#${pr.number}`, () => checkPullRequest(deps));
}

async function checkPullRequest(deps: PullRequestDeps): Promise<EventOutcome> {
  const { octokit, repo, pullRequest: pr } = deps;
  const log = deps.log ?? silentLog;
  const fromFork = isFromFork(pr);
  const loaded = await loadRepoConfig(deps);
  if (!loaded.ok) {
    const outcome = await publish(deps, pr.head.sha, configFailure(deps, loaded), { settle: notRunBecauseConfigIsInvalid });
    const comment = await commentOn(deps, outcome, undefined);
    return finish({ ...outcome, ...comment, fromFork });
  }
  const config = loaded.config;
  if (pr.draft && config.pullRequests.drafts === 'skip') {
    const reason = 'draft pull request; the config has pullRequests.drafts: skip';
    log.info({ pullRequest: pr.number }, `not checked: ${reason}`);
    return { status: 'skipped', reason };
  }

  const only = knownChecks(deps.only, log);
  // The comment lists every check: when only some re-run (a body edit, a label, one re-requested
  // run), the others run too so the comment stays true, but only the requested check runs are written.
  const commentsEveryCheck = only !== undefined && config.pullRequests.comment;
  const checked = await checkSafely(deps, config, commentsEveryCheck ? undefined : only, () => loadPullRequestChangeSet(octokit, repo, pr));
  const files = checked.files;
  const autofix = await autofixPullRequest({ octokit, repo, pullRequest: { head: pr.head, base: pr.base, fromFork }, enabled: config.autofix.diagrams, results: checked.results, log });
  const results = autofix ? noteAutofix(checked.results, autofix) : checked.results;
  const requested = only ? results.filter((result) => only.includes(result.checkId)) : results;
  const outcome = await publish(deps, pr.head.sha, requested, { settle: only ? undefined : settleFullRun(config) });
  // Before the comment, so the comment can point at the suggestions instead of repeating them.
  // A fork gets none on its diff (no write of code to a branch the App does not own): the comment shows them.
  if (fromFork && config.pullRequests.suggestions && files) log.info({ pullRequest: pr.number }, 'no suggested changes on the diff of a pull request from a fork; the comment shows them');
  const suggested = config.pullRequests.suggestions && files && !fromFork ? await suggestOnDiff(deps, pr.head.sha, results, files) : undefined;
  const commented = suggested?.links ? markSuggestedOnDiff(results, suggested.links) : results;
  const comment = await commentOn(deps, { ...outcome, results: commented }, { config, only: commentsEveryCheck ? undefined : only });
  return finish({ ...outcome, ...comment, fromFork, ...(suggested ? { suggestions: suggested.summary } : {}), ...(autofix ? { autofix } : {}) });
}

/** Checks the commits a push brings to the default branch; no comment (there is no PR to put it on). */
export async function handlePush(deps: PushDeps): Promise<EventOutcome> {
  const { push, repo, octokit } = deps;
  const log = deps.log ?? silentLog;
  const skip = pushSkipReason(push, deps.defaultBranch);
  if (skip) {
    log.info({ ref: push.ref, after: push.after }, `push not checked: ${skip}`);
    return { status: 'skipped', reason: skip };
  }
  return serialize(`${repo.owner}/${repo.repo}@${push.after}`, async () => {
    const loaded = await loadRepoConfig(deps);
    if (!loaded.ok) {
      return finish(await publish(deps, push.after, configFailure(deps, loaded), { settle: notRunBecauseConfigIsInvalid }));
    }
    const { results } = await checkSafely(deps, loaded.config, undefined, () => loadPushChangeSet(octokit, repo, push));
    return finish(await publish(deps, push.after, results, { settle: settleFullRun(loaded.config) }));
  });
}

export function pushSkipReason(push: PushDeps['push'], defaultBranch: string): string | undefined {
  if (push.deleted || ZERO_SHA.test(push.after)) return 'the branch was deleted';
  if (push.ref !== `refs/heads/${defaultBranch}`) return `${push.ref} is not the default branch (pull requests cover other branches)`;
  if (ZERO_SHA.test(push.before)) return 'the branch was just created: there is no earlier commit to compare with';
  return undefined;
}

/** Pull requests whose head is `headSha`, fully loaded (the lists in check suite payloads are partial). */
export async function pullRequestsAt(
  octokit: GitHubClient,
  repo: RepoRef,
  headSha: string,
  listed: Array<{ number: number }>,
): Promise<PullRequestLike[]> {
  let numbers = listed.map((pr) => pr.number);
  if (numbers.length === 0) {
    // Check suite payloads leave out pull requests from forks; the commit knows them.
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: headSha });
    numbers = data.filter((pr) => pr.state === 'open' && pr.head.sha === headSha).map((pr) => pr.number);
  }
  const pulls: PullRequestLike[] = [];
  for (const number of [...new Set(numbers)]) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number });
    if (data.state === 'open' && data.head.sha === headSha) pulls.push(data);
  }
  return pulls;
}

async function loadRepoConfig(deps: EventDeps): Promise<ConfigLoadResult> {
  try {
    const loaded = await loadConfig(contentsConfigSource(deps.octokit), deps.repo);
    return loaded.ok ? { ...loaded, config: withHostPrograms(loaded.config, deps.log ?? silentLog) } : loaded;
  } catch (error) {
    return { ok: false, files: [], errors: [{ file: '.github/platform-kit.yml', message: `cannot read the config: ${errorMessage(error)}` }] };
  }
}

/** The App runs on its operator's machine: a repository's config picks the renderer, not the programs it starts there. */
export function withHostPrograms(config: PlatformKitConfig, log: EventLog = silentLog): PlatformKitConfig {
  return withHostProgramsOnly(config, (fields, message) => log.warn(fields, message));
}

function configFailure(deps: EventDeps, loaded: Extract<ConfigLoadResult, { ok: false }>): CheckResult[] {
  (deps.log ?? silentLog).warn({ errors: loaded.errors }, 'invalid Platform Kit config');
  return [configErrorResult(loaded.errors, { repo: `${deps.repo.owner}/${deps.repo.repo}` })];
}

function knownChecks(only: string[] | undefined, log: EventLog): string[] | undefined {
  if (!only) return undefined;
  const known = only.filter((id) => findCheck(id) !== undefined);
  const unknown = only.filter((id) => !known.includes(id));
  if (unknown.length > 0) log.warn({ unknown }, 'asked to run checks that do not exist; ignored');
  return known;
}

function enabledCheckIds(config: PlatformKitConfig): string[] {
  const byId = config.checks as Record<string, { enabled?: boolean } | undefined>;
  return registeredChecks.filter((check) => byId[check.id]?.enabled !== false).map((check) => check.id);
}

/**
 * Loading the change set or running the checks can fail (GitHub down, a token without access):
 * every check that should have run then fails with the reason, rather than leaving no trace.
 * The changed files come back too: suggested changes are placed on their hunks.
 */
async function checkSafely(
  deps: EventDeps,
  config: PlatformKitConfig,
  only: string[] | undefined,
  loadChangeSet: () => Promise<ChangeSet>,
): Promise<{ results: CheckResult[]; files?: ChangedFile[] }> {
  try {
    const changeSet = await loadChangeSet();
    const results = await runChecks({
      changeSet,
      config,
      ...(only ? { only } : {}),
      ...(deps.services ? { services: deps.services } : {}),
      ...(deps.onCheckFinished ? { onCheckFinished: deps.onCheckFinished } : {}),
    });
    return { results, files: changeSet.files };
  } catch (error) {
    (deps.log ?? silentLog).error({ err: error }, 'checks could not run');
    const ids = only ?? enabledCheckIds(config);
    const results: CheckResult[] = ids.map((checkId) => ({
      checkId,
      title: findCheck(checkId)?.title ?? checkId,
      conclusion: 'failure',
      summary: `Platform Kit could not check this change: ${errorMessage(error)}. Re-run the check; if it fails again, the App's log has the details.`,
      findings: [],
    }));
    return { results };
  }
}

/**
 * Suggested changes are a convenience on top of the check runs and the comment: when GitHub refuses
 * them the event still succeeds, and the comment shows every suggestion in full.
 */
async function suggestOnDiff(
  deps: PullRequestDeps,
  headSha: string,
  results: CheckResult[],
  files: ChangedFile[],
): Promise<{ links?: SuggestionLinks; summary: SuggestionsSummary } | undefined> {
  const log = deps.log ?? silentLog;
  try {
    const outcome = await postReviewSuggestions({
      octokit: deps.octokit,
      repo: deps.repo,
      pullNumber: deps.pullRequest.number,
      headSha,
      results,
      files,
      log,
    });
    if (!outcome) return undefined;
    const { links, ...summary } = outcome;
    return { links, summary };
  } catch (error) {
    log.error({ pullRequest: deps.pullRequest.number, err: error }, 'suggested changes not posted; the comment shows them');
    return { summary: { posted: 0, alreadyOnDiff: 0, elsewhere: 0, failed: errorMessage(error) } };
  }
}

function settleFullRun(config: PlatformKitConfig): (checkId: string) => CheckResult | undefined {
  const enabled = enabledCheckIds(config);
  return (checkId) => {
    if (checkId === 'config') {
      return { checkId, title: 'Platform Kit config', conclusion: 'success', summary: 'The Platform Kit config is valid.', findings: [] };
    }
    if (enabled.includes(checkId)) return undefined;
    const why = findCheck(checkId) ? 'is disabled in the Platform Kit config' : 'is no longer part of Platform Kit';
    return { checkId, title: checkId, conclusion: 'neutral', summary: `Not run: the ${checkId} check ${why}.`, findings: [] };
  };
}

function notRunBecauseConfigIsInvalid(checkId: string): CheckResult {
  return {
    checkId,
    title: checkId,
    conclusion: 'neutral',
    summary: 'Not run: the Platform Kit config is invalid (see the platform-kit/config check).',
    findings: [],
  };
}

interface Published {
  headSha: string;
  results: CheckResult[];
  checkRuns: PublishedCheckRun[];
  /** Links of our runs already on the commit, by check id (for checks this event did not write). */
  existingUrls?: Map<string, string>;
  errors: unknown[];
}

async function publish(
  deps: EventDeps,
  headSha: string,
  results: CheckResult[],
  options: { settle: ((checkId: string) => CheckResult | undefined) | undefined },
): Promise<Published> {
  const existingUrls = new Map<string, string>();
  const observeExisting = (runs: ExistingCheckRun[]) => {
    for (const run of runs) if (run.htmlUrl) existingUrls.set(run.name.slice(CHECK_RUN_PREFIX.length), run.htmlUrl);
  };
  try {
    const checkRuns = await publishCheckRuns({
      observeExisting,
      octokit: deps.octokit,
      repo: deps.repo,
      headSha,
      results,
      ...(deps.appId !== undefined ? { appId: deps.appId } : {}),
      ...(options.settle ? { settle: options.settle } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    });
    return { headSha, results, checkRuns, existingUrls, errors: [] };
  } catch (error) {
    const checkRuns = error instanceof CheckRunPublishError ? error.published : [];
    return { headSha, results, checkRuns, existingUrls, errors: [error] };
  }
}

async function commentOn(
  deps: PullRequestDeps,
  published: Published,
  scope: { config: PlatformKitConfig; only: string[] | undefined } | undefined,
): Promise<{ comment?: StickyCommentResult; commentSkipped?: string; errors: unknown[] }> {
  const log = deps.log ?? silentLog;
  const skipped = commentSkipReason(scope);
  if (skipped) {
    log.info({ pullRequest: deps.pullRequest.number }, `comment left as is: ${skipped}`);
    return { commentSkipped: skipped, errors: published.errors };
  }
  const urls = new Map<string, string | undefined>([...(published.existingUrls ?? []), ...published.checkRuns.map((run) => [run.checkId, run.htmlUrl ?? undefined] as const)]);
  const body = renderComment(published.results, { headSha: published.headSha, detailsUrl: (checkId) => urls.get(checkId) });
  try {
    const comment = await upsertStickyComment({
      octokit: deps.octokit,
      repo: deps.repo,
      issueNumber: deps.pullRequest.number,
      body,
      ...(deps.log ? { log: deps.log } : {}),
    });
    return { comment, errors: published.errors };
  } catch (error) {
    log.error({ err: error }, 'sticky comment not published');
    return { errors: [...published.errors, error] };
  }
}

function commentSkipReason(scope: { config: PlatformKitConfig; only: string[] | undefined } | undefined): string | undefined {
  // Without a valid config the default applies: comment, so the author learns why nothing ran.
  if (!scope) return undefined;
  if (!scope.config.pullRequests.comment) return 'the config has pullRequests.comment: false';
  const { only } = scope;
  if (only && !enabledCheckIds(scope.config).every((id) => only.includes(id))) {
    // The comment lists every check; results of one check alone would drop the others from it.
    return `only ${only.join(', ') || 'no check'} re-ran`;
  }
  return undefined;
}

function finish(
  outcome: Published & { comment?: StickyCommentResult; commentSkipped?: string; suggestions?: SuggestionsSummary; fromFork?: boolean; autofix?: AutofixOutcome },
): EventOutcome {
  const { errors, ...rest } = outcome;
  if (errors.length > 0) throw new PublishError(errors);
  return { status: 'checked', ...rest };
}

/**
 * Settles the check runs of a pull request's older head commit whose queued check a newer push
 * superseded: every check run of ours on it ends `neutral`, saying which commit is checked instead.
 */
export function supersedePullRequest(deps: PullRequestDeps & { newerSha: string }): Promise<EventOutcome> {
  const { repo, pullRequest: pr } = deps;
  const reason = `Not run: superseded by ${deps.newerSha}, a newer head commit of pull request #${pr.number}, which is checked instead.`;
  return serialize(`${repo.owner}/${repo.repo}#${pr.number}`, () => settleNeutral(deps, pr.head.sha, reason));
}

/**
 * Completes every check of a commit `neutral` with the reason (work superseded, or given up after
 * its retries), so no check of ours is left missing or `in_progress` on it.
 */
export async function settleNeutral(deps: EventDeps, headSha: string, reason: string): Promise<EventOutcome> {
  const loaded = await loadRepoConfig(deps);
  const ids = loaded.ok ? enabledCheckIds(loaded.config) : ['config'];
  const neutral = (checkId: string): CheckResult => ({ checkId, title: findCheck(checkId)?.title ?? checkId, conclusion: 'neutral', summary: reason, findings: [] });
  const outcome = await publish(deps, headSha, ids.map(neutral), { settle: neutral });
  (deps.log ?? silentLog).info({ headSha, reason }, 'check runs settled neutral');
  return finish(outcome);
}
