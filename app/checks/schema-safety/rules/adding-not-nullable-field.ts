import { nodeBody, stringValue } from '../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, RuleHit } from '../types.js';
import { nameOfConstraint } from './locking-support/constraints.js';
import type { Advice } from './locking-support/fixes.js';
import { rewriteWithFollowUp } from './locking-support/fixes.js';
import { changeModel } from './locking-support/model.js';
import type { ChangeModel, Position } from './locking-support/model.js';
import { constraintName, displayName, qualifiedName, quoteIdent } from './locking-support/names.js';
import type { AlterTableInfo } from './locking-support/nodes.js';
import { alterTables, constraintOf } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';
import { LOCK_TIMEOUT, STATEMENT_TIMEOUT } from './locking-support/timeouts.js';

/** `col IS NOT NULL`: the CHECK whose validation lets SET NOT NULL skip its scan (Postgres 12+). */
function notNullCheckColumn(expression: unknown): string | undefined {
  const test = nodeBody<{ arg?: unknown; nulltesttype?: string }>(expression, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = nodeBody<{ fields?: unknown[] }>(test.arg, 'ColumnRef')?.fields;
  return fields && fields.length === 1 ? stringValue(fields[0]) : undefined;
}

/**
 * Where each column became proven non-null in the change, as `table.column` → position: a CHECK
 * (col IS NOT NULL) added valid, or added NOT VALID and then validated; a VALIDATE of a constraint
 * named `<col>_not_null` or `<table>_<col>_not_null` added by an earlier migration; a NOT NULL
 * constraint added NOT VALID and validated (Postgres 18).
 */
function provenColumns(file: ParsedMigration, ctx: MigrationRuleContext): Map<string, Position> {
  const model = changeModel(file, ctx);
  const cached = provenCache.get(model);
  if (cached) return cached;
  const proven = new Map<string, Position>();
  const pending = new Map<string, string>();
  for (const other of model.files) {
    for (const info of alterTables(other, ctx)) {
      for (const command of info.commands) {
        if (command.subtype === 'AT_AddConstraint') {
          const constraint = constraintOf(command.def);
          const column =
            constraint?.contype === 'CONSTR_CHECK' ? notNullCheckColumn(constraint.raw_expr) : constraint?.contype === 'CONSTR_NOTNULL' ? stringValue(constraint.keys?.[0]) : undefined;
          if (!constraint || !column) continue;
          const name = nameOfConstraint(constraint, info.relation.relname ?? '').name;
          if (constraint.skip_validation) pending.set(`${info.table}/${name}`, `${info.table}.${column}`);
          else prove(proven, `${info.table}.${column}`, info.at);
        } else if (command.subtype === 'AT_ValidateConstraint' && command.name) {
          const known = pending.get(`${info.table}/${command.name}`);
          if (known) prove(proven, known, info.at);
          const stem = command.name.endsWith('_not_null') ? command.name.slice(0, -'_not_null'.length) : undefined;
          const table = info.relation.relname ?? '';
          if (stem) prove(proven, `${info.table}.${stem.startsWith(`${table}_`) ? stem.slice(table.length + 1) : stem}`, info.at);
        }
      }
    }
  }
  provenCache.set(model, proven);
  return proven;
}

const provenCache = new WeakMap<ChangeModel, Map<string, Position>>();

/** The first proof of a column counts. */
function prove(proven: Map<string, Position>, key: string, at: Position): void {
  if (!proven.has(key)) proven.set(key, at);
}

const isBefore = (a: Position, b: Position): boolean => a.file < b.file || (a.file === b.file && a.statement < b.statement);

function advice(file: ParsedMigration, ctx: MigrationRuleContext, info: AlterTableInfo, column: string): Advice {
  const table = qualifiedName(info.relation);
  const name = constraintName(info.relation.relname ?? '', [column], 'not_null');
  const constraint = quoteIdent(name);
  const options = { name: `validate_${name}`, description: `Validate ${name} in a migration of its own` };
  if (info.commands.length !== 1) {
    return { advice: `Use a constraint added NOT VALID and validated in a later migration file instead (one ALTER TABLE per column).` };
  }
  if (ctx.pgVersion >= 18) {
    return rewriteWithFollowUp(file, ctx, info.statement, `ALTER TABLE ${table} ADD CONSTRAINT ${constraint} NOT NULL ${quoteIdent(column)} NOT VALID`, `ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint};`, {
      ...options,
      comment: `Validates ${name}; once valid, the column is NOT NULL. The scan takes SHARE UPDATE EXCLUSIVE, so reads and writes go on.`,
    });
  }
  const check = `ALTER TABLE ${table} ADD CONSTRAINT ${constraint} CHECK (${quoteIdent(column)} IS NOT NULL) NOT VALID`;
  if (ctx.pgVersion >= 12) {
    const followUp = [
      `SET LOCAL lock_timeout = '${LOCK_TIMEOUT}';`,
      `SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}';`,
      `ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint};`,
      `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(column)} SET NOT NULL;`,
      `ALTER TABLE ${table} DROP CONSTRAINT ${constraint};`,
    ].join('\n');
    return rewriteWithFollowUp(file, ctx, info.statement, check, followUp, {
      ...options,
      comment: `Validates ${name} without blocking writes, then SET NOT NULL uses it instead of scanning the table (Postgres 12+).`,
      summary: `validate it, SET NOT NULL (which then skips the scan) and drop the CHECK`,
    });
  }
  return rewriteWithFollowUp(file, ctx, info.statement, check, `ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint};`, {
    ...options,
    comment: `Validates ${name} without blocking writes. Before Postgres 12 SET NOT NULL always scans, so the CHECK stands in for it.`,
  });
}

export const rule = defineRule(
  {
    id: 'adding-not-nullable-field',
    defaultSeverity: 'warning',
    description:
      'SET NOT NULL on a column of an existing table scans it under an ACCESS EXCLUSIVE lock, unless a validated CHECK (col IS NOT NULL) proves it first (Postgres 12+).',
    fixable: true,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    const proven = ctx.pgVersion >= 12 ? provenColumns(file, ctx) : new Map<string, Position>();
    for (const info of alterTables(file, ctx)) {
      if (!info.existing) continue;
      for (const command of info.commands) {
        const constraint = command.subtype === 'AT_AddConstraint' ? constraintOf(command.def) : undefined;
        const column =
          command.subtype === 'AT_SetNotNull' ? command.name : constraint?.contype === 'CONSTR_NOTNULL' && !constraint.skip_validation ? stringValue(constraint.keys?.[0]) : undefined;
        const provenAt = column ? proven.get(`${info.table}.${column}`) : undefined;
        if (!column || (provenAt && isBefore(provenAt, info.at))) continue;
        const fix = advice(file, ctx, info, column);
        hits.push(
          hitAt(file, info.statement, {
            byteLocation: constraint?.location,
            title: 'NOT NULL checked under lock',
            message:
              `Making ${displayName(info.relation)}.${column} NOT NULL checks every existing row while ALTER TABLE holds an ACCESS EXCLUSIVE lock: ` +
              `reads and writes wait for the whole scan, and the migration fails if a NULL is left. Backfill the NULLs first. ${fix.advice}`,
            suggestion: fix.suggestion,
            fix: fix.fix,
          }),
        );
      }
    }
    return hits;
  },
);
