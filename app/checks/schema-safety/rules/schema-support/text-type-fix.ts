import type { ParsedMigration, SqlStatement } from '../../types.js';
import type { ColumnTypeUse } from './column-types.js';
import type { ChangeView } from './history.js';
import { appendAfterStatement, indentOf, quoteIdent, quoteQualified, type TextEdit } from './text.js';

const MAX_IDENTIFIER_BYTES = 63;

function constraintName(table: string, column: string): string {
  let name = `${table}_${column}_length`;
  while (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) name = name.slice(0, -1);
  return name;
}

/**
 * Rewrites a length-limited character type to `text`, keeping the limit as a CHECK constraint:
 * inline for a new table, and as a separate NOT VALID constraint for a column added to an
 * existing one (every existing row holds NULL there, so there is nothing to validate, and no
 * scan runs under the ADD COLUMN's lock). A type change has no mechanical rewrite.
 */
export function textTypeRewrite(use: ColumnTypeUse, typeLength: number, limit: number | undefined, view: ChangeView): { edit?: TextEdit; appended?: string } {
  if (use.context === 'alter-type') return {};
  const replace = (text: string): TextEdit => ({ start: use.typeStart, end: use.typeStart + typeLength, text });
  if (limit === undefined || use.isArray) return { edit: replace('text') };
  const check = `check (char_length(${quoteIdent(use.column)}) <= ${limit})`;
  if (use.context === 'create-table' || view.tableIsNew(use.tableKey)) return { edit: replace(`text ${check}`) };
  const table = quoteQualified(use.table.schemaname, use.table.relname ?? '');
  return {
    edit: replace('text'),
    appended: `alter table ${table} add constraint ${quoteIdent(constraintName(use.table.relname ?? '', use.column))} ${check} not valid;`,
  };
}

/** Edits for a statement's column rewrites; appended constraints go after its `;`, in column order. */
export function rewriteEdits(file: ParsedMigration, statement: SqlStatement, rewrites: Array<{ edit?: TextEdit; appended?: string }>): TextEdit[] {
  const edits = rewrites.flatMap((rewrite) => (rewrite.edit ? [rewrite.edit] : []));
  const appended = rewrites.flatMap((rewrite) => (rewrite.appended ? [rewrite.appended] : []));
  if (appended.length > 0) edits.push(appendAfterStatement(file, statement, appended.join(`\n${indentOf(file, statement)}`)));
  return edits;
}
