import { stringValue } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { constraintName, displayName, qualifiedName, quoteIdent } from './locking-support/names.js';
import type { ConstraintNode } from './locking-support/nodes.js';
import { alterTables, columnDefOf, constraintOf } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'disallowed-unique-constraint',
    defaultSeverity: 'warning',
    description:
      'A UNIQUE constraint added to an existing table builds its index under an ACCESS EXCLUSIVE lock; build a unique index CONCURRENTLY in its own migration, then ADD CONSTRAINT ... UNIQUE USING INDEX.',
    fixable: false,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    for (const info of alterTables(file, ctx)) {
      if (!info.existing) continue;
      const found: Array<{ constraint: ConstraintNode; columns: string[] }> = [];
      for (const command of info.commands) {
        if (command.subtype === 'AT_AddConstraint') {
          const constraint = constraintOf(command.def);
          if (constraint?.contype === 'CONSTR_UNIQUE' && !constraint.indexname) {
            found.push({ constraint, columns: (constraint.keys ?? []).map((key) => stringValue(key) ?? '') });
          }
        } else if (command.subtype === 'AT_AddColumn') {
          const column = columnDefOf(command.def);
          for (const wrapped of column?.constraints ?? []) {
            const constraint = constraintOf(wrapped);
            if (constraint?.contype === 'CONSTR_UNIQUE') found.push({ constraint, columns: [column?.colname ?? ''] });
          }
        }
      }
      for (const { constraint, columns } of found) {
        const name = constraint.conname ?? constraintName(info.relation.relname ?? '', columns, 'key');
        const table = qualifiedName(info.relation);
        hits.push(
          hitAt(file, info.statement, {
            byteLocation: constraint.location,
            title: 'Unique index built under lock',
            message:
              `Adding a UNIQUE constraint to ${displayName(info.relation)} builds its index while ALTER TABLE holds an ACCESS EXCLUSIVE lock: reads and writes wait for the build. ` +
              `Build the index first, in a migration file of its own: \`CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${table} (${columns.map(quoteIdent).join(', ')});\`, ` +
              `then, in a later one: \`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} UNIQUE USING INDEX ${quoteIdent(name)};\`. ` +
              `A plain unique index (without the constraint) enforces uniqueness just as well.`,
          }),
        );
      }
    }
    return hits;
  },
);
