import { concurrentUniqueIndex, indexBackedConstraintHits } from './locking-support/index-backed-constraint.js';
import { displayName, quoteIdent } from './locking-support/names.js';
import { defineRule } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'disallowed-unique-constraint',
    defaultSeverity: 'warning',
    description:
      'A UNIQUE constraint added to an existing table builds its index under an ACCESS EXCLUSIVE lock; build a unique index CONCURRENTLY in its own migration, then ADD CONSTRAINT ... UNIQUE USING INDEX.',
    fixable: false,
  },
  (file, ctx) =>
    indexBackedConstraintHits(file, ctx, 'CONSTR_UNIQUE', {
      title: 'Unique index built under lock',
      message: (found) =>
        `Adding a UNIQUE constraint to ${displayName(found.relation)} builds its index while ALTER TABLE holds an ACCESS EXCLUSIVE lock: reads and writes wait for the build. ` +
        `Build the index first, in a migration file of its own: \`${concurrentUniqueIndex(found)}\`, ` +
        `then, in a later one: \`ALTER TABLE ${found.table} ADD CONSTRAINT ${quoteIdent(found.name)} UNIQUE USING INDEX ${quoteIdent(found.name)};\`. ` +
        `A plain unique index (without the constraint) enforces uniqueness just as well.`,
    }),
);
