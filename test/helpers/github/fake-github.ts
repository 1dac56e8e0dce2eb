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

interface FakeRepo {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  branches: Map<string, string>;
  pulls: Map<number, FakePull>;
  /** Simulates a repository too big for one recursive tree response. */
  truncateTrees: boolean;
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
  readonly failures: Array<{ method: string; path: RegExp; status: number; times: number }> = [];

  readonly #validator: OpenApiValidator;
  readonly #repos = new Map<string, FakeRepo>();
  readonly #commits = new Map<string, Commit>();
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

  addRepo(input: { owner: string; name: string; defaultBranch?: string; truncateTrees?: boolean }): FakeRepo {
    const repo: FakeRepo = {
      owner: input.owner,
      name: input.name,
      id: this.#nextId++,
      defaultBranch: input.defaultBranch ?? 'main',
      branches: new Map(),
      pulls: new Map(),
      truncateTrees: input.truncateTrees ?? false,
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
    const respond = (status: number, data: unknown): [number, unknown, Record<string, string>] => {
      recorded.status = status;
      return [status, data ?? '', { 'content-type': 'application/json; charset=utf-8' }];
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
      return respond(failure.status, { message: 'Injected failure' });
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
    if (operation.operationId === 'apps/create-installation-access-token') {
      // A JSON Web Token signed with the App's key: three base64url parts.
      if (!/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(header)) throw new HttpError(401, 'A JSON web token could not be decoded');
      return;
    }
    const token = header.replace(/^(token|bearer) /i, '');
    if (!this.#tokens.has(token)) throw new HttpError(401, 'Bad credentials');
  }

  #dispatch(operation: MatchedOperation, query: URLSearchParams, body: unknown): [number, unknown] {
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
        this.#pull(repo, p.issue_number);
        const comments = this.commentsOn(repo, Number(p.issue_number)).sort((a, b) => a.id - b.id);
        return [200, paginate(comments, query).map((comment) => this.#commentJson(repo, comment))];
      }
      case 'issues/create-comment': {
        const repo = this.#repo(p);
        this.#pull(repo, p.issue_number);
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
      default:
        this.violations.push(`${operation.operationId} (${operation.template}) is a real GitHub route the fake does not serve`);
        throw new HttpError(404, 'Not Found');
    }
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
    return repo;
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
