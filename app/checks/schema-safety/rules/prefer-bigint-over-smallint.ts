import { CATALOG_PREFIX, matchTypeText } from './schema-support/column-types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { checkColumnTypes, listing, type TypeRuleReport } from './schema-support/type-rule.js';
import { IDENTITY } from './prefer-identity.js';

const SMALLINT = new RegExp(String.raw`${CATALOG_PREFIX}"?(?:smallint|int2)"?\b`, 'i');
const SMALLSERIAL = new RegExp(String.raw`${CATALOG_PREFIX}"?(?:smallserial|serial2)"?\b`, 'i');

/** The message is the same for every file: built once, not per check. */
const REPORT: TypeRuleReport = {
  title: '16-bit key column',
  fixDescription: 'Use `bigint`',
  message: (problems) =>
    `${listing(problems.map((problem) => problem.written))} ${problems.length > 1 ? 'are keys' : 'is a key'} limited to 32,767 values, which a lookup table outgrows easily; widening it later rewrites the table and every table referencing it. ` +
    'Use `bigint`. Small value columns (ranks, flags) are not flagged.',
};

export const rule = defineSchemaRule({
  id: 'prefer-bigint-over-smallint',
  defaultSeverity: 'notice',
  description: 'A 16-bit key column (`smallint`/`smallserial` primary key, foreign key, identity or `*_id`): it overflows at 32,767.',
  fixable: true,
  check: (file, ctx) =>
    checkColumnTypes(
      file,
      ctx,
      (use) => {
        const serial = use.type === 'smallserial' || use.type === 'serial2';
        if (!(use.type === 'int2' || serial) || !use.keyLike) return undefined;
        if (serial && use.context === 'alter-type') return undefined;
        const match = matchTypeText(file, use, serial ? SMALLSERIAL : SMALLINT);
        return {
          use,
          written: `\`${use.column} ${serial ? 'smallserial' : 'smallint'}\``,
          edit: match ? { start: use.typeStart, end: use.typeStart + match[0].length, text: serial ? IDENTITY : 'bigint' } : undefined,
        };
      },
      REPORT,
    ),
});
