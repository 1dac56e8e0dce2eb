import { CATALOG_PREFIX, matchTypeText } from './schema-support/column-types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { textTypeRewrite } from './schema-support/text-type-fix.js';
import { checkColumnTypes, listing, type TypeRuleReport } from './schema-support/type-rule.js';
import { typeLength } from './prefer-text-field.js';

// `"char"` (quoted) is the one-byte internal type, a different thing; only the blank-padded type is matched.
const CHARACTER = new RegExp(String.raw`${CATALOG_PREFIX}(?:"?bpchar"?|national\s+char(?:acter)?|nchar|character|char)(?:\s*\(\s*\d+\s*\))?`, 'i');

/** The message is the same for every file: built once, not per check. */
const REPORT: TypeRuleReport = {
  title: 'char(n) column',
  fixDescription: 'Use `text` with a `char_length` CHECK constraint',
  message: (problems) =>
    `${listing(problems.map((problem) => problem.written))} ${problems.length > 1 ? 'use' : 'uses'} the blank-padded character type: values are padded with spaces to the full length, the padding is ignored or kept depending on the operation, and PostgreSQL gains nothing from the fixed size (it is usually the slowest of the three string types). ` +
    'Use `text`, with `check (char_length(col) <= n)` when the limit matters.',
};

export const rule = defineSchemaRule({
  id: 'ban-char-field',
  defaultSeverity: 'notice',
  description: 'A `char(n)` / `character(n)` column: blank-padded, slower and larger than `text` in PostgreSQL, and a likely mistake.',
  fixable: true,
  check: (file, ctx) =>
    checkColumnTypes(
      file,
      ctx,
      (use, view) => {
        if (use.type !== 'bpchar') return undefined;
        // `char` without a length means char(1).
        const limit = typeLength(use) ?? 1;
        const match = matchTypeText(file, use, CHARACTER);
        const rewrite = match ? textTypeRewrite(use, match[0].length, limit, view) : {};
        return { use, written: `\`${use.column} char(${limit})\``, ...rewrite };
      },
      REPORT,
    ),
});
