import { defineNarrowKeyRule } from './schema-support/narrow-key-rule.js';
import { listing } from './schema-support/type-rule.js';

export const rule = defineNarrowKeyRule({
  id: 'prefer-bigint-over-smallint',
  description: 'A 16-bit key column (`smallint`/`smallserial` primary key, foreign key, identity or `*_id`): it overflows at 32,767.',
  integer: { type: 'int2', spellings: 'smallint|int2', written: 'smallint', serialTypes: ['smallserial', 'serial2'], serialSpellings: 'smallserial|serial2', serialWritten: 'smallserial' },
  report: {
    title: '16-bit key column',
    fixDescription: 'Use `bigint`',
    message: (problems) =>
      `${listing(problems.map((problem) => problem.written))} ${problems.length > 1 ? 'are keys' : 'is a key'} limited to 32,767 values, which a lookup table outgrows easily; widening it later rewrites the table and every table referencing it. ` +
      'Use `bigint`. Small value columns (ranks, flags) are not flagged.',
  },
});
