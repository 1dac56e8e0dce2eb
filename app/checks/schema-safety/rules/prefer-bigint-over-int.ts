import { CATALOG_PREFIX, matchTypeText } from './schema-support/column-types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { checkColumnTypes, listing, type TypeRuleReport } from './schema-support/type-rule.js';
import { IDENTITY } from './prefer-identity.js';

const INT = new RegExp(String.raw`${CATALOG_PREFIX}"?(?:integer|int4|int)"?\b`, 'i');
const SERIAL = new RegExp(String.raw`${CATALOG_PREFIX}"?(?:serial4|serial)"?\b`, 'i');

/** The message is the same for every file: built once, not per check. */
const REPORT: TypeRuleReport = {
  title: '32-bit key column',
  fixDescription: 'Use `bigint`',
  message: (problems) =>
    `${listing(problems.map((problem) => problem.written))} ${problems.length > 1 ? 'are keys' : 'is a key'} limited to 2,147,483,647 values; ids run out sooner than expected (sequences skip values on rollbacks and upserts), and widening the column later is a table rewrite under an ACCESS EXCLUSIVE lock, on every table that references it too. ` +
    'Use `bigint` (8 bytes instead of 4). Value columns such as counts are not flagged.',
};

export const rule = defineSchemaRule({
  id: 'prefer-bigint-over-int',
  defaultSeverity: 'notice',
  description: 'A 32-bit key column (`int`/`serial` primary key, foreign key, identity or `*_id`): it overflows at 2,147,483,647, and widening it later rewrites the table.',
  fixable: true,
  check: (file, ctx) =>
    checkColumnTypes(
      file,
      ctx,
      (use) => {
        const serial = use.type === 'serial' || use.type === 'serial4';
        if (!(use.type === 'int4' || serial) || !use.keyLike) return undefined;
        if (serial && use.context === 'alter-type') return undefined;
        const match = matchTypeText(file, use, serial ? SERIAL : INT);
        return {
          use,
          written: `\`${use.column} ${serial ? 'serial' : 'int'}\``,
          edit: match ? { start: use.typeStart, end: use.typeStart + match[0].length, text: serial ? IDENTITY : 'bigint' } : undefined,
        };
      },
      REPORT,
    ),
});
