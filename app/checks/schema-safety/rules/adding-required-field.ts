import { nodeBody } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { displayName } from './locking-support/names.js';
import { alterTables, columnDefOf, constraintOf } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';
import { isSerialType } from './locking-support/volatility.js';

export const rule = defineRule(
  {
    id: 'adding-required-field',
    defaultSeverity: 'error',
    description:
      'ADD COLUMN ... NOT NULL without a default on an existing table: it fails on any table with rows, and old application code that does not set the column can no longer insert.',
    fixable: false,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    for (const info of alterTables(file, ctx)) {
      if (!info.existing) continue;
      for (const command of info.commands) {
        if (command.subtype !== 'AT_AddColumn') continue;
        const column = columnDefOf(command.def);
        if (!column || isSerialType(column.typeName)) continue;
        const constraints = (column.constraints ?? []).map(constraintOf);
        const notNull = constraints.some((constraint) => constraint?.contype === 'CONSTR_NOTNULL');
        // Identity and generated columns fill themselves; a DEFAULT NULL fills nothing.
        const filled = constraints.some(
          (constraint) =>
            constraint?.contype === 'CONSTR_IDENTITY' ||
            constraint?.contype === 'CONSTR_GENERATED' ||
            (constraint?.contype === 'CONSTR_DEFAULT' && !nodeBody<{ isnull?: boolean }>(constraint.raw_expr, 'A_Const')?.isnull),
        );
        if (!notNull || filled) continue;
        hits.push(
          hitAt(file, info.statement, {
            byteLocation: column.location,
            title: 'Required column without a default',
            message:
              `${column.colname} is added to ${displayName(info.relation)} as NOT NULL without a default: the ALTER fails as soon as the table has a row, ` +
              `and inserts from code that does not know the column fail too. Add it nullable, backfill, then make it NOT NULL (see adding-not-nullable-field); ` +
              `or give it a non-volatile DEFAULT${ctx.pgVersion >= 11 ? ' (no rewrite from Postgres 11)' : ''}.`,
          }),
        );
      }
    }
    return hits;
  },
);
