import type { RuleHit } from '../types.js';
import { editFix, removeStatement } from './locking-support/edits.js';
import { defineRule, hitAt } from './locking-support/rule.js';
import { transactionControl } from './locking-support/transactions.js';

export const rule = defineRule(
  {
    id: 'transaction-nesting',
    defaultSeverity: 'warning',
    description:
      'BEGIN / COMMIT / ROLLBACK in a migration the runner already wraps in a transaction (the Supabase CLI does), or a BEGIN inside an open transaction, or a COMMIT with none open.',
    fixable: true,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    const statements = file.statements;
    let open = false;
    for (const statement of statements) {
      const control = transactionControl(statement);
      if (!control || control === 'other') continue;
      const keyword = statement.text.split(/\s+/)[0]?.toUpperCase() ?? control.toUpperCase();
      if (ctx.inTransaction) {
        // Removing a wrapping BEGIN ... COMMIT changes nothing; one in the middle splits the file and needs a person.
        const wrapping = (control === 'begin' && statement.index === 0) || (control !== 'begin' && statement.index === statements.length - 1);
        const suggestion = wrapping ? removeStatement(file, statement) : undefined;
        const effect =
          control === 'begin'
            ? 'BEGIN only raises a warning there'
            : `${keyword} ends the CLI's transaction early: what follows runs outside it, and the CLI's own COMMIT finds no transaction`;
        hits.push(
          hitAt(file, statement, {
            title: `${keyword} in a migration file`,
            message:
              `The Supabase CLI already runs each migration file in a transaction; ${effect}. ` +
              (wrapping ? 'Remove it (the suggestion).' : 'To commit part of the work first, split the file into two migrations instead.'),
            suggestion,
            fix: suggestion === undefined ? undefined : editFix(file, statement, suggestion, `Remove ${keyword}`),
          }),
        );
        continue;
      }
      if (control === 'begin') {
        if (open) {
          hits.push(
            hitAt(file, statement, {
              title: 'Nested BEGIN',
              message: 'A transaction is already open: Postgres does not nest transactions, so this BEGIN only raises a warning. Remove it, or COMMIT the open one first.',
            }),
          );
        }
        open = true;
      } else {
        if (!open) {
          hits.push(
            hitAt(file, statement, {
              title: `${keyword} without a transaction`,
              message: `No transaction is open here, so ${keyword} only raises a warning. Remove it, or add the BEGIN it belongs to.`,
            }),
          );
        }
        open = false;
      }
    }
    return hits;
  },
);
