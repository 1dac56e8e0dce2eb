import { nodeBody, rangeVarName, type RangeVar } from '../sql/ast.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, tableKey } from './schema-support/history.js';
import { tokensOf } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'ban-truncate-cascade',
  defaultSeverity: 'error',
  description: '`TRUNCATE ... CASCADE` also empties every table that references the named ones, recursively.',
  fixable: false,
  check(file, ctx) {
    return file.statements.flatMap((statement) => {
      const truncate = nodeBody<{ relations?: unknown[]; behavior?: string }>(statement.node, 'TruncateStmt');
      if (truncate?.behavior !== 'DROP_CASCADE') return [];
      const relations = (truncate.relations ?? []).flatMap((relation) => {
        const rangeVar = nodeBody<RangeVar>(relation, 'RangeVar');
        return rangeVar ? [rangeVar] : [];
      });
      const view = new ChangeView(ctx, file, statement);
      // Tables the change just created hold only what the change put there.
      if (relations.length > 0 && relations.every((relation) => view.tableIsNew(tableKey(relation)))) return [];
      const cascade = tokensOf(statement).filter((token) => token.keyword === 'cascade').pop();
      const names = relations.map((relation) => rangeVarName(relation)).join(', ');
      return [
        {
          statement,
          location: cascade?.start,
          title: 'TRUNCATE ... CASCADE',
          message:
            `\`TRUNCATE ${names} CASCADE\` also empties every table with a foreign key to ${relations.length > 1 ? 'them' : 'it'}, and every table referencing those, without listing them: one forgotten reference wipes unrelated data (Linear's January 2024 incident). ` +
            'Drop CASCADE and name every table to empty; PostgreSQL then refuses to truncate a referenced table you did not list.',
        },
      ];
    });
  },
});
