import { nodeBody } from '../sql/ast.js';
import type { RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { insertAfterKeyword } from './locking-support/edits.js';
import { runAlone } from './locking-support/fixes.js';
import { isConcurrentReindex } from './locking-support/locks.js';
import { changeModel } from './locking-support/model.js';
import { displayName, rangeVarKey } from './locking-support/names.js';
import { defineRule, hitAt } from './locking-support/rule.js';

const KIND_KEYWORD: Record<string, string> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
};

export const rule = defineRule(
  {
    id: 'require-concurrent-reindex',
    defaultSeverity: 'warning',
    description:
      'REINDEX without CONCURRENTLY blocks writes to the table and reads that use the index while it rebuilds (Postgres 12+ can reindex concurrently, in a migration file of its own).',
    fixable: true,
  },
  (file, ctx) => {
    const model = changeModel(file, ctx);
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const reindex = nodeBody<{ kind?: string; relation?: RangeVar; name?: string; params?: unknown[] }>(statement.node, 'ReindexStmt');
      const keyword = KIND_KEYWORD[reindex?.kind ?? ''];
      // REINDEX SYSTEM cannot run concurrently at all.
      if (!reindex || !keyword || isConcurrentReindex(reindex.params)) continue;
      const at = model.positionOf(file, statement);
      const key = rangeVarKey(reindex.relation);
      const table = keyword === 'INDEX' ? model.indexTable(key, at) : keyword === 'TABLE' ? key : undefined;
      if (model.isNewTable(table, at)) continue;
      const target = reindex.relation ? `${keyword} ${displayName(reindex.relation)}` : `${keyword} ${reindex.name ?? ''}`.trim();
      const subject = `REINDEX ${target} holds a SHARE lock on each table (writes wait) and an ACCESS EXCLUSIVE lock on each index (reads that use it wait) until the rebuild ends.`;
      if (ctx.pgVersion < 12) {
        hits.push(
          hitAt(file, statement, {
            title: 'Reindex under lock',
            message: `${subject} REINDEX CONCURRENTLY needs Postgres 12; until then, build a new index with CREATE INDEX CONCURRENTLY, drop the old one with DROP INDEX CONCURRENTLY and rename the new one.`,
          }),
        );
        continue;
      }
      const sql = insertAfterKeyword(statement.text, keyword, ' CONCURRENTLY');
      const advice = sql
        ? runAlone(file, ctx, statement, sql, { name: `reindex_concurrently_${reindex.relation?.relname ?? reindex.name ?? ''}`, what: 'REINDEX CONCURRENTLY' })
        : { advice: 'Use REINDEX CONCURRENTLY, in a migration file of its own.' };
      hits.push(
        hitAt(file, statement, {
          title: 'Reindex without CONCURRENTLY',
          message: `${subject} CONCURRENTLY rebuilds without blocking reads or writes. ${advice.advice}`,
          suggestion: advice.suggestion,
          fix: advice.fix,
        }),
      );
    }
    return hits;
  },
);
