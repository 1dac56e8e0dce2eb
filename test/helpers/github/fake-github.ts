import { createHash } from 'node:crypto';
import nock from 'nock';
import { githubOpenApi, type MatchedOperation, type OpenApiValidator } from './openapi.js';

/**
 * A stateful stand-in for the parts of api.github.com the App uses, served through nock. Every
 * request is first checked against GitHub's OpenAPI description: an unknown route, an undeclared
 * query parameter or a body that does not fit is recorded in `violations` and answered like GitHub
 * would (404 / 422), so the test fails on `expect(fake.violations).toEqual([])` and the App sees an error.
 */

export const API_ORIGIN = 'https://api.github.com';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (percent-encoded). */
  path: string;
  query: Record<string, string>;
  body: unknown;
  operationId?: string;
  status: number;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  started_at: string;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: Array<Record<string, unknown>>;
  app_id: number;
  repo: string;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; id: number; type: 'Bot' | 'User' };
  created_at: string;
  updated_at: string;
  repo: string;
  issue_number: number;
}

export interface FakeReview {
  id: number;
  repo: string;
  pull_number: number;
  commit_id: string;
  event: string;
  body: string;
  user: FakeComment['user'];
}

export interface FakeReviewComment {
  id: number;
  review_id: number;
  repo: string;
  pull_number: number;
  commit_id: string;
  path: string;
  line: number;
  side: 'LEFT' | 'RIGHT';
  start_line: number | null;
  start_side: 'LEFT' | 'RIGHT' | null;
  body: string;
  user: FakeComment['user'];
}

type FileContent = string | Buffer;

interface Commit {
  sha: string;
  parents: string[];
  files: Map<string, Buffer>;
  /** Set for commits made through the Git Data API (POST /git/commits). */
  message?: string;
  author?: { name: string; email: string; date: string };
}

/** A commit as the Git Data API describes it, for tests that inspect what the App committed. */
export interface FakeGitCommit {
  sha: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string } | null;
  files: ReadonlyMap<string, Buffer>;
}

export interface FakePullRequestInput {
  number?: number;
  title?: string;
  body?: string;
  draft?: boolean;
  labels?: string[];
  author?: string;
  base: { ref?: string; sha: string };
  head: { ref?: string; sha: string };
  /** `owner/name` of a fork holding the head; default the repository itself. */
  headRepo?: string;
  /** Overrides the files computed from the two commits (e.g. thousands of synthetic entries). */
  files?: GitHubFileEntry[];
  /** Overrides `changed_files` (GitHub's own count, which may exceed what list-files returns). */
  changedFiles?: number;
}

export interface GitHubFileEntry {
  sha: string;
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  additions: number;
  deletions: number;
  changes: number;
  blob_url: string;
  raw_url: string;
  contents_url: string;
  patch?: string;
  previous_filename?: string;
}

interface FakePull {
  number: number;
  title: string;
  body: string;
  draft: boolean;
  labels: string[];
  author: string;
  state: 'open' | 'closed';
  base: { ref: string; sha: string };
  head: { ref: string; sha: string };
  headRepo: string;
  files?: GitHubFileEntry[];
  changedFiles?: number;
}

/** What the org inventory reads about a repository: its settings as GitHub reports them to the token. */
export interface FakeRepoSettings {
  visibility: 'public' | 'private' | 'internal';
  archived: boolean;
  topics: string[];
  language: string | null;
  description: string | null;
  pushedAt: string;
  /** The token's admin role on the repository (`permissions.admin`); admin-only endpoints answer 404 without it, as GitHub does. */
  admin: boolean;
  /** `null`: GitHub leaves `security_and_analysis` out (the token is neither admin nor security manager). */
  securityAndAnalysis: { secretScanning: boolean; pushProtection: boolean; dependabotSecurityUpdates?: boolean } | null;
  vulnerabilityAlerts: boolean;
  /** Every request under /repos/{owner}/{repo} answers 403 with this message (SSO enforcement, an IP allow list). */
  forbidden: string | null;
}

/** Classic branch protection. `requiredApprovingReviews: null` means no pull request review rule at all. */
export interface FakeBranchProtection {
  requiredApprovingReviews?: number | null;
  requiredStatusChecks?: string[];
  enforceAdmins?: boolean;
}

export interface FakeRuleset {
  id: number;
  name: string;
  enforcement: 'active' | 'evaluate' | 'disabled';
  /** Branch names the ruleset targets; `~DEFAULT_BRANCH` and `~ALL` as on GitHub. */
  branches: string[];
  rules: Array<{ type: string; parameters?: Record<string, unknown> }>;
  source: 'Repository' | 'Organization';
}

export interface FakeWorkflow {
  id: number;
  name: string;
  path: string;
  state: 'active' | 'deleted' | 'disabled_fork' | 'disabled_inactivity' | 'disabled_manually';
}

export interface FakeWorkflowRun {
  id: number;
  workflowId: number;
  headBranch: string;
  headSha: string;
  event: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  createdAt: string;
}

export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  user: FakeComment['user'];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  repo: string;
}

export interface FakeTeam {
  id: number;
  org: string;
  slug: string;
  name: string;
  description: string | null;
  privacy: 'secret' | 'closed';
  permission: string;
}

interface FakeRepo {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  branches: Map<string, string>;
  pulls: Map<number, FakePull>;
  /** Simulates a repository too big for one recursive tree response. */
  truncateTrees: boolean;
  settings: FakeRepoSettings;
  protections: Map<string, FakeBranchProtection>;
  rulesets: FakeRuleset[];
  workflows: FakeWorkflow[];
  workflowRuns: FakeWorkflowRun[];
  issues: Map<number, FakeIssue>;
}

/** One delivery of the App's webhook, as GitHub records it (GET /app/hook/deliveries). */
export interface FakeHookDelivery {
  id: number;
  /** The X-GitHub-Delivery header of the delivery. */
  guid: string;
  event: string;
  payload: Record<string, unknown>;
  deliveredAt: string;
  statusCode: number;
  redelivery: boolean;
}

export interface FakeGitHubOptions {
  appId?: number;
  appSlug?: string;
  installationId?: number;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const FAKE_TIME = '2025-01-01T00:00:00Z';

/**
 * Operations whose responses are also checked against GitHub's description, so the fields the
 * org inventory and the policy issues read are fields GitHub really sends.
 */
const RESPONSE_CHECKED = new Set([
  'repos/list-for-org',
  'repos/get-branch-protection',
  'repos/get-branch-rules',
  'repos/check-vulnerability-alerts',
  'actions/list-repo-workflows',
  'actions/list-workflow-runs-for-repo',
  'teams/list',
  'issues/list-for-repo',
  'issues/create',
  'issues/update',
  'git/get-blob',
  'git/create-blob',
  'git/create-tree',
  'git/create-commit',
  'git/get-commit',
  'git/get-ref',
  'git/update-ref',
  'git/create-ref',
  'apps/list-webhook-deliveries',
  'apps/get-webhook-delivery',
]);
/** Operations GitHub answers only for the App itself, authenticated with a JWT (installation tokens are refused). */
const APP_JWT_OPERATIONS = new Set(['apps/create-installation-access-token', 'apps/list-webhook-deliveries', 'apps/get-webhook-delivery']);
/** GitHub stops returning content in the contents API above 1 MB (encoding `none`). */
const CONTENTS_INLINE_LIMIT = 1024 * 1024;

export class FakeGitHub {
  readonly appId: number;
  readonly appSlug: string;
  readonly installationId: number;
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly comments: FakeComment[] = [];
  readonly reviews: FakeReview[] = [];
  readonly reviewComments: FakeReviewComment[] = [];
  /** Fails requests whose `METHOD /path` matches, once each, with the given status (to test error paths). */
  readonly failures: Array<{ method: string; path: RegExp; status: number; times: number; message?: string; headers?: Record<string, string> }> = [];
  readonly teams: FakeTeam[] = [];
  /** The App's webhook deliveries, oldest first (GitHub lists them newest first). */
  readonly hookDeliveries: FakeHookDelivery[] = [];

  readonly #validator: OpenApiValidator;
  readonly #repos = new Map<string, FakeRepo>();
  readonly #commits = new Map<string, Commit>();
  /** Blobs and trees written through the Git Data API, by SHA. */
  readonly #blobs = new Map<string, Buffer>();
  readonly #trees = new Map<string, Map<string, Buffer>>();
  readonly #tokens = new Set<string>();
  #nextId = 1000;
  #scope: nock.Scope | undefined;

  constructor(options: FakeGitHubOptions = {}) {
    this.appId = options.appId ?? 4242;
    this.appSlug = options.appSlug ?? 'platform-kit';
    this.installationId = options.installationId ?? 1;
    this.#validator = githubOpenApi();
  }

  /** Intercepts https://api.github.com until stop(); other hosts are untouched (allow 127.0.0.1 for Probot's server). */
  start(): this {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    const fake = this;
    const scope = nock(API_ORIGIN).persist();
    for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
      scope.intercept(() => true, method).reply(function (uri, body) {
        return fake.#handle(method, uri, body, this.req.headers);
      });
    }
    this.#scope = scope;
    return this;
  }

  stop(): void {
    this.#scope?.persist(false);
    nock.cleanAll();
    nock.enableNetConnect();
  }

  // --- state -------------------------------------------------------------------------------

  addRepo(input: { owner: string; name: string; defaultBranch?: string; truncateTrees?: boolean; settings?: Partial<FakeRepoSettings> }): FakeRepo {
    const repo: FakeRepo = {
      owner: input.owner,
      name: input.name,
      id: this.#nextId++,
      defaultBranch: input.defaultBranch ?? 'main',
      branches: new Map(),
      pulls: new Map(),
      truncateTrees: input.truncateTrees ?? false,
      settings: {
        visibility: 'public',
        archived: false,
        topics: [],
        language: null,
        description: null,
        pushedAt: FAKE_TIME,
        admin: true,
        securityAndAnalysis: null,
        vulnerabilityAlerts: false,
        forbidden: null,
        ...input.settings,
      },
      protections: new Map(),
      rulesets: [],
      workflows: [],
      workflowRuns: [],
      issues: new Map(),
    };
    this.#repos.set(`${input.owner}/${input.name}`.toLowerCase(), repo);
    return repo;
  }

  /** A commit on top of `parent` (its files, with `files` applied: null deletes). Returns its SHA. */
  commit(parent: string | null, files: Record<string, FileContent | null>): string {
    const base = parent ? this.#commit(parent).files : new Map<string, Buffer>();
    const tree = new Map(base);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) tree.delete(path);
      else tree.set(path, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    }
    const hash = createHash('sha1').update(parent ?? 'root');
    for (const path of [...tree.keys()].sort()) hash.update(`\0${path}\0`).update(tree.get(path) as Buffer);
    const sha = hash.digest('hex');
    this.#commits.set(sha, { sha, parents: parent ? [parent] : [], files: tree });
    return sha;
  }

  /** A commit by SHA, with the message and author of commits made through the Git Data API. */
  gitCommit(sha: string): FakeGitCommit {
    const commit = this.#commit(sha);
    return { sha, parents: [...commit.parents], message: commit.message ?? '', author: commit.author ?? null, files: commit.files };
  }

  /** The commit a branch points at. */
  branchHead(repo: FakeRepo, branch: string): string | undefined {
    return repo.branches.get(branch);
  }

  setBranch(repo: FakeRepo, branch: string, sha: string): void {
    this.#commit(sha);
    repo.branches.set(branch, sha);
  }

  openPullRequest(repo: FakeRepo, input: FakePullRequestInput): FakePull {
    const number = input.number ?? repo.pulls.size + 1;
    const pull: FakePull = {
      number,
      title: input.title ?? 'A change',
      body: input.body ?? '',
      draft: input.draft ?? false,
      labels: input.labels ?? [],
      author: input.author ?? 'octocat',
      state: 'open',
      base: { ref: input.base.ref ?? repo.defaultBranch, sha: input.base.sha },
      head: { ref: input.head.ref ?? 'feature', sha: input.head.sha },
      headRepo: input.headRepo ?? `${repo.owner}/${repo.name}`,
      ...(input.files ? { files: input.files } : {}),
      ...(input.changedFiles !== undefined ? { changedFiles: input.changedFiles } : {}),
    };
    repo.pulls.set(number, pull);
    return pull;
  }

  /** The `pull_request` object GitHub puts in webhooks and returns from GET /pulls/{n}. */
  pullRequestJson(repo: FakeRepo, number: number): Record<string, unknown> {
    const pull = repo.pulls.get(number);
    if (!pull) throw new Error(`no pull request #${number}`);
    return this.#pullJson(repo, pull);
  }

  repositoryJson(repo: FakeRepo): Record<string, unknown> {
    return this.#repoJson(repo);
  }

  /** Adds a comment as if someone (a user by default) wrote it. */
  addComment(repo: FakeRepo, issueNumber: number, body: string, user: FakeComment['user'] = { login: 'octocat', id: 1, type: 'User' }): FakeComment {
    const comment: FakeComment = { id: this.#nextId++, body, user, created_at: FAKE_TIME, updated_at: FAKE_TIME, repo: repoKey(repo), issue_number: issueNumber };
    this.comments.push(comment);
    return comment;
  }

  /** Classic branch protection on a branch (replaces any earlier one). */
  protectBranch(repo: FakeRepo, branch: string, protection: FakeBranchProtection): void {
    repo.protections.set(branch, protection);
  }

  addRuleset(repo: FakeRepo, input: Omit<FakeRuleset, 'id' | 'source' | 'enforcement'> & Partial<Pick<FakeRuleset, 'source' | 'enforcement'>>): FakeRuleset {
    const ruleset: FakeRuleset = { id: this.#nextId++, enforcement: 'active', source: 'Repository', ...input };
    repo.rulesets.push(ruleset);
    return ruleset;
  }

  addWorkflow(repo: FakeRepo, input: { name: string; path: string; state?: FakeWorkflow['state'] }): FakeWorkflow {
    const workflow: FakeWorkflow = { id: this.#nextId++, state: 'active', ...input };
    repo.workflows.push(workflow);
    return workflow;
  }

  /** A workflow run; later calls are newer runs (GitHub lists the newest first). */
  addWorkflowRun(
    repo: FakeRepo,
    workflow: FakeWorkflow,
    input: { conclusion: string | null; status?: FakeWorkflowRun['status']; branch?: string; event?: string; headSha?: string },
  ): FakeWorkflowRun {
    const id = this.#nextId++;
    const run: FakeWorkflowRun = {
      id,
      workflowId: workflow.id,
      headBranch: input.branch ?? repo.defaultBranch,
      headSha: input.headSha ?? createHash('sha1').update(`run ${id}`).digest('hex'),
      event: input.event ?? 'push',
      status: input.status ?? (input.conclusion === null ? 'in_progress' : 'completed'),
      conclusion: input.conclusion,
      createdAt: new Date(Date.parse(FAKE_TIME) + id * 1000).toISOString().replace('.000Z', 'Z'),
    };
    repo.workflowRuns.push(run);
    return run;
  }

  addTeam(org: string, input: { slug: string; name?: string; description?: string | null; privacy?: FakeTeam['privacy']; permission?: string }): FakeTeam {
    const team: FakeTeam = {
      id: this.#nextId++,
      org,
      slug: input.slug,
      name: input.name ?? input.slug,
      description: input.description ?? null,
      privacy: input.privacy ?? 'closed',
      permission: input.permission ?? 'pull',
    };
    this.teams.push(team);
    return team;
  }

  /** An issue as if someone opened it (a user by default), e.g. a duplicate left by an earlier race. */
  addIssue(repo: FakeRepo, input: { title: string; body?: string; labels?: string[]; state?: FakeIssue['state']; user?: FakeComment['user'] }): FakeIssue {
    return this.#createIssue(repo, { ...input, user: input.user ?? { login: 'octocat', id: 1, type: 'User' } });
  }

  /** The repository's issues (pull requests left out), oldest first. */
  issuesOf(repo: FakeRepo): FakeIssue[] {
    return [...repo.issues.values()].sort((a, b) => a.number - b.number);
  }

  /** Records a delivery of the App's webhook, as GitHub does when it sends one (tests send it to the App themselves). */
  recordHookDelivery(input: { guid: string; event: string; payload: Record<string, unknown>; deliveredAt?: string; statusCode?: number; redelivery?: boolean }): FakeHookDelivery {
    const delivery: FakeHookDelivery = {
      id: this.#nextId++,
      guid: input.guid,
      event: input.event,
      payload: input.payload,
      deliveredAt: input.deliveredAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      statusCode: input.statusCode ?? 200,
      redelivery: input.redelivery ?? false,
    };
    this.hookDeliveries.push(delivery);
    return delivery;
  }

  /** An installation token, for tests that drive Octokit directly instead of through Probot. */
  issueToken(): string {
    const token = `ghs_fake${this.#nextId++}`;
    this.#tokens.add(token);
    return token;
  }

  // --- inspection --------------------------------------------------------------------------

  runsFor(repo: FakeRepo, sha: string): FakeCheckRun[] {
    return this.checkRuns.filter((run) => run.repo === repoKey(repo) && run.head_sha === sha);
  }

  /** What a pull request shows: the newest run of each name on the commit. */
  latestRunsFor(repo: FakeRepo, sha: string): FakeCheckRun[] {
    return latestPerName(this.runsFor(repo, sha));
  }

  reviewsOn(repo: FakeRepo, pullNumber: number): FakeReview[] {
    return this.reviews.filter((review) => review.repo === repoKey(repo) && review.pull_number === pullNumber);
  }

  reviewCommentsOn(repo: FakeRepo, pullNumber: number): FakeReviewComment[] {
    return this.reviewComments.filter((comment) => comment.repo === repoKey(repo) && comment.pull_number === pullNumber);
  }

  commentsOn(repo: FakeRepo, issueNumber: number): FakeComment[] {
    return this.comments.filter((comment) => comment.repo === repoKey(repo) && comment.issue_number === issueNumber);
  }

  /** Requests to the API proper (the installation token request left out). */
  apiRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.operationId !== 'apps/create-installation-access-token');
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  // --- HTTP --------------------------------------------------------------------------------

  #handle(method: string, uri: string, rawBody: unknown, headers: Record<string, string | string[] | undefined>): [number, unknown, Record<string, string>] {
    const url = new URL(uri, API_ORIGIN);
    const body = parseBody(rawBody);
    const recorded: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, status: 0 };
    this.requests.push(recorded);
    const respond = (status: number, data: unknown, extraHeaders: Record<string, string> = {}): [number, unknown, Record<string, string>] => {
      recorded.status = status;
      if (recorded.operationId && RESPONSE_CHECKED.has(recorded.operationId) && status < 300 && validation.operation) {
        this.violations.push(...this.#validator.validateResponse(method, validation.operation, status, data));
      }
      return [status, data ?? '', { 'content-type': 'application/json; charset=utf-8', ...extraHeaders }];
    };

    const validation = this.#validator.validate({ method, url: `${url.pathname}${url.search}`, body });
    if (validation.operation) recorded.operationId = validation.operation.operationId;
    if (validation.errors.length > 0) {
      this.violations.push(...validation.errors);
      return respond(validation.operation ? 422 : 404, { message: validation.errors.join('; '), documentation_url: 'https://docs.github.com/rest' });
    }
    const operation = validation.operation as MatchedOperation;
    const failure = this.failures.find((entry) => entry.method === method && entry.path.test(url.pathname) && entry.times > 0);
    if (failure) {
      failure.times -= 1;
      return respond(failure.status, { message: failure.message ?? 'Injected failure' }, failure.headers);
    }
    try {
      this.#authorize(operation, headers);
      return respond(...this.#dispatch(operation, url.searchParams, body));
    } catch (error) {
      if (error instanceof HttpError) return respond(error.status, { message: error.message });
      throw error;
    }
  }

  #authorize(operation: MatchedOperation, headers: Record<string, string | string[] | undefined>): void {
    const header = String(headers.authorization ?? '');
    if (APP_JWT_OPERATIONS.has(operation.operationId)) {
      // A JSON Web Token signed with the App's key: three base64url parts.
      if (!/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(header)) throw new HttpError(401, 'A JSON web token could not be decoded');
      return;
    }
    const token = header.replace(/^(token|bearer) /i, '');
    if (!this.#tokens.has(token)) throw new HttpError(401, 'Bad credentials');
  }

  #dispatch(operation: MatchedOperation, query: URLSearchParams, body: unknown): [number, unknown, Record<string, string>?] {
    const p = operation.params;
    switch (operation.operationId) {
      case 'apps/create-installation-access-token': {
        if (Number(p.installation_id) !== this.installationId) throw new HttpError(404, 'Not Found');
        const token = this.issueToken();
        return [201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { checks: 'write', contents: 'read', issues: 'write', metadata: 'read', pull_requests: 'write' }, repository_selection: 'all' }];
      }
      case 'pulls/get': {
        const repo = this.#repo(p);
        return [200, this.#pullJson(repo, this.#pull(repo, p.pull_number))];
      }
      case 'pulls/list-files': {
        const repo = this.#repo(p);
        const pull = this.#pull(repo, p.pull_number);
        const files = (pull.files ?? this.#diffFiles(repo, this.#mergeBase(pull.base.sha, pull.head.sha), pull.head.sha)).slice(0, 3000);
        return [200, paginate(files, query)];
      }
      case 'repos/list-pull-requests-associated-with-commit': {
        const repo = this.#repo(p);
        const pulls = [...repo.pulls.values()].filter((pull) => pull.head.sha === p.commit_sha);
        return [200, pulls.map((pull) => this.#pullJson(repo, pull))];
      }
      case 'repos/get-content':
        return [200, this.#contents(this.#repo(p), p.path ?? '', query.get('ref'))];
      case 'git/get-tree':
        return [200, this.#tree(this.#repo(p), p.tree_sha ?? '', query.get('recursive') !== null)];
      case 'git/get-blob': {
        const repo = this.#repo(p);
        const blob = this.#blob(p.file_sha ?? '');
        return [200, { sha: p.file_sha, node_id: `B_${p.file_sha}`, url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/git/blobs/${p.file_sha}`, size: blob.byteLength, encoding: 'base64', content: (blob.toString('base64').match(/.{1,60}/g) ?? []).join('\n') }];
      }
      case 'git/create-blob': {
        const repo = this.#repo(p);
        const input = body as { content: string; encoding?: string };
        const blob = input.encoding === 'base64' ? Buffer.from(input.content, 'base64') : Buffer.from(input.content, 'utf8');
        const sha = gitBlobSha(blob);
        this.#blobs.set(sha, blob);
        return [201, { sha, url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}` }];
      }
      case 'git/create-tree': {
        const repo = this.#repo(p);
        return [201, this.#createTree(repo, body as TreeInput)];
      }
      case 'git/create-commit': {
        const repo = this.#repo(p);
        return [201, this.#gitCommitJson(repo, this.#createCommit(body as CommitInput))];
      }
      case 'git/get-commit': {
        const repo = this.#repo(p);
        return [200, this.#gitCommitJson(repo, this.#commit(p.commit_sha ?? ''))];
      }
      case 'git/get-ref': {
        const repo = this.#repo(p);
        const branch = (p.ref ?? '').replace(/^heads\//, '');
        const sha = (p.ref ?? '').startsWith('heads/') ? repo.branches.get(branch) : undefined;
        if (!sha) throw new HttpError(404, 'Not Found');
        return [200, refJson(repo, branch, sha)];
      }
      case 'git/update-ref': {
        const repo = this.#repo(p);
        return [200, this.#updateRef(repo, p.ref ?? '', body as { sha: string; force?: boolean })];
      }
      case 'git/create-ref': {
        const repo = this.#repo(p);
        const input = body as { ref: string; sha: string };
        if (!input.ref.startsWith('refs/heads/')) throw new HttpError(422, `Reference ${input.ref} is not a branch`);
        const branch = input.ref.slice('refs/heads/'.length);
        if (repo.branches.has(branch)) throw new HttpError(422, 'Reference already exists');
        this.setBranch(repo, branch, input.sha);
        return [201, refJson(repo, branch, input.sha)];
      }
      case 'repos/get':
        return [200, this.#repoJson(this.#repo(p))];
      case 'pulls/list': {
        const repo = this.#repo(p);
        const state = query.get('state') ?? 'open';
        const head = query.get('head');
        const base = query.get('base');
        const pulls = [...repo.pulls.values()].filter(
          (pull) =>
            (state === 'all' || pull.state === state) &&
            (!head || `${pull.headRepo.split('/')[0]}:${pull.head.ref}`.toLowerCase() === head.toLowerCase()) &&
            (!base || pull.base.ref === base),
        );
        return [200, paginate(pulls, query).map((pull) => this.#pullJson(repo, pull))];
      }
      case 'pulls/create': {
        const repo = this.#repo(p);
        const input = body as { title: string; head: string; base: string; body?: string; draft?: boolean };
        const headRef = input.head.includes(':') ? (input.head.split(':')[1] ?? '') : input.head;
        const headSha = repo.branches.get(headRef);
        const baseSha = repo.branches.get(input.base);
        if (!headSha || !baseSha) throw new HttpError(422, `Validation Failed: ${headSha ? 'base' : 'head'} branch does not exist`);
        const key = `${repo.owner}:${headRef}`.toLowerCase();
        if ([...repo.pulls.values()].some((pull) => pull.state === 'open' && `${pull.headRepo.split('/')[0]}:${pull.head.ref}`.toLowerCase() === key)) {
          throw new HttpError(422, `Validation Failed: A pull request already exists for ${repo.owner}:${headRef}.`);
        }
        const pull = this.openPullRequest(repo, { number: Math.max(0, ...repo.pulls.keys(), ...repo.issues.keys()) + 1, title: input.title, body: input.body ?? '', draft: input.draft ?? false, author: this.#botUser().login, base: { ref: input.base, sha: baseSha }, head: { ref: headRef, sha: headSha } });
        return [201, this.#pullJson(repo, pull)];
      }
      case 'pulls/update': {
        const repo = this.#repo(p);
        const pull = this.#pull(repo, p.pull_number);
        const input = body as { title?: string; body?: string; state?: 'open' | 'closed' };
        if (input.title !== undefined) pull.title = input.title;
        if (input.body !== undefined) pull.body = input.body;
        if (input.state !== undefined) pull.state = input.state;
        return [200, this.#pullJson(repo, pull)];
      }
      case 'repos/compare-commits':
      case 'repos/compare-commits-with-basehead': {
        const repo = this.#repo(p);
        const [base, head] = p.basehead ? p.basehead.split('...') : [p.base, p.head];
        return [200, this.#compare(repo, this.#resolve(repo, base ?? ''), this.#resolve(repo, head ?? ''))];
      }
      case 'checks/list-for-ref': {
        const repo = this.#repo(p);
        const sha = this.#resolve(repo, p.ref ?? '');
        let runs = this.runsFor(repo, sha);
        const appId = query.get('app_id');
        if (appId) runs = runs.filter((run) => run.app_id === Number(appId));
        const name = query.get('check_name');
        if (name) runs = runs.filter((run) => run.name === name);
        if (query.get('filter') !== 'all') runs = latestPerName(runs);
        const page = paginate(runs, query);
        return [200, { total_count: runs.length, check_runs: page.map((run) => this.#runJson(repo, run)) }];
      }
      case 'checks/create': {
        const repo = this.#repo(p);
        const input = body as Record<string, unknown>;
        this.#commit(String(input.head_sha));
        const run: FakeCheckRun = {
          id: this.#nextId++,
          name: String(input.name),
          head_sha: String(input.head_sha),
          status: 'queued',
          conclusion: null,
          external_id: null,
          started_at: FAKE_TIME,
          completed_at: null,
          output: { title: null, summary: null, text: null },
          annotations: [],
          app_id: this.appId,
          repo: repoKey(repo),
        };
        applyRunUpdate(run, input);
        this.checkRuns.push(run);
        return [201, this.#runJson(repo, run)];
      }
      case 'checks/update': {
        const repo = this.#repo(p);
        const run = this.checkRuns.find((candidate) => candidate.id === Number(p.check_run_id) && candidate.repo === repoKey(repo));
        if (!run) throw new HttpError(404, 'Not Found');
        applyRunUpdate(run, body as Record<string, unknown>);
        return [200, this.#runJson(repo, run)];
      }
      case 'issues/list-comments': {
        const repo = this.#repo(p);
        this.#issueOrPull(repo, p.issue_number);
        const comments = this.commentsOn(repo, Number(p.issue_number)).sort((a, b) => a.id - b.id);
        return [200, paginate(comments, query).map((comment) => this.#commentJson(repo, comment))];
      }
      case 'issues/create-comment': {
        const repo = this.#repo(p);
        this.#issueOrPull(repo, p.issue_number);
        const comment = this.addComment(repo, Number(p.issue_number), String((body as { body: string }).body), this.#botUser());
        return [201, this.#commentJson(repo, comment)];
      }
      case 'issues/update-comment': {
        const repo = this.#repo(p);
        const comment = this.comments.find((candidate) => candidate.id === Number(p.comment_id) && candidate.repo === repoKey(repo));
        if (!comment) throw new HttpError(404, 'Not Found');
        if (comment.user.type !== 'Bot') throw new HttpError(403, 'Resource not accessible by integration');
        comment.body = String((body as { body: string }).body);
        comment.updated_at = new Date().toISOString();
        return [200, this.#commentJson(repo, comment)];
      }
      case 'pulls/create-review':
        return [200, this.#createReview(this.#repo(p), p.pull_number, (body ?? {}) as ReviewInput)];
      case 'pulls/list-review-comments': {
        const repo = this.#repo(p);
        const pull = this.#pull(repo, p.pull_number);
        const comments = this.reviewCommentsOn(repo, pull.number).sort((a, b) => a.id - b.id);
        return [200, paginate(comments, query).map((comment) => this.#reviewCommentJson(repo, comment))];
      }
      case 'issues/delete-comment': {
        const repo = this.#repo(p);
        const index = this.comments.findIndex((candidate) => candidate.id === Number(p.comment_id) && candidate.repo === repoKey(repo));
        if (index < 0) throw new HttpError(404, 'Not Found');
        this.comments.splice(index, 1);
        return [204, undefined];
      }
      case 'repos/list-for-org':
        return [200, this.#orgRepos(p.org ?? '', query).map((repo) => this.#minimalRepoJson(repo))];
      case 'repos/get-branch-protection': {
        const repo = this.#repo(p);
        // Without admin rights GitHub answers a plain 404, the same status as "not protected".
        if (!repo.settings.admin) throw new HttpError(404, 'Not Found');
        const protection = repo.protections.get(p.branch ?? '');
        if (!protection) throw new HttpError(404, 'Branch not protected');
        return [200, this.#protectionJson(repo, p.branch ?? '', protection)];
      }
      case 'repos/get-branch-rules': {
        const repo = this.#repo(p);
        const branch = p.branch ?? '';
        const rules = repo.rulesets
          .filter((ruleset) => ruleset.enforcement === 'active')
          .filter((ruleset) => ruleset.branches.some((target) => target === '~ALL' || target === branch || (target === '~DEFAULT_BRANCH' && branch === repo.defaultBranch)))
          .flatMap((ruleset) =>
            ruleset.rules.map((rule) => ({
              ...rule,
              ruleset_source_type: ruleset.source,
              ruleset_source: ruleset.source === 'Repository' ? `${repo.owner}/${repo.name}` : repo.owner,
              ruleset_id: ruleset.id,
            })),
          );
        return [200, paginate(rules, query)];
      }
      case 'repos/check-vulnerability-alerts': {
        const repo = this.#repo(p);
        if (!repo.settings.admin || !repo.settings.vulnerabilityAlerts) throw new HttpError(404, 'Not Found');
        return [204, undefined];
      }
      case 'actions/list-repo-workflows': {
        const repo = this.#repo(p);
        return [200, { total_count: repo.workflows.length, workflows: paginate(repo.workflows, query).map((workflow) => this.#workflowJson(repo, workflow)) }];
      }
      case 'actions/list-workflow-runs-for-repo': {
        const repo = this.#repo(p);
        const status = query.get('status');
        const runs = repo.workflowRuns
          .filter((run) => query.get('branch') === null || run.headBranch === query.get('branch'))
          .filter((run) => query.get('event') === null || run.event === query.get('event'))
          .filter((run) => status === null || run.status === status || run.conclusion === status)
          .sort((a, b) => b.id - a.id);
        return [200, { total_count: runs.length, workflow_runs: paginate(runs, query).map((run) => this.#runJsonForWorkflow(repo, run)) }];
      }
      case 'teams/list': {
        const org = (p.org ?? '').toLowerCase();
        if (!this.#orgExists(org)) throw new HttpError(404, 'Not Found');
        const teams = this.teams.filter((team) => team.org.toLowerCase() === org);
        return [200, paginate(teams, query).map((team) => this.#teamJson(team))];
      }
      case 'issues/list-for-repo': {
        const repo = this.#repo(p);
        const state = query.get('state') ?? 'open';
        const labels = (query.get('labels') ?? '').split(',').filter((label) => label !== '');
        const direction = query.get('direction') ?? 'desc';
        const issues = this.issuesOf(repo)
          .filter((issue) => state === 'all' || issue.state === state)
          .filter((issue) => labels.every((label) => issue.labels.includes(label)))
          .sort((a, b) => (direction === 'asc' ? a.number - b.number : b.number - a.number));
        return [200, paginate(issues, query).map((issue) => this.#issueJson(repo, issue))];
      }
      case 'issues/create': {
        const repo = this.#repo(p);
        const input = body as { title: string | number; body?: string; labels?: Array<string | { name?: string }> };
        const issue = this.#createIssue(repo, { title: String(input.title), body: input.body ?? '', labels: labelNames(input.labels), user: this.#botUser() });
        return [201, this.#issueJson(repo, issue)];
      }
      case 'issues/update': {
        const repo = this.#repo(p);
        const issue = repo.issues.get(Number(p.issue_number));
        if (!issue) throw new HttpError(404, 'Not Found');
        const input = body as { title?: string | number | null; body?: string | null; state?: 'open' | 'closed'; state_reason?: string | null; labels?: Array<string | { name?: string }> };
        if (input.title !== undefined && input.title !== null) issue.title = String(input.title);
        if (input.body !== undefined) issue.body = input.body ?? '';
        if (input.labels !== undefined) issue.labels = labelNames(input.labels);
        if (input.state !== undefined && input.state !== issue.state) {
          issue.state = input.state;
          issue.closedAt = input.state === 'closed' ? new Date().toISOString() : null;
          issue.stateReason = input.state === 'closed' ? (input.state_reason ?? 'completed') : 'reopened';
        }
        issue.updatedAt = new Date().toISOString();
        return [200, this.#issueJson(repo, issue)];
      }
      case 'apps/list-webhook-deliveries': {
        // Newest first, paged by an opaque cursor that GitHub hands out only in the Link header.
        const newestFirst = [...this.hookDeliveries].reverse();
        const cursor = query.get('cursor');
        const start = cursor === null ? 0 : newestFirst.findIndex((delivery) => `v1_${delivery.id}` === cursor);
        if (start < 0) throw new HttpError(422, `Invalid cursor: ${cursor}`);
        const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
        const page = newestFirst.slice(start, start + perPage);
        const next = newestFirst[start + perPage];
        const headers: Record<string, string> = next ? { link: `<${API_ORIGIN}/app/hook/deliveries?per_page=${perPage}&cursor=v1_${next.id}>; rel="next"` } : {};
        return [200, page.map((delivery) => this.#hookDeliveryJson(delivery)), headers];
      }
      case 'apps/get-webhook-delivery': {
        const delivery = this.hookDeliveries.find((candidate) => candidate.id === Number(p.delivery_id));
        if (!delivery) throw new HttpError(404, 'Not Found');
        return [
          200,
          {
            ...this.#hookDeliveryJson(delivery),
            url: 'https://platform-kit.example.com/api/github/webhooks',
            request: { headers: { 'X-GitHub-Delivery': delivery.guid, 'X-GitHub-Event': delivery.event, 'Content-Type': 'application/json' }, payload: delivery.payload },
            response: { headers: { 'Content-Type': 'application/json' }, payload: '{"ok":true}' },
          },
        ];
      }
      default:
        this.violations.push(`${operation.operationId} (${operation.template}) is a real GitHub route the fake does not serve`);
        throw new HttpError(404, 'Not Found');
    }
  }

  #blob(sha: string): Buffer {
    const written = this.#blobs.get(sha);
    if (written) return written;
    for (const commit of this.#commits.values()) {
      for (const content of commit.files.values()) if (gitBlobSha(content) === sha) return content;
    }
    throw new HttpError(404, 'Not Found');
  }

  /** A commit's tree is named by the commit's SHA in this fake (see #gitCommitJson); trees made through the API by their own. */
  #treeFiles(treeSha: string): Map<string, Buffer> {
    const created = this.#trees.get(treeSha);
    if (created) return created;
    const commit = this.#commits.get(treeSha);
    if (!commit) throw new HttpError(422, `Invalid tree info: ${treeSha}`);
    return commit.files;
  }

  #createTree(repo: FakeRepo, input: TreeInput): Record<string, unknown> {
    const files = new Map(input.base_tree ? this.#treeFiles(input.base_tree) : []);
    for (const entry of input.tree) {
      if (entry.path === undefined) throw new HttpError(422, 'Invalid tree info: an entry has no path');
      if (entry.type !== undefined && entry.type !== 'blob') throw new HttpError(422, `Invalid tree info: the fake only writes blobs (${entry.path})`);
      if (entry.sha === null) files.delete(entry.path);
      else if (entry.sha !== undefined) files.set(entry.path, this.#blob(entry.sha));
      else if (entry.content !== undefined) files.set(entry.path, Buffer.from(entry.content, 'utf8'));
      else throw new HttpError(422, `Invalid tree info: ${entry.path} has neither sha nor content`);
    }
    const hash = createHash('sha1').update('tree');
    for (const path of [...files.keys()].sort()) hash.update(`\0${path}\0`).update(files.get(path) as Buffer);
    const sha = hash.digest('hex');
    this.#trees.set(sha, files);
    const tree = [...files].sort(([a], [b]) => a.localeCompare(b)).map(([path, content]) => ({ path, mode: '100644', type: 'blob', sha: gitBlobSha(content), size: content.byteLength, url: '' }));
    return { sha, url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/git/trees/${sha}`, tree, truncated: false };
  }

  /** Without an author, GitHub records the token's owner: for an installation token, the App's bot. */
  #createCommit(input: CommitInput): Commit {
    const files = this.#treeFiles(input.tree);
    for (const parent of input.parents ?? []) this.#commit(parent);
    const bot = this.#botUser();
    const author = {
      name: input.author?.name ?? bot.login,
      email: input.author?.email ?? `${bot.id}+${bot.login}@users.noreply.github.com`,
      date: input.author?.date ?? FAKE_TIME,
    };
    const hash = createHash('sha1').update(`commit ${input.tree}\0${(input.parents ?? []).join(',')}\0${input.message}\0${author.name}`);
    const sha = hash.digest('hex');
    const commit: Commit = { sha, parents: [...(input.parents ?? [])], files: new Map(files), message: input.message, author };
    this.#commits.set(sha, commit);
    return commit;
  }

  /** Moves a branch, fast-forward only unless forced; open pull requests from it follow, as on GitHub. */
  #updateRef(repo: FakeRepo, ref: string, input: { sha: string; force?: boolean }): Record<string, unknown> {
    if (!ref.startsWith('heads/')) throw new HttpError(422, `Reference ${ref} is not a branch`);
    const branch = ref.slice('heads/'.length);
    const current = repo.branches.get(branch);
    if (!current) throw new HttpError(422, 'Reference does not exist');
    this.#commit(input.sha);
    if (!input.force && current !== input.sha && this.#mergeBase(current, input.sha) !== current) throw new HttpError(422, 'Update is not a fast forward');
    repo.branches.set(branch, input.sha);
    const full = `${repo.owner}/${repo.name}`;
    for (const pull of repo.pulls.values()) {
      if (pull.state === 'open' && pull.head.ref === branch && pull.headRepo.toLowerCase() === full.toLowerCase()) pull.head.sha = input.sha;
    }
    return refJson(repo, branch, input.sha);
  }

  #gitCommitJson(repo: FakeRepo, commit: Commit): Record<string, unknown> {
    const person = commit.author ?? { name: 'Octo Cat', email: 'octocat@github.com', date: FAKE_TIME };
    const api = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/git`;
    return {
      sha: commit.sha,
      node_id: `C_${commit.sha}`,
      url: `${api}/commits/${commit.sha}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${commit.sha}`,
      author: person,
      committer: person,
      message: commit.message ?? '',
      tree: { sha: commit.sha, url: `${api}/trees/${commit.sha}` },
      parents: commit.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${sha}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  #botUser(): FakeComment['user'] {
    return { login: `${this.appSlug}[bot]`, id: 9000 + this.appId, type: 'Bot' };
  }

  /**
   * A review is created whole or not at all, as on GitHub: every comment must sit on lines of the
   * pull request's diff, on the side it names, and a multi-line comment within one hunk.
   */
  #createReview(repo: FakeRepo, number: string | undefined, input: ReviewInput): Record<string, unknown> {
    const pull = this.#pull(repo, number);
    const event = input.event ?? 'PENDING';
    if ((event === 'COMMENT' || event === 'REQUEST_CHANGES') && !input.body) throw new HttpError(422, `Unprocessable Entity: a body is required for ${event}`);
    const commitId = input.commit_id ?? pull.head.sha;
    this.#commit(commitId);
    const files = pull.files ?? this.#diffFiles(repo, this.#mergeBase(pull.base.sha, pull.head.sha), pull.head.sha);
    const placed = (input.comments ?? []).map((comment, index) => placeReviewComment(comment, files, index));
    const review: FakeReview = { id: this.#nextId++, repo: repoKey(repo), pull_number: pull.number, commit_id: commitId, event, body: input.body ?? '', user: this.#botUser() };
    this.reviews.push(review);
    for (const comment of placed) {
      this.reviewComments.push({ ...comment, id: this.#nextId++, review_id: review.id, repo: repoKey(repo), pull_number: pull.number, commit_id: commitId, user: review.user });
    }
    const pullUrl = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`;
    const htmlUrl = `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}#pullrequestreview-${review.id}`;
    return {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: review.user,
      body: review.body,
      state: event === 'COMMENT' ? 'COMMENTED' : event === 'APPROVE' ? 'APPROVED' : event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'PENDING',
      html_url: htmlUrl,
      pull_request_url: pullUrl,
      _links: { html: { href: htmlUrl }, pull_request: { href: pullUrl } },
      submitted_at: FAKE_TIME,
      commit_id: commitId,
      author_association: 'NONE',
    };
  }

  #reviewCommentJson(repo: FakeRepo, comment: FakeReviewComment): Record<string, unknown> {
    const pullUrl = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/pulls/${comment.pull_number}`;
    const url = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/pulls/comments/${comment.id}`;
    const htmlUrl = `https://github.com/${repo.owner}/${repo.name}/pull/${comment.pull_number}#discussion_r${comment.id}`;
    return {
      url,
      id: comment.id,
      node_id: `PRRC_${comment.id}`,
      pull_request_review_id: comment.review_id,
      diff_hunk: '',
      path: comment.path,
      commit_id: comment.commit_id,
      original_commit_id: comment.commit_id,
      user: comment.user,
      body: comment.body,
      created_at: FAKE_TIME,
      updated_at: FAKE_TIME,
      html_url: htmlUrl,
      pull_request_url: pullUrl,
      author_association: comment.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      _links: { self: { href: url }, html: { href: htmlUrl }, pull_request: { href: pullUrl } },
      line: comment.line,
      side: comment.side,
      start_line: comment.start_line,
      start_side: comment.start_side,
      original_line: comment.line,
      original_start_line: comment.start_line,
    };
  }

  #repo(params: Record<string, string>): FakeRepo {
    const repo = this.#repos.get(`${params.owner}/${params.repo}`.toLowerCase());
    if (!repo) throw new HttpError(404, 'Not Found');
    if (repo.settings.forbidden !== null) throw new HttpError(403, repo.settings.forbidden);
    return repo;
  }

  /** Issues and pull requests share numbers: comment routes take either. */
  #issueOrPull(repo: FakeRepo, number: string | undefined): void {
    if (!repo.issues.has(Number(number))) this.#pull(repo, number);
  }

  #createIssue(repo: FakeRepo, input: { title: string; body?: string; labels?: string[]; state?: FakeIssue['state']; user: FakeComment['user'] }): FakeIssue {
    const number = Math.max(0, ...repo.pulls.keys(), ...repo.issues.keys()) + 1;
    const now = new Date().toISOString();
    const closed = input.state === 'closed';
    const issue: FakeIssue = {
      id: this.#nextId++,
      number,
      title: input.title,
      body: input.body ?? '',
      state: input.state ?? 'open',
      stateReason: closed ? 'completed' : null,
      labels: [...new Set(input.labels ?? [])],
      user: input.user,
      createdAt: now,
      updatedAt: now,
      closedAt: closed ? now : null,
      repo: repoKey(repo),
    };
    repo.issues.set(number, issue);
    return issue;
  }

  #orgExists(org: string): boolean {
    return [...this.#repos.values()].some((repo) => repo.owner.toLowerCase() === org) || this.teams.some((team) => team.org.toLowerCase() === org);
  }

  /** GET /orgs/{org}/repos: `type` filters, `sort`/`direction` order (GitHub's defaults: created, asc for full_name else desc). */
  #orgRepos(orgName: string, query: URLSearchParams): FakeRepo[] {
    const org = orgName.toLowerCase();
    if (!this.#orgExists(org)) throw new HttpError(404, 'Not Found');
    const type = query.get('type') ?? 'all';
    const sort = query.get('sort') ?? 'created';
    const direction = query.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
    const repos = [...this.#repos.values()]
      .filter((repo) => repo.owner.toLowerCase() === org)
      .filter((repo) => type === 'all' || type === 'sources' || type === 'member' || repo.settings.visibility === type)
      .sort((a, b) => (sort === 'full_name' ? `${a.owner}/${a.name}`.localeCompare(`${b.owner}/${b.name}`) : a.id - b.id));
    if (direction === 'desc') repos.reverse();
    return paginate(repos, query);
  }

  #pull(repo: FakeRepo, number: string | undefined): FakePull {
    const pull = repo.pulls.get(Number(number));
    if (!pull) throw new HttpError(404, 'Not Found');
    return pull;
  }

  #commit(sha: string): Commit {
    const commit = this.#commits.get(sha);
    if (!commit) throw new HttpError(422, `No commit found for SHA: ${sha}`);
    return commit;
  }

  /** A SHA, a branch name, or `sha:path`-free refs; 404 for anything else, like GitHub. */
  #resolve(repo: FakeRepo, ref: string): string {
    const branch = repo.branches.get(ref.replace(/^refs\/heads\//, ''));
    if (branch) return branch;
    if (this.#commits.has(ref)) return ref;
    throw new HttpError(404, `No commit found for the ref ${ref}`);
  }

  #mergeBase(a: string, b: string): string {
    const ancestors = new Set<string>();
    const walk = [a];
    while (walk.length > 0) {
      const sha = walk.pop() as string;
      if (ancestors.has(sha)) continue;
      ancestors.add(sha);
      walk.push(...this.#commit(sha).parents);
    }
    const queue = [b];
    while (queue.length > 0) {
      const sha = queue.shift() as string;
      if (ancestors.has(sha)) return sha;
      queue.push(...this.#commit(sha).parents);
    }
    throw new HttpError(404, 'No common ancestor');
  }

  #diffFiles(repo: FakeRepo, baseSha: string, headSha: string): GitHubFileEntry[] {
    const base = this.#commit(baseSha).files;
    const head = this.#commit(headSha).files;
    const paths = [...new Set([...base.keys(), ...head.keys()])].sort();
    const files: GitHubFileEntry[] = [];
    for (const path of paths) {
      const before = base.get(path);
      const after = head.get(path);
      if (before && after && before.equals(after)) continue;
      const status = !before ? 'added' : !after ? 'removed' : 'modified';
      const blob = after ?? before ?? Buffer.alloc(0);
      const links = {
        sha: gitBlobSha(blob),
        blob_url: `https://github.com/${repo.owner}/${repo.name}/blob/${headSha}/${path}`,
        raw_url: `https://github.com/${repo.owner}/${repo.name}/raw/${headSha}/${path}`,
        contents_url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/contents/${encodeURIComponent(path)}?ref=${headSha}`,
      };
      if ((before && isBinary(before)) || (after && isBinary(after))) {
        // GitHub sends no patch, and no line counts, for binary files.
        files.push({ ...links, filename: path, status, additions: 0, deletions: 0, changes: 0 });
        continue;
      }
      const diff = lineDiff(before?.toString('utf8') ?? '', after?.toString('utf8') ?? '');
      files.push({ ...links, filename: path, status, additions: diff.additions, deletions: diff.deletions, changes: diff.additions + diff.deletions, patch: diff.patch });
    }
    return files;
  }

  #contents(repo: FakeRepo, path: string, ref: string | null): unknown {
    const sha = this.#resolve(repo, ref ?? repo.defaultBranch);
    const files = this.#commit(sha).files;
    const blob = files.get(path);
    if (blob) {
      const inline = blob.byteLength <= CONTENTS_INLINE_LIMIT;
      return {
        type: 'file',
        encoding: inline ? 'base64' : 'none',
        size: blob.byteLength,
        name: path.split('/').pop(),
        path,
        content: inline ? (blob.toString('base64').match(/.{1,60}/g) ?? []).join('\n') : '',
        sha: gitBlobSha(blob),
        url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/contents/${path}?ref=${sha}`,
        git_url: null,
        html_url: null,
        download_url: null,
        _links: { self: '', git: null, html: null },
      };
    }
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Map<string, { type: 'file' | 'dir'; size: number }>();
    for (const [candidate, content] of files) {
      if (!candidate.startsWith(prefix)) continue;
      const [name, ...rest] = candidate.slice(prefix.length).split('/');
      if (name !== undefined) children.set(name, rest.length > 0 ? { type: 'dir', size: 0 } : { type: 'file', size: content.byteLength });
    }
    if (children.size === 0) throw new HttpError(404, 'Not Found');
    return [...children].map(([name, child]) => ({ type: child.type, size: child.size, name, path: `${prefix}${name}`, sha: '0'.repeat(40) }));
  }

  #tree(repo: FakeRepo, treeSha: string, recursive: boolean): unknown {
    const [commitSha, dir = ''] = decodeTreeSha(treeSha);
    const sha = this.#resolve(repo, commitSha);
    const files = this.#commit(sha).files;
    const prefix = dir === '' ? '' : `${dir}/`;
    const entries = new Map<string, { type: 'blob' | 'tree'; size?: number; sha: string }>();
    for (const [path, content] of files) {
      if (!path.startsWith(prefix)) continue;
      const parts = path.slice(prefix.length).split('/');
      const depth = recursive ? parts.length : 1;
      for (let index = 1; index <= depth; index++) {
        const relative = parts.slice(0, index).join('/');
        const isBlob = index === parts.length;
        const fullPath = `${prefix}${relative}`;
        entries.set(relative, isBlob ? { type: 'blob', size: content.byteLength, sha: gitBlobSha(content) } : { type: 'tree', sha: encodeTreeSha(sha, fullPath) });
      }
    }
    let tree = [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([path, entry]) => ({ path, mode: entry.type === 'tree' ? '040000' : '100644', ...entry, url: '' }));
    const truncated = recursive && repo.truncateTrees;
    if (truncated) tree = tree.slice(0, Math.ceil(tree.length / 2));
    return { sha: treeSha, url: '', tree, truncated };
  }

  #compare(repo: FakeRepo, base: string, head: string): unknown {
    const mergeBase = this.#mergeBase(base, head);
    const commits: string[] = [];
    for (let sha: string | undefined = head; sha && sha !== mergeBase; sha = this.#commit(sha).parents[0]) commits.unshift(sha);
    return {
      url: '',
      html_url: '',
      permalink_url: '',
      diff_url: '',
      patch_url: '',
      base_commit: commitJson(base),
      merge_base_commit: commitJson(mergeBase),
      status: mergeBase === base ? (head === base ? 'identical' : 'ahead') : 'diverged',
      ahead_by: commits.length,
      behind_by: 0,
      total_commits: commits.length,
      commits: commits.map(commitJson),
      files: this.#diffFiles(repo, mergeBase, head).slice(0, 300),
    };
  }

  #repoJson(repo: FakeRepo): Record<string, unknown> {
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: false,
      owner: { login: repo.owner, id: repo.id + 1, type: 'Organization' },
      html_url: `https://github.com/${repo.owner}/${repo.name}`,
      default_branch: repo.defaultBranch,
    };
  }

  /** The `minimal-repository` shape GitHub lists repositories in, every required field present. */
  #minimalRepoJson(repo: FakeRepo): Record<string, unknown> {
    const api = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}`;
    const settings = repo.settings;
    const security = settings.securityAndAnalysis;
    return {
      ...Object.fromEntries(REPOSITORY_URL_FIELDS.map((field) => [field, `${api}/${field.replace(/_url$/, '').replace(/_/g, '/')}`])),
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: simpleUser(repo.owner, repo.id + 1, 'Organization'),
      private: settings.visibility !== 'public',
      visibility: settings.visibility,
      html_url: `https://github.com/${repo.owner}/${repo.name}`,
      description: settings.description,
      fork: false,
      url: api,
      default_branch: repo.defaultBranch,
      archived: settings.archived,
      disabled: false,
      topics: settings.topics,
      language: settings.language,
      pushed_at: settings.pushedAt,
      created_at: FAKE_TIME,
      updated_at: FAKE_TIME,
      permissions: { admin: settings.admin, maintain: settings.admin, push: settings.admin, triage: true, pull: true },
      ...(security
        ? {
            security_and_analysis: {
              secret_scanning: { status: security.secretScanning ? 'enabled' : 'disabled' },
              secret_scanning_push_protection: { status: security.pushProtection ? 'enabled' : 'disabled' },
              dependabot_security_updates: { status: security.dependabotSecurityUpdates ? 'enabled' : 'disabled' },
            },
          }
        : {}),
    };
  }

  #protectionJson(repo: FakeRepo, branch: string, protection: FakeBranchProtection): Record<string, unknown> {
    const url = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/branches/${encodeURIComponent(branch)}/protection`;
    const checks = protection.requiredStatusChecks;
    const reviews = protection.requiredApprovingReviews;
    return {
      url,
      enabled: true,
      name: branch,
      protection_url: url,
      enforce_admins: { url: `${url}/enforce_admins`, enabled: protection.enforceAdmins ?? false },
      ...(checks
        ? { required_status_checks: { url: `${url}/required_status_checks`, strict: true, contexts: checks, checks: checks.map((context) => ({ context, app_id: null })), contexts_url: `${url}/required_status_checks/contexts` } }
        : {}),
      ...(reviews !== undefined && reviews !== null
        ? { required_pull_request_reviews: { url: `${url}/required_pull_request_reviews`, dismiss_stale_reviews: false, require_code_owner_reviews: false, required_approving_review_count: reviews } }
        : {}),
      required_linear_history: { enabled: false },
      allow_force_pushes: { enabled: false },
      allow_deletions: { enabled: false },
    };
  }

  #workflowJson(repo: FakeRepo, workflow: FakeWorkflow): Record<string, unknown> {
    return {
      id: workflow.id,
      node_id: `W_${workflow.id}`,
      name: workflow.name,
      path: workflow.path,
      state: workflow.state,
      created_at: FAKE_TIME,
      updated_at: FAKE_TIME,
      url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/actions/workflows/${workflow.id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/blob/${repo.defaultBranch}/${workflow.path}`,
      badge_url: `https://github.com/${repo.owner}/${repo.name}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
    };
  }

  #runJsonForWorkflow(repo: FakeRepo, run: FakeWorkflowRun): Record<string, unknown> {
    const workflow = repo.workflows.find((candidate) => candidate.id === run.workflowId);
    const api = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`;
    return {
      id: run.id,
      node_id: `WFR_${run.id}`,
      name: workflow?.name ?? null,
      head_branch: run.headBranch,
      head_sha: run.headSha,
      path: workflow?.path ?? '',
      display_title: workflow?.name ?? 'run',
      run_number: run.id,
      event: run.event,
      status: run.status,
      conclusion: run.conclusion,
      workflow_id: run.workflowId,
      url: api,
      html_url: `https://github.com/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
      created_at: run.createdAt,
      updated_at: run.createdAt,
      jobs_url: `${api}/jobs`,
      logs_url: `${api}/logs`,
      check_suite_url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/check-suites/${run.id}`,
      artifacts_url: `${api}/artifacts`,
      cancel_url: `${api}/cancel`,
      rerun_url: `${api}/rerun`,
      workflow_url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/actions/workflows/${run.workflowId}`,
      pull_requests: [],
      head_commit: null,
      repository: this.#minimalRepoJson(repo),
      head_repository: this.#minimalRepoJson(repo),
    };
  }

  #teamJson(team: FakeTeam): Record<string, unknown> {
    const api = `${API_ORIGIN}/organizations/1/team/${team.id}`;
    return {
      id: team.id,
      node_id: `T_${team.id}`,
      url: api,
      html_url: `https://github.com/orgs/${team.org}/teams/${team.slug}`,
      members_url: `${api}/members{/member}`,
      repositories_url: `${api}/repos`,
      name: team.name,
      slug: team.slug,
      description: team.description,
      privacy: team.privacy,
      permission: team.permission,
      parent: null,
      type: 'organization',
    };
  }

  #issueJson(repo: FakeRepo, issue: FakeIssue): Record<string, unknown> {
    const api = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}`;
    return {
      id: issue.id,
      node_id: `I_${issue.id}`,
      number: issue.number,
      url: `${api}/issues/${issue.number}`,
      repository_url: api,
      labels_url: `${api}/issues/${issue.number}/labels{/name}`,
      comments_url: `${api}/issues/${issue.number}/comments`,
      events_url: `${api}/issues/${issue.number}/events`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${issue.number}`,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.stateReason,
      locked: false,
      user: simpleUser(issue.user.login, issue.user.id, issue.user.type),
      labels: issue.labels.map((name) => ({ id: labelId(name), node_id: `LA_${labelId(name)}`, url: `${api}/labels/${encodeURIComponent(name)}`, name, description: null, color: 'ededed', default: false })),
      assignee: null,
      assignees: [],
      milestone: null,
      comments: this.commentsOn(repo, issue.number).length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: issue.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    };
  }

  #pullJson(repo: FakeRepo, pull: FakePull): Record<string, unknown> {
    const [headOwner = repo.owner, headName = repo.name] = pull.headRepo.split('/');
    const files = pull.files ?? this.#diffFiles(repo, this.#mergeBase(pull.base.sha, pull.head.sha), pull.head.sha);
    return {
      url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`,
      id: 100000 + pull.number,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      user: { login: pull.author, id: 1, type: 'User' },
      labels: pull.labels.map((name, index) => ({ id: index + 1, name, color: 'ededed', default: false })),
      head: { label: `${headOwner}:${pull.head.ref}`, ref: pull.head.ref, sha: pull.head.sha, repo: { ...this.#repoJson(repo), name: headName, full_name: pull.headRepo, owner: { login: headOwner, id: 7, type: 'User' } } },
      base: { label: `${repo.owner}:${pull.base.ref}`, ref: pull.base.ref, sha: pull.base.sha, repo: this.#repoJson(repo) },
      changed_files: pull.changedFiles ?? files.length,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
      commits: 1,
    };
  }

  #hookDeliveryJson(delivery: FakeHookDelivery): Record<string, unknown> {
    const payload = delivery.payload as { action?: unknown; installation?: { id?: unknown }; repository?: { id?: unknown } };
    return {
      id: delivery.id,
      guid: delivery.guid,
      delivered_at: delivery.deliveredAt,
      redelivery: delivery.redelivery,
      duration: 0.05,
      status: delivery.statusCode < 400 ? 'OK' : 'Invalid HTTP Response: ' + String(delivery.statusCode),
      status_code: delivery.statusCode,
      event: delivery.event,
      action: typeof payload.action === 'string' ? payload.action : null,
      installation_id: typeof payload.installation?.id === 'number' ? payload.installation.id : null,
      repository_id: typeof payload.repository?.id === 'number' ? payload.repository.id : null,
      throttled_at: null,
    };
  }

  #runJson(repo: FakeRepo, run: FakeCheckRun): Record<string, unknown> {
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      external_id: run.external_id,
      name: run.name,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at,
      completed_at: run.completed_at,
      url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/runs/${run.id}`,
      details_url: null,
      output: { ...run.output, annotations_count: run.annotations.length, annotations_url: '' },
      check_suite: { id: 1 },
      app: { id: run.app_id, slug: run.app_id === this.appId ? this.appSlug : 'other-app', name: 'App' },
      pull_requests: [],
    };
  }

  #commentJson(repo: FakeRepo, comment: FakeComment): Record<string, unknown> {
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      user: comment.user,
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${comment.issue_number}#issuecomment-${comment.id}`,
      issue_url: `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/issues/${comment.issue_number}`,
      author_association: comment.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    };
  }
}

interface ReviewInput {
  commit_id?: string;
  body?: string;
  event?: string;
  comments?: Array<{ path: string; body: string; position?: number; line?: number; side?: string; start_line?: number; start_side?: string }>;
}

type PlacedComment = Pick<FakeReviewComment, 'path' | 'line' | 'side' | 'start_line' | 'start_side' | 'body'>;

/** Where GitHub would put one comment of a new review, or the 422 it answers when the lines are not on the diff. */
function placeReviewComment(comment: NonNullable<ReviewInput['comments']>[number], files: GitHubFileEntry[], index: number): PlacedComment {
  const where = `comments[${index}] (${comment.path})`;
  const refuse = (reason: string) => new HttpError(422, `Unprocessable Entity: ${where}: ${reason}`);
  if (comment.position !== undefined) throw refuse('the fake places comments by line, not by diff position');
  if (comment.line === undefined) throw refuse('line is required');
  const side = comment.side ?? 'RIGHT';
  const startSide = comment.start_side ?? (comment.start_line !== undefined ? side : undefined);
  if (side !== 'LEFT' && side !== 'RIGHT') throw refuse(`side must be LEFT or RIGHT, not ${side}`);
  if (startSide !== undefined && startSide !== 'LEFT' && startSide !== 'RIGHT') throw refuse(`start_side must be LEFT or RIGHT, not ${startSide}`);
  if (startSide !== undefined && comment.start_line === undefined) throw refuse('start_side needs start_line');
  const file = files.find((candidate) => candidate.filename === comment.path);
  if (!file?.patch) throw refuse('Path could not be resolved');
  const hunks = patchHunks(file.patch);
  const hunkOf = (line: number, onSide: 'LEFT' | 'RIGHT') =>
    hunks.findIndex((hunk) => {
      const [start, length] = onSide === 'RIGHT' ? [hunk.headStart, hunk.headLines] : [hunk.baseStart, hunk.baseLines];
      return length > 0 && start <= line && line < start + length;
    });
  const endHunk = hunkOf(comment.line, side);
  if (endHunk < 0) throw refuse('pull_request_review_thread.line must be part of the diff');
  if (comment.start_line !== undefined) {
    if (comment.start_line >= comment.line) throw refuse('pull_request_review_thread.start_line must precede the end line');
    if (hunkOf(comment.start_line, startSide as 'LEFT' | 'RIGHT') !== endHunk) throw refuse('pull_request_review_thread.start_line must be part of the same hunk as the line');
  }
  return {
    path: comment.path,
    line: comment.line,
    side,
    start_line: comment.start_line ?? null,
    start_side: (startSide as 'LEFT' | 'RIGHT' | undefined) ?? null,
    body: comment.body,
  };
}

/** Hunk headers of a file patch (`@@ -a,b +c,d @@`; a missing count means 1). */
function patchHunks(patch: string): Array<{ baseStart: number; baseLines: number; headStart: number; headLines: number }> {
  const hunks = [];
  for (const match of patch.matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)) {
    hunks.push({ baseStart: Number(match[1]), baseLines: Number(match[2] ?? 1), headStart: Number(match[3]), headLines: Number(match[4] ?? 1) });
  }
  return hunks;
}

/** The `*_url` fields GitHub's `minimal-repository` requires (besides `url` and `html_url`). */
const REPOSITORY_URL_FIELDS = [
  'archive_url', 'assignees_url', 'blobs_url', 'branches_url', 'collaborators_url', 'comments_url', 'commits_url', 'compare_url',
  'contents_url', 'contributors_url', 'deployments_url', 'downloads_url', 'events_url', 'forks_url', 'git_commits_url', 'git_refs_url',
  'git_tags_url', 'hooks_url', 'issue_comment_url', 'issue_events_url', 'issues_url', 'keys_url', 'labels_url', 'languages_url',
  'merges_url', 'milestones_url', 'notifications_url', 'pulls_url', 'releases_url', 'stargazers_url', 'statuses_url', 'subscribers_url',
  'subscription_url', 'tags_url', 'teams_url', 'trees_url',
] as const;

/** GitHub's `simple-user` with every required field. */
function simpleUser(login: string, id: number, type: string): Record<string, unknown> {
  const api = `${API_ORIGIN}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}`,
    gravatar_id: '',
    url: api,
    html_url: `https://github.com/${encodeURIComponent(login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    site_admin: false,
  };
}

function labelNames(labels: Array<string | { name?: string }> | undefined): string[] {
  return [...new Set((labels ?? []).map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).filter((name) => name !== ''))];
}

/** Labels are created on first use; a stable id per name is all the fake needs. */
function labelId(name: string): number {
  return Number.parseInt(createHash('sha1').update(name).digest('hex').slice(0, 8), 16);
}

function repoKey(repo: FakeRepo): string {
  return `${repo.owner}/${repo.name}`.toLowerCase();
}

function parseBody(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function paginate<T>(items: T[], query: URLSearchParams): T[] {
  const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
  const page = Math.max(Number(query.get('page') ?? 1), 1);
  return items.slice((page - 1) * perPage, page * perPage);
}

function latestPerName(runs: FakeCheckRun[]): FakeCheckRun[] {
  const latest = new Map<string, FakeCheckRun>();
  for (const run of runs) {
    const seen = latest.get(run.name);
    if (!seen || run.id > seen.id) latest.set(run.name, run);
  }
  return [...latest.values()];
}

/** Create and update requests share fields; annotations accumulate across updates, as on GitHub. */
function applyRunUpdate(run: FakeCheckRun, input: Record<string, unknown>): void {
  if (typeof input.name === 'string') run.name = input.name;
  if (typeof input.status === 'string') run.status = input.status;
  if (typeof input.external_id === 'string') run.external_id = input.external_id;
  if (typeof input.conclusion === 'string') {
    run.conclusion = input.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed') run.completed_at = typeof input.completed_at === 'string' ? input.completed_at : FAKE_TIME;
  const output = input.output as { title?: string; summary?: string; text?: string; annotations?: Array<Record<string, unknown>> } | undefined;
  if (output) {
    if (output.title !== undefined) run.output.title = output.title;
    if (output.summary !== undefined) run.output.summary = output.summary;
    if (output.text !== undefined) run.output.text = output.text;
    run.annotations.push(...(output.annotations ?? []));
  }
}

interface TreeInput {
  base_tree?: string;
  tree: Array<{ path?: string; mode?: string; type?: string; sha?: string | null; content?: string }>;
}

interface CommitInput {
  message: string;
  tree: string;
  parents?: string[];
  author?: { name?: string; email?: string; date?: string };
}

function refJson(repo: FakeRepo, branch: string, sha: string): Record<string, unknown> {
  const api = `${API_ORIGIN}/repos/${repo.owner}/${repo.name}/git`;
  return { ref: `refs/heads/${branch}`, node_id: `REF_${branch}`, url: `${api}/refs/heads/${branch}`, object: { type: 'commit', sha, url: `${api}/commits/${sha}` } };
}

function commitJson(sha: string): Record<string, unknown> {
  return { sha, node_id: `C_${sha}`, url: '', html_url: '', comments_url: '', commit: { message: '', tree: { sha, url: '' } }, parents: [] };
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

function gitBlobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

/** Sub-tree SHAs name the commit and the folder, so the fake can list a folder from its tree SHA alone. */
function encodeTreeSha(commitSha: string, dir: string): string {
  return `${commitSha}-${Buffer.from(dir).toString('hex')}`;
}

function decodeTreeSha(treeSha: string): [string, string?] {
  const [commitSha = '', dirHex] = treeSha.split('-');
  return dirHex ? [commitSha, Buffer.from(dirHex, 'hex').toString('utf8')] : [commitSha];
}

/**
 * Additions, deletions and a one-hunk patch from the common prefix and suffix of two texts: the
 * shape GitHub reports, without a full diff algorithm.
 */
function lineDiff(before: string, after: string): { additions: number; deletions: number; patch: string } {
  const a = splitLines(before);
  const b = splitLines(after);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const removed = a.slice(prefix, a.length - suffix);
  const added = b.slice(prefix, b.length - suffix);
  const baseStart = removed.length === 0 ? prefix : prefix + 1;
  const headStart = added.length === 0 ? prefix : prefix + 1;
  const header = `@@ -${baseStart},${removed.length} +${headStart},${added.length} @@`;
  const patch = [header, ...removed.map((line) => `-${line}`), ...added.map((line) => `+${line}`)].join('\n');
  return { additions: added.length, deletions: removed.length, patch };
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
