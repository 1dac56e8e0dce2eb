import { findAll, nodeBody } from '../sql/ast.js';
import type { RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { isFullVacuum } from './locking-support/locks.js';
import { changeModel } from './locking-support/model.js';
import { displayName, rangeVarKey } from './locking-support/names.js';
import { defineRule, hitAt } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'prefer-repack',
    defaultSeverity: 'error',
    description:
      'VACUUM FULL and CLUSTER rewrite a table under an ACCESS EXCLUSIVE lock that blocks reads and writes; use REPACK (CONCURRENTLY) from Postgres 19, or pg_repack, outside migrations.',
    fixable: false,
  },
  (file, ctx) => {
    const model = changeModel(file, ctx);
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const at = model.positionOf(file, statement);
      let command: string;
      let tables: RangeVar[];
      const vacuum = nodeBody<{ options?: unknown[]; rels?: unknown[]; is_vacuumcmd?: boolean }>(statement.node, 'VacuumStmt');
      const cluster = nodeBody<{ relation?: RangeVar }>(statement.node, 'ClusterStmt');
      if (vacuum?.is_vacuumcmd && isFullVacuum(vacuum.options)) {
        command = 'VACUUM FULL';
        tables = findAll<{ relation?: RangeVar }>(vacuum.rels, 'VacuumRelation').flatMap((relation) => (relation.relation ? [relation.relation] : []));
      } else if (cluster) {
        command = 'CLUSTER';
        tables = cluster.relation ? [cluster.relation] : [];
      } else {
        continue;
      }
      const existing = tables.filter((table) => !model.isNewTable(rangeVarKey(table), at));
      if (tables.length > 0 && existing.length === 0) continue;
      const target = tables.length === 0 ? 'every table in the database' : existing.map(displayName).join(', ');
      const instead =
        ctx.pgVersion >= 19
          ? `Use \`REPACK (CONCURRENTLY)\`${command === 'CLUSTER' ? ' ... USING INDEX' : ''}, which takes the strong lock only briefly at the end.`
          : 'Run it outside migrations with pg_repack (a Supabase extension plus its command-line client), which rewrites online; from Postgres 19, REPACK (CONCURRENTLY) does the same in SQL.';
      hits.push(
        hitAt(file, statement, {
          title: `${command} rewrites under lock`,
          message:
            `${command} rewrites ${target} under an ACCESS EXCLUSIVE lock: reads and writes wait until the copy ends, and a migration runs it in every environment` +
            `${command === 'VACUUM FULL' || tables.length === 0 ? ' (inside the transaction the Supabase CLI wraps around a migration file it fails outright)' : ''}. ${instead}`,
        }),
      );
    }
    return hits;
  },
);
