import { runCatalogLintsDetailed } from '../checks/schema-safety/lints/index.js';
import type { Queryable } from '../checks/schema-safety/shadow/types.js';
import { scanCatalog, type CatalogInventory } from './catalog-inventory.js';
import { renderComplianceReport, toReportRisk, type ReportRisk } from './report.js';
import { lintResultsToRisks } from './risks.js';
import type { GitHubClient } from '../github/client.js';
import { scanGitHubOrg, type GitHubInventory } from './github-inventory.js';
import type { EnsureProjectInput, IntrospectionStore, RegisterRisk, ScanWaiver } from './store.js';
import { RISK_SEVERITIES, type InventoryObject, type Risk, type RiskSeverity, type UnreadableKind } from './types.js';

export interface IntrospectDatabaseOptions {
  /** One session (a client, not a pool): the lints set search_path for their run. */
  db: Queryable;
  /** What was scanned, without secrets, for the report. */
  target: string;
  exposedSchemas: string[];
  /** A shadow database built from migrations: lints about usage and the server (unused indexes, bloat) are skipped. */
  shadow?: boolean;
  /** Where the scan is stored; without one the report covers this scan alone. */
  store?: { store: IntrospectionStore; project: EnsureProjectInput; triggeredBy?: string };
  waivers?: readonly ScanWaiver[];
  pageSize?: number;
  onProgress?: (message: string) => void;
  now?: Date;
}

export interface IntrospectionResult {
  scanId: number | null;
  inventory: CatalogInventory;
  risks: ReportRisk[];
  report: string;
  /** Open risks per severity (waived ones not counted). */
  openBySeverity: Record<RiskSeverity, number>;
  resolvedCount: number;
}

function activeWaivers(waivers: readonly ScanWaiver[], today: string): ScanWaiver[] {
  return waivers.filter((waiver) => !waiver.expires || waiver.expires >= today);
}

function fromRegister(row: RegisterRisk, scanId: number, scanStartedAt: string | null): ReportRisk {
  const waiver = row.metadata.waiver as { reason?: string; expires?: string | null } | undefined;
  const started = scanStartedAt ? Date.parse(scanStartedAt) : Number.NaN;
  return toReportRisk(row, {
    status: row.status,
    // Inserted by this scan: first and last seen in the same transaction.
    isNew: row.last_seen_scan_id === scanId && row.first_seen_at === row.last_seen_at,
    resolvedNow: row.status === 'resolved' && row.resolved_at !== null && Date.parse(row.resolved_at) >= started,
    fixSql: row.plan?.fix_sql ?? null,
    planId: row.plan?.id ?? null,
    ...(waiver?.reason ? { waiver: { reason: waiver.reason, expires: waiver.expires ?? null } } : {}),
  });
}

function fromScan(risk: Risk, waived: ReadonlyMap<string, ScanWaiver>): ReportRisk {
  const waiver = waived.get(risk.fingerprint);
  return toReportRisk(risk, {
    status: waiver ? 'accepted' : 'open',
    isNew: true,
    resolvedNow: false,
    fixSql: risk.remediation?.sql ?? null,
    ...(waiver ? { waiver: { reason: waiver.reason, expires: waiver.expires ?? null } } : {}),
  });
}

interface RecordScanInput {
  target: string;
  now: Date;
  kind: 'database' | 'github';
  objects: InventoryObject[];
  counts: Record<string, number>;
  columnCount: number;
  unreadable: UnreadableKind[];
  risks: Risk[];
  lintProblems: Array<{ id: string; message: string }>;
  waivers: readonly ScanWaiver[];
  unreadableObjects?: readonly string[];
  scan?: { store: IntrospectionStore; orgId: string; projectId: string; scanId: number };
}

/** Stores a finished scan in one call (when there is a store) and renders the report from the register as it left it. */
async function recordScan(input: RecordScanInput): Promise<Omit<IntrospectionResult, 'inventory'>> {
  const today = input.now.toISOString().slice(0, 10);
  let reportRisks: ReportRisk[];
  let resolvedCount = 0;
  const scan = input.scan;
  if (scan) {
    const finished = await scan.store.finishIntrospectionScan({
      scanId: scan.scanId,
      status: 'succeeded',
      objects: input.objects,
      risks: input.risks,
      waivers: input.waivers,
      ...(input.unreadableObjects?.length ? { unreadableObjects: input.unreadableObjects } : {}),
      summary: { target: input.target, counts: input.counts, columns: input.columnCount, unreadable: input.unreadable, lint_problems: input.lintProblems },
    });
    resolvedCount = finished.resolved_count;
    const startedAt = await scan.store.scanStartedAt({ orgId: scan.orgId, scanId: scan.scanId });
    const register = await scan.store.riskRegister({ orgId: scan.orgId, projectId: scan.projectId });
    // Risks resolved by earlier scans are history, not part of this report.
    reportRisks = register.map((row) => fromRegister(row, scan.scanId, startedAt)).filter((risk) => risk.status !== 'resolved' || risk.resolvedNow);
  } else {
    const waived = new Map(activeWaivers(input.waivers, today).map((waiver) => [waiver.fingerprint, waiver]));
    reportRisks = input.risks.map((risk) => fromScan(risk, waived));
  }
  const openBySeverity = Object.fromEntries(RISK_SEVERITIES.map((severity) => [severity, 0])) as Record<RiskSeverity, number>;
  for (const risk of reportRisks) if (risk.status === 'open' || risk.status === 'acknowledged') openBySeverity[risk.severity] += 1;
  const report = renderComplianceReport({
    target: input.target,
    scannedAt: input.now,
    scanId: scan?.scanId ?? null,
    objectCounts: input.counts,
    columnCount: input.columnCount,
    unreadable: input.unreadable,
    risks: reportRisks,
    lintProblems: input.lintProblems,
  });
  return { scanId: scan?.scanId ?? null, risks: reportRisks, report, openBySeverity, resolvedCount };
}

async function startStoredScan(
  store: IntrospectDatabaseOptions['store'],
  kind: 'database' | 'github',
  progress: (message: string) => void,
): Promise<RecordScanInput['scan']> {
  if (!store) return undefined;
  const { orgId, projectId } = await store.store.ensureProject(store.project);
  const scanId = await store.store.startScan({ orgId, projectId, kind, ...(store.triggeredBy ? { triggeredBy: store.triggeredBy } : {}) });
  progress(`scan ${scanId} started`);
  return { store: store.store, orgId, projectId, scanId };
}

async function failStoredScan(scan: RecordScanInput['scan'], error: unknown): Promise<void> {
  if (!scan) return;
  const message = error instanceof Error ? error.message : String(error);
  await scan.store.finishIntrospectionScan({ scanId: scan.scanId, status: 'failed', error: message.slice(0, 10000) }).catch(() => undefined);
}

/**
 * Scans a database's catalog, runs the catalog lints on the same session, stores the scan (objects,
 * risks with their remediation, waivers) in one call, and renders the compliance report from the
 * register as the scan left it. A scan that fails is recorded as failed, with nothing else written.
 */
export async function introspectDatabase(options: IntrospectDatabaseOptions): Promise<IntrospectionResult> {
  const now = options.now ?? new Date();
  const waivers = options.waivers ?? [];
  const active = activeWaivers(waivers, now.toISOString().slice(0, 10));
  const progress = options.onProgress ?? (() => undefined);
  const scan = await startStoredScan(options.store, 'database', progress);

  let inventory: CatalogInventory;
  let risks: Risk[];
  let lintProblems: Array<{ id: string; message: string }>;
  try {
    let lastKind = '';
    inventory = await scanCatalog(options.db, {
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      onProgress: ({ kind, read }) => {
        if (kind !== lastKind || read % 5000 === 0) progress(`catalog: ${kind} ${read.toLocaleString('en-US')}`);
        lastKind = kind;
      },
    });
    progress(`catalog: ${inventory.objects.length.toLocaleString('en-US')} objects; running the catalog lints`);
    const run = await runCatalogLintsDetailed(options.db, { exposedSchemas: options.exposedSchemas, shadow: options.shadow ?? false, waived: new Set(active.map((waiver) => waiver.fingerprint)) });
    risks = lintResultsToRisks(run.results);
    lintProblems = run.failed.map((failure) => ({ id: failure.id, message: `failed: ${failure.message}` }));
    progress(`lints: ${risks.length} risk${risks.length === 1 ? '' : 's'}${run.failed.length ? `, ${run.failed.length} lint(s) failed` : ''}`);
  } catch (error) {
    await failStoredScan(scan, error);
    throw error;
  }
  const recorded = await recordScan({
    target: options.target,
    now,
    kind: 'database',
    objects: inventory.objects,
    counts: inventory.counts as Record<string, number>,
    columnCount: inventory.columnCount,
    unreadable: inventory.unreadable,
    risks,
    lintProblems,
    waivers,
    ...(scan ? { scan } : {}),
  });
  return { ...recorded, inventory };
}

export interface IntrospectGitHubOptions {
  octokit: GitHubClient;
  org: string;
  store?: IntrospectDatabaseOptions['store'];
  waivers?: readonly ScanWaiver[];
  onProgress?: (message: string) => void;
  now?: Date;
}

/** The GitHub organisation's repositories, their settings and policy risks, stored and reported like a database scan. */
export async function introspectGitHub(options: IntrospectGitHubOptions): Promise<IntrospectionResult> {
  const now = options.now ?? new Date();
  const progress = options.onProgress ?? (() => undefined);
  const scan = await startStoredScan(options.store, 'github', progress);
  let inventory: GitHubInventory;
  try {
    inventory = await scanGitHubOrg(options.octokit, options.org, {
      onProgress: (done, total) => {
        if (done === total || done % 25 === 0) progress(`github: ${done}/${total} repositories of ${options.org}`);
      },
    });
  } catch (error) {
    await failStoredScan(scan, error);
    throw error;
  }
  const counts: Record<string, number> = {};
  for (const object of inventory.objects) counts[object.object_type] = (counts[object.object_type] ?? 0) + 1;
  const recorded = await recordScan({
    target: `GitHub organisation ${options.org}`,
    now,
    kind: 'github',
    objects: inventory.objects,
    counts,
    columnCount: 0,
    unreadable: inventory.unreadable,
    risks: inventory.risks,
    lintProblems: [],
    waivers: options.waivers ?? [],
    // A repository the token could not open, or whose settings it could not all read, has not been seen fixed.
    unreadableObjects: inventory.repositories.filter((repository) => !repository.attributes.readable || JSON.stringify(repository.attributes).includes('"unknown"')).map((repository) => repository.identity),
    ...(scan ? { scan } : {}),
  });
  return { ...recorded, inventory: { objects: inventory.objects, unreadable: inventory.unreadable, counts, columnCount: 0 } };
}

/** Open risks at `severity` or worse. */
export function countAtOrAbove(openBySeverity: Record<RiskSeverity, number>, severity: RiskSeverity): number {
  const limit = RISK_SEVERITIES.indexOf(severity);
  return RISK_SEVERITIES.filter((_, index) => index <= limit).reduce((sum, level) => sum + openBySeverity[level], 0);
}
