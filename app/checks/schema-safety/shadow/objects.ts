/**
 * Which database objects a statement creates, alters or merely references, read from its AST.
 * The shadow run uses it to tie a catalog finding to the statement behind it, and the apply step
 * to know what a skipped statement would have created.
 */
import { nodeBody, nodeKind, stringValue, type RangeVar } from '../sql/ast.js';
import type { SqlStatement } from '../types.js';

export type ObjectKind =
  | 'table'
  | 'view'
  | 'materialized view'
  | 'foreign table'
  | 'function'
  | 'index'
  | 'policy'
  | 'trigger'
  | 'constraint'
  | 'extension'
  | 'schema'
  | 'type'
  | 'sequence'
  | 'column';

export type ObjectAction = 'create' | 'alter' | 'reference';

export interface ObjectRef {
  kind: ObjectKind;
  /** Undefined when the statement leaves it to the search_path. */
  schema?: string;
  name: string;
  /** The table an index, policy, trigger, constraint or column belongs to. */
  table?: { schema?: string; name: string };
  action: ObjectAction;
}

const RELATION_KIND: Record<string, ObjectKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_INDEX: 'index',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_ROUTINE: 'function',
  OBJECT_POLICY: 'policy',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_TABCONSTRAINT: 'constraint',
  OBJECT_EXTENSION: 'extension',
  OBJECT_SCHEMA: 'schema',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_COLUMN: 'column',
};

function relation(rangeVar: RangeVar | undefined): { schema?: string; name: string } | undefined {
  if (!rangeVar?.relname) return undefined;
  return rangeVar.schemaname ? { schema: rangeVar.schemaname, name: rangeVar.relname } : { name: rangeVar.relname };
}

/** `["public", "f"]` (String nodes) → { schema: 'public', name: 'f' }. */
function qualified(names: unknown): { schema?: string; name: string } | undefined {
  if (!Array.isArray(names) || names.length === 0) return undefined;
  const parts = names.map((part) => stringValue(part) ?? '');
  const name = parts[parts.length - 1] ?? '';
  if (!name) return undefined;
  return parts.length > 1 ? { schema: parts[parts.length - 2], name } : { name };
}

function relationRef(kind: ObjectKind, rangeVar: RangeVar | undefined, action: ObjectAction): ObjectRef[] {
  const target = relation(rangeVar);
  return target ? [{ kind, ...target, action }] : [];
}

interface ConstraintNode {
  contype?: string;
  conname?: string;
}

function constraintRefs(constraints: unknown, table: { schema?: string; name: string }): ObjectRef[] {
  if (!Array.isArray(constraints)) return [];
  return constraints.flatMap((node) => {
    const constraint = nodeBody<ConstraintNode>(node, 'Constraint');
    if (!constraint?.conname) return [];
    return [{ kind: 'constraint' as const, name: constraint.conname, schema: table.schema, table, action: 'create' as const }];
  });
}

function createStmtRefs(body: Record<string, unknown>, kind: ObjectKind): ObjectRef[] {
  const table = relation(body.relation as RangeVar | undefined);
  if (!table) return [];
  const refs: ObjectRef[] = [{ kind, ...table, action: 'create' }];
  for (const element of (body.tableElts as unknown[] | undefined) ?? []) {
    const column = nodeBody<{ colname?: string; constraints?: unknown }>(element, 'ColumnDef');
    if (column?.colname) {
      refs.push({ kind: 'column', name: column.colname, schema: table.schema, table, action: 'create' });
      refs.push(...constraintRefs(column.constraints, table));
    }
    if (nodeKind(element) === 'Constraint') refs.push(...constraintRefs([element], table));
  }
  return refs;
}

function alterTableRefs(body: Record<string, unknown>): ObjectRef[] {
  const kind = RELATION_KIND[String(body.objtype ?? 'OBJECT_TABLE')] ?? 'table';
  const table = relation(body.relation as RangeVar | undefined);
  if (!table) return [];
  const refs: ObjectRef[] = [{ kind, ...table, action: 'alter' }];
  for (const command of (body.cmds as unknown[] | undefined) ?? []) {
    const cmd = nodeBody<{ subtype?: string; name?: string; def?: unknown }>(command, 'AlterTableCmd');
    if (!cmd) continue;
    if (cmd.subtype === 'AT_AddConstraint') refs.push(...constraintRefs([cmd.def], table));
    const column = nodeBody<{ colname?: string }>(cmd.def, 'ColumnDef');
    if (cmd.subtype === 'AT_AddColumn' && column?.colname) {
      refs.push({ kind: 'column', name: column.colname, schema: table.schema, table, action: 'create' });
    }
  }
  return refs;
}

/** Objects named by GRANT/REVOKE, COMMENT and friends: the statement touches them without defining them. */
function objectListRefs(objtype: string | undefined, objects: unknown, action: ObjectAction): ObjectRef[] {
  const kind = RELATION_KIND[objtype ?? ''] ?? 'table';
  const items = Array.isArray(objects) ? objects : [objects];
  return items.flatMap((item): ObjectRef[] => {
    const rangeVar = nodeBody<RangeVar>(item, 'RangeVar');
    if (rangeVar) return relationRef(kind, rangeVar, action);
    const withArgs = nodeBody<{ objname?: unknown }>(item, 'ObjectWithArgs');
    if (withArgs) {
      const target = qualified(withArgs.objname);
      return target ? [{ kind, ...target, action }] : [];
    }
    const list = nodeBody<{ items?: unknown[] }>(item, 'List');
    if (list && kind === 'column') {
      const table = qualified((list.items ?? []).slice(0, -1));
      const column = stringValue((list.items ?? []).at(-1));
      return table && column ? [{ kind, name: column, schema: table.schema, table, action }] : [];
    }
    if (list) {
      const target = qualified(list.items);
      return target ? [{ kind, ...target, action }] : [];
    }
    const name = stringValue(item);
    return name ? [{ kind, name, action }] : [];
  });
}

/** Every object the statement creates, alters or references, as far as its AST tells. */
export function statementObjects(statement: Pick<SqlStatement, 'node' | 'kind'>): ObjectRef[] {
  const body = (nodeBody(statement.node) ?? {}) as Record<string, unknown>;
  switch (statement.kind) {
    case 'CreateStmt':
      return createStmtRefs(body, 'table');
    case 'CreateForeignTableStmt':
      return createStmtRefs((nodeBody(body.base) ?? body.base ?? {}) as Record<string, unknown>, 'foreign table');
    case 'CreateTableAsStmt': {
      const into = body.into as { rel?: RangeVar } | undefined;
      return relationRef(body.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table', into?.rel, 'create');
    }
    case 'ViewStmt':
      return relationRef('view', body.view as RangeVar, 'create');
    case 'CreateFunctionStmt': {
      const target = qualified(body.funcname);
      return target ? [{ kind: 'function', ...target, action: 'create' }] : [];
    }
    case 'AlterFunctionStmt': {
      const target = qualified((body.func as { objname?: unknown } | undefined)?.objname);
      return target ? [{ kind: 'function', ...target, action: 'alter' }] : [];
    }
    case 'IndexStmt': {
      const table = relation(body.relation as RangeVar);
      if (!table) return [];
      const refs: ObjectRef[] = [{ kind: 'table', ...table, action: 'reference' }];
      if (typeof body.idxname === 'string') refs.unshift({ kind: 'index', name: body.idxname, schema: table.schema, table, action: 'create' });
      return refs;
    }
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt': {
      const table = relation(body.table as RangeVar);
      if (!table || typeof body.policy_name !== 'string') return [];
      return [
        { kind: 'policy', name: body.policy_name, schema: table.schema, table, action: statement.kind === 'CreatePolicyStmt' ? 'create' : 'alter' },
        { kind: 'table', ...table, action: 'reference' },
      ];
    }
    case 'CreateTrigStmt': {
      const table = relation(body.relation as RangeVar);
      if (!table || typeof body.trigname !== 'string') return [];
      const refs: ObjectRef[] = [
        { kind: 'trigger', name: body.trigname, schema: table.schema, table, action: 'create' },
        { kind: 'table', ...table, action: 'reference' },
      ];
      const fn = qualified(body.funcname);
      if (fn) refs.push({ kind: 'function', ...fn, action: 'reference' });
      return refs;
    }
    case 'AlterTableStmt':
      return alterTableRefs(body);
    case 'RenameStmt': {
      const kind = RELATION_KIND[String(body.renameType)] ?? 'table';
      const table = relation(body.relation as RangeVar);
      const newName = typeof body.newname === 'string' ? body.newname : undefined;
      if (table && (kind === 'column' || kind === 'constraint' || kind === 'policy' || kind === 'trigger')) {
        const refs: ObjectRef[] = [{ kind: RELATION_KIND[String(body.relationType)] ?? 'table', ...table, action: 'alter' }];
        if (newName) refs.push({ kind, name: newName, schema: table.schema, table, action: 'alter' });
        return refs;
      }
      const target = table ?? objectListRefs(String(body.renameType), body.object, 'alter')[0];
      if (!target) return [];
      const refs: ObjectRef[] = [{ kind, schema: target.schema, name: target.name, action: 'alter' }];
      if (newName) refs.push({ kind, schema: target.schema, name: newName, action: 'alter' });
      return refs;
    }
    case 'CreateExtensionStmt': {
      if (typeof body.extname !== 'string') return [];
      const schemaOption = ((body.options as unknown[] | undefined) ?? [])
        .map((option) => nodeBody<{ defname?: string; arg?: unknown }>(option, 'DefElem'))
        .find((option) => option?.defname === 'schema');
      const schema = schemaOption ? stringValue(schemaOption.arg) : undefined;
      return [{ kind: 'extension', name: body.extname, ...(schema ? { schema } : {}), action: 'create' }];
    }
    case 'AlterExtensionStmt':
    case 'AlterExtensionContentsStmt':
      return typeof body.extname === 'string' ? [{ kind: 'extension', name: body.extname, action: 'alter' }] : [];
    case 'AlterObjectSchemaStmt':
    case 'AlterOwnerStmt': {
      const kind = String(body.objectType ?? '');
      return body.relation ? relationRef(RELATION_KIND[kind] ?? 'table', body.relation as RangeVar, 'alter') : objectListRefs(kind, body.object, 'alter');
    }
    case 'GrantStmt':
      if (body.targtype !== 'ACL_TARGET_OBJECT') return [];
      return objectListRefs(String(body.objtype), body.objects, 'reference');
    case 'CommentStmt':
      return objectListRefs(String(body.objtype), body.object, 'reference');
    case 'CreateSchemaStmt':
      return typeof body.schemaname === 'string' ? [{ kind: 'schema', name: body.schemaname, action: 'create' }] : [];
    case 'CreateSeqStmt':
      return relationRef('sequence', body.sequence as RangeVar, 'create');
    case 'CompositeTypeStmt':
      return relationRef('type', body.typevar as RangeVar, 'create');
    case 'CreateEnumStmt':
    case 'CreateDomainStmt': {
      const target = qualified(statement.kind === 'CreateEnumStmt' ? body.typeName : body.domainname);
      return target ? [{ kind: 'type', ...target, action: 'create' }] : [];
    }
    default:
      return [];
  }
}

/** Names of what the statement would create (for statements skipped with a missing extension). */
export function createdNames(statement: Pick<SqlStatement, 'node' | 'kind'>): string[] {
  return statementObjects(statement)
    .filter((ref) => ref.action === 'create' || (ref.action === 'alter' && statement.kind === 'RenameStmt'))
    .map((ref) => ref.name);
}

/** `schema.name` for messages. */
export function describeObject(ref: Pick<ObjectRef, 'schema' | 'name'>): string {
  return ref.schema ? `${ref.schema}.${ref.name}` : ref.name;
}

