import { nodeBody } from '../../sql/ast.js';
import type { RangeVar, TypeNameNode } from '../../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';
import { namesKey, rangeVarKey, relationKey } from './names.js';

/** Where a statement sits in the change: file order first, then statement order. */
export interface Position {
  file: number;
  statement: number;
}

const before = (a: Position, b: Position): boolean => a.file < b.file || (a.file === b.file && a.statement < b.statement);

interface ColumnDefNode {
  colname?: string;
  typeName?: TypeNameNode;
}

interface AlterTableCmdNode {
  subtype?: string;
  name?: string;
  def?: unknown;
}

/**
 * What the change itself creates, in apply order. A table created earlier in the same file or in an
 * earlier migration of the change has no rows and no traffic yet, so the locking rules leave it alone.
 */
export class ChangeModel {
  private readonly tables = new Map<string, Position>();
  private readonly domains = new Map<string, Position>();
  private readonly indexes = new Map<string, { table: string; at: Position }>();
  private readonly columnTypes = new Map<string, Array<{ type: TypeNameNode; at: Position }>>();

  constructor(readonly files: readonly ParsedMigration[]) {
    files.forEach((file, fileIndex) => {
      for (const statement of file.statements) this.record(statement, { file: fileIndex, statement: statement.index });
    });
  }

  fileIndex(file: ParsedMigration): number {
    return this.files.indexOf(file);
  }

  positionOf(file: ParsedMigration, statement: SqlStatement): Position {
    return { file: this.fileIndex(file), statement: statement.index };
  }

  /** The table (or materialized view, partition) was created in the change before `at`. */
  isNewTable(key: string | undefined, at: Position): boolean {
    if (!key) return false;
    const created = this.tables.get(key);
    return created !== undefined && before(created, at);
  }

  isNewDomain(key: string | undefined, at: Position): boolean {
    if (!key) return false;
    const created = this.domains.get(key);
    return created !== undefined && before(created, at);
  }

  /** The table of an index the change created before `at` (undefined when the index is older). */
  indexTable(indexKey: string | undefined, at: Position): string | undefined {
    if (!indexKey) return undefined;
    const index = this.indexes.get(indexKey);
    return index && before(index.at, at) ? index.table : undefined;
  }

  /** The column's type as last set in the change before `at`, when the change declares it. */
  columnType(tableKey: string, column: string, at: Position): TypeNameNode | undefined {
    const history = this.columnTypes.get(`${tableKey}.${column}`) ?? [];
    let latest: TypeNameNode | undefined;
    for (const entry of history) if (before(entry.at, at)) latest = entry.type;
    return latest;
  }

  private createTable(key: string | undefined, at: Position): void {
    if (key && !this.tables.has(key)) this.tables.set(key, at);
  }

  private setColumnType(table: string, column: string | undefined, type: TypeNameNode | undefined, at: Position): void {
    if (!column || !type) return;
    const key = `${table}.${column}`;
    const history = this.columnTypes.get(key) ?? [];
    history.push({ type, at });
    this.columnTypes.set(key, history);
  }

  private record(statement: SqlStatement, at: Position): void {
    const node = statement.node;
    switch (statement.kind) {
      case 'CreateStmt': {
        const create = nodeBody<{ relation?: RangeVar; tableElts?: unknown[] }>(node, 'CreateStmt');
        const key = rangeVarKey(create?.relation);
        this.createTable(key, at);
        if (key) {
          for (const element of create?.tableElts ?? []) {
            const column = nodeBody<ColumnDefNode>(element, 'ColumnDef');
            if (column) this.setColumnType(key, column.colname, column.typeName, at);
          }
        }
        return;
      }
      case 'CreateTableAsStmt': {
        const into = nodeBody<{ into?: { rel?: RangeVar } }>(node, 'CreateTableAsStmt')?.into;
        this.createTable(rangeVarKey(into?.rel), at);
        return;
      }
      case 'SelectStmt': {
        const into = nodeBody<{ intoClause?: { rel?: RangeVar } }>(node, 'SelectStmt')?.intoClause;
        this.createTable(rangeVarKey(into?.rel), at);
        return;
      }
      case 'CreateDomainStmt': {
        const domain = nodeBody<{ domainname?: unknown[] }>(node, 'CreateDomainStmt');
        const key = namesKey(domain?.domainname);
        if (key && !this.domains.has(key)) this.domains.set(key, at);
        return;
      }
      case 'IndexStmt': {
        const index = nodeBody<{ idxname?: string; relation?: RangeVar }>(node, 'IndexStmt');
        const table = rangeVarKey(index?.relation);
        if (index?.idxname && table) {
          const key = relationKey(index.relation?.schemaname, index.idxname);
          if (!this.indexes.has(key)) this.indexes.set(key, { table, at });
        }
        return;
      }
      case 'RenameStmt': {
        const rename = nodeBody<{ renameType?: string; relation?: RangeVar; newname?: string }>(node, 'RenameStmt');
        const key = rangeVarKey(rename?.relation);
        if (rename?.renameType === 'OBJECT_TABLE' && key && rename.newname && this.tables.has(key)) {
          this.createTable(relationKey(rename.relation?.schemaname, rename.newname), at);
        }
        return;
      }
      case 'AlterTableStmt': {
        const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[] }>(node, 'AlterTableStmt');
        const table = rangeVarKey(alter?.relation);
        if (!table) return;
        for (const wrapped of alter?.cmds ?? []) {
          const cmd = nodeBody<AlterTableCmdNode>(wrapped, 'AlterTableCmd');
          const def = nodeBody<ColumnDefNode>(cmd?.def, 'ColumnDef');
          if (cmd?.subtype === 'AT_AddColumn') this.setColumnType(table, def?.colname, def?.typeName, at);
          if (cmd?.subtype === 'AT_AlterColumnType') this.setColumnType(table, cmd.name, def?.typeName, at);
        }
        return;
      }
      default:
        return;
    }
  }
}

const models = new WeakMap<readonly ParsedMigration[], ChangeModel>();

/**
 * The change model for a rule run. Every rule of one run shares the context's file list, so the
 * model is built once; a file checked on its own (outside that list) gets a model of its own.
 */
export function changeModel(file: ParsedMigration, ctx: MigrationRuleContext): ChangeModel {
  const files = ctx.changedMigrations;
  if (!files.includes(file)) return new ChangeModel([...files, file]);
  let model = models.get(files);
  if (!model) {
    model = new ChangeModel(files);
    models.set(files, model);
  }
  return model;
}
