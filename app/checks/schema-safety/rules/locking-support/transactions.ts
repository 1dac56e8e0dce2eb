import { nodeBody } from '../../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';

export type TransactionControl = 'begin' | 'commit' | 'rollback' | 'other';

/** BEGIN / START TRANSACTION, COMMIT / END, ROLLBACK / ABORT; savepoints and prepared transactions are 'other'. */
export function transactionControl(statement: SqlStatement): TransactionControl | undefined {
  const kind = nodeBody<{ kind?: string }>(statement.node, 'TransactionStmt')?.kind;
  if (!kind) return undefined;
  if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') return 'begin';
  if (kind === 'TRANS_STMT_COMMIT') return 'commit';
  if (kind === 'TRANS_STMT_ROLLBACK') return 'rollback';
  return 'other';
}

export interface FileTransactions {
  /** Per statement: the transaction it runs in (statements with the same id commit together), or null for autocommit. */
  transaction: Array<number | null>;
  /** Per statement: inside an explicit BEGIN ... COMMIT written in the file. */
  explicit: boolean[];
}

const cache = new WeakMap<ParsedMigration, Map<boolean, FileTransactions>>();

/**
 * Which statements share a transaction. With `inTransaction` the runner opens one around the file
 * (the Supabase CLI does); an explicit COMMIT ends it early and later statements autocommit.
 */
export function fileTransactions(file: ParsedMigration, inTransaction: boolean): FileTransactions {
  let byMode = cache.get(file);
  if (!byMode) {
    byMode = new Map();
    cache.set(file, byMode);
  }
  const cached = byMode.get(inTransaction);
  if (cached) return cached;

  let next = 0;
  let current: number | null = inTransaction ? next++ : null;
  let explicitOpen = false;
  const transaction: Array<number | null> = [];
  const explicit: boolean[] = [];
  for (const statement of file.statements) {
    const control = transactionControl(statement);
    if (control === 'begin') {
      if (current === null) current = next++;
      explicitOpen = true;
    }
    transaction.push(current);
    explicit.push(explicitOpen);
    if (control === 'commit' || control === 'rollback') {
      current = null;
      explicitOpen = false;
    }
  }
  const result = { transaction, explicit };
  byMode.set(inTransaction, result);
  return result;
}

export function sameTransaction(file: ParsedMigration, ctx: MigrationRuleContext, a: SqlStatement, b: SqlStatement): boolean {
  const { transaction } = fileTransactions(file, ctx.inTransaction);
  const first = transaction[a.index];
  return first !== null && first !== undefined && first === transaction[b.index];
}

/**
 * Whether a statement that cannot run in a transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`,
 * ...) can run where it is. The Supabase CLI sends each migration file as one batch in a transaction;
 * the documented way around it (supabase/cli#2898) is a migration file holding only that statement.
 * Without such a runner, the statement only has to stay outside an explicit BEGIN ... COMMIT.
 */
export function runsOutsideTransaction(file: ParsedMigration, ctx: MigrationRuleContext, statement: SqlStatement): boolean {
  if (ctx.inTransaction) return file.statements.length === 1;
  return !fileTransactions(file, false).explicit[statement.index];
}

/** Whether a statement runs inside some transaction block (the runner's or one written in the file). */
export function inTransactionBlock(file: ParsedMigration, ctx: MigrationRuleContext, statement: SqlStatement): boolean {
  return fileTransactions(file, ctx.inTransaction).transaction[statement.index] !== null;
}
