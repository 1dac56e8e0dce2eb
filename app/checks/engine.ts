import picomatch from 'picomatch';
import type { CheckConfig, PlatformKitConfig } from '../config/schema.js';
import type { ConfigError } from '../config/yaml-errors.js';
import { BudgetExceededError, budgetReason, isJobScopedService, jobBudgetFromEnv, type JobBudget, type JobScope } from './budget.js';
import { CHANGE_TOO_LARGE, CHECK_CRASHED, FILE_SKIPPED, INVALID_CONFIG, OVER_BUDGET } from './engine-rules.js';
import { checks as registeredChecks, ruleAliases } from './registry.js';
import type {
  ChangeSet,
  Check,
  CheckContext,
  CheckResult,
  CheckServices,
  Conclusion,
  Finding,
  RuleMeta,
  Severity,
  Side,
} from './types.js';

export interface RunChecksOptions {
  changeSet: ChangeSet;
  config: PlatformKitConfig;
  /** Check ids to run; default every enabled check. A disabled check stays off even when named. */
  only?: string[];
  services?: CheckServices;
  /** Time and memory each check may use; default from PLATFORM_KIT_JOB_TIMEOUT_MS / PLATFORM_KIT_JOB_MEMORY_MB. */
  budget?: JobBudget;
  /** Called after each check with its result and how long it took (the App's per-check metrics). */
  onCheckFinished?(result: CheckResult, seconds: number): void;
  /** For tests and embedders; default the registry. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  checks?: Check<any>[];
}

export class UnknownCheckError extends Error {
  constructor(readonly ids: string[], known: string[]) {
    super(`unknown check ${ids.map((id) => `"${id}"`).join(', ')} (known: ${known.join(', ')})`);
  }
}

/** Runs the selected checks one after the other; a crashing check becomes a finding, never an exception. */
export async function runChecks(options: RunChecksOptions): Promise<CheckResult[]> {
  const available = options.checks ?? registeredChecks;
  const unknown = (options.only ?? []).filter((id) => !available.some((check) => check.id === id));
  if (unknown.length > 0) throw new UnknownCheckError(unknown, available.map((check) => check.id));

  const results: CheckResult[] = [];
  for (const check of available) {
    if (options.only && !options.only.includes(check.id)) continue;
    const checkConfig = configOf(options.config, check.id);
    if (!checkConfig.enabled) continue;
    const started = performance.now();
    const result = await runOne(check, checkConfig, options);
    options.onCheckFinished?.(result, (performance.now() - started) / 1000);
    results.push(result);
  }
  return results;
}

function configOf(config: PlatformKitConfig, checkId: string): CheckConfig & Record<string, unknown> {
  const found = (config.checks as Record<string, (CheckConfig & Record<string, unknown>) | undefined>)[checkId];
  return found ?? { enabled: true, paths: { include: ['**'], exclude: [] }, rules: {} };
}

function optionsOf(checkConfig: CheckConfig & Record<string, unknown>): Record<string, unknown> {
  const { enabled: _enabled, paths: _paths, rules: _rules, ...options } = checkConfig;
  return options;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function runOne(check: Check<any>, checkConfig: CheckConfig & Record<string, unknown>, options: RunChecksOptions): Promise<CheckResult> {
  const { changeSet } = options;
  if (changeSet.truncated) {
    return {
      checkId: check.id,
      title: check.title,
      conclusion: 'neutral',
      summary: `Not checked: ${changeSet.truncated.reason}`,
      findings: [engineFinding(check.id, CHANGE_TOO_LARGE, { title: 'Change too large to check', message: changeSet.truncated.reason })],
    };
  }

  const include = picomatch(checkConfig.paths.include, { dot: true });
  const exclude = picomatch(checkConfig.paths.exclude.length > 0 ? checkConfig.paths.exclude : ['\0'], { dot: true });
  const skipped: Finding[] = [];
  const reported = new Set<string>();

  const budget = options.budget ?? jobBudgetFromEnv();
  const controller = new AbortController();
  const scope: JobScope = { budget, signal: controller.signal, exceed: (error) => controller.abort(error) };
  const timer = setTimeout(
    () => scope.exceed(new BudgetExceededError('time', budget.timeMs, `the ${check.id} check ran past its time budget of ${formatDuration(budget.timeMs)} and was stopped`)),
    budget.timeMs,
  );
  const scoped = scopeServices(options.services ?? {}, scope);

  const ctx: CheckContext = {
    changeSet,
    options: optionsOf(checkConfig),
    services: scoped.services,
    signal: scope.signal,
    inScope: (path) => include(path) && !exclude(path),
    async readText(side: Side, path: string) {
      const read = await changeSet.readFile(side, path);
      if (read.kind === 'text') return read.text;
      if (read.kind === 'missing') return null;
      const key = `${side}:${path}`;
      if (!reported.has(key)) {
        reported.add(key);
        const why = read.kind === 'binary' ? 'is binary' : `is ${formatBytes(read.size)}, over the 1 MB limit`;
        skipped.push(
          engineFinding(check.id, FILE_SKIPPED, {
            path,
            title: 'File not read',
            message: `${path} ${why} (${side} side); the ${check.id} check skipped it.`,
          }),
        );
      }
      return null;
    },
  };

  let findings: Finding[];
  let summary: string | undefined;
  try {
    const output = await untilOverBudget(check.run(ctx), scope.signal);
    // A check may have turned a stopped resource into an ordinary finding: the budget says why.
    const overBudget = budgetReason(scope.signal);
    if (overBudget) throw overBudget;
    findings = [...output.findings, ...skipped];
    summary = output.summary;
  } catch (error) {
    const overBudget = budgetReason(scope.signal) ?? (error instanceof BudgetExceededError ? error : undefined);
    if (overBudget) {
      findings = [...skipped, overBudgetFinding(check.id, overBudget)];
      summary = `Not fully checked: ${overBudget.message}.`;
    } else findings = crashFindings(check.id, error, skipped);
  } finally {
    clearTimeout(timer);
    await scoped.release();
  }

  const final = applySeverityOverrides(findings, checkConfig.rules, ruleAliases(check.rules));
  return {
    checkId: check.id,
    title: check.title,
    conclusion: conclusionOf(final),
    summary: summary ?? defaultSummary(final),
    findings: sortFindings(final),
  };
}

function crashFindings(checkId: string, error: unknown, skipped: Finding[]): Finding[] {
  const message = error instanceof Error ? error.message : String(error);
  return [
    ...skipped,
    engineFinding(checkId, CHECK_CRASHED, {
      title: `The ${checkId} check stopped on an error`,
      message: `${message}. The change was not fully checked; re-run the check, and report the error if it persists.`,
    }),
  ];
}

function overBudgetFinding(checkId: string, error: BudgetExceededError): Finding {
  const setting = error.resource === 'time' ? 'PLATFORM_KIT_JOB_TIMEOUT_MS' : 'PLATFORM_KIT_JOB_MEMORY_MB';
  return engineFinding(checkId, OVER_BUDGET, {
    title: `The ${checkId} check ran out of ${error.resource}`,
    message:
      `${error.message}. The change was not fully checked. Its shadow databases and renderers were stopped and are started afresh for the next check. ` +
      `Split the change, or ask whoever runs Platform Kit to raise ${setting}.`,
  });
}

/** The check's own promise, or the job's budget reason as soon as the scope aborts (the check may still be running; its resources are stopped). */
function untilOverBudget<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // Settles later on its own when the race is lost; nothing waits for it.
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Each job-scoped service (a pool) replaced by the job's own view of it. */
function scopeServices(services: CheckServices, scope: JobScope): { services: CheckServices; release(): Promise<void> } {
  const releases: Array<() => Promise<void>> = [];
  const scoped: CheckServices = {};
  for (const [key, value] of Object.entries(services)) {
    if (!isJobScopedService(value)) {
      scoped[key] = value;
      continue;
    }
    const view = value.forJob(scope);
    scoped[key] = view.service;
    releases.push(() => view.release());
  }
  return {
    services: scoped,
    async release() {
      await Promise.all(releases.map((release) => release().catch(() => undefined)));
    },
  };
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}

function engineFinding(checkId: string, rule: RuleMeta, fields: Pick<Finding, 'title' | 'message'> & Partial<Finding>): Finding {
  return { checkId, ruleId: rule.id, severity: rule.defaultSeverity, docsUrl: rule.docsUrl, ...fields };
}

export function applySeverityOverrides(findings: Finding[], overrides: CheckConfig['rules'], aliases: ReadonlyMap<string, string> = new Map()): Finding[] {
  // An override under an alias applies to the rule; one under the rule's own id wins over it.
  const byRule: CheckConfig['rules'] = {};
  for (const [id, setting] of Object.entries(overrides)) {
    const ruleId = aliases.get(id);
    if (ruleId !== undefined && overrides[ruleId] === undefined) byRule[ruleId] = setting;
    else if (ruleId === undefined) byRule[id] = setting;
  }
  return findings.flatMap((finding) => {
    const setting = byRule[finding.ruleId];
    if (setting === undefined) return [finding];
    if (setting === 'off') return [];
    return [{ ...finding, severity: setting }];
  });
}

export function conclusionOf(findings: Finding[]): Conclusion {
  return findings.some((finding) => finding.severity === 'error') ? 'failure' : 'success';
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Errors first, then by file and line, so reports read top-down. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.path ?? '').localeCompare(b.path ?? '') ||
      (a.startLine ?? 0) - (b.startLine ?? 0) ||
      (a.startColumn ?? 0) - (b.startColumn ?? 0),
  );
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

export function describeCounts(findings: Finding[]): string {
  const counts = countBySeverity(findings);
  const parts = (['error', 'warning', 'notice'] as const)
    .filter((severity) => counts[severity] > 0)
    .map((severity) => `${counts[severity]} ${severity}${counts[severity] === 1 ? '' : 's'}`);
  return parts.length > 0 ? parts.join(', ') : 'no problems found';
}

function defaultSummary(findings: Finding[]): string {
  const text = describeCounts(findings);
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** The `platform-kit/config` result: a broken config fails visibly instead of silently using defaults. */
export function configErrorResult(errors: ConfigError[], options: { repo?: string } = {}): CheckResult {
  const findings: Finding[] = errors.map((error) => ({
    checkId: 'config',
    ruleId: INVALID_CONFIG.id,
    severity: 'error',
    // Only a repository-relative path can be annotated; files from other repos are named in the message.
    path: localPath(error.file, options.repo),
    startLine: error.line,
    endLine: error.line,
    startColumn: error.column,
    endColumn: error.column,
    title: 'Invalid Platform Kit config',
    message: `${error.file}${error.line ? `:${error.line}` : ''}${error.column ? `:${error.column}` : ''}: ${error.message}`,
    docsUrl: INVALID_CONFIG.docsUrl,
  }));
  return {
    checkId: 'config',
    title: 'Platform Kit config',
    conclusion: 'failure',
    summary: `The Platform Kit config is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}); no check ran. Fix the file and push again.`,
    findings,
  };
}

/** `owner/repo:path` → `path` when it is the repository under check (`repo` = `owner/repo`); local paths stay. */
function localPath(file: string, repo: string | undefined): string | undefined {
  const match = /^([^/:]+\/[^/:]+):(.+)$/.exec(file);
  if (!match) return file;
  return match[1] === repo ? match[2] : undefined;
}

/** failure beats neutral beats success: a check that could not run keeps the whole change from passing. */
export function overallConclusion(results: readonly CheckResult[]): Conclusion {
  if (results.some((result) => result.conclusion === 'failure')) return 'failure';
  if (results.some((result) => result.conclusion === 'neutral')) return 'neutral';
  return 'success';
}
