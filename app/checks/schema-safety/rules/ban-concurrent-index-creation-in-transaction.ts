import { nodeBody, stringValue } from '../sql/ast.js';
import type { RangeVar } from '../sql/ast.js';
import type { RuleHit, SqlStatement } from '../types.js';
import { editFix, parses, removeKeyword, replaceStatement } from './locking-support/edits.js';
import { ownFileReason, runAlone } from './locking-support/fixes.js';
import { isConcurrentReindex, isFullVacuum } from './locking-support/locks.js';
import type { ChangeModel, Position } from './locking-support/model.js';
import { changeModel } from './locking-support/model.js';
import { namesKey, rangeVarKey } from './locking-support/names.js';
import type { AlterTableCmdNode } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';
import { runsOutsideTransaction } from './locking-support/transactions.js';

interface NonTransactional {
  /** `CREATE INDEX CONCURRENTLY`, `VACUUM`, ... */
  what: string;
  /** Names later statements may use (the index, the partition): moving the statement past them would break them. */
  mentions: string[];
  /** Whether the object belongs to a table created earlier in the change (then CONCURRENTLY is pointless). */
  onNewTable: boolean;
  name: string;
}

/** Statements Postgres refuses inside a transaction block, as far as migrations use them. */
function classify(statement: SqlStatement, model: ChangeModel, at: Position): NonTransactional | undefined {
  const node = statement.node;
  switch (statement.kind) {
    case 'IndexStmt': {
      const index = nodeBody<{ idxname?: string; relation?: RangeVar; concurrent?: boolean }>(node, 'IndexStmt');
      if (!index?.concurrent) return undefined;
      return {
        what: 'CREATE INDEX CONCURRENTLY',
        mentions: index.idxname ? [index.idxname] : [],
        onNewTable: model.isNewTable(rangeVarKey(index.relation), at),
        name: `create_index_concurrently_${index.idxname ?? index.relation?.relname ?? ''}`,
      };
    }
    case 'DropStmt': {
      const drop = nodeBody<{ removeType?: string; objects?: unknown[]; concurrent?: boolean }>(node, 'DropStmt');
      if (drop?.removeType !== 'OBJECT_INDEX' || !drop.concurrent) return undefined;
      const items = nodeBody<{ items?: unknown[] }>(drop.objects?.[0], 'List')?.items ?? [];
      const table = model.indexTable(namesKey(items), at);
      const index = stringValue(items.at(-1)) ?? '';
      return { what: 'DROP INDEX CONCURRENTLY', mentions: index ? [index] : [], onNewTable: model.isNewTable(table, at), name: `drop_index_concurrently_${index}` };
    }
    case 'ReindexStmt': {
      const reindex = nodeBody<{ kind?: string; relation?: RangeVar; params?: unknown[] }>(node, 'ReindexStmt');
      if (!isConcurrentReindex(reindex?.params)) return undefined;
      const key = rangeVarKey(reindex?.relation);
      const table = reindex?.kind === 'REINDEX_OBJECT_INDEX' ? model.indexTable(key, at) : reindex?.kind === 'REINDEX_OBJECT_TABLE' ? key : undefined;
      return { what: 'REINDEX CONCURRENTLY', mentions: [], onNewTable: model.isNewTable(table, at), name: `reindex_concurrently_${reindex?.relation?.relname ?? ''}` };
    }
    case 'AlterTableStmt': {
      const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[] }>(node, 'AlterTableStmt');
      for (const wrapped of alter?.cmds ?? []) {
        const cmd = nodeBody<AlterTableCmdNode>(wrapped, 'AlterTableCmd');
        const partition = nodeBody<{ name?: RangeVar; concurrent?: boolean }>(cmd?.def, 'PartitionCmd');
        if (cmd?.subtype !== 'AT_DetachPartition' || !partition?.concurrent) continue;
        return {
          what: 'DETACH PARTITION ... CONCURRENTLY',
          mentions: partition.name?.relname ? [partition.name.relname] : [],
          onNewTable: model.isNewTable(rangeVarKey(alter?.relation), at),
          name: `detach_partition_concurrently_${partition.name?.relname ?? ''}`,
        };
      }
      return undefined;
    }
    case 'VacuumStmt': {
      const vacuum = nodeBody<{ is_vacuumcmd?: boolean; options?: unknown[] }>(node, 'VacuumStmt');
      // VACUUM FULL does not belong in a migration at all: prefer-repack reports it.
      if (!vacuum?.is_vacuumcmd || isFullVacuum(vacuum.options)) return undefined;
      return { what: 'VACUUM', mentions: [], onNewTable: false, name: 'vacuum' };
    }
    default:
      return undefined;
  }
}

export const rule = defineRule(
  {
    id: 'ban-concurrent-index-creation-in-transaction',
    defaultSeverity: 'error',
    description:
      'CREATE INDEX CONCURRENTLY (and DROP INDEX / REINDEX / DETACH PARTITION ... CONCURRENTLY, VACUUM) inside a transaction fails. Under the Supabase CLI such a statement must be alone in its migration file.',
    fixable: true,
  },
  (file, ctx) => {
    const model = changeModel(file, ctx);
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const found = classify(statement, model, model.positionOf(file, statement));
      if (!found || runsOutsideTransaction(file, ctx, statement)) continue;
      const reason = ownFileReason(ctx, found.what);
      if (found.onNewTable) {
        const plain = removeKeyword(statement.text, 'CONCURRENTLY');
        const suggestion = plain && parses(plain) ? replaceStatement(file, statement, plain) : undefined;
        hits.push(
          hitAt(file, statement, {
            title: `${found.what} inside a transaction`,
            message: `This fails: ${reason}. The table is created earlier in this change, so nothing uses it yet: drop CONCURRENTLY and keep the statement where it is.`,
            suggestion,
            fix: suggestion === undefined ? undefined : editFix(file, statement, suggestion, 'Drop CONCURRENTLY on a new table'),
          }),
        );
        continue;
      }
      const advice = runAlone(file, ctx, statement, statement.text, { name: found.name, mentions: found.mentions, what: found.what, explain: false });
      hits.push(
        hitAt(file, statement, {
          title: `${found.what} inside a transaction`,
          message: `This fails: ${reason}. ${advice.advice}`,
          suggestion: advice.suggestion,
          fix: advice.fix,
        }),
      );
    }
    return hits;
  },
);
