import { nodeBody } from '../sql/ast.js';
import type { RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { appendToStatement } from './locking-support/edits.js';
import { runAlone } from './locking-support/fixes.js';
import { displayName } from './locking-support/names.js';
import { alterTables } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'require-concurrent-partition-detach',
    defaultSeverity: 'warning',
    description:
      'DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the partitioned table (Postgres 14+ can detach concurrently, in a migration file of its own).',
    fixable: true,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    for (const info of alterTables(file, ctx)) {
      if (!info.existing) continue;
      for (const command of info.commands) {
        const partition = nodeBody<{ name?: RangeVar; concurrent?: boolean }>(command.def, 'PartitionCmd');
        if (command.subtype !== 'AT_DetachPartition' || !partition || partition.concurrent) continue;
        const subject = `Detaching ${displayName(partition.name)} from ${displayName(info.relation)} takes an ACCESS EXCLUSIVE lock on ${displayName(info.relation)}: reads and writes of every partition wait, and so does everything queued behind it.`;
        if (ctx.pgVersion < 14) {
          hits.push(
            hitAt(file, info.statement, {
              title: 'Partition detached under lock',
              severity: 'notice',
              message: `${subject} DETACH PARTITION ... CONCURRENTLY needs Postgres 14; until then, run it in a quiet period with a short lock_timeout.`,
            }),
          );
          continue;
        }
        const advice = runAlone(file, ctx, info.statement, appendToStatement(info.statement.text, ' CONCURRENTLY'), {
          name: `detach_partition_concurrently_${partition.name?.relname ?? ''}`,
          mentions: partition.name?.relname ? [partition.name.relname] : [],
          what: 'DETACH PARTITION ... CONCURRENTLY',
        });
        hits.push(
          hitAt(file, info.statement, {
            title: 'Partition detached without CONCURRENTLY',
            message: `${subject} CONCURRENTLY only takes SHARE UPDATE EXCLUSIVE (not allowed when the table has a default partition). ${advice.advice}`,
            suggestion: advice.suggestion,
            fix: advice.fix,
          }),
        );
      }
    }
    return hits;
  },
);
