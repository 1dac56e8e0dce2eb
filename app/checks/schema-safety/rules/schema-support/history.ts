import { dottedName, nodeBody, stringValue, type RangeVar } from '../../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';
import { allStatements } from './embedded.js';

/**
 * What the change itself does to the schema, in apply order: rules use it to stay quiet about
 * objects the same change created (dropping a column of a new table loses nothing) and to see
 * fixes made elsewhere in the change (RLS enabled in a later file).
 */

/** A point in the change: the migration's index in apply order, then the character offset in it. */
export interface Position {
  file: number;
  offset: number;
}

const before = (a: Position, b: Position) => a.file < b.file || (a.file === b.file && a.offset < b.offset);

interface EnumEvent {
  position: Position;
  values: string[];
}

export interface ChangeHistory {
  files: string[];
  /** Path → index in `files`. */
  fileIndex: Map<string, number>;
  /** Relation key (tables and views) → positions where the change created it (or renamed a new one to it). */
  tablesCreated: Map<string, Position[]>;
  /** `table key.column` → positions where the change added it. */
  columnsAdded: Map<string, Position[]>;
  tablesDropped: Map<string, Position[]>;
  /** Tables linked by renames and schema moves: key → representative. */
  aliases: Map<string, string>;
  rlsEnabled: Set<string>;
  /** Function keys (`schema.name`) given a search_path by CREATE or ALTER FUNCTION. */
  searchPathSet: Set<string>;
  enums: Map<string, EnumEvent[]>;
  /** `table key.policy name` → command (`all`, `select`, ...). */
  policies: Map<string, string>;
}

/** `schema.table`; unqualified names resolve to `public` (Supabase's migration search_path). */
export function tableKey(rangeVar: RangeVar | undefined): string {
  return `${rangeVar?.schemaname ?? 'public'}.${rangeVar?.relname ?? ''}`;
}

/** `schema.name` of a name list (`["public", "f"]`, `["f"]`). */
export function qualifiedKey(names: unknown[] | undefined): string {
  const parts = (names ?? []).map((name) => stringValue(name) ?? '');
  if (parts.length === 1) return `public.${parts[0] ?? ''}`;
  return parts.slice(-2).join('.');
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function representative(history: ChangeHistory, key: string): string {
  let current = key;
  for (let guard = 0; guard < 100; guard += 1) {
    const next = history.aliases.get(current);
    if (!next || next === current) return current;
    current = next;
  }
  return current;
}

function link(history: ChangeHistory, a: string, b: string): void {
  const rootA = representative(history, a);
  const rootB = representative(history, b);
  if (rootA !== rootB) history.aliases.set(rootA, rootB);
}

function isNewAt(history: ChangeHistory, key: string, position: Position): boolean {
  return (history.tablesCreated.get(key) ?? []).some((created) => before(created, position));
}

/** Object types that name a relation: tables and the views clients read like tables. */
export const RELATION_TYPES = new Set(['OBJECT_TABLE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW']);

function record(history: ChangeHistory, statement: SqlStatement, position: Position): void {
  const { node } = statement;
  const create = nodeBody<{ relation?: RangeVar; tableElts?: unknown[] }>(node, 'CreateStmt') ?? nodeBody<{ base?: { relation?: RangeVar } }>(node, 'CreateForeignTableStmt')?.base;
  if (create?.relation) {
    push(history.tablesCreated, tableKey(create.relation), position);
    return;
  }
  const createView = nodeBody<{ view?: RangeVar; replace?: boolean }>(node, 'ViewStmt');
  if (createView?.view) {
    // CREATE OR REPLACE may redefine a view clients already use.
    if (!createView.replace) push(history.tablesCreated, tableKey(createView.view), position);
    return;
  }
  const createAs = nodeBody<{ objtype?: string; into?: { rel?: RangeVar } }>(node, 'CreateTableAsStmt');
  if (createAs?.into?.rel) {
    push(history.tablesCreated, tableKey(createAs.into.rel), position);
    return;
  }
  const selectInto = nodeBody<{ intoClause?: { rel?: RangeVar } }>(node, 'SelectStmt');
  if (selectInto?.intoClause?.rel) {
    push(history.tablesCreated, tableKey(selectInto.intoClause.rel), position);
    return;
  }
  const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[]; objtype?: string }>(node, 'AlterTableStmt');
  if (alter?.relation) {
    const key = tableKey(alter.relation);
    for (const command of alter.cmds ?? []) {
      const cmd = nodeBody<{ subtype?: string; def?: unknown }>(command, 'AlterTableCmd');
      if (cmd?.subtype === 'AT_AddColumn') {
        const column = nodeBody<{ colname?: string }>(cmd.def, 'ColumnDef')?.colname;
        if (column) push(history.columnsAdded, `${key}.${column}`, position);
      } else if (cmd?.subtype === 'AT_EnableRowSecurity') {
        history.rlsEnabled.add(key);
      }
    }
    return;
  }
  const rename = nodeBody<{ renameType?: string; relation?: RangeVar; subname?: string; newname?: string }>(node, 'RenameStmt');
  if (rename?.relation && rename.newname) {
    const key = tableKey(rename.relation);
    if (RELATION_TYPES.has(rename.renameType ?? '')) {
      const renamed = `${rename.relation.schemaname ?? 'public'}.${rename.newname}`;
      link(history, key, renamed);
      if (isNewAt(history, key, position)) push(history.tablesCreated, renamed, position);
    } else if (rename.renameType === 'OBJECT_COLUMN' && rename.subname) {
      const added = history.columnsAdded.get(`${key}.${rename.subname}`) ?? [];
      if (added.some((at) => before(at, position))) push(history.columnsAdded, `${key}.${rename.newname}`, position);
    }
    return;
  }
  const move = nodeBody<{ objectType?: string; relation?: RangeVar; newschema?: string }>(node, 'AlterObjectSchemaStmt');
  if (move?.relation && move.newschema && RELATION_TYPES.has(move.objectType ?? '')) {
    const key = tableKey(move.relation);
    const moved = `${move.newschema}.${move.relation.relname ?? ''}`;
    link(history, key, moved);
    if (isNewAt(history, key, position)) push(history.tablesCreated, moved, position);
    return;
  }
  const drop = nodeBody<{ removeType?: string; objects?: unknown[] }>(node, 'DropStmt');
  if (drop && (drop.removeType === 'OBJECT_TABLE' || drop.removeType === 'OBJECT_FOREIGN_TABLE')) {
    for (const object of drop.objects ?? []) {
      const names = nodeBody<{ items?: unknown[] }>(object, 'List')?.items;
      if (names) push(history.tablesDropped, qualifiedKey(names), position);
    }
    return;
  }
  const createFunction = nodeBody<{ funcname?: unknown[]; options?: unknown[] }>(node, 'CreateFunctionStmt');
  const alterFunction = nodeBody<{ func?: { objname?: unknown[] }; actions?: unknown[] }>(node, 'AlterFunctionStmt');
  if (createFunction || alterFunction) {
    for (const action of createFunction?.options ?? alterFunction?.actions ?? []) {
      const defElem = nodeBody<{ defname?: string; arg?: unknown }>(action, 'DefElem');
      const set = nodeBody<{ kind?: string; name?: string }>(defElem?.arg, 'VariableSetStmt');
      if (defElem?.defname === 'set' && set?.name === 'search_path' && set.kind !== 'VAR_RESET') {
        history.searchPathSet.add(qualifiedKey(createFunction?.funcname ?? alterFunction?.func?.objname));
      }
    }
    return;
  }
  const createEnum = nodeBody<{ typeName?: unknown[]; vals?: unknown[] }>(node, 'CreateEnumStmt');
  if (createEnum) {
    push(history.enums, qualifiedKey(createEnum.typeName), { position, values: (createEnum.vals ?? []).map((value) => stringValue(value) ?? '') });
    return;
  }
  const alterEnum = nodeBody<{ typeName?: unknown[]; newVal?: string; oldVal?: string; newValNeighbor?: string; newValIsAfter?: boolean }>(node, 'AlterEnumStmt');
  if (alterEnum?.newVal !== undefined) {
    const key = qualifiedKey(alterEnum.typeName);
    const events = history.enums.get(key);
    const last = events?.[events.length - 1];
    if (!last) return;
    const values = [...last.values];
    if (alterEnum.oldVal !== undefined) {
      const index = values.indexOf(alterEnum.oldVal);
      if (index >= 0) values[index] = alterEnum.newVal;
    } else if (!values.includes(alterEnum.newVal)) {
      const neighbor = alterEnum.newValNeighbor === undefined ? -1 : values.indexOf(alterEnum.newValNeighbor);
      if (neighbor < 0) values.push(alterEnum.newVal);
      else values.splice(alterEnum.newValIsAfter ? neighbor + 1 : neighbor, 0, alterEnum.newVal);
    }
    events?.push({ position, values });
    return;
  }
  const policy = nodeBody<{ policy_name?: string; table?: RangeVar; cmd_name?: string }>(node, 'CreatePolicyStmt');
  if (policy?.policy_name && policy.table) {
    history.policies.set(`${tableKey(policy.table)}.${policy.policy_name}`, policy.cmd_name ?? 'all');
  }
}

function build(files: ParsedMigration[]): ChangeHistory {
  const history: ChangeHistory = {
    files: files.map((file) => file.path),
    fileIndex: new Map(files.map((file, index) => [file.path, index])),
    tablesCreated: new Map(),
    columnsAdded: new Map(),
    tablesDropped: new Map(),
    aliases: new Map(),
    rlsEnabled: new Set(),
    searchPathSet: new Set(),
    enums: new Map(),
    policies: new Map(),
  };
  files.forEach((file, index) => {
    for (const statement of allStatements(file)) record(history, statement, { file: index, offset: statement.start });
  });
  return history;
}

const histories = new WeakMap<ParsedMigration[], ChangeHistory>();
const standalone = new WeakMap<ParsedMigration, ChangeHistory>();

/** The change's history; a file missing from `changedMigrations` is taken as applied last. */
export function changeHistory(ctx: MigrationRuleContext, file: ParsedMigration): ChangeHistory {
  let history = histories.get(ctx.changedMigrations);
  if (!history) {
    history = build(ctx.changedMigrations);
    histories.set(ctx.changedMigrations, history);
  }
  if (history.fileIndex.has(file.path)) return history;
  let own = standalone.get(file);
  if (!own) {
    own = build([...ctx.changedMigrations, file]);
    standalone.set(file, own);
  }
  return own;
}

/** Where a statement of `file` sits in the change. */
export function positionIn(history: ChangeHistory, file: ParsedMigration, offset: number): Position {
  return { file: history.fileIndex.get(file.path) ?? history.files.length, offset };
}

/** Scoped questions about the change, as seen from one statement. */
export class ChangeView {
  readonly history: ChangeHistory;
  private readonly position: Position;

  constructor(ctx: MigrationRuleContext, file: ParsedMigration, statement: SqlStatement) {
    this.history = changeHistory(ctx, file);
    this.position = positionIn(this.history, file, statement.start);
  }

  /** The change created this table before this statement. */
  tableIsNew(key: string): boolean {
    return isNewAt(this.history, key, this.position);
  }

  /** The column is new: its table is, or the change added it before this statement. */
  columnIsNew(key: string, column: string): boolean {
    if (this.tableIsNew(key)) return true;
    return (this.history.columnsAdded.get(`${key}.${column}`) ?? []).some((added) => before(added, this.position));
  }

  /** The change drops this table after this statement. */
  tableDroppedLater(key: string): boolean {
    return (this.history.tablesDropped.get(key) ?? []).some((dropped) => before(this.position, dropped));
  }

  /** Some statement of the change enables RLS on this table (under this or a later name). */
  rlsEnabled(key: string): boolean {
    const root = representative(this.history, key);
    for (const enabled of this.history.rlsEnabled) {
      if (representative(this.history, enabled) === root) return true;
    }
    return false;
  }

  /** ALTER FUNCTION ... SET search_path somewhere in the change. */
  searchPathSet(functionKey: string): boolean {
    return this.history.searchPathSet.has(functionKey);
  }

  /** The enum's labels just before this statement, when the change created it. */
  enumValues(typeKey: string): string[] | undefined {
    const events = (this.history.enums.get(typeKey) ?? []).filter((event) => before(event.position, this.position));
    return events[events.length - 1]?.values;
  }

  /** The command of a policy the change created. */
  policyCommand(tableKeyValue: string, policyName: string): string | undefined {
    return this.history.policies.get(`${tableKeyValue}.${policyName}`);
  }
}

/** `["public", "t"]` or `[String]` lists as written, for messages. */
export function writtenName(names: unknown[] | undefined): string {
  return dottedName(names ?? []);
}
