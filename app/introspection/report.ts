import { RISK_SEVERITIES, type Risk, type RiskSeverity, type UnreadableKind } from './types.js';

/** A risk as the report shows it: the register's view after the scan. */
export interface ReportRisk {
  fingerprint: string;
  ruleId: string;
  title: string;
  detail: string;
  /** Why it matters: the lint's description. */
  why?: string;
  severity: RiskSeverity;
  status: 'open' | 'acknowledged' | 'accepted' | 'resolved';
  objectIdentity: string | null;
  /** First reported by this scan. */
  isNew: boolean;
  /** Resolved by this scan (it no longer finds it). */
  resolvedNow: boolean;
  fixSql?: string | null;
  planId?: number | null;
  docs?: string;
  waiver?: { reason: string; expires?: string | null };
}

/** What a risk found by a scan and the same risk in the register have alike. */
export type FoundRisk = Pick<Risk, 'fingerprint' | 'rule_id' | 'title' | 'severity' | 'object_identity' | 'metadata'> & { detail: string | null };

/** Where a risk stands after the scan: from the register, or from the scan and the waivers when nothing is stored. */
export type RiskStanding = Pick<ReportRisk, 'status' | 'isNew' | 'resolvedNow' | 'planId' | 'waiver'> & { fixSql: string | null };

export function toReportRisk(risk: FoundRisk, standing: RiskStanding): ReportRisk {
  return {
    fingerprint: risk.fingerprint,
    ruleId: risk.rule_id,
    title: risk.title,
    detail: risk.detail ?? '',
    ...(typeof risk.metadata.why === 'string' ? { why: risk.metadata.why } : {}),
    ...(typeof risk.metadata.docs === 'string' ? { docs: risk.metadata.docs } : {}),
    severity: risk.severity,
    status: standing.status,
    objectIdentity: risk.object_identity,
    isNew: standing.isNew,
    resolvedNow: standing.resolvedNow,
    fixSql: standing.fixSql,
    ...(standing.planId !== undefined ? { planId: standing.planId } : {}),
    ...(standing.waiver ? { waiver: standing.waiver } : {}),
  };
}

/**
 * A report risk in the scan's shape again, for what takes risks (the policy issues): why and docs go
 * back into metadata and the fix SQL becomes the remediation.
 */
export function riskOfReportRisk(risk: ReportRisk): Risk {
  return {
    fingerprint: risk.fingerprint,
    rule_id: risk.ruleId,
    title: risk.title,
    detail: risk.detail,
    severity: risk.severity,
    object_identity: risk.objectIdentity,
    metadata: { ...(risk.why ? { why: risk.why } : {}), ...(risk.docs ? { docs: risk.docs } : {}) },
    remediation: risk.fixSql ? { description: risk.title, sql: risk.fixSql, rollbackSql: null, riskClass: 'access' } : null,
  };
}

export interface ComplianceReportInput {
  /** What was scanned, with no secrets (a redacted URL, `supabase/migrations (shadow database)`). */
  target: string;
  scannedAt: Date;
  scanId?: number | null;
  objectCounts: Record<string, number>;
  columnCount: number;
  unreadable: UnreadableKind[];
  risks: ReportRisk[];
  /** Lints that could not run, with why. */
  lintProblems?: Array<{ id: string; message: string }>;
  /** How many top risks to detail (default 15). */
  top?: number;
}

const SEVERITY_RANK = new Map<RiskSeverity, number>(RISK_SEVERITIES.map((severity, index) => [severity, index]));
const ICON: Record<RiskSeverity, string> = { critical: '🟥', high: '🟧', medium: '🟨', low: '🟦', info: '⬜' };

/** Inventory types as words: `materialized_view` → `materialized views`. */
const PLURAL: Record<string, string> = { index: 'indexes', policy: 'policies', schema: 'schemas' };
function counted(type: string, count: number): string {
  const word = type.replace(/_/g, ' ');
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : (PLURAL[type] ?? `${word}s`)}`;
}

const code = (text: string) => `\`${text.replace(/`/g, 'ˋ')}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function bySeverity(a: ReportRisk, b: ReportRisk): number {
  return (SEVERITY_RANK.get(a.severity) ?? 9) - (SEVERITY_RANK.get(b.severity) ?? 9) || a.fingerprint.localeCompare(b.fingerprint);
}

function riskLine(risk: ReportRisk): string {
  return `- ${ICON[risk.severity]} **${risk.severity}** ${risk.title}${risk.objectIdentity ? ` — ${code(risk.objectIdentity)}` : ''} (${code(risk.ruleId)})`;
}

/** The Markdown compliance report: totals by severity, what changed since the last scan, the top risks with their fix. */
export function renderComplianceReport(input: ComplianceReportInput): string {
  const open = input.risks.filter((risk) => risk.status === 'open' || risk.status === 'acknowledged').sort(bySeverity);
  const accepted = input.risks.filter((risk) => risk.status === 'accepted').sort(bySeverity);
  const fresh = open.filter((risk) => risk.isNew);
  const resolved = input.risks.filter((risk) => risk.resolvedNow).sort(bySeverity);
  const lines: string[] = [];
  lines.push(`# Compliance report: ${input.target}`);
  lines.push('');
  const objects = Object.entries(input.objectCounts)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, count]) => counted(type, count))
    .join(', ');
  lines.push(
    `Scanned ${input.scannedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC${input.scanId ? ` (scan ${input.scanId})` : ''}: ${objects || 'no objects'}${input.columnCount ? `; ${input.columnCount.toLocaleString('en-US')} columns` : ''}.`,
  );
  lines.push('');
  lines.push('| Severity | Open | New | Resolved | Accepted |');
  lines.push('| --- | ---: | ---: | ---: | ---: |');
  for (const severity of RISK_SEVERITIES) {
    const count = (list: ReportRisk[]) => list.filter((risk) => risk.severity === severity).length;
    lines.push(`| ${ICON[severity]} ${severity} | ${count(open)} | ${count(fresh)} | ${count(resolved)} | ${count(accepted)} |`);
  }
  lines.push(`| **total** | **${open.length}** | **${fresh.length}** | **${resolved.length}** | **${accepted.length}** |`);
  lines.push('');
  if (open.length === 0) lines.push('No open risks. ✅', '');

  if (fresh.length > 0) {
    lines.push('## New since the last scan', '');
    for (const risk of fresh) lines.push(riskLine(risk));
    lines.push('');
  }
  if (resolved.length > 0) {
    lines.push('## Resolved since the last scan', '');
    for (const risk of resolved) lines.push(riskLine(risk));
    lines.push('');
  }
  const top = open.slice(0, input.top ?? 15);
  if (top.length > 0) {
    lines.push(`## Top risks${open.length > top.length ? ` (${top.length} of ${open.length})` : ''}`, '');
    for (const risk of top) {
      lines.push(`### ${ICON[risk.severity]} ${risk.title}${risk.objectIdentity ? `: ${code(risk.objectIdentity)}` : ''}`, '');
      lines.push(`**${risk.severity}** · ${code(risk.ruleId)}${risk.isNew ? ' · new' : ''}${risk.docs ? ` · [docs](${risk.docs})` : ''}`, '');
      lines.push(risk.detail, '');
      if (risk.why) lines.push(`Why it matters: ${risk.why}`, '');
      if (risk.fixSql) {
        lines.push(`Fix${risk.planId ? ` (plan ${risk.planId}: \`platform-kit remediate --plan ${risk.planId}\` shows it, \`--apply\` runs it)` : ''}:`, '');
        lines.push('```sql', risk.fixSql.trim(), '```', '');
      }
    }
  }
  if (accepted.length > 0) {
    lines.push('## Accepted (waived)', '');
    lines.push('| Risk | Object | Reason | Until |');
    lines.push('| --- | --- | --- | --- |');
    for (const risk of accepted) {
      lines.push(`| ${cell(risk.title)} | ${risk.objectIdentity ? code(cell(risk.objectIdentity)) : ''} | ${cell(risk.waiver?.reason ?? '')} | ${risk.waiver?.expires ?? 'no expiry'} |`);
    }
    lines.push('');
  }
  const problems = [
    ...input.unreadable.map((item) => `- ${item.kind}: not readable with this role (${item.reason}); shown as unknown, not as absent.`),
    ...(input.lintProblems ?? []).map((item) => `- lint ${code(item.id)}: ${item.message}`),
  ];
  if (problems.length > 0) lines.push('## Not checked', '', ...problems, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
