import { applyRemediationSql, checkRemediationSql, describeRemediation, RemediationRefusedError, type RemediationSession } from './remediate.js';
import type { IntrospectionStore, RemediationPlanRow } from './store.js';

export interface RemediatePlanOptions {
  store: IntrospectionStore;
  orgId: string;
  planId: number;
  /** The database to change; required with `apply`. */
  session?: RemediationSession;
  apply: boolean;
  /** Who applies it, for the audit log (a user, `github-actions[bot]`, a host). */
  actor: string;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

export interface RemediatePlanResult {
  plan: RemediationPlanRow;
  /** The dry run: each statement and what it changes, and what is refused. */
  preview: string;
  outcome: 'dry-run' | 'applied' | 'already-applied' | 'refused' | 'failed';
  message: string;
}

export class UnknownPlanError extends Error {}

/**
 * `platform-kit remediate --plan ID [--apply]`: shows the plan's SQL and what it would change;
 * with `apply`, runs it (refusing destructive statements) and records the outcome in the audit
 * log. A plan already applied is not run again.
 */
export async function remediatePlan(options: RemediatePlanOptions): Promise<RemediatePlanResult> {
  const plan = await options.store.remediationPlan({ orgId: options.orgId, planId: options.planId });
  if (!plan) throw new UnknownPlanError(`remediation plan ${options.planId} not found (plans are listed in the compliance report)`);
  if (!plan.fix_sql) {
    return { plan, preview: plan.description, outcome: 'refused', message: `plan ${plan.id} has no SQL: ${plan.description}` };
  }
  const check = await checkRemediationSql(plan.fix_sql);
  const preview = [
    `-- plan ${plan.id} (${plan.status}; ${plan.risk_class ?? 'unclassified'} change): ${plan.description}`,
    describeRemediation(check),
    plan.rollback_sql ? `\n-- rollback:\n${plan.rollback_sql}` : '\n-- no rollback SQL: this change cannot be undone mechanically',
  ].join('\n');
  if (!options.apply) return { plan, preview, outcome: 'dry-run', message: `dry run: nothing changed; add --apply to run plan ${plan.id}` };
  if (plan.status === 'applied') {
    return { plan, preview, outcome: 'already-applied', message: `plan ${plan.id} was applied at ${plan.applied_at ?? 'an earlier run'}; nothing to do` };
  }
  if (check.refused.length > 0) {
    await options.store.recordRemediation({ orgId: options.orgId, planId: plan.id, outcome: 'failed', actor: options.actor, details: { refused: check.refused } });
    return { plan, preview, outcome: 'refused', message: new RemediationRefusedError(check.refused).message };
  }
  if (!options.session) throw new Error('applying a plan needs a database connection (--database URL)');
  const started = Date.now();
  try {
    await applyRemediationSql(options.session, check, {
      ...(options.statementTimeoutMs ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
      ...(options.lockTimeoutMs ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await options.store.recordRemediation({ orgId: options.orgId, planId: plan.id, outcome: 'failed', actor: options.actor, details: { error: message, duration_ms: Date.now() - started } });
    return { plan, preview, outcome: 'failed', message: `plan ${plan.id} failed and was rolled back where it ran in a transaction: ${message}` };
  }
  const recorded = await options.store.recordRemediation({
    orgId: options.orgId,
    planId: plan.id,
    outcome: 'applied',
    actor: options.actor,
    details: { statements: check.statements.length, duration_ms: Date.now() - started },
  });
  return { plan: { ...plan, status: 'applied' }, preview, outcome: 'applied', message: `plan ${plan.id} applied (audit entry ${recorded.audit_id})` };
}
