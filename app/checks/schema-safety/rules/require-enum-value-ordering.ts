import { dottedName, nodeBody } from '../sql/ast.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, qualifiedKey } from './schema-support/history.js';
import { editsToHit, findKeywords, quoteLiteral, tokensOf } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'require-enum-value-ordering',
  defaultSeverity: 'notice',
  description: '`ALTER TYPE ... ADD VALUE` without BEFORE or AFTER: the value is appended, which changes what `<` and ORDER BY mean for it.',
  fixable: true,
  check(file, ctx) {
    return file.statements.flatMap((statement) => {
      const alter = nodeBody<{ typeName?: unknown[]; newVal?: string; oldVal?: string; newValNeighbor?: string }>(statement.node, 'AlterEnumStmt');
      if (!alter || alter.newVal === undefined || alter.oldVal !== undefined || alter.newValNeighbor !== undefined) return [];
      const tokens = tokensOf(statement);
      const add = findKeywords(tokens, ['add', 'value']);
      const literal = add >= 0 ? tokens.slice(add).find((token) => token.name === 'SCONST') : undefined;
      const values = new ChangeView(ctx, file, statement).enumValues(qualifiedKey(alter.typeName));
      const last = values?.[values.length - 1];
      const type = dottedName(alter.typeName);
      const hit = {
        statement,
        location: literal?.start,
        title: 'Enum value added without a position',
        message:
          `\`${alter.newVal}\` is appended after the last label of ${type}. Enum labels sort in declaration order, so comparisons (\`status < 'approved'\`) and ORDER BY put it last. ` +
          (last !== undefined
            ? `If last is where it belongs, say so: \`add value ${quoteLiteral(alter.newVal)} after ${quoteLiteral(last)}\`; otherwise name its neighbour with BEFORE or AFTER.`
            : 'Name its place with `BEFORE` or `AFTER` an existing label, even when it goes last.'),
      };
      if (!literal || last === undefined) return [hit];
      return [{ ...hit, ...editsToHit(file, statement, [{ start: literal.end, end: literal.end, text: ` after ${quoteLiteral(last)}` }], `Add \`after ${quoteLiteral(last)}\``) }];
    });
  },
});
