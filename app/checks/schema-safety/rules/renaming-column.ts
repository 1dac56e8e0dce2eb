import { nodeBody, type RangeVar } from '../sql/ast.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, RELATION_TYPES, tableKey } from './schema-support/history.js';
import { identifierOffset, quoteQualified } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'renaming-column',
  defaultSeverity: 'error',
  description: 'Renaming a column of an existing table or view breaks every client that still uses the old name.',
  fixable: false,
  check(file, ctx) {
    return file.statements.flatMap((statement) => {
      const rename = nodeBody<{ renameType?: string; relationType?: string; relation?: RangeVar; subname?: string; newname?: string }>(statement.node, 'RenameStmt');
      if (rename?.renameType !== 'OBJECT_COLUMN' || !rename.relation || !rename.subname) return [];
      if (!RELATION_TYPES.has(rename.relationType ?? '')) return [];
      const view = new ChangeView(ctx, file, statement);
      if (view.columnIsNew(tableKey(rename.relation), rename.subname)) return [];
      const relation = quoteQualified(rename.relation.schemaname, rename.relation.relname ?? '');
      return [
        {
          statement,
          location: identifierOffset(statement, rename.subname, undefined, ['rename']),
          title: 'Column renamed',
          message:
            `Renaming \`${rename.subname}\` of ${relation} to \`${rename.newname ?? ''}\` breaks every query still using the old name the moment the migration runs: application code deployed before it, mobile and web clients calling the Data API, generated types, views and functions written against the old name. ` +
            'Add the new column, write to both and backfill, move readers over, then drop the old column in a later change; or keep the column name and rename the field in application code only.',
        },
      ];
    });
  },
});
