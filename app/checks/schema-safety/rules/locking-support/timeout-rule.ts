import type { MigrationRuleContext, ParsedMigration, RuleHit } from '../../types.js';
import { editFix, prependToStatement } from './edits.js';
import { LOCK_NAMES, lockEffect } from './locks.js';
import { hitAt } from './rule.js';
import type { TimeoutPoint } from './timeouts.js';
import { LOCK_TIMEOUT, STATEMENT_TIMEOUT } from './timeouts.js';
import { inTransactionBlock } from './transactions.js';

/** `SET LOCAL` inside a transaction (it ends with the file's transaction); plain `SET` when there is none. */
export function setTimeout(file: ParsedMigration, ctx: MigrationRuleContext, point: TimeoutPoint, setting: 'lock_timeout' | 'statement_timeout'): string {
  const value = setting === 'lock_timeout' ? LOCK_TIMEOUT : STATEMENT_TIMEOUT;
  return `SET ${inTransactionBlock(file, ctx, point.statement) ? 'LOCAL ' : ''}${setting} = '${value}';`;
}

export function describeLock(point: TimeoutPoint): string {
  return `takes ${/^[AEIOU]/.test(LOCK_NAMES[point.use.mode] ?? '') ? 'an' : 'a'} ${LOCK_NAMES[point.use.mode]} lock on ${point.use.name}, which ${lockEffect(point.use.mode)}`;
}

export function timeoutHit(file: ParsedMigration, ctx: MigrationRuleContext, point: TimeoutPoint, settings: Array<'lock_timeout' | 'statement_timeout'>, fields: { title: string; message: string }): RuleHit {
  const lines = settings.map((setting) => setTimeout(file, ctx, point, setting));
  const suggestion = prependToStatement(file, point.statement, lines);
  return hitAt(file, point.statement, {
    ...fields,
    suggestion,
    fix: editFix(file, point.statement, suggestion, `Set ${settings.join(' and ')} before the first locking statement`),
  });
}
