import { nodeBody, stringValue } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, qualifiedKey } from './schema-support/history.js';
import { commandRange, identifierOffset, quoteQualified } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'ban-drop-table',
  defaultSeverity: 'error',
  description: 'Dropping an existing table deletes its rows and breaks clients that still use it.',
  fixable: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const drop = nodeBody<{ removeType?: string; objects?: unknown[]; behavior?: string }>(statement.node, 'DropStmt');
      if (!drop || (drop.removeType !== 'OBJECT_TABLE' && drop.removeType !== 'OBJECT_FOREIGN_TABLE')) continue;
      const view = new ChangeView(ctx, file, statement);
      const objects = drop.objects ?? [];
      objects.forEach((object, index) => {
        const items = nodeBody<{ items?: unknown[] }>(object, 'List')?.items ?? [];
        const names = items.map((item) => stringValue(item) ?? '');
        const name = names[names.length - 1];
        if (!name || view.tableIsNew(qualifiedKey(items))) return;
        const table = quoteQualified(names.length > 1 ? names[names.length - 2] : undefined, name);
        const foreign = drop.removeType === 'OBJECT_FOREIGN_TABLE';
        const cascade = drop.behavior === 'DROP_CASCADE' ? ' CASCADE also drops the views, foreign keys and policies that depend on it.' : '';
        const hit: RuleHit = {
          statement,
          location: identifierOffset(statement, name, commandRange(statement, index, objects.length), index === 0 ? ['table'] : undefined),
          title: foreign ? 'Foreign table dropped' : 'Table dropped',
          message: foreign
            ? `Dropping foreign table ${table} leaves the remote data alone, but every query through it fails from now on.${cascade}`
            : `Dropping ${table} deletes all of its rows for good, and every client still using it (application code deployed before this migration, Data API queries, views, functions) fails from the moment it runs.${cascade} ` +
              'Ship the code that stops using the table first, keep a backup (`pg_dump -t`), then drop it in a later migration.',
        };
        if (foreign) hit.severity = 'warning';
        hits.push(hit);
      });
    }
    return hits;
  },
});
