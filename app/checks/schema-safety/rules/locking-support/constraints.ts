import { stringValue } from '../../sql/ast.js';
import type { ParsedMigration, SqlStatement } from '../../types.js';
import { appendToStatement } from './edits.js';
import { at } from './rule.js';
import { constraintName, quoteIdent } from './names.js';
import type { ConstraintNode } from './nodes.js';

const LABELS: Record<string, string> = { CONSTR_FOREIGN: 'fkey', CONSTR_CHECK: 'check', CONSTR_NOTNULL: 'not_null', CONSTR_UNIQUE: 'key', CONSTR_PRIMARY: 'pkey' };

/** Columns a CHECK expression reads, in order of appearance. */
function checkColumns(expression: unknown): string[] {
  const columns: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const ref = (node as { ColumnRef?: { fields?: unknown[] } }).ColumnRef;
    if (ref) {
      const name = stringValue(ref.fields?.at(-1));
      if (name && !columns.includes(name)) columns.push(name);
      return;
    }
    Object.values(node).forEach(visit);
  };
  visit(expression);
  return columns;
}

/** The constraint's name: as written, or the one Postgres would generate (`orders_user_id_fkey`). */
export function nameOfConstraint(constraint: ConstraintNode, table: string): { name: string; generated: boolean } {
  if (constraint.conname) return { name: constraint.conname, generated: false };
  const label = LABELS[constraint.contype ?? ''] ?? 'check';
  const columns =
    constraint.contype === 'CONSTR_FOREIGN'
      ? (constraint.fk_attrs ?? []).map((attr) => stringValue(attr) ?? '')
      : constraint.contype === 'CONSTR_CHECK'
        ? checkColumns(constraint.raw_expr).slice(0, 1)
        : (constraint.keys ?? []).map((key) => stringValue(key) ?? '');
  return { name: constraintName(table, columns, label), generated: true };
}

/**
 * `ALTER TABLE t ADD [CONSTRAINT name] <constraint>` rewritten with a name (generated ones written
 * out, so a later VALIDATE can refer to it) and `NOT VALID`. For single-command statements only.
 */
export function withNotValid(file: ParsedMigration, statement: SqlStatement, constraint: ConstraintNode, name: string, generated: boolean): string | undefined {
  const start = at(file, constraint.location);
  if (start === undefined) return undefined;
  const offset = start - statement.start;
  if (offset < 0 || offset > statement.text.length) return undefined;
  const named = generated ? `${statement.text.slice(0, offset)}CONSTRAINT ${quoteIdent(name)} ${statement.text.slice(offset)}` : statement.text;
  return appendToStatement(named, ' NOT VALID');
}
