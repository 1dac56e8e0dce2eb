import { nodeBody, stringValue, type RangeVar } from '../sql/ast.js';
import type { RuleHit, SqlStatement } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { charOffset, commandRange, editsToHit, identifierOffset, type TextEdit } from './schema-support/text.js';

interface Relation extends RangeVar {
  relpersistence?: string;
}

interface Unqualified {
  name: string;
  offset: number;
}

function fromRangeVar(file: Parameters<typeof charOffset>[0], rangeVar: Relation | undefined): Unqualified[] {
  return rangeVar?.relname && !rangeVar.schemaname && rangeVar.relpersistence !== 't' && rangeVar.location !== undefined
    ? [{ name: rangeVar.relname, offset: charOffset(file, rangeVar.location) }]
    : [];
}

function unqualifiedNames(file: Parameters<typeof charOffset>[0], statement: SqlStatement): Unqualified[] {
  const { node } = statement;
  const create = nodeBody<{ relation?: Relation }>(node, 'CreateStmt');
  if (create) return fromRangeVar(file, create.relation);
  const createAs = nodeBody<{ objtype?: string; into?: { rel?: Relation } }>(node, 'CreateTableAsStmt');
  if (createAs?.objtype === 'OBJECT_TABLE') return fromRangeVar(file, createAs.into?.rel);
  const alter = nodeBody<{ relation?: Relation; objtype?: string }>(node, 'AlterTableStmt');
  if (alter?.objtype === 'OBJECT_TABLE') return fromRangeVar(file, alter.relation);
  const drop = nodeBody<{ removeType?: string; objects?: unknown[] }>(node, 'DropStmt');
  if (drop?.removeType !== 'OBJECT_TABLE') return [];
  const objects = drop.objects ?? [];
  return objects.flatMap((object, index) => {
    const items = nodeBody<{ items?: unknown[] }>(object, 'List')?.items ?? [];
    const name = items.length === 1 ? stringValue(items[0]) : undefined;
    const offset = name ? identifierOffset(statement, name, commandRange(statement, index, objects.length), index === 0 ? ['table'] : undefined) : undefined;
    return name && offset !== undefined ? [{ name, offset }] : [];
  });
}

export const rule = defineSchemaRule({
  id: 'require-table-schema',
  defaultSeverity: 'notice',
  description: 'A table named without its schema in CREATE, ALTER or DROP TABLE: which table it means depends on the search_path of the session that runs it.',
  fixable: true,
  check(file) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const names = unqualifiedNames(file, statement);
      const first = names[0];
      if (!first) continue;
      const edits: TextEdit[] = names.map((name) => ({ start: name.offset, end: name.offset, text: 'public.' }));
      hits.push({
        statement,
        location: first.offset,
        title: 'Table name without a schema',
        message:
          `${names.map((name) => `\`${name.name}\``).join(', ')} ${names.length > 1 ? 'are' : 'is'} resolved through the search_path of whoever runs the migration (the Supabase CLI, a dashboard session, a test harness), so the statement can act on a different table than intended. ` +
          'Write the schema: `public.' + first.name + '`.',
        ...editsToHit(file, statement, edits, 'Qualify with `public.`'),
      });
    }
    return hits;
  },
});
