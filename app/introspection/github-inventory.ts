import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { errorMessage, httpStatus, silentLog, type EventLog, type GitHubClient } from '../github/client.js';
import { FAILING_CONCLUSIONS, githubRepositoryRisks } from './github-rules.js';
import type { InventoryObject, Risk, UnreadableKind } from './types.js';

/**
 * The GitHub half of the nightly inventory: every repository of an organisation with the settings
 * that decide how safe a change to it is (branch protection or rulesets, CI on the default branch,
 * secret scanning, Dependabot alerts, CODEOWNERS, Platform Kit config), read over the REST API.
 *
 * What the token cannot read is reported as `'unknown'` with the reason, never as "off": GitHub
 * answers several of these endpoints with a plain 404 both for "not enabled" and for "you may not
 * see this", so a 404 counts as "off" only where the token is known to hold the right to read it.
 */

const PAGE_SIZE = 100;
/** A safety stop for a listing that never ends (a misbehaving proxy); 100,000 items per listing. */
const MAX_PAGES = 1000;
/** The file app/config/load.ts reads (CONFIG_PATH); not imported, so the scan does not load the check registry. */
const PLATFORM_KIT_CONFIG_FILE = 'platform-kit.yml';
/** Spec bundle roots: the spec-bundle check's default layout and the common plural. */
const SPEC_ROOTS = ['spec', 'specs'];
/** Where GitHub looks for CODEOWNERS, in its order: the first one found is the one in force. */
const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

/** `true`/`false` when GitHub said so, `'unknown'` when the token could not read it. */
export type Tristate = boolean | 'unknown';

export interface BranchProtectionSummary {
  /** `branch-protection` when a classic rule exists (rulesets merged into it), `rulesets` when only rulesets apply. */
  source: 'branch-protection' | 'rulesets' | 'none' | 'unknown';
  /** Approving reviews a pull request needs; null when no rule asks for pull requests (or unknown). */
  required_reviews: number | null;
  required_status_checks: string[];
  /** Whether admins are bound too; null for rulesets, whose bypass list needs write access to read. */
  enforce_admins: boolean | null;
}

export interface WorkflowSummary {
  name: string;
  path: string;
  state: string;
}

export interface DefaultBranchCi {
  conclusion: string;
  run_url: string;
  workflow: string;
}

export interface RepositoryAttributes {
  visibility: string;
  archived: boolean;
  default_branch: string;
  topics: string[];
  language: string | null;
  description: string | null;
  pushed_at: string | null;
  /** False when the token cannot read the repository beyond its listing; every other field is then unknown. */
  readable: boolean;
  reason?: string;
  protection: BranchProtectionSummary;
  workflows: WorkflowSummary[];
  /** The worst of the newest completed default-branch run of each workflow; null when there is none. */
  default_branch_ci: DefaultBranchCi | null;
  security: { secret_scanning: Tristate; push_protection: Tristate; dependabot_alerts: Tristate };
  /** The CODEOWNERS file GitHub uses, or null. */
  codeowners: string | null;
  platform_kit_config: boolean;
  /** A `spec/` or `specs/` folder at the root. */
  spec_bundles: boolean;
  /** Fields that could not be read, with why: `protection`, `workflows`, `default_branch_ci`, `security.*`, `files`. */
  unknown: Record<string, string>;
}

export interface RepositoryInventory {
  /** `owner/name`, as GitHub spells it. */
  identity: string;
  owner: string;
  name: string;
  attributes: RepositoryAttributes;
  /** Per workflow: the newest completed default-branch run, if any. */
  workflowRuns: Array<WorkflowSummary & { conclusion: string | null; run_url: string | null }>;
}

export interface GitHubScanOptions {
  /** Repositories read at the same time (default 4): GitHub asks integrations not to fan out. */
  concurrency?: number;
  /** List the org's teams (needs `read:org`; default true). */
  teams?: boolean;
  log?: EventLog;
  onProgress?: (done: number, total: number, repository: string) => void;
}

export interface GitHubInventory {
  org: string;
  objects: InventoryObject[];
  risks: Risk[];
  /** What the token could not read: a repository, an org-level listing, a setting on some repositories. */
  unreadable: UnreadableKind[];
  repositories: RepositoryInventory[];
}

type ListedRepository = Awaited<ReturnType<typeof listOrgRepositories>>[number];

/** Scans every repository of `org` (archived ones too: they are listed, but raise no risks). */
export async function scanGitHubOrg(octokit: GitHubClient, org: string, options: GitHubScanOptions = {}): Promise<GitHubInventory> {
  const log = options.log ?? silentLog;
  const listed = await listOrgRepositories(octokit, org);
  log.info({ org, repositories: listed.length }, 'organisation repositories listed');
  let done = 0;
  const repositories = await mapWithConcurrency(listed, Math.max(1, options.concurrency ?? 4), async (repository) => {
    const scanned = await scanRepository(octokit, repository);
    done += 1;
    options.onProgress?.(done, listed.length, scanned.identity);
    return scanned;
  });

  const unreadable: UnreadableKind[] = [];
  const objects: InventoryObject[] = [];
  for (const repository of repositories) {
    objects.push({ object_type: 'repository', schema_name: null, name: repository.name, identity: repository.identity, attributes: { ...repository.attributes } });
    for (const run of repository.workflowRuns) {
      objects.push({
        object_type: 'workflow',
        schema_name: null,
        name: run.name,
        identity: `${repository.identity}/${run.path}`,
        attributes: { repository: repository.identity, path: run.path, state: run.state, default_branch_conclusion: run.conclusion, run_url: run.run_url },
      });
    }
    if (!repository.attributes.readable) unreadable.push({ kind: `repository ${repository.identity}`, reason: repository.attributes.reason ?? 'not readable' });
  }
  unreadable.push(...summariseUnknownFields(repositories));

  if (options.teams ?? true) {
    const teams = await listTeams(octokit, org);
    if ('reason' in teams) unreadable.push({ kind: 'teams', reason: teams.reason });
    else objects.push(...teams.objects);
  }

  return { org, objects, risks: repositories.flatMap((repository) => githubRepositoryRisks(repository)), unreadable, repositories };
}

async function listOrgRepositories(octokit: GitHubClient, org: string) {
  try {
    return await allPages(async (page) => {
      const { data } = await octokit.request('GET /orgs/{org}/repos', { org, type: 'all', sort: 'full_name', direction: 'asc', per_page: PAGE_SIZE, page });
      return { items: data };
    });
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) throw new Error(`GitHub organisation "${org}" not found, or not visible to this token (GET /orgs/${org}/repos answered 404)`);
    if (status === 401 || status === 403) throw new Error(`the token may not list the repositories of "${org}" (GET /orgs/${org}/repos answered ${status}: ${responseMessage(error)})`);
    throw error;
  }
}

async function scanRepository(octokit: GitHubClient, listed: ListedRepository): Promise<RepositoryInventory> {
  const owner = listed.owner.login;
  const name = listed.name;
  const ref = { owner, repo: name };
  const branch = listed.default_branch ?? 'main';
  const unknown: Record<string, string> = {};
  const attributes: RepositoryAttributes = {
    visibility: listed.visibility ?? (listed.private ? 'private' : 'public'),
    archived: listed.archived ?? false,
    default_branch: branch,
    topics: listed.topics ?? [],
    language: listed.language ?? null,
    description: listed.description ?? null,
    pushed_at: listed.pushed_at ?? null,
    readable: true,
    protection: { source: 'unknown', required_reviews: null, required_status_checks: [], enforce_admins: null },
    workflows: [],
    default_branch_ci: null,
    security: { secret_scanning: 'unknown', push_protection: 'unknown', dependabot_alerts: 'unknown' },
    codeowners: null,
    platform_kit_config: false,
    spec_bundles: false,
    unknown,
  };
  const inventory: RepositoryInventory = { identity: listed.full_name, owner, name, attributes, workflowRuns: [] };

  // The branch rules need only metadata read, which every token that can see the repository has:
  // when even they are refused, the repository itself is closed to the token (SSO, an IP allow list).
  let rules: BranchRule[] | undefined;
  try {
    rules = await allPages(async (page) => {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/rules/branches/{branch}', { ...ref, branch, per_page: PAGE_SIZE, page });
      return { items: data as BranchRule[] };
    });
  } catch (error) {
    const status = fieldFailure(error);
    if (status === 403 || status === 404) {
      attributes.readable = false;
      attributes.reason = `${status}: ${responseMessage(error)}`;
      for (const field of ['protection', 'workflows', 'default_branch_ci', 'security', 'files']) unknown[field] = attributes.reason;
      return inventory;
    }
    unknown.rulesets = `${status}: ${responseMessage(error)}`;
  }

  // `permissions` is in the listing for user tokens; an installation token may lack it (undefined: try and see).
  const admin = listed.permissions?.admin;
  const security = listed.security_and_analysis ?? null;
  const [classic, dependabot] = await Promise.all([readClassicProtection(octokit, ref, branch, admin), readDependabotAlerts(octokit, ref, admin === true || security !== null, admin)]);
  attributes.protection = combineProtection(classic, rules, unknown);
  attributes.security = {
    secret_scanning: enabled(security?.secret_scanning?.status),
    push_protection: enabled(security?.secret_scanning_push_protection?.status),
    dependabot_alerts: dependabot.value,
  };
  if (!security) unknown.security = 'security_and_analysis is only returned to repository admins and security managers';
  if (dependabot.reason) unknown['security.dependabot_alerts'] = dependabot.reason;

  await readWorkflows(octokit, ref, branch, inventory);
  await readFiles(octokit, ref, branch, attributes);
  return inventory;
}

interface BranchRule {
  type: string;
  parameters?: {
    required_approving_review_count?: number;
    required_status_checks?: Array<{ context: string }>;
  };
  ruleset_id?: number;
}

type ClassicProtection =
  | { state: 'present'; required_reviews: number | null; required_status_checks: string[]; enforce_admins: boolean }
  | { state: 'absent' }
  | { state: 'unknown'; reason: string };

/**
 * Classic protection needs admin rights to read. GitHub answers 404 "Branch not protected" when
 * there is none, but also a bare 404 (user tokens) or 403 (apps) when the token may not look.
 */
async function readClassicProtection(octokit: GitHubClient, ref: { owner: string; repo: string }, branch: string, admin: boolean | undefined): Promise<ClassicProtection> {
  const needsAdmin = 'reading branch protection needs admin access to the repository';
  if (admin === false) return { state: 'unknown', reason: needsAdmin };
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/branches/{branch}/protection', { ...ref, branch });
    const checks = data.required_status_checks;
    return {
      state: 'present',
      required_reviews: data.required_pull_request_reviews ? (data.required_pull_request_reviews.required_approving_review_count ?? 0) : null,
      required_status_checks: checks ? [...new Set([...(checks.contexts ?? []), ...(checks.checks ?? []).map((check) => check.context)])].sort() : [],
      enforce_admins: data.enforce_admins?.enabled ?? false,
    };
  } catch (error) {
    const status = fieldFailure(error);
    const message = responseMessage(error);
    if (status === 404 && /branch not protected/i.test(message)) return { state: 'absent' };
    if (status === 404 || status === 403) return { state: 'unknown', reason: `${needsAdmin} (GitHub answered ${status}: ${message})` };
    return { state: 'unknown', reason: `${status}: ${message}` };
  }
}

function combineProtection(classic: ClassicProtection, rules: BranchRule[] | undefined, unknown: Record<string, string>): BranchProtectionSummary {
  const ruleReviews = (rules ?? []).filter((rule) => rule.type === 'pull_request').map((rule) => rule.parameters?.required_approving_review_count ?? 0);
  const ruleChecks = (rules ?? []).flatMap((rule) => (rule.type === 'required_status_checks' ? (rule.parameters?.required_status_checks ?? []).map((check) => check.context) : []));
  const maxReviews = (values: Array<number | null>) => {
    const known = values.filter((value): value is number => value !== null);
    return known.length > 0 ? Math.max(...known) : null;
  };
  if (classic.state === 'present') {
    return {
      source: 'branch-protection',
      required_reviews: maxReviews([classic.required_reviews, ...ruleReviews]),
      required_status_checks: [...new Set([...classic.required_status_checks, ...ruleChecks])].sort(),
      enforce_admins: classic.enforce_admins,
    };
  }
  if (rules && rules.length > 0) {
    return { source: 'rulesets', required_reviews: maxReviews(ruleReviews), required_status_checks: [...new Set(ruleChecks)].sort(), enforce_admins: null };
  }
  if (classic.state === 'absent' && rules) return { source: 'none', required_reviews: null, required_status_checks: [], enforce_admins: null };
  unknown.protection = classic.state === 'unknown' ? classic.reason : (unknown.rulesets ?? 'not readable');
  return { source: 'unknown', required_reviews: null, required_status_checks: [], enforce_admins: null };
}

/**
 * Dependabot alerts: 204 enabled, 404 disabled, but also 404 for a token without admin read access;
 * a 404 counts as "disabled" only when the token is known to be admin or security manager.
 */
async function readDependabotAlerts(
  octokit: GitHubClient,
  ref: { owner: string; repo: string },
  privileged: boolean,
  admin: boolean | undefined,
): Promise<{ value: Tristate; reason?: string }> {
  const needsAdmin = 'reading Dependabot alert settings needs admin access to the repository';
  if (admin === false && !privileged) return { value: 'unknown', reason: needsAdmin };
  try {
    await octokit.request('GET /repos/{owner}/{repo}/vulnerability-alerts', ref);
    return { value: true };
  } catch (error) {
    const status = fieldFailure(error);
    if (status === 404 && privileged) return { value: false };
    return { value: 'unknown', reason: status === 404 || status === 403 ? `${needsAdmin} (GitHub answered ${status})` : `${status}: ${responseMessage(error)}` };
  }
}

async function readWorkflows(octokit: GitHubClient, ref: { owner: string; repo: string }, branch: string, inventory: RepositoryInventory): Promise<void> {
  const { attributes } = inventory;
  let workflows: Array<WorkflowSummary & { id: number }>;
  try {
    workflows = await allPages(async (page) => {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/workflows', { ...ref, per_page: PAGE_SIZE, page });
      return { items: data.workflows.map((workflow) => ({ id: workflow.id, name: workflow.name, path: workflow.path, state: workflow.state })), total: data.total_count };
    });
  } catch (error) {
    attributes.unknown.workflows = `${fieldFailure(error)}: ${responseMessage(error)}`;
    attributes.unknown.default_branch_ci = attributes.unknown.workflows;
    return;
  }
  attributes.workflows = workflows.map(({ name, path, state }) => ({ name, path, state }));
  if (workflows.length === 0) return;

  // The newest 100 completed runs on the default branch (one page: history beyond is not needed to know
  // where each workflow stands). Pull request events run on the PR's code, not the branch's: left out.
  let runs: Array<{ workflow_id: number; conclusion: string | null; html_url: string; event: string }>;
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs', { ...ref, branch, status: 'completed', exclude_pull_requests: true, per_page: PAGE_SIZE });
    runs = data.workflow_runs.filter((run) => !run.event.startsWith('pull_request'));
  } catch (error) {
    attributes.unknown.default_branch_ci = `${fieldFailure(error)}: ${responseMessage(error)}`;
    inventory.workflowRuns = workflows.map(({ name, path, state }) => ({ name, path, state, conclusion: null, run_url: null }));
    return;
  }
  const newest = new Map<number, (typeof runs)[number]>();
  for (const run of runs) if (!newest.has(run.workflow_id)) newest.set(run.workflow_id, run);
  inventory.workflowRuns = workflows.map(({ id, name, path, state }) => ({ name, path, state, conclusion: newest.get(id)?.conclusion ?? null, run_url: newest.get(id)?.html_url ?? null }));

  const latest = workflows
    .filter((workflow) => workflow.state === 'active' && newest.has(workflow.id))
    .map((workflow) => ({ workflow, run: newest.get(workflow.id) as (typeof runs)[number] }));
  const failing = latest.find(({ run }) => FAILING_CONCLUSIONS.has(run.conclusion ?? ''));
  const shown = failing ?? latest[0];
  attributes.default_branch_ci = shown ? { conclusion: shown.run.conclusion ?? 'unknown', run_url: shown.run.html_url, workflow: shown.workflow.name } : null;
}

/** CODEOWNERS, the Platform Kit config and spec roots from the root tree (and `.github/`, `docs/` when present). */
async function readFiles(octokit: GitHubClient, ref: { owner: string; repo: string }, branch: string, attributes: RepositoryAttributes): Promise<void> {
  const listTree = async (treeSha: string) => {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...ref, tree_sha: treeSha });
    return data.tree.map((entry) => ({ path: entry.path ?? '', type: entry.type ?? '', sha: entry.sha ?? '' }));
  };
  try {
    let root: Awaited<ReturnType<typeof listTree>>;
    try {
      root = await listTree(branch);
    } catch (error) {
      // 409: an empty repository has no tree, and so none of the files.
      if (httpStatus(error) === 409) return;
      throw error;
    }
    const present = new Set(root.filter((entry) => entry.type === 'blob').map((entry) => entry.path));
    for (const folder of ['.github', 'docs']) {
      const tree = root.find((entry) => entry.path === folder && entry.type === 'tree');
      // docs/ matters only for a CODEOWNERS not found in the two places GitHub looks first.
      if (!tree || (folder === 'docs' && (present.has('CODEOWNERS') || present.has('.github/CODEOWNERS')))) continue;
      for (const entry of await listTree(tree.sha)) if (entry.type === 'blob') present.add(`${folder}/${entry.path}`);
    }
    attributes.codeowners = CODEOWNERS_PATHS.find((path) => present.has(path)) ?? null;
    attributes.platform_kit_config = present.has(`.github/${PLATFORM_KIT_CONFIG_FILE}`);
    attributes.spec_bundles = root.some((entry) => entry.type === 'tree' && SPEC_ROOTS.includes(entry.path));
  } catch (error) {
    attributes.unknown.files = `${fieldFailure(error)}: ${responseMessage(error)}`;
  }
}

async function listTeams(octokit: GitHubClient, org: string): Promise<{ objects: InventoryObject[] } | { reason: string }> {
  try {
    const teams = await allPages(async (page) => {
      const { data } = await octokit.request('GET /orgs/{org}/teams', { org, per_page: PAGE_SIZE, page });
      return { items: data };
    });
    return {
      objects: teams.map((team) => ({
        object_type: 'team' as const,
        schema_name: null,
        name: team.name,
        identity: `${org}/${team.slug}`,
        attributes: { slug: team.slug, description: team.description, privacy: team.privacy ?? null, permission: team.permission, parent: team.parent?.slug ?? null },
      })),
    };
  } catch (error) {
    const status = fieldFailure(error);
    const hint = status === 403 || status === 404 ? ' (listing teams needs the read:org scope or the Members organisation permission)' : '';
    return { reason: `${status}: ${responseMessage(error)}${hint}` };
  }
}

/** One line per setting some repositories would not show, so a token without admin rights is visible in the report. */
function summariseUnknownFields(repositories: readonly RepositoryInventory[]): UnreadableKind[] {
  const readable = repositories.filter((repository) => repository.attributes.readable);
  const byField = new Map<string, { count: number; reason: string }>();
  for (const repository of readable) {
    for (const [field, reason] of Object.entries(repository.attributes.unknown)) {
      const entry = byField.get(field);
      if (entry) entry.count += 1;
      else byField.set(field, { count: 1, reason });
    }
  }
  const labels: Record<string, string> = {
    protection: 'branch protection',
    rulesets: 'branch rulesets',
    workflows: 'workflows',
    default_branch_ci: 'default-branch CI runs',
    security: 'secret scanning and push protection settings',
    'security.dependabot_alerts': 'Dependabot alert settings',
    files: 'repository files (CODEOWNERS, Platform Kit config, spec bundles)',
  };
  return [...byField].map(([field, { count, reason }]) => ({
    kind: labels[field] ?? field,
    reason: `${count} of ${readable.length} repositories; e.g. ${reason}`,
  }));
}

function enabled(status: string | undefined): Tristate {
  if (status === 'enabled') return true;
  if (status === 'disabled') return false;
  return 'unknown';
}

/** The HTTP status of a failed read of one field; anything that is not an HTTP answer is a bug and propagates. */
function fieldFailure(error: unknown): number {
  const status = httpStatus(error);
  if (status === undefined) throw error;
  return status;
}

/** GitHub's own `message` from an error response, or the error's text. */
function responseMessage(error: unknown): string {
  const data = (error as { response?: { data?: unknown } }).response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') return (data as { message: string }).message;
  return errorMessage(error);
}

/** Every page of a listing: page numbers until a short page (or the reported total). */
async function allPages<T>(fetchPage: (page: number) => Promise<{ items: T[]; total?: number }>): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { items, total } = await fetchPage(page);
    all.push(...items);
    if (items.length < PAGE_SIZE || (total !== undefined && all.length >= total)) break;
  }
  return all;
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface ActionClientOptions {
  log?: EventLog;
  /** Retries of one request after a primary or secondary rate limit (default 3). */
  rateLimitRetries?: number;
  /** Retries after a server error (default 3). */
  serverErrorRetries?: number;
  /**
   * The HTTP transport. Default: @actions/github's proxy-aware fetch (undici, honouring
   * HTTPS_PROXY on self-hosted runners). Tests pass the global fetch, which nock intercepts.
   */
  fetch?: typeof globalThis.fetch;
}

/**
 * An Octokit for the Actions: @actions/github's client with the throttling plugin (requests queued
 * so the primary limit is not hit, and a request that hits a primary or secondary rate limit waits
 * GitHub's `retry-after` and is retried a few times) and the retry plugin (server errors).
 */
export function githubClientForAction(token: string, options: ActionClientOptions = {}) {
  const log = options.log ?? silentLog;
  const maxRetries = options.rateLimitRetries ?? 3;
  const onLimit = (kind: string) => (retryAfter: number, request: { method?: string; url?: string }, _octokit: unknown, retryCount: number) => {
    const retrying = retryCount < maxRetries;
    log.warn({ method: request.method, url: request.url, retryAfter, retryCount }, `${kind} rate limit hit; ${retrying ? `retrying after ${retryAfter} s` : 'giving up'}`);
    return retrying;
  };
  return getOctokit(
    token,
    {
      ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
      throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
      retry: { retries: options.serverErrorRetries ?? 3 },
    },
    retry,
    throttling,
  );
}
