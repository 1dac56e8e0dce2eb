import { createHash } from 'node:crypto';
import { silentLog, type EventLog, type GitHubClient, type RepoRef } from '../github/client.js';
import { RISK_SEVERITIES, type Risk, type RiskSeverity } from './types.js';

/**
 * One GitHub issue per policy (a risk rule) with findings at or above a severity: created when the
 * policy first fails, edited only when its findings change, closed with a comment when it is clean
 * again. An issue is recognised by the hidden key at the top of its body (the `platform-kit`
 * label narrows the listing), so a retitled issue is still found; when several open issues carry
 * the same key (two runs racing), the oldest stays and the others are closed as duplicates.
 */

export const POLICY_ISSUE_LABEL = 'platform-kit';
const PAGE_SIZE = 100;
/** Rows listed in an issue body; the rest are counted (GitHub caps a body at 65,536 characters). */
const MAX_LISTED_FINDINGS = 100;
const MAX_BODY = 60_000;
/** GitHub's limit on a label name. */
const MAX_LABEL = 50;

export type RisksByPolicy = ReadonlyMap<string, readonly Risk[]> | Readonly<Record<string, readonly Risk[]>>;

export interface PolicyIssueOptions {
  /** The least severe finding that keeps an issue open (default `critical`). */
  minSeverity?: RiskSeverity;
  /**
   * The policies this run evaluated. An open issue of a policy outside the scope is left alone (a
   * GitHub-only scan must not close the database policies' issues). Default: every policy.
   */
  scope?: (ruleId: string) => boolean;
  /** Labels added to every policy issue besides `platform-kit` and `policy:<rule>`. */
  labels?: readonly string[];
  /** A link to the full compliance report, shown in each issue. */
  reportUrl?: string;
  log?: EventLog;
}

export interface PolicyIssueResult {
  rule: string;
  action: 'created' | 'updated' | 'unchanged' | 'closed';
  issueNumber: number;
  /** Findings at or above the severity threshold (0 for a closed issue). */
  findings: number;
  /** Other open issues of the same policy, closed as duplicates of `issueNumber`. */
  closedDuplicates: number[];
}

interface OpenIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
}

/** The hidden key that ties an issue to its policy. */
export function policyIssueKey(ruleId: string): string {
  return `<!-- platform-kit:policy ${ruleId} -->`;
}

const KEY_PATTERN = /<!-- platform-kit:policy (\S+) -->/;

export function policyLabel(ruleId: string): string {
  return `policy:${ruleId}`.slice(0, MAX_LABEL);
}

/** Risks grouped by their rule, the unit an issue is kept for. */
export function groupRisksByPolicy(risks: readonly Risk[]): Map<string, Risk[]> {
  const groups = new Map<string, Risk[]>();
  for (const risk of risks) {
    const group = groups.get(risk.rule_id);
    if (group) group.push(risk);
    else groups.set(risk.rule_id, [risk]);
  }
  return groups;
}

export async function syncPolicyIssues(octokit: GitHubClient, repo: RepoRef, risksByPolicy: RisksByPolicy, options: PolicyIssueOptions = {}): Promise<PolicyIssueResult[]> {
  const log = options.log ?? silentLog;
  const threshold = RISK_SEVERITIES.indexOf(options.minSeverity ?? 'critical');
  const inScope = options.scope ?? (() => true);
  const failing = new Map<string, Risk[]>();
  for (const [rule, risks] of entries(risksByPolicy)) {
    const qualifying = risks.filter((risk) => RISK_SEVERITIES.indexOf(risk.severity) <= threshold);
    if (qualifying.length > 0 && inScope(rule)) failing.set(rule, [...qualifying].sort(byFingerprint));
  }

  const open = await listPolicyIssues(octokit, repo);
  const results: PolicyIssueResult[] = [];
  for (const rule of [...failing.keys()].sort()) {
    const risks = failing.get(rule) as Risk[];
    const title = issueTitle(rule, risks);
    const body = issueBody(rule, risks, options);
    const labels = [POLICY_ISSUE_LABEL, policyLabel(rule), ...(options.labels ?? [])];
    const [kept, ...duplicates] = open.get(rule) ?? [];
    if (!kept) {
      results.push(await createIssue(octokit, repo, { rule, title, body, labels, findings: risks.length }, log));
      continue;
    }
    const closedDuplicates = await closeDuplicates(octokit, repo, kept.number, duplicates);
    const missingLabels = labels.filter((label) => !kept.labels.includes(label));
    const changed = kept.body !== body || kept.title !== title || missingLabels.length > 0;
    if (changed) {
      await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        ...repo,
        issue_number: kept.number,
        title,
        body,
        ...(missingLabels.length > 0 ? { labels: [...kept.labels, ...missingLabels] } : {}),
      });
    }
    results.push({ rule, action: changed ? 'updated' : 'unchanged', issueNumber: kept.number, findings: risks.length, closedDuplicates });
  }

  for (const [rule, issues] of [...open].sort(([a], [b]) => a.localeCompare(b))) {
    if (failing.has(rule) || !inScope(rule)) continue;
    const severity = options.minSeverity ?? 'critical';
    for (const issue of issues) {
      await comment(octokit, repo, issue.number, `✅ Policy \`${rule}\` is clean again: the latest scan found no ${severity === 'critical' ? 'critical' : `${severity} or more severe`} findings. Closing.`);
      await close(octokit, repo, issue.number, 'completed');
      results.push({ rule, action: 'closed', issueNumber: issue.number, findings: 0, closedDuplicates: [] });
    }
  }
  log.info({ repo: `${repo.owner}/${repo.repo}`, results: results.map(({ rule, action, issueNumber }) => ({ rule, action, issueNumber })) }, 'policy issues synced');
  return results;
}

async function createIssue(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { rule: string; title: string; body: string; labels: string[]; findings: number },
  log: EventLog,
): Promise<PolicyIssueResult> {
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues', { ...repo, title: input.title, body: input.body, labels: input.labels });
  // Another run may have created one at the same moment: the oldest stays, whichever run notices.
  const [oldest, ...others] = (await listPolicyIssues(octokit, repo)).get(input.rule) ?? [];
  if (!oldest || oldest.number === data.number) {
    return { rule: input.rule, action: 'created', issueNumber: data.number, findings: input.findings, closedDuplicates: await closeDuplicates(octokit, repo, data.number, others) };
  }
  log.info({ rule: input.rule, kept: oldest.number, closed: data.number }, 'policy issue created concurrently elsewhere; kept the older one');
  const closedDuplicates = await closeDuplicates(octokit, repo, oldest.number, others);
  if (oldest.body !== input.body || oldest.title !== input.title) {
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...repo, issue_number: oldest.number, title: input.title, body: input.body });
  }
  return { rule: input.rule, action: 'updated', issueNumber: oldest.number, findings: input.findings, closedDuplicates };
}

async function closeDuplicates(octokit: GitHubClient, repo: RepoRef, kept: number, duplicates: readonly OpenIssue[]): Promise<number[]> {
  const closed: number[] = [];
  for (const duplicate of duplicates) {
    await comment(octokit, repo, duplicate.number, `Duplicate of #${kept}: Platform Kit keeps one open issue per policy.`);
    await close(octokit, repo, duplicate.number, 'duplicate');
    closed.push(duplicate.number);
  }
  return closed;
}

async function comment(octokit: GitHubClient, repo: RepoRef, issueNumber: number, body: string): Promise<void> {
  await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, body });
}

async function close(octokit: GitHubClient, repo: RepoRef, issueNumber: number, reason: 'completed' | 'duplicate'): Promise<void> {
  await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...repo, issue_number: issueNumber, state: 'closed', state_reason: reason });
}

/** Open, labelled issues carrying a policy key, grouped by policy, oldest first. */
async function listPolicyIssues(octokit: GitHubClient, repo: RepoRef): Promise<Map<string, OpenIssue[]>> {
  const byRule = new Map<string, OpenIssue[]>();
  for (let page = 1; ; page++) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues', {
      ...repo,
      state: 'open',
      labels: POLICY_ISSUE_LABEL,
      sort: 'created',
      direction: 'asc',
      per_page: PAGE_SIZE,
      page,
    });
    for (const issue of data) {
      if (issue.pull_request) continue;
      const rule = KEY_PATTERN.exec(issue.body ?? '')?.[1];
      if (!rule) continue;
      const labels = issue.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).filter((name) => name !== '');
      const entry = { number: issue.number, title: issue.title, body: issue.body ?? '', labels };
      const group = byRule.get(rule);
      if (group) group.push(entry);
      else byRule.set(rule, [entry]);
    }
    if (data.length < PAGE_SIZE) break;
  }
  for (const group of byRule.values()) group.sort((a, b) => a.number - b.number);
  return byRule;
}

function issueTitle(rule: string, risks: readonly Risk[]): string {
  const titles = new Set(risks.map((risk) => risk.title));
  const name = titles.size === 1 ? [...titles][0] : rule;
  return `Policy ${rule}: ${name}`.slice(0, 256);
}

/** Deterministic for the same findings (no timestamps), so an unchanged policy is not edited. */
export function issueBody(rule: string, risks: readonly Risk[], options: Pick<PolicyIssueOptions, 'reportUrl'> = {}): string {
  const digest = createHash('sha256');
  for (const risk of risks) digest.update(`${risk.fingerprint}\0${risk.severity}\0${risk.object_identity ?? ''}\0${risk.detail}\n`);
  const first = risks[0];
  const why = typeof first?.metadata.why === 'string' ? first.metadata.why : null;
  const fix = typeof first?.metadata.fix === 'string' ? first.metadata.fix : (first?.remediation?.description ?? null);
  const docs = typeof first?.metadata.docs === 'string' ? first.metadata.docs : null;
  const counts = RISK_SEVERITIES.map((severity) => [severity, risks.filter((risk) => risk.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(', ');
  const lines = [
    policyIssueKey(rule),
    `<!-- platform-kit:findings ${digest.digest('hex')} -->`,
    `## ${first?.title ?? rule}`,
    '',
    `The latest scan found **${risks.length} finding${risks.length === 1 ? '' : 's'}** (${counts}) of policy \`${rule}\`.`,
    '',
  ];
  if (why) lines.push(`**Why it matters:** ${why}`, '');
  if (fix) lines.push(`**How to fix:** ${fix}`, '');
  if (docs) lines.push(`[Documentation](${docs})`, '');
  lines.push('| Severity | Object | Finding |', '| --- | --- | --- |');
  let body = lines.join('\n');
  let listed = 0;
  for (const risk of risks.slice(0, MAX_LISTED_FINDINGS)) {
    const row = `\n| ${risk.severity} | ${risk.object_identity ? `\`${cell(risk.object_identity)}\`` : ''} | ${cell(risk.detail)} |`;
    if (body.length + row.length > MAX_BODY) break;
    body += row;
    listed += 1;
  }
  if (listed < risks.length) body += `\n\n…and ${risks.length - listed} more; see the compliance report.`;
  if (options.reportUrl) body += `\n\n[Full compliance report](${options.reportUrl})`;
  body += '\n\n_Kept up to date by Platform Kit: edited when the findings change, closed when the policy is clean again._\n';
  return body;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function byFingerprint(a: Risk, b: Risk): number {
  return a.fingerprint.localeCompare(b.fingerprint);
}

function entries(risksByPolicy: RisksByPolicy): Array<[string, readonly Risk[]]> {
  return risksByPolicy instanceof Map ? [...risksByPolicy] : Object.entries(risksByPolicy as Readonly<Record<string, readonly Risk[]>>);
}
