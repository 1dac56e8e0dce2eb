import { nodeBody, type RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, RELATION_TYPES, tableKey } from './schema-support/history.js';
import { charOffset, quoteQualified } from './schema-support/text.js';

const KIND: Record<string, string> = { OBJECT_TABLE: 'table', OBJECT_FOREIGN_TABLE: 'foreign table', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view' };

export const rule = defineSchemaRule({
  id: 'renaming-table',
  defaultSeverity: 'error',
  description: 'Renaming an existing table or view, or moving it to another schema, breaks every client that still uses the old name.',
  fixable: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const rename = nodeBody<{ renameType?: string; relation?: RangeVar; newname?: string }>(statement.node, 'RenameStmt');
      const move = nodeBody<{ objectType?: string; relation?: RangeVar; newschema?: string }>(statement.node, 'AlterObjectSchemaStmt');
      const type = rename?.renameType ?? move?.objectType ?? '';
      const relation = rename?.relation ?? move?.relation;
      if (!relation?.relname || !RELATION_TYPES.has(type)) continue;
      if (new ChangeView(ctx, file, statement).tableIsNew(tableKey(relation))) continue;
      const name = quoteQualified(relation.schemaname, relation.relname);
      const kind = KIND[type] ?? 'table';
      const what = rename ? `Renaming ${kind} ${name} to \`${rename.newname ?? ''}\`` : `Moving ${kind} ${name} to schema \`${move?.newschema ?? ''}\``;
      hits.push({
        statement,
        location: relation.location === undefined ? undefined : charOffset(file, relation.location),
        title: rename ? `${kind[0]?.toUpperCase()}${kind.slice(1)} renamed` : `${kind[0]?.toUpperCase()}${kind.slice(1)} moved to another schema`,
        message:
          `${what} breaks every query still using the old name the moment the migration runs: application code deployed before it, clients calling the Data API (the old endpoint disappears), generated types, views and functions. ` +
          (kind === 'table'
            ? 'Keep the old name working during the rollout: rename, then `create view <old name> with (security_invoker = on) as select * from <new name>` in the same migration (a simple view is updatable, and security_invoker keeps the table\'s RLS policies in force), move clients over, and drop the view later.'
            : 'Create the new one alongside, move clients over, then drop the old one in a later change.'),
      });
    }
    return hits;
  },
});
