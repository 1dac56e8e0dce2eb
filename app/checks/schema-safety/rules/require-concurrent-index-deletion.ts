import { nodeBody, stringValue } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { insertAfterKeyword } from './locking-support/edits.js';
import { runAlone } from './locking-support/fixes.js';
import { changeModel } from './locking-support/model.js';
import { namesKey } from './locking-support/names.js';
import { defineRule, hitAt } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'require-concurrent-index-deletion',
    defaultSeverity: 'notice',
    description:
      'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index\'s table. Under the Supabase CLI, DROP INDEX CONCURRENTLY goes in a migration file of its own.',
    fixable: true,
  },
  (file, ctx) => {
    const model = changeModel(file, ctx);
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const drop = nodeBody<{ removeType?: string; objects?: unknown[]; concurrent?: boolean; behavior?: string }>(statement.node, 'DropStmt');
      if (drop?.removeType !== 'OBJECT_INDEX' || drop.concurrent) continue;
      const at = model.positionOf(file, statement);
      const names = (drop.objects ?? []).map((object) => nodeBody<{ items?: unknown[] }>(object, 'List')?.items ?? []);
      // An index the change built on a table it created is as new as the table.
      const existing = names.filter((items) => !model.isNewTable(model.indexTable(namesKey(items), at), at));
      if (existing.length === 0) continue;
      const shown = existing.map((items) => items.map((item) => stringValue(item)).join('.')).join(', ');
      const single = names.length === 1 && drop.behavior !== 'DROP_CASCADE';
      const sql = single ? insertAfterKeyword(statement.text, 'INDEX', ' CONCURRENTLY') : undefined;
      const index = stringValue(names[0]?.at(-1)) ?? '';
      const advice = sql
        ? runAlone(file, ctx, statement, sql, { name: `drop_index_concurrently_${index}`, mentions: [index], what: 'DROP INDEX CONCURRENTLY' })
        : { advice: 'DROP INDEX CONCURRENTLY takes one index and no CASCADE: write one statement per index, each in a migration file of its own.' };
      hits.push(
        hitAt(file, statement, {
          title: 'Index dropped without CONCURRENTLY',
          message:
            `DROP INDEX ${shown} takes an ACCESS EXCLUSIVE lock on the table: the drop itself is quick, but while it waits for running queries, every read and write queued behind it waits too. ` +
            `CONCURRENTLY waits without blocking them. ${advice.advice}`,
          suggestion: advice.suggestion,
          fix: advice.fix,
        }),
      );
    }
    return hits;
  },
);
