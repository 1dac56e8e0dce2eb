import { join } from 'node:path';
import type { InputOptions } from '@actions/core';
import { executeIntrospection, introspectionExitCode, type IntrospectionRun, type IntrospectRequest } from '../../app/cli/introspect.js';
import { controlPlaneFlagOfInput } from '../../app/control-plane/open-from-flag.js';
import type { GitHubClient } from '../../app/github/client.js';
import { githubClientForAction } from '../../app/introspection/github-inventory.js';
import { countAtOrAbove } from '../../app/introspection/introspect.js';
import { groupRisksByPolicy, syncPolicyIssues, type PolicyIssueResult } from '../../app/introspection/policy-issues.js';
import { riskOfReportRisk, type ReportRisk } from '../../app/introspection/report.js';
import { RISK_SEVERITIES, type Risk, type RiskSeverity } from '../../app/introspection/types.js';

/** The part of @actions/core the Action uses; tests may pass a recording fake. */
export interface IntrospectActionCore {
  getInput(name: string, options?: InputOptions): string;
  setOutput(name: string, value: unknown): void;
  setFailed(message: string | Error): void;
  setSecret(secret: string): void;
  info(message: string): void;
  summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } };
}

/** GitHub keeps at most 1 MiB of job summary per step. */
const SUMMARY_BUDGET = 1024 * 1024 - 4096;

function severityInput(value: string): RiskSeverity | 'never' {
  if (value === 'never' || (RISK_SEVERITIES as readonly string[]).includes(value)) return value as RiskSeverity | 'never';
  throw new Error(`input fail-on must be one of ${RISK_SEVERITIES.join(', ')}, never (got "${value}")`);
}

export interface IntrospectActionOutcome {
  scanId: number | null;
  criticalCount: number;
  reportPath: string;
  failed: boolean;
  issues: PolicyIssueResult[];
}

/** The open risks of a scan as the issues show them (the register's view, with why and the fix). */
function openRisks(risks: readonly ReportRisk[]): Risk[] {
  return risks.filter((risk) => risk.status === 'open' || risk.status === 'acknowledged').map(riskOfReportRisk);
}

/**
 * One issue per policy with risks at `fail-on` or above, in the repository running the workflow.
 * Each kind of scan only opens and closes the issues of its own policies.
 */
async function syncIssues(octokit: GitHubClient, env: NodeJS.ProcessEnv, run: IntrospectionRun, failOn: RiskSeverity | 'never'): Promise<PolicyIssueResult[]> {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new Error('open-issues needs GITHUB_REPOSITORY (owner/repo) to open issues in');
  const minSeverity = failOn === 'never' ? 'critical' : failOn;
  const results: PolicyIssueResult[] = [];
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  for (const [scan, github] of [[run.database, false], [run.github, true]] as const) {
    if (!scan) continue;
    const grouped = groupRisksByPolicy(openRisks(scan.risks));
    results.push(
      ...(await syncPolicyIssues(octokit, { owner, repo }, grouped, {
        minSeverity,
        scope: (rule) => rule.startsWith('github.') === github,
        ...(runUrl ? { reportUrl: runUrl } : {}),
      })),
    );
  }
  return results;
}

export async function runIntrospectAction(
  core: IntrospectActionCore,
  env: NodeJS.ProcessEnv = process.env,
  /** The GitHub client; default one built from the github-token input with retries and throttling. */
  github?: GitHubClient,
): Promise<IntrospectActionOutcome | undefined> {
  try {
    const input = (name: string) => core.getInput(name).trim();
    const databaseUrl = input('database-url');
    const key = input('control-plane-key');
    if (databaseUrl) core.setSecret(databaseUrl);
    if (key) core.setSecret(key);
    const failOn = severityInput(input('fail-on') || 'critical');
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    const reportPath = join(env.RUNNER_TEMP ?? workspace, 'platform-kit', 'compliance-report.md');

    const { flag: controlPlane, env: ioEnv } = controlPlaneFlagOfInput(input('control-plane') || 'embedded', key, env, (secret) => core.setSecret(secret));
    const token = input('github-token');
    if (token) core.setSecret(token);
    const octokit = github ?? (token ? githubClientForAction(token) : undefined);
    const request: IntrospectRequest = { controlPlane, reportFile: reportPath, ...(token ? { githubToken: token } : {}), ...(octokit ? { githubClient: octokit } : {}) };
    if (databaseUrl) request.database = databaseUrl;
    if (input('migrations')) request.migrations = input('migrations');
    if (input('org')) request.org = input('org');
    if (input('project')) request.project = input('project');
    if (input('exposed-schemas')) request.exposedSchemas = input('exposed-schemas');
    if (input('waivers')) request.waiversFile = input('waivers');

    const run = await executeIntrospection(request, {
      stdout: (text) => core.info(text.trimEnd()),
      stderr: (text) => core.info(text.trimEnd()),
      cwd: workspace,
      env: ioEnv,
    });
    const criticalCount = run.openBySeverity.critical;
    const scanId = run.database?.scanId ?? run.github?.scanId ?? null;
    core.setOutput('scan-id', scanId ?? '');
    core.setOutput('critical-count', criticalCount);
    core.setOutput('report-path', reportPath);
    const summary = Buffer.byteLength(run.report) > SUMMARY_BUDGET ? `${Buffer.from(run.report).subarray(0, SUMMARY_BUDGET).toString('utf8')}\n\n…the full report is in ${reportPath}\n` : run.report;
    await core.summary.addRaw(summary, true).write();
    let issues: PolicyIssueResult[] = [];
    if (input('open-issues') === 'true') {
      if (!octokit) throw new Error('open-issues needs the github-token input');
      issues = await syncIssues(octokit, env, run, failOn);
      for (const issue of issues) core.info(`policy ${issue.rule}: issue #${issue.issueNumber} ${issue.action}`);
    }
    const failed = introspectionExitCode(run, failOn) !== 0;
    if (failed && failOn !== 'never') {
      core.setFailed(`${countAtOrAbove(run.openBySeverity, failOn)} open risk(s) at ${failOn} or above; see the compliance report in the job summary`);
    }
    return { scanId, criticalCount, reportPath, failed, issues };
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
