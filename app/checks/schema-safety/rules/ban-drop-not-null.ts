import { nodeBody, type RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, tableKey, writtenName } from './schema-support/history.js';
import { commandRange, findKeywords, identifierOffset, quoteQualified, tokensOf } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'ban-drop-not-null',
  defaultSeverity: 'warning',
  description: 'Dropping NOT NULL from an existing column (or domain) lets NULLs into data that clients assume is always set.',
  fixable: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const domain = nodeBody<{ subtype?: string; typeName?: unknown[] }>(statement.node, 'AlterDomainStmt');
      if (domain?.subtype === 'N') {
        const tokens = tokensOf(statement);
        hits.push({
          statement,
          location: tokens[findKeywords(tokens, ['drop', 'not', 'null'])]?.start,
          title: 'NOT NULL dropped from a domain',
          message: `Domain ${writtenName(domain.typeName)} accepts NULL from now on, in every column of that type: application code and functions that never had to handle NULL there may fail or misbehave. Keep the constraint, or introduce a new nullable column or type and migrate readers to it first.`,
        });
        continue;
      }
      const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[]; objtype?: string }>(statement.node, 'AlterTableStmt');
      if (!alter?.relation || (alter.objtype !== 'OBJECT_TABLE' && alter.objtype !== 'OBJECT_FOREIGN_TABLE')) continue;
      const key = tableKey(alter.relation);
      const view = new ChangeView(ctx, file, statement);
      const commands = alter.cmds ?? [];
      commands.forEach((command, index) => {
        const cmd = nodeBody<{ subtype?: string; name?: string }>(command, 'AlterTableCmd');
        if (cmd?.subtype !== 'AT_DropNotNull' || !cmd.name || view.columnIsNew(key, cmd.name)) return;
        hits.push({
          statement,
          location: identifierOffset(statement, cmd.name, commandRange(statement, index, commands.length), ['alter']),
          title: 'NOT NULL dropped',
          message:
            `Column \`${cmd.name}\` of ${quoteQualified(alter.relation?.schemaname, alter.relation?.relname ?? '')} accepts NULL from now on: clients, generated types (\`supabase gen types\` turns it into \`T | null\`), functions and reports that assumed a value may fail on the first NULL row. ` +
            'Make sure every reader handles NULL before this ships, or keep the column NOT NULL with a default or marker value.',
        });
      });
    }
    return hits;
  },
});
