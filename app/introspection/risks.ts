import type { LintResult } from '../checks/schema-safety/lints/types.js';
import type { Remediation, Risk, RiskClass, RiskSeverity } from './types.js';

/**
 * Splinter's levels to the risk register's severities: an ERROR lint (data exposed to the API) is
 * critical, a security WARN high, a performance WARN medium, INFO low.
 */
export function riskSeverity(lint: Pick<LintResult, 'level' | 'categories'>): RiskSeverity {
  if (lint.level === 'ERROR') return 'critical';
  if (lint.level === 'INFO') return 'low';
  return lint.categories.includes('SECURITY') ? 'high' : 'medium';
}

/** `schema.name`, `schema.fn(args)`: the object a lint result is about, as the inventory names it. */
export function objectIdentity(lint: Pick<LintResult, 'metadata'>): string | null {
  const { schema, name, type } = lint.metadata;
  if (!name) return null;
  // Extensions are database-wide: the inventory names them without the schema they live in.
  if (type === 'extension') return String(name);
  const base = schema ? `${schema}.${name}` : String(name);
  if (type === 'function') return `${base}(${typeof lint.metadata.arguments === 'string' ? lint.metadata.arguments : ''})`;
  return base;
}

interface Inverse {
  pattern: RegExp;
  rollback: (match: RegExpExecArray) => string | null;
  riskClass: RiskClass;
}

/** Fix statements the lints write, with their inverse where one exists (`null`: none). */
const INVERSES: Inverse[] = [
  { pattern: /^alter table (.+) enable row level security;?$/i, rollback: (m) => `alter table ${m[1]} disable row level security;`, riskClass: 'access' },
  { pattern: /^alter (function|procedure) (.+) set search_path\s*=\s*''\s*;?$/i, rollback: (m) => `alter ${m[1]} ${m[2]} reset search_path;`, riskClass: 'metadata' },
  { pattern: /^revoke (.+) on (.+) from (.+?);?$/i, rollback: (m) => `grant ${m[1]} on ${m[2]} to ${m[3]};`, riskClass: 'access' },
  { pattern: /^grant (.+) on (.+) to (.+?);?$/i, rollback: (m) => `revoke ${m[1]} on ${m[2]} from ${m[3]};`, riskClass: 'access' },
  { pattern: /^alter view (.+) set \(\s*security_invoker\s*=\s*(?:on|true)\s*\);?$/i, rollback: (m) => `alter view ${m[1]} reset (security_invoker);`, riskClass: 'access' },
  {
    pattern: /^create (?:unique )?index concurrently (?:if not exists )?("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*) on (?:only )?("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\./i,
    rollback: (m) => `drop index concurrently if exists ${m[2]}.${m[1]};`,
    riskClass: 'locking',
  },
  { pattern: /^alter extension (.+) set schema (.+?);?$/i, rollback: () => null, riskClass: 'metadata' },
  { pattern: /^alter extension (.+) update;?$/i, rollback: () => null, riskClass: 'metadata' },
  { pattern: /^alter policy /i, rollback: () => null, riskClass: 'metadata' },
  { pattern: /^drop index concurrently /i, rollback: () => null, riskClass: 'locking' },
  { pattern: /^drop (policy|index) /i, rollback: () => null, riskClass: 'access' },
  { pattern: /^alter table .+ drop constraint /i, rollback: () => null, riskClass: 'access' },
];

const CLASS_ORDER: Record<RiskClass, number> = { metadata: 0, access: 1, locking: 2 };

/** The fix SQL's statements, one per line as the lints write them (comments and blank lines dropped). */
export function fixStatements(sql: string): string[] {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('--'));
}

/** Rollback SQL (statements undone in reverse order) and the risk class of a fix; unknown statements count as access changes with no rollback. */
export function analyseFix(sql: string): { rollbackSql: string | null; riskClass: RiskClass } {
  const rollbacks: Array<string | null> = [];
  let riskClass: RiskClass = 'metadata';
  for (const statement of fixStatements(sql)) {
    const inverse = INVERSES.find((candidate) => candidate.pattern.test(statement));
    const match = inverse?.pattern.exec(statement);
    rollbacks.push(inverse && match ? inverse.rollback(match) : null);
    const statementClass = inverse?.riskClass ?? 'access';
    if (CLASS_ORDER[statementClass] > CLASS_ORDER[riskClass]) riskClass = statementClass;
  }
  const complete = rollbacks.length > 0 && rollbacks.every((rollback): rollback is string => rollback !== null);
  return { rollbackSql: complete ? [...rollbacks].reverse().join('\n') : null, riskClass };
}

function remediationOf(lint: LintResult): Remediation | null {
  const sql = lint.fix_sql?.trim();
  if (!sql) return null;
  const { rollbackSql, riskClass } = analyseFix(sql);
  return { description: `${lint.title}: ${lint.detail} See ${lint.remediation}`, sql, rollbackSql, riskClass };
}

/** Catalog lint results as risks keyed by their cache key, so the same risk across scans is one register row. */
export function lintResultsToRisks(results: readonly LintResult[]): Risk[] {
  const seen = new Set<string>();
  const risks: Risk[] = [];
  for (const lint of results) {
    if (seen.has(lint.cache_key)) continue;
    seen.add(lint.cache_key);
    risks.push({
      fingerprint: lint.cache_key,
      rule_id: lint.name,
      title: lint.title,
      detail: lint.detail,
      severity: riskSeverity(lint),
      object_identity: objectIdentity(lint),
      metadata: { ...lint.metadata, level: lint.level, categories: lint.categories, facing: lint.facing, why: lint.description, docs: lint.remediation },
      remediation: remediationOf(lint),
    });
  }
  return risks;
}
