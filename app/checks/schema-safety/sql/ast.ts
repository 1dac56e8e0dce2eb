import type { PgNode } from '../types.js';

/**
 * The type of a wrapped node: `{ CreateStmt: {...} }` → `CreateStmt`. Rules ask this of every node
 * they look at, so it reads the keys without collecting them (the AST is plain JSON: no inherited keys).
 */
export function nodeKind(node: unknown): string | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  let kind: string | undefined;
  for (const key in node) {
    if (kind !== undefined) return undefined;
    kind = key;
  }
  if (kind === undefined) return undefined;
  const first = kind.charCodeAt(0);
  return first >= 65 && first <= 90 ? kind : undefined;
}

/** The fields of a wrapped node: `{ CreateStmt: body }` → body (or undefined when it is another kind). */
export function nodeBody<T = Record<string, unknown>>(node: unknown, kind?: string): T | undefined {
  // Most calls ask a node whether it is a kind it is not: one property read answers them.
  if (kind && (!node || typeof node !== 'object' || (node as Record<string, unknown>)[kind] === undefined)) return undefined;
  const actual = nodeKind(node);
  if (!actual || (kind && actual !== kind)) return undefined;
  return (node as Record<string, T>)[actual];
}

/**
 * Visits every wrapped node below `node` (depth first, parents before children). Return `false`
 * from the visitor to skip a node's children.
 */
export function walk(node: unknown, visit: (kind: string, body: Record<string, unknown>, wrapped: PgNode) => boolean | void): void {
  if (Array.isArray(node)) {
    for (const item of node) if (item && typeof item === 'object') walk(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const kind = nodeKind(node);
  if (kind) {
    const body = (node as Record<string, unknown>)[kind];
    if (visit(kind, (body ?? {}) as Record<string, unknown>, node as PgNode) === false) return;
    walk(body, visit);
    return;
  }
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (value && typeof value === 'object') walk(value, visit);
  }
}

/** Every wrapped node of a kind below `node`. */
export function findAll<T = Record<string, unknown>>(node: unknown, kind: string): T[] {
  const found: T[] = [];
  walk(node, (visited, body) => {
    if (visited === kind) found.push(body as T);
  });
  return found;
}

export interface RangeVar {
  schemaname?: string;
  relname?: string;
  location?: number;
}

/** `schema.table`, or `table` when the statement names no schema. */
export function rangeVarName(rangeVar: RangeVar | undefined): string {
  if (!rangeVar?.relname) return '';
  return rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : rangeVar.relname;
}

/** `{ String: { sval } }` → sval; also reads `A_Const` strings and bare `{ sval }`. */
export function stringValue(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const string = nodeBody<{ sval?: string }>(node, 'String');
  if (string) return string.sval ?? '';
  const constant = nodeBody<{ sval?: { sval?: string } }>(node, 'A_Const');
  if (constant?.sval) return constant.sval.sval ?? '';
  const bare = node as { sval?: unknown };
  return typeof bare.sval === 'string' ? bare.sval : undefined;
}

/** Dotted name from a list of String nodes: `["public", "users"]` → `public.users`. */
export function dottedName(names: unknown): string {
  if (!Array.isArray(names)) return '';
  return names.map((name) => stringValue(name) ?? '').join('.');
}

export interface TypeNameNode {
  names?: unknown[];
  typmods?: unknown[];
  arrayBounds?: unknown[];
  location?: number;
}

/** Lower-case type name without `pg_catalog.`: `int4`, `varchar`, `timestamp`, `public.my_enum`. */
export function typeNameOf(typeName: TypeNameNode | undefined): string {
  const names = (typeName?.names ?? []).map((name) => (stringValue(name) ?? '').toLowerCase());
  const withoutCatalog = names[0] === 'pg_catalog' ? names.slice(1) : names;
  return withoutCatalog.join('.');
}

/** The value of a `DefElem` option (`WITH (fillfactor = 70)`, function options, ...), as text. */
export function defElemValue(defElem: { arg?: unknown } | undefined): string | undefined {
  const arg = defElem?.arg;
  if (arg === undefined) return undefined;
  const text = stringValue(arg);
  if (text !== undefined) return text;
  const integer = nodeBody<{ ival?: number }>(arg, 'Integer');
  if (integer) return String(integer.ival ?? 0);
  const boolean = nodeBody<{ boolval?: boolean }>(arg, 'Boolean');
  if (boolean) return String(boolean.boolval ?? false);
  if (Array.isArray(arg)) return arg.map((item) => stringValue(item) ?? '').join(', ');
  const list = nodeBody<{ items?: unknown[] }>(arg, 'List');
  if (list) return (list.items ?? []).map((item) => stringValue(item) ?? '').join(', ');
  return undefined;
}
