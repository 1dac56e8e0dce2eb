import { nodeBody, type RangeVar } from '../sql/ast.js';
import type { RuleHit, SqlStatement } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, tableKey } from './schema-support/history.js';
import { appendAfterStatement, charOffset, editsToHit, quoteQualified } from './schema-support/text.js';

interface Relation extends RangeVar {
  relpersistence?: string;
}

/** The table a statement creates: CREATE TABLE (including partitions), CREATE TABLE AS, SELECT INTO. */
function createdTable(statement: SqlStatement): Relation | undefined {
  const { node } = statement;
  const table = nodeBody<{ relation?: Relation }>(node, 'CreateStmt')?.relation;
  if (table) return table;
  const createAs = nodeBody<{ objtype?: string; into?: { rel?: Relation } }>(node, 'CreateTableAsStmt');
  if (createAs?.objtype === 'OBJECT_TABLE') return createAs.into?.rel;
  return nodeBody<{ intoClause?: { rel?: Relation } }>(node, 'SelectStmt')?.intoClause?.rel;
}

export const rule = defineSchemaRule({
  id: 'rls-not-enabled',
  defaultSeverity: 'error',
  description: 'A table created in an API-exposed schema without `ENABLE ROW LEVEL SECURITY` anywhere in the same change: anyone with the anon key can read and write it.',
  fixable: true,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const table = createdTable(statement);
      // Temporary tables live in the session's own schema, never behind the API.
      if (!table?.relname || table.relpersistence === 't') continue;
      const schema = table.schemaname ?? 'public';
      if (!ctx.exposedSchemas.includes(schema)) continue;
      const key = tableKey(table);
      const view = new ChangeView(ctx, file, statement);
      if (view.rlsEnabled(key) || view.tableDroppedLater(key)) continue;
      const name = quoteQualified(schema, table.relname);
      const sql = `alter table ${name} enable row level security;`;
      // IF NOT EXISTS may meet a table the base branch created, whose RLS state a static check cannot see.
      const maybeExisting = nodeBody<{ if_not_exists?: boolean }>(statement.node, 'CreateStmt')?.if_not_exists === true;
      hits.push({
        statement,
        location: table.location === undefined ? undefined : charOffset(file, table.location),
        severity: maybeExisting ? 'warning' : undefined,
        title: 'Table without row level security',
        message:
          `${name} is created in \`${schema}\`, a schema the Data API exposes, and nothing in this change enables row level security on it: with Supabase's default grants, anyone holding the project's anon key can read, change and delete every row through the API. ` +
          (maybeExisting ? 'If the table already exists, `if not exists` leaves it as it is, RLS included; if not, it is created open. ' : '') +
          `Add \`${sql}\` and policies for the access you intend (no policy means no access for API roles).`,
        ...editsToHit(file, statement, [appendAfterStatement(file, statement, sql)], `Add \`${sql}\``),
      });
    }
    return hits;
  },
});
