import { nodeBody, stringValue, typeNameOf, walk, type TypeNameNode } from '../sql/ast.js';
import type { ParsedMigration, RuleHit, SqlStatement } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { charOffset, identifierOffset, lineOf } from './schema-support/text.js';

interface Named {
  name: string;
  /** Character offset, when known. */
  offset?: number;
  /** `a.x = ...` or `a[1] = ...` assign part of a column; several of those are fine. */
  partial?: boolean;
}

interface ResTarget {
  name?: string;
  indirection?: unknown[];
  val?: unknown;
  location?: number;
}

const SQL_VALUE_FUNCTIONS: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

/** The column name PostgreSQL gives an unnamed select-list entry (its FigureColname), with a strength like the server's. */
function figureName(value: unknown): { name: string; strength: number } {
  const column = nodeBody<{ fields?: unknown[] }>(value, 'ColumnRef');
  if (column) {
    const last = column.fields?.[column.fields.length - 1];
    const name = stringValue(last);
    return name === undefined ? { name: '?column?', strength: 0 } : { name, strength: 2 };
  }
  const indirection = nodeBody<{ arg?: unknown; indirection?: unknown[] }>(value, 'A_Indirection');
  if (indirection) {
    for (const item of [...(indirection.indirection ?? [])].reverse()) {
      const name = stringValue(item);
      if (name !== undefined) return { name, strength: 2 };
    }
    return figureName(indirection.arg);
  }
  const call = nodeBody<{ funcname?: unknown[] }>(value, 'FuncCall');
  if (call) return { name: stringValue(call.funcname?.[call.funcname.length - 1]) ?? '?column?', strength: 2 };
  const cast = nodeBody<{ arg?: unknown; typeName?: TypeNameNode }>(value, 'TypeCast');
  if (cast) {
    const inner = figureName(cast.arg);
    if (inner.strength > 1) return inner;
    const type = typeNameOf(cast.typeName).split('.').pop();
    return type ? { name: type, strength: 1 } : inner;
  }
  const collate = nodeBody<{ arg?: unknown }>(value, 'CollateClause');
  if (collate) return figureName(collate.arg);
  const expression = nodeBody<{ kind?: string }>(value, 'A_Expr');
  if (expression?.kind === 'AEXPR_NULLIF') return { name: 'nullif', strength: 2 };
  const sublink = nodeBody<{ subLinkType?: string; subselect?: unknown }>(value, 'SubLink');
  if (sublink?.subLinkType === 'EXISTS_SUBLINK') return { name: 'exists', strength: 2 };
  if (sublink?.subLinkType === 'ARRAY_SUBLINK') return { name: 'array', strength: 2 };
  if (sublink?.subLinkType === 'EXPR_SUBLINK') {
    const first = nodeBody<ResTarget>(nodeBody<{ targetList?: unknown[] }>(sublink.subselect, 'SelectStmt')?.targetList?.[0], 'ResTarget');
    if (first?.name) return { name: first.name, strength: 2 };
    if (first) return figureName(first.val);
  }
  if (nodeBody(value, 'CaseExpr')) return { name: 'case', strength: 1 };
  if (nodeBody(value, 'A_ArrayExpr')) return { name: 'array', strength: 1 };
  if (nodeBody(value, 'RowExpr')) return { name: 'row', strength: 1 };
  if (nodeBody(value, 'CoalesceExpr')) return { name: 'coalesce', strength: 2 };
  const minmax = nodeBody<{ op?: string }>(value, 'MinMaxExpr');
  if (minmax) return { name: minmax.op === 'IS_GREATEST' ? 'greatest' : 'least', strength: 2 };
  const valueFunction = nodeBody<{ op?: string }>(value, 'SQLValueFunction');
  if (valueFunction) return { name: SQL_VALUE_FUNCTIONS[valueFunction.op ?? ''] ?? '?column?', strength: 2 };
  return { name: '?column?', strength: 0 };
}

function located(file: ParsedMigration, location: number | undefined): number | undefined {
  return location === undefined || location < 0 ? undefined : charOffset(file, location);
}

/** Column names a select list produces: aliases, or the names PostgreSQL derives; `*` stops the check. */
function outputColumns(file: ParsedMigration, select: unknown): Named[] | undefined {
  const body = nodeBody<{ targetList?: unknown[]; larg?: unknown; op?: string }>(select, 'SelectStmt');
  if (!body) return undefined;
  if (body.op && body.op !== 'SETOP_NONE') return outputColumns(file, body.larg);
  const columns: Named[] = [];
  for (const item of body.targetList ?? []) {
    const target = nodeBody<ResTarget>(item, 'ResTarget');
    if (!target) continue;
    const column = nodeBody<{ fields?: unknown[] }>(target.val, 'ColumnRef');
    if (!target.name && column?.fields?.some((field) => nodeBody(field, 'A_Star'))) return undefined;
    columns.push({ name: target.name ?? figureName(target.val).name, offset: located(file, target.location) });
  }
  return columns;
}

function assignments(file: ParsedMigration, targets: unknown[] | undefined): Named[] {
  return (targets ?? []).flatMap((item) => {
    const target = nodeBody<ResTarget>(item, 'ResTarget');
    return target?.name ? [{ name: target.name, offset: located(file, target.location), partial: (target.indirection?.length ?? 0) > 0 }] : [];
  });
}

interface Group {
  kind: 'assignment' | 'definition';
  names: Named[];
}

/** Nodes holding only names and constants: no statement or select list below them. */
const LEAVES = new Set(['String', 'A_Const', 'Integer', 'Float', 'Boolean', 'BitString', 'ColumnRef', 'ParamRef', 'A_Star', 'RoleSpec']);

function groups(file: ParsedMigration, statement: SqlStatement): Group[] {
  const found: Group[] = [];
  walk(statement.node, (kind, body) => {
    if (LEAVES.has(kind)) return false;
    if (kind === 'UpdateStmt') found.push({ kind: 'assignment', names: assignments(file, body.targetList as unknown[]) });
    if (kind === 'InsertStmt') {
      found.push({ kind: 'assignment', names: assignments(file, body.cols as unknown[]) });
      const conflict = body.onConflictClause as { targetList?: unknown[] } | undefined;
      if (conflict?.targetList) found.push({ kind: 'assignment', names: assignments(file, conflict.targetList) });
    }
    if (kind === 'MergeWhenClause') found.push({ kind: 'assignment', names: assignments(file, body.targetList as unknown[]) });
    if (kind === 'CreateStmt') {
      const columns = ((body.tableElts as unknown[] | undefined) ?? []).flatMap((element) => {
        const column = nodeBody<{ colname?: string; location?: number }>(element, 'ColumnDef');
        return column?.colname ? [{ name: column.colname, offset: located(file, column.location) }] : [];
      });
      found.push({ kind: 'definition', names: columns });
    }
    if (kind === 'ViewStmt') {
      const aliases = (body.aliases as unknown[] | undefined) ?? [];
      if (aliases.length > 0) {
        found.push({ kind: 'definition', names: aliases.map((alias) => ({ name: stringValue(alias) ?? '', offset: undefined })) });
      } else {
        const columns = outputColumns(file, body.query);
        if (columns) found.push({ kind: 'definition', names: columns });
      }
    }
    if (kind === 'CreateTableAsStmt') {
      const into = body.into as { colNames?: unknown[] } | undefined;
      if (into?.colNames?.length) found.push({ kind: 'definition', names: into.colNames.map((name) => ({ name: stringValue(name) ?? '' })) });
      else {
        const columns = outputColumns(file, body.query);
        if (columns) found.push({ kind: 'definition', names: columns });
      }
      return false;
    }
    if (kind === 'SelectStmt' && body.intoClause) {
      const columns = outputColumns(file, { SelectStmt: body });
      if (columns) found.push({ kind: 'definition', names: columns });
    }
    return undefined;
  });
  return found;
}

export const rule = defineSchemaRule({
  id: 'ban-duplicate-column-assignments',
  defaultSeverity: 'error',
  description: 'A column assigned or declared twice in one statement (UPDATE SET, INSERT columns, CREATE TABLE, a view\'s columns): PostgreSQL rejects the statement.',
  fixable: false,
  check(file) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      for (const group of groups(file, statement)) {
        const byName = new Map<string, Named[]>();
        for (const named of group.names) byName.set(named.name, [...(byName.get(named.name) ?? []), named]);
        for (const [name, uses] of byName) {
          if (uses.length < 2 || uses.every((use) => use.partial)) continue;
          const second = uses[1];
          const offset = second?.offset ?? identifierOffset(statement, name);
          const firstLine = uses[0]?.offset === undefined ? undefined : lineOf(file, uses[0].offset);
          hits.push({
            statement,
            location: offset,
            title: group.kind === 'assignment' ? 'Column assigned twice' : 'Column declared twice',
            message:
              group.kind === 'assignment'
                ? `\`${name}\` is assigned ${uses.length} times in one statement${firstLine ? ` (first at line ${firstLine})` : ''}; PostgreSQL rejects it ("multiple assignments to same column"), so the migration fails here. Keep the one assignment you mean.`
                : `Column \`${name}\` is declared ${uses.length} times${firstLine ? ` (first at line ${firstLine})` : ''}; PostgreSQL rejects the statement ("column specified more than once"), so the migration fails here. Rename or alias one of them.`,
          });
        }
      }
    }
    return hits;
  },
});
