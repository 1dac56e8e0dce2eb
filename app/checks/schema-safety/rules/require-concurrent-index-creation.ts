import { nodeBody } from '../sql/ast.js';
import type { RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { insertAfterKeyword } from './locking-support/edits.js';
import { runAlone } from './locking-support/fixes.js';
import { changeModel } from './locking-support/model.js';
import { displayName, rangeVarKey } from './locking-support/names.js';
import { defineRule, hitAt } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'require-concurrent-index-creation',
    defaultSeverity: 'warning',
    description:
      'CREATE INDEX on an existing table without CONCURRENTLY blocks writes while the index builds. Under the Supabase CLI, CREATE INDEX CONCURRENTLY goes in a migration file of its own.',
    fixable: true,
  },
  (file, ctx) => {
    const model = changeModel(file, ctx);
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const index = nodeBody<{ idxname?: string; relation?: RangeVar & { inh?: boolean }; concurrent?: boolean }>(statement.node, 'IndexStmt');
      if (!index || index.concurrent) continue;
      // ON ONLY a partitioned parent builds nothing: the partitions' indexes are built (concurrently) and attached.
      if (index.relation && index.relation.inh !== true) continue;
      if (model.isNewTable(rangeVarKey(index.relation), model.positionOf(file, statement))) continue;
      const sql = insertAfterKeyword(statement.text, 'INDEX', ' CONCURRENTLY');
      const name = index.idxname ? `index ${index.idxname}` : 'an index';
      const advice = sql
        ? runAlone(file, ctx, statement, sql, {
            name: `create_index_concurrently_${index.idxname ?? index.relation?.relname ?? ''}`,
            mentions: index.idxname ? [index.idxname] : [],
            what: 'CREATE INDEX CONCURRENTLY',
          })
        : { advice: 'Build it with CREATE INDEX CONCURRENTLY, in a migration file of its own.' };
      hits.push(
        hitAt(file, statement, {
          title: 'Index built without CONCURRENTLY',
          message:
            `Building ${name} on ${displayName(index.relation)} holds a SHARE lock for the whole build: inserts, updates and deletes wait (reads go on). ` +
            `CONCURRENTLY builds it without blocking writes. ${advice.advice}`,
          suggestion: advice.suggestion,
          fix: advice.fix,
        }),
      );
    }
    return hits;
  },
);
