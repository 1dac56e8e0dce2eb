import { nodeBody } from '../sql/ast.js';
import { defineSchemaRule } from './schema-support/define.js';
import { identifierOffset } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'ban-drop-database',
  defaultSeverity: 'error',
  description: 'A migration drops a database.',
  fixable: false,
  check(file) {
    return file.statements.flatMap((statement) => {
      const drop = nodeBody<{ dbname?: string }>(statement.node, 'DropdbStmt');
      if (!drop) return [];
      return [
        {
          statement,
          location: drop.dbname === undefined ? undefined : identifierOffset(statement, drop.dbname, undefined, ['database']),
          title: 'Database dropped',
          message: `DROP DATABASE ${drop.dbname ?? ''} deletes every table, row and role grant in it. A migration never needs that: on Supabase the project database cannot be dropped by migrations, and elsewhere this destroys production data. Remove the statement.`,
        },
      ];
    });
  },
});
