import { nodeBody } from '../sql/ast.js';
import { CATALOG_PREFIX, matchTypeText, type ColumnTypeUse } from './schema-support/column-types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { textTypeRewrite } from './schema-support/text-type-fix.js';
import { checkColumnTypes, listing, type TypeRuleReport } from './schema-support/type-rule.js';

const VARCHAR = new RegExp(String.raw`${CATALOG_PREFIX}(?:"?varchar"?|character\s+varying|char\s+varying|national\s+char(?:acter)?\s+varying|nchar\s+varying)\s*\(\s*\d+\s*\)`, 'i');

/** The `n` of `varchar(n)`, when written. */
export function typeLength(use: ColumnTypeUse): number | undefined {
  const first = use.typeName.typmods?.[0];
  const value = nodeBody<{ ival?: { ival?: number } }>(first, 'A_Const')?.ival;
  return value ? (value.ival ?? 0) : undefined;
}

/** The message is the same for every file: built once, not per check. */
const REPORT: TypeRuleReport = {
  title: 'varchar(n) instead of text',
  fixDescription: 'Use `text` with a `char_length` CHECK constraint',
  message: (problems) => {
    const changed = problems.some((problem) => problem.use.context === 'alter-type');
    return (
      `${listing(problems.map((problem) => problem.written))} ${problems.length > 1 ? 'limit their length' : 'limits its length'} in the type. ` +
      'Raising or removing that limit later is an ALTER COLUMN ... TYPE under an ACCESS EXCLUSIVE lock, while a CHECK constraint can be swapped without blocking (add the new one NOT VALID, then VALIDATE it). ' +
      (changed
        ? 'Change the column to `text` and keep the limit in a CHECK constraint.'
        : 'Use `text check (char_length(col) <= n)`; drop the check if the limit does not matter.')
    );
  },
};

export const rule = defineSchemaRule({
  id: 'prefer-text-field',
  defaultSeverity: 'notice',
  description: 'A `varchar(n)` column: changing the limit later takes an ACCESS EXCLUSIVE lock; `text` with a CHECK constraint does not.',
  fixable: true,
  check: (file, ctx) =>
    checkColumnTypes(
      file,
      ctx,
      (use, view) => {
        if (use.type !== 'varchar') return undefined;
        const limit = typeLength(use);
        if (limit === undefined) return undefined;
        const match = matchTypeText(file, use, VARCHAR);
        const rewrite = match ? textTypeRewrite(use, match[0].length, limit, view) : {};
        return { use, written: `\`${use.column} varchar(${limit})\``, ...rewrite };
      },
      REPORT,
    ),
});
