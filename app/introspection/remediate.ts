import { ensureParser, parseMigration } from '../checks/schema-safety/sql/parse.js';
import { nodeBody, rangeVarName, type RangeVar } from '../checks/schema-safety/sql/ast.js';
import type { SqlStatement } from '../checks/schema-safety/types.js';

/**
 * Applying a remediation plan's SQL to a live database: what it would do (the dry run), whether
 * it is safe to run at all, and running it with timeouts, in a transaction where Postgres allows.
 */

/** Objects whose DROP loses no data: the catalog lints' fixes drop duplicate or unused indexes and over-broad policies. */
const DROPPABLE = new Set(['OBJECT_INDEX', 'OBJECT_POLICY']);

export interface RefusedStatement {
  line: number;
  sql: string;
  reason: string;
}

export class RemediationRefusedError extends Error {
  constructor(readonly refused: RefusedStatement[]) {
    super(`refusing to apply: ${refused.map((item) => `line ${item.line}: ${item.reason}`).join('; ')}`);
    this.name = 'RemediationRefusedError';
  }
}

export interface PlannedStatement {
  line: number;
  sql: string;
  /** What it changes, in words (`enables row level security on public.profiles`). */
  effect: string;
  /** CREATE/DROP INDEX CONCURRENTLY and the like cannot run inside a transaction block. */
  concurrent: boolean;
}

export interface RemediationPlanCheck {
  statements: PlannedStatement[];
  refused: RefusedStatement[];
}

function relation(node: unknown): string {
  return rangeVarName(node as RangeVar | undefined) || 'the table';
}

function destructiveReason(statement: SqlStatement): string | undefined {
  const node = statement.node;
  const drop = nodeBody<{ removeType?: string }>(node, 'DropStmt');
  if (drop && !DROPPABLE.has(drop.removeType ?? '')) return `DROP ${(drop.removeType ?? 'object').replace(/^OBJECT_/, '').toLowerCase().replace(/_/g, ' ')} loses data or breaks what depends on it`;
  if (nodeBody(node, 'DropdbStmt')) return 'DROP DATABASE';
  if (nodeBody(node, 'DropRoleStmt') || nodeBody(node, 'DropOwnedStmt')) return 'dropping roles or what they own';
  if (nodeBody(node, 'TruncateStmt')) return 'TRUNCATE deletes every row';
  const del = nodeBody<{ whereClause?: unknown; relation?: unknown }>(node, 'DeleteStmt');
  if (del && del.whereClause === undefined) return `DELETE without WHERE deletes every row of ${relation(del.relation)}`;
  const update = nodeBody<{ whereClause?: unknown; relation?: unknown }>(node, 'UpdateStmt');
  if (update && update.whereClause === undefined) return `UPDATE without WHERE rewrites every row of ${relation(update.relation)}`;
  const alter = nodeBody<{ cmds?: unknown[] }>(node, 'AlterTableStmt');
  for (const command of alter?.cmds ?? []) {
    const subtype = nodeBody<{ subtype?: string }>(command, 'AlterTableCmd')?.subtype;
    if (subtype === 'AT_DropColumn') return 'ALTER TABLE ... DROP COLUMN loses the column\'s data';
    if (subtype === 'AT_AlterColumnType') return 'ALTER COLUMN ... TYPE rewrites the table and can lose precision';
  }
  return undefined;
}

function effectOf(statement: SqlStatement): string {
  const node = statement.node;
  const alter = nodeBody<{ relation?: unknown; cmds?: unknown[] }>(node, 'AlterTableStmt');
  if (alter) {
    const subtypes = (alter.cmds ?? []).map((command) => nodeBody<{ subtype?: string }>(command, 'AlterTableCmd')?.subtype);
    if (subtypes.includes('AT_EnableRowSecurity')) return `enables row level security on ${relation(alter.relation)}: the API returns only rows a policy allows`;
    if (subtypes.includes('AT_DropConstraint')) return `drops a constraint of ${relation(alter.relation)}`;
    return `alters ${relation(alter.relation)}`;
  }
  const grant = nodeBody<{ is_grant?: boolean; privileges?: unknown[]; objtype?: string }>(node, 'GrantStmt');
  if (grant) return `${grant.is_grant ? 'grants' : 'revokes'} ${(grant.objtype ?? '').replace(/^OBJECT_/, '').toLowerCase()} privileges`;
  if (nodeBody(node, 'AlterFunctionStmt')) return 'changes a function setting (search_path): callers see no difference';
  const index = nodeBody<{ concurrent?: boolean; relation?: unknown }>(node, 'IndexStmt');
  if (index) return `builds an index on ${relation(index.relation)}${index.concurrent ? ' without blocking writes' : ' (blocks writes while it builds)'}`;
  const drop = nodeBody<{ removeType?: string }>(node, 'DropStmt');
  if (drop) return `drops ${(drop.removeType ?? '').replace(/^OBJECT_/, '').toLowerCase()}`;
  if (nodeBody(node, 'AlterPolicyStmt')) return 'rewrites a policy expression (same rows, evaluated once per query)';
  if (nodeBody(node, 'AlterExtensionStmt') || nodeBody(node, 'AlterObjectSchemaStmt')) return 'moves or updates an extension';
  return statement.kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function isConcurrent(statement: SqlStatement): boolean {
  if (nodeBody<{ concurrent?: boolean }>(statement.node, 'IndexStmt')?.concurrent) return true;
  if (nodeBody<{ concurrent?: boolean }>(statement.node, 'DropStmt')?.concurrent) return true;
  if (nodeBody<{ params?: unknown[] }>(statement.node, 'ReindexStmt')) return /\bconcurrently\b/i.test(statement.text);
  return false;
}

/** Parses the plan's SQL: its statements with their effect, and what is refused (destructive, or not SQL at all). */
export async function checkRemediationSql(sql: string): Promise<RemediationPlanCheck> {
  if (sql.trim() === '') return { statements: [], refused: [{ line: 1, sql: '', reason: 'the plan has no SQL to run' }] };
  await ensureParser();
  const parsed = parseMigration('remediation.sql', sql);
  const refused: RefusedStatement[] = [];
  if (parsed.syntaxError) refused.push({ line: parsed.syntaxError.line, sql: '', reason: `not valid SQL: ${parsed.syntaxError.message}` });
  for (const meta of parsed.metaCommands) refused.push({ line: meta.line, sql: meta.message, reason: 'a psql meta-command, not SQL' });
  const statements: PlannedStatement[] = [];
  for (const statement of parsed.statements) {
    const reason = destructiveReason(statement);
    if (reason) refused.push({ line: statement.line, sql: statement.text, reason });
    if (statement.kind === 'TransactionStmt') refused.push({ line: statement.line, sql: statement.text, reason: 'transaction control belongs to the runner' });
    statements.push({ line: statement.line, sql: statement.text, effect: effectOf(statement), concurrent: isConcurrent(statement) });
  }
  if (statements.length === 0 && refused.length === 0) refused.push({ line: 1, sql: '', reason: 'the plan has no SQL to run' });
  return { statements, refused };
}

/** One database session: `query` runs one statement (or a simple-protocol script without parameters). */
export interface RemediationSession {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface ApplyOptions {
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

/**
 * Runs checked statements. Without CONCURRENTLY ones they run in one transaction with local
 * timeouts (all or nothing); CONCURRENTLY statements cannot run in a transaction block, so such a
 * plan runs statement by statement with session timeouts, each statement idempotent on its own.
 */
export async function applyRemediationSql(session: RemediationSession, check: RemediationPlanCheck, options: ApplyOptions = {}): Promise<void> {
  if (check.refused.length > 0) throw new RemediationRefusedError(check.refused);
  const statementTimeout = Math.max(1, Math.floor(options.statementTimeoutMs ?? 60_000));
  const lockTimeout = Math.max(1, Math.floor(options.lockTimeoutMs ?? 5_000));
  if (check.statements.some((statement) => statement.concurrent)) {
    await session.query(`select pg_catalog.set_config('statement_timeout', $1, false), pg_catalog.set_config('lock_timeout', $2, false)`, [`${statementTimeout}ms`, `${lockTimeout}ms`]);
    try {
      for (const statement of check.statements) await session.query(statement.sql);
    } finally {
      await session.query('reset statement_timeout').catch(() => undefined);
      await session.query('reset lock_timeout').catch(() => undefined);
    }
    return;
  }
  await session.query('begin');
  try {
    await session.query(`select pg_catalog.set_config('statement_timeout', $1, true), pg_catalog.set_config('lock_timeout', $2, true)`, [`${statementTimeout}ms`, `${lockTimeout}ms`]);
    for (const statement of check.statements) await session.query(statement.sql);
    await session.query('commit');
  } catch (error) {
    await session.query('rollback').catch(() => undefined);
    throw error;
  }
}

/** The dry run as text: each statement, what it changes, and whether it would run. */
export function describeRemediation(check: RemediationPlanCheck): string {
  const lines: string[] = [];
  for (const statement of check.statements) {
    lines.push(`${statement.sql};`);
    lines.push(`  -- ${statement.effect}${statement.concurrent ? ' (runs outside a transaction)' : ''}`);
  }
  if (check.refused.length > 0) {
    lines.push('');
    lines.push('Refused:');
    for (const item of check.refused) lines.push(`  line ${item.line}: ${item.reason}`);
  }
  return lines.join('\n');
}
