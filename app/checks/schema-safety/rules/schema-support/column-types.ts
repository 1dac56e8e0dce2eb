import type { ColumnDef, Constraint } from 'libpg-query';
import { nodeBody, stringValue, typeNameOf, type RangeVar, type TypeNameNode } from '../../sql/ast.js';
import type { ParsedMigration, SqlStatement } from '../../types.js';
import { tableKey } from './history.js';
import { charOffset, type TextEdit } from './text.js';

/** A column type written in a migration: CREATE TABLE, ADD COLUMN or ALTER COLUMN ... TYPE. */
export interface ColumnTypeUse {
  statement: SqlStatement;
  table: RangeVar;
  tableKey: string;
  column: string;
  context: 'create-table' | 'add-column' | 'alter-type';
  columnDef: ColumnDef;
  typeName: TypeNameNode;
  /** Lower-case name without `pg_catalog.`: `int4`, `varchar`, `serial`. */
  type: string;
  /** Character offset of the type in the file. */
  typeStart: number;
  isArray: boolean;
  /** Primary key, foreign key, identity or serial, or named like one (`id`, `user_id`, `userId`). */
  keyLike: boolean;
}

const KEY_NAME = /(^id$|_id$|[a-z0-9]Id$)/;

function constraintsOf(columnDef: ColumnDef): Constraint[] {
  return (columnDef.constraints ?? []).flatMap((node) => {
    const constraint = nodeBody<Constraint>(node, 'Constraint');
    return constraint ? [constraint] : [];
  });
}

function isKeyColumn(columnDef: ColumnDef, type: string, tableKeys: Set<string>): boolean {
  if (type.includes('serial')) return true;
  if (columnDef.identity) return true;
  if (constraintsOf(columnDef).some((constraint) => ['CONSTR_PRIMARY', 'CONSTR_FOREIGN', 'CONSTR_IDENTITY'].includes(constraint.contype ?? ''))) return true;
  const name = columnDef.colname ?? '';
  return tableKeys.has(name) || KEY_NAME.test(name);
}

/** Columns named by the table's PRIMARY KEY and FOREIGN KEY constraints. */
function tableKeyColumns(elements: unknown[] | undefined): Set<string> {
  const keys = new Set<string>();
  for (const element of elements ?? []) {
    const constraint = nodeBody<Constraint>(element, 'Constraint');
    if (!constraint) continue;
    const names = constraint.contype === 'CONSTR_PRIMARY' ? constraint.keys : constraint.contype === 'CONSTR_FOREIGN' ? constraint.fk_attrs : undefined;
    for (const name of names ?? []) keys.add(stringValue(name) ?? '');
  }
  return keys;
}

function use(file: ParsedMigration, statement: SqlStatement, table: RangeVar, column: string, context: ColumnTypeUse['context'], columnDef: ColumnDef, keys: Set<string>): ColumnTypeUse | undefined {
  const typeName = columnDef.typeName as TypeNameNode | undefined;
  if (!typeName || typeName.location === undefined) return undefined;
  const type = typeNameOf(typeName);
  return {
    statement,
    table,
    tableKey: tableKey(table),
    column,
    context,
    columnDef,
    typeName,
    type,
    typeStart: charOffset(file, typeName.location),
    isArray: (typeName.arrayBounds?.length ?? 0) > 0,
    keyLike: isKeyColumn({ ...columnDef, colname: column }, type, keys),
  };
}

const usesByStatement = new WeakMap<SqlStatement, { file: ParsedMigration; uses: readonly ColumnTypeUse[] }>();

/** Every column type the statement declares or changes; read once per statement for all the type rules. */
export function columnTypeUses(file: ParsedMigration, statement: SqlStatement): readonly ColumnTypeUse[] {
  const cached = usesByStatement.get(statement);
  if (cached?.file === file) return cached.uses;
  const uses = readColumnTypeUses(file, statement);
  usesByStatement.set(statement, { file, uses });
  return uses;
}

function readColumnTypeUses(file: ParsedMigration, statement: SqlStatement): ColumnTypeUse[] {
  const uses: ColumnTypeUse[] = [];
  const create = nodeBody<{ relation?: RangeVar; tableElts?: unknown[] }>(statement.node, 'CreateStmt') ?? nodeBody<{ base?: { relation?: RangeVar; tableElts?: unknown[] } }>(statement.node, 'CreateForeignTableStmt')?.base;
  if (create?.relation) {
    const keys = tableKeyColumns(create.tableElts);
    for (const element of create.tableElts ?? []) {
      const columnDef = nodeBody<ColumnDef>(element, 'ColumnDef');
      const found = columnDef?.colname ? use(file, statement, create.relation, columnDef.colname, 'create-table', columnDef, keys) : undefined;
      if (found) uses.push(found);
    }
    return uses;
  }
  const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[]; objtype?: string }>(statement.node, 'AlterTableStmt');
  if (!alter?.relation || (alter.objtype !== 'OBJECT_TABLE' && alter.objtype !== 'OBJECT_FOREIGN_TABLE')) return uses;
  for (const command of alter.cmds ?? []) {
    const cmd = nodeBody<{ subtype?: string; name?: string; def?: unknown }>(command, 'AlterTableCmd');
    const columnDef = nodeBody<ColumnDef>(cmd?.def, 'ColumnDef');
    if (!cmd || !columnDef) continue;
    const found =
      cmd.subtype === 'AT_AddColumn' && columnDef.colname
        ? use(file, statement, alter.relation, columnDef.colname, 'add-column', columnDef, new Set())
        : cmd.subtype === 'AT_AlterColumnType' && cmd.name
          ? use(file, statement, alter.relation, cmd.name, 'alter-type', columnDef, new Set())
          : undefined;
    if (found) uses.push(found);
  }
  return uses;
}

/** The type as written at its offset, matched by a pattern anchored at its start. */
export function matchTypeText(file: ParsedMigration, use: ColumnTypeUse, pattern: RegExp): RegExpExecArray | null {
  const sticky = new RegExp(pattern.source, pattern.flags.includes('y') ? pattern.flags : `${pattern.flags}y`);
  sticky.lastIndex = use.typeStart;
  return sticky.exec(file.text);
}

/** An edit replacing the matched type text. */
export function replaceType(use: ColumnTypeUse, match: RegExpExecArray, text: string): TextEdit {
  return { start: use.typeStart, end: use.typeStart + match[0].length, text };
}

/** Optional `pg_catalog.` before a type name, as a regular-expression source. */
export const CATALOG_PREFIX = String.raw`(?:pg_catalog\s*\.\s*)?`;
