import { stringValue } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { constraintName, displayName, qualifiedName, quoteIdent } from './locking-support/names.js';
import type { ConstraintNode } from './locking-support/nodes.js';
import { alterTables, columnDefOf, constraintOf } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'adding-serial-primary-key-field',
    defaultSeverity: 'warning',
    description:
      'A PRIMARY KEY added to an existing table builds its unique index under an ACCESS EXCLUSIVE lock; build the index CONCURRENTLY in its own migration, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX.',
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
          if (constraint?.contype === 'CONSTR_PRIMARY' && !constraint.indexname) {
            found.push({ constraint, columns: (constraint.keys ?? []).map((key) => stringValue(key) ?? '') });
          }
        } else if (command.subtype === 'AT_AddColumn') {
          const column = columnDefOf(command.def);
          for (const wrapped of column?.constraints ?? []) {
            const constraint = constraintOf(wrapped);
            if (constraint?.contype === 'CONSTR_PRIMARY') found.push({ constraint, columns: [column?.colname ?? ''] });
          }
        }
      }
      for (const { constraint, columns } of found) {
        const relname = info.relation.relname ?? '';
        const name = constraint.conname ?? constraintName(relname, [], 'pkey');
        const table = qualifiedName(info.relation);
        const list = columns.map(quoteIdent).join(', ');
        hits.push(
          hitAt(file, info.statement, {
            byteLocation: constraint.location,
            title: 'Primary key index built under lock',
            message:
              `Adding a primary key to ${displayName(info.relation)} builds its unique index while ALTER TABLE holds an ACCESS EXCLUSIVE lock: reads and writes wait for the build. ` +
              `Build the index first, in a migration file of its own: \`CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${table} (${list});\`, ` +
              `then, in a later one: \`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} PRIMARY KEY USING INDEX ${quoteIdent(name)};\` ` +
              `(the columns must already be NOT NULL; see adding-not-nullable-field).`,
          }),
        );
      }
    }
    return hits;
  },
);
