import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FakeGitHub } from './fake-github.js';

/**
 * Real webhook payloads from @octokit/webhooks-examples, with the repository, pull request, SHAs
 * and installation rewritten to match the fake's state. Everything else stays as GitHub sent it.
 */

type Json = Record<string, unknown>;
type FakeRepo = ReturnType<FakeGitHub['addRepo']>;

interface ExampleGroup {
  name: string;
  examples: Json[];
}

let examples: ExampleGroup[] | undefined;

function example(event: string, predicate: (payload: Json) => boolean): Json {
  if (!examples) {
    const require = createRequire(import.meta.url);
    examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as ExampleGroup[];
  }
  const found = examples.find((group) => group.name === event)?.examples.find(predicate);
  if (!found) throw new Error(`no ${event} example matches`);
  return structuredClone(found);
}

function withRepository(payload: Json, fake: FakeGitHub, repo: FakeRepo): Json {
  const repository = payload.repository as Json;
  Object.assign(repository, fake.repositoryJson(repo));
  repository.owner = { ...(repository.owner as Json), ...(fake.repositoryJson(repo).owner as Json) };
  payload.installation = { id: fake.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  return payload;
}

/** `pull_request.<action>` for a pull request the fake holds. */
export function pullRequestEvent(fake: FakeGitHub, repo: FakeRepo, number: number, action = 'opened', extra: Json = {}): Json {
  const payload = example('pull_request', (candidate) => candidate.action === 'opened' && candidate.installation !== undefined);
  const state = fake.pullRequestJson(repo, number);
  const pull = payload.pull_request as Json;
  for (const key of ['number', 'title', 'body', 'draft', 'state', 'changed_files', 'additions', 'deletions', 'labels'] as const) pull[key] = state[key];
  (pull.user as Json).login = (state.user as Json).login;
  for (const side of ['head', 'base'] as const) {
    const target = pull[side] as Json;
    const source = state[side] as Json;
    Object.assign(target, { ref: source.ref, sha: source.sha, label: source.label });
    Object.assign(target.repo as Json, source.repo as Json);
  }
  payload.action = action;
  payload.number = number;
  return withRepository({ ...payload, ...extra }, fake, repo);
}

export function pushEvent(fake: FakeGitHub, repo: FakeRepo, push: { ref: string; before: string; after: string; deleted?: boolean }): Json {
  const payload = example('push', (candidate) => String(candidate.ref).startsWith('refs/heads/') && candidate.installation !== undefined);
  Object.assign(payload, { ref: push.ref, before: push.before, after: push.after, deleted: push.deleted ?? false, created: false });
  return withRepository(payload, fake, repo);
}

export function checkRunRerequestedEvent(fake: FakeGitHub, repo: FakeRepo, run: { name: string; headSha: string; pullNumbers: number[]; headBranch?: string }): Json {
  const payload = example('check_run', (candidate) => candidate.action === 'rerequested');
  const checkRun = payload.check_run as Json;
  const pullRequests = run.pullNumbers.map((number) => {
    const state = fake.pullRequestJson(repo, number);
    const strip = (side: Json) => ({ ref: side.ref, sha: side.sha, repo: { id: repo.id, url: '', name: repo.name } });
    return { url: '', id: state.id, number, head: strip(state.head as Json), base: strip(state.base as Json) };
  });
  Object.assign(checkRun, { name: run.name, head_sha: run.headSha, pull_requests: pullRequests, app: { ...(checkRun.app as Json), id: fake.appId } });
  Object.assign(checkRun.check_suite as Json, { head_sha: run.headSha, head_branch: run.headBranch ?? 'feature', pull_requests: pullRequests });
  return withRepository(payload, fake, repo);
}

export function checkSuiteEvent(fake: FakeGitHub, repo: FakeRepo, action: 'requested' | 'rerequested', suite: { headSha: string; headBranch: string; before: string; pullNumbers: number[] }): Json {
  const payload = example('check_suite', (candidate) => candidate.action === action);
  const checkSuite = payload.check_suite as Json;
  const pullRequests = suite.pullNumbers.map((number) => ({ number, head: { sha: suite.headSha }, base: {} }));
  Object.assign(checkSuite, { head_sha: suite.headSha, head_branch: suite.headBranch, before: suite.before, after: suite.headSha, pull_requests: pullRequests });
  return withRepository(payload, fake, repo);
}
