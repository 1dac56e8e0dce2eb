import type { RuleHit } from '../types.js';
import { LOCK, locksOf, onExistingTable } from './locking-support/locks.js';
import { changeModel } from './locking-support/model.js';
import { defineRule, hitAt } from './locking-support/rule.js';
import { fileTransactions } from './locking-support/transactions.js';

export const rule = defineRule(
  {
    id: 'avoid-wide-lock-window',
    defaultSeverity: 'notice',
    description:
      'One transaction takes ACCESS EXCLUSIVE locks on several existing tables: each lock is held until commit, so the first table stays blocked while the migration waits for the next.',
    fixable: false,
  },
  (file, ctx) => {
    const model = changeModel(file, ctx);
    const { transaction } = fileTransactions(file, ctx.inTransaction);
    const hits: RuleHit[] = [];
    // Per transaction: the first exclusively locked table, and whether the transaction was reported.
    const held = new Map<number, { key: string; name: string; line: number; reported: boolean }>();
    for (const statement of file.statements) {
      const id = transaction[statement.index];
      if (id === null || id === undefined) continue;
      const at = model.positionOf(file, statement);
      for (const use of locksOf(statement, ctx.pgVersion)) {
        if (use.mode < LOCK.ACCESS_EXCLUSIVE || use.on !== 'table' || !onExistingTable(use, model, at)) continue;
        const first = held.get(id);
        if (!first) {
          held.set(id, { key: use.key, name: use.name, line: statement.line, reported: false });
        } else if (first.key !== use.key && !first.reported) {
          first.reported = true;
          hits.push(
            hitAt(file, statement, {
              title: 'ACCESS EXCLUSIVE locks on several tables in one transaction',
              message:
                `${first.name} has been locked ACCESS EXCLUSIVE since line ${first.line}, and this statement takes the same lock on ${use.name} in the same transaction. ` +
                `Every query on ${first.name} now waits for the migration to get ${use.name} too. Put the changes to each table in a migration file of its own.`,
            }),
          );
        }
      }
    }
    return hits;
  },
);
