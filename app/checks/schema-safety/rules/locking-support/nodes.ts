import { nodeBody } from '../../sql/ast.js';
import type { RangeVar, TypeNameNode } from '../../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';
import type { ChangeModel, Position } from './model.js';
import { changeModel } from './model.js';
import { rangeVarKey } from './names.js';

/** The parts of libpg-query's nodes the locking rules read. */
export interface ConstraintNode {
  contype?: string;
  conname?: string;
  skip_validation?: boolean;
  indexname?: string;
  pktable?: RangeVar;
  fk_attrs?: unknown[];
  pk_attrs?: unknown[];
  keys?: unknown[];
  raw_expr?: unknown;
  generated_kind?: string;
  location?: number;
}

export interface ColumnDefNode {
  colname?: string;
  typeName?: TypeNameNode;
  constraints?: unknown[];
  raw_default?: unknown;
  location?: number;
}

export interface AlterTableCmdNode {
  subtype?: string;
  name?: string;
  def?: unknown;
  behavior?: string;
  missing_ok?: boolean;
}

export interface AlterTableNode {
  relation?: RangeVar;
  cmds?: unknown[];
  objtype?: string;
  missing_ok?: boolean;
}

export const constraintOf = (node: unknown): ConstraintNode | undefined => nodeBody<ConstraintNode>(node, 'Constraint');
export const columnDefOf = (node: unknown): ColumnDefNode | undefined => nodeBody<ColumnDefNode>(node, 'ColumnDef');

export interface AlterTableInfo {
  statement: SqlStatement;
  alter: AlterTableNode;
  relation: RangeVar;
  table: string;
  commands: AlterTableCmdNode[];
  at: Position;
  /** The table existed before the change (it was not created earlier in it). */
  existing: boolean;
  model: ChangeModel;
}

/** Every `ALTER TABLE` of the file (tables only: not ALTER INDEX / VIEW / SEQUENCE), with what the change knows of its table. */
export function alterTables(file: ParsedMigration, ctx: MigrationRuleContext): AlterTableInfo[] {
  const model = changeModel(file, ctx);
  let byFile = cache.get(model);
  if (!byFile) {
    byFile = new WeakMap();
    cache.set(model, byFile);
  }
  const cached = byFile.get(file);
  if (cached) return cached;
  const result: AlterTableInfo[] = [];
  for (const statement of file.statements) {
    if (statement.kind !== 'AlterTableStmt') continue;
    const alter = nodeBody<AlterTableNode>(statement.node, 'AlterTableStmt');
    const table = rangeVarKey(alter?.relation);
    if (!alter?.relation || !table || (alter.objtype !== undefined && alter.objtype !== 'OBJECT_TABLE')) continue;
    const commands = (alter.cmds ?? []).map((cmd) => nodeBody<AlterTableCmdNode>(cmd, 'AlterTableCmd')).filter((cmd): cmd is AlterTableCmdNode => cmd !== undefined);
    const at = model.positionOf(file, statement);
    result.push({ statement, alter, relation: alter.relation, table, commands, at, existing: !model.isNewTable(table, at), model });
  }
  byFile.set(file, result);
  return result;
}

const cache = new WeakMap<ChangeModel, WeakMap<ParsedMigration, AlterTableInfo[]>>();
