import { defineNarrowKeyRule } from './schema-support/narrow-key-rule.js';
import { listing } from './schema-support/type-rule.js';

export const rule = defineNarrowKeyRule({
  id: 'prefer-bigint-over-int',
  description: 'A 32-bit key column (`int`/`serial` primary key, foreign key, identity or `*_id`): it overflows at 2,147,483,647, and widening it later rewrites the table.',
  integer: { type: 'int4', spellings: 'integer|int4|int', written: 'int', serialTypes: ['serial', 'serial4'], serialSpellings: 'serial4|serial', serialWritten: 'serial' },
  report: {
    title: '32-bit key column',
    fixDescription: 'Use `bigint`',
    message: (problems) =>
      `${listing(problems.map((problem) => problem.written))} ${problems.length > 1 ? 'are keys' : 'is a key'} limited to 2,147,483,647 values; ids run out sooner than expected (sequences skip values on rollbacks and upserts), and widening the column later is a table rewrite under an ACCESS EXCLUSIVE lock, on every table that references it too. ` +
      'Use `bigint` (8 bytes instead of 4). Value columns such as counts are not flagged.',
  },
});
