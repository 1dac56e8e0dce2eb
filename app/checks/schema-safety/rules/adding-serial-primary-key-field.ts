import { concurrentUniqueIndex, indexBackedConstraintHits } from './locking-support/index-backed-constraint.js';
import { displayName, quoteIdent } from './locking-support/names.js';
import { defineRule } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'adding-serial-primary-key-field',
    defaultSeverity: 'warning',
    description:
      'A PRIMARY KEY added to an existing table builds its unique index under an ACCESS EXCLUSIVE lock; build the index CONCURRENTLY in its own migration, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX.',
    fixable: false,
  },
  (file, ctx) =>
    indexBackedConstraintHits(file, ctx, 'CONSTR_PRIMARY', {
      title: 'Primary key index built under lock',
      message: (found) =>
        `Adding a primary key to ${displayName(found.relation)} builds its unique index while ALTER TABLE holds an ACCESS EXCLUSIVE lock: reads and writes wait for the build. ` +
        `Build the index first, in a migration file of its own: \`${concurrentUniqueIndex(found)}\`, ` +
        `then, in a later one: \`ALTER TABLE ${found.table} ADD CONSTRAINT ${quoteIdent(found.name)} PRIMARY KEY USING INDEX ${quoteIdent(found.name)};\` ` +
        `(the columns must already be NOT NULL; see adding-not-nullable-field).`,
    }),
);
