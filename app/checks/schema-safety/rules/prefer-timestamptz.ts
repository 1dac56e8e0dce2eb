import { CATALOG_PREFIX, matchTypeText } from './schema-support/column-types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { checkColumnTypes, listing, type TypeRuleReport } from './schema-support/type-rule.js';

const TIMESTAMP = new RegExp(String.raw`${CATALOG_PREFIX}"?timestamp"?(\s*\(\s*\d+\s*\))?(?:\s+without\s+time\s+zone)?`, 'i');

/** The message is the same for every file: built once, not per check. */
const REPORT: TypeRuleReport = {
  title: 'timestamp without time zone',
  fixDescription: 'Use `timestamptz`',
  message: (problems) =>
    `${listing(problems.map((problem) => problem.written))} ${problems.length > 1 ? 'are' : 'is'} \`timestamp without time zone\`: PostgreSQL drops the offset of every value written to it, so \`2024-01-01 10:00+02\` and \`2024-01-01 10:00-06\` are stored as the same time, and what clients read back depends on their own time zone. ` +
    'Use `timestamptz`, which stores the instant (in UTC) and converts on the way out.',
};

export const rule = defineSchemaRule({
  id: 'prefer-timestamptz',
  aliases: ['prefer-timestamp-tz'],
  defaultSeverity: 'notice',
  description: 'A `timestamp` (without time zone) column: it drops the UTC offset of the values written to it; `timestamptz` keeps the instant.',
  fixable: true,
  check: (file, ctx) =>
    checkColumnTypes(
      file,
      ctx,
      (use) => {
        if (use.type !== 'timestamp') return undefined;
        const match = matchTypeText(file, use, TIMESTAMP);
        const precision = match?.[1]?.replace(/\s+/g, '') ?? '';
        return {
          use,
          written: `\`${use.column}\``,
          edit: match ? { start: use.typeStart, end: use.typeStart + match[0].length, text: `timestamptz${precision}` } : undefined,
        };
      },
      REPORT,
    ),
});
