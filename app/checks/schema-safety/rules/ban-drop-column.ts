import { nodeBody, type RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, tableKey } from './schema-support/history.js';
import { commandRange, identifierOffset, quoteQualified } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'ban-drop-column',
  defaultSeverity: 'error',
  description: 'Dropping a column of an existing table deletes its data and breaks clients that still read or write it.',
  fixable: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[]; objtype?: string }>(statement.node, 'AlterTableStmt');
      if (!alter?.relation || (alter.objtype !== 'OBJECT_TABLE' && alter.objtype !== 'OBJECT_FOREIGN_TABLE')) continue;
      const key = tableKey(alter.relation);
      const view = new ChangeView(ctx, file, statement);
      const commands = alter.cmds ?? [];
      commands.forEach((command, index) => {
        const cmd = nodeBody<{ subtype?: string; name?: string }>(command, 'AlterTableCmd');
        if (cmd?.subtype !== 'AT_DropColumn' || !cmd.name || view.columnIsNew(key, cmd.name)) return;
        const table = quoteQualified(alter.relation?.schemaname, alter.relation?.relname ?? '');
        const foreign = alter.objtype === 'OBJECT_FOREIGN_TABLE';
        const hit: RuleHit = {
          statement,
          location: identifierOffset(statement, cmd.name, commandRange(statement, index, commands.length), ['drop']),
          title: 'Column dropped',
          message: foreign
            ? `Dropping column \`${cmd.name}\` of foreign table ${table} removes it from every query through this database; clients still selecting it fail. Stop using it in application code first.`
            : `Dropping column \`${cmd.name}\` of ${table} deletes its data for good, and every client still selecting or writing it (application code deployed before this migration, Data API queries, views, functions) fails from the moment it runs. ` +
              'Ship the code that stops using the column first, back the data up if it may be needed, then drop it in a later migration.',
        };
        if (foreign) hit.severity = 'warning';
        hits.push(hit);
      });
    }
    return hits;
  },
});
