import type { RuleHit, SqlStatement } from '../types.js';
import { appendToStatement, editFix, replaceStatement } from './locking-support/edits.js';
import { defineRule, hitAt } from './locking-support/rule.js';
import { transactionControl } from './locking-support/transactions.js';

export const rule = defineRule(
  {
    id: 'ban-uncommitted-transaction',
    defaultSeverity: 'error',
    description:
      'A BEGIN with no COMMIT before the end of the file: when the runner does not commit for you, the migration reports success and its changes are rolled back.',
    fixable: true,
  },
  (file, ctx) => {
    // Under a runner that wraps the file (the Supabase CLI), its COMMIT closes the transaction; transaction-nesting reports the BEGIN.
    if (ctx.inTransaction) return [];
    let open: SqlStatement | undefined;
    for (const statement of file.statements) {
      const control = transactionControl(statement);
      if (control === 'begin') open ??= statement;
      else if (control === 'commit' || control === 'rollback') open = undefined;
    }
    if (!open) return [];
    const last = file.statements.at(-1);
    const replacement = last ? replaceStatement(file, last, appendToStatement(last.text, ';\nCOMMIT')) : undefined;
    const hit: RuleHit = hitAt(file, open, {
      title: 'Transaction never committed',
      message: `The transaction opened at line ${open.line} is still open at the end of the file: the session ends, Postgres rolls it back, and nothing in it is applied. Add COMMIT at the end.`,
      fix: last && replacement !== undefined ? editFix(file, last, replacement, 'Add COMMIT at the end of the file') : undefined,
    });
    return [hit];
  },
);
