/**
 * The transport for a direct connection (pg or PGlite): each call is one statement, so it runs in
 * its own transaction like a PostgREST request. Results are built with to_jsonb, which serialises
 * rows exactly as PostgREST does (bigint as JSON numbers, timestamptz as ISO 8601), so every
 * adapter hands back the same values.
 */
import { toControlPlaneError } from './errors.js';
import { checkIdentifier, givenArgs, type ControlPlaneTransport, type RpcCall, type SelectQuery } from './transport.js';

export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

/** The statement and parameters for an RPC call. */
export function rpcStatement(call: RpcCall): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const named = givenArgs(call).map(([name, value, type]) => {
    params.push(type === 'jsonb' ? JSON.stringify(value) : value);
    return `${checkIdentifier(name)} => $${params.length}::${type}`;
  });
  const invocation = `ops.${checkIdentifier(call.fn)}(${named.join(', ')})`;
  const sql =
    call.returns === 'set'
      ? `select coalesce(jsonb_agg(to_jsonb(r)), '[]'::jsonb) as result from ${invocation} r`
      : call.returns === 'row'
        ? `select to_jsonb(r) as result from ${invocation} r`
        : `select to_jsonb(${invocation}) as result`;
  return { sql, params };
}

/** The statement and parameters for a select. */
export function selectStatement(query: SelectQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where = Object.entries(query.eq ?? {}).map(([column, value]) => {
    params.push(value);
    return `t.${checkIdentifier(column)} = $${params.length}`;
  });
  const order = (query.order ?? []).map(({ column, ascending }) => `t.${checkIdentifier(column)} ${ascending ? 'asc' : 'desc'}`);
  let sql = `select to_jsonb(t) as row from ops.${checkIdentifier(query.table)} t`;
  if (where.length > 0) sql += ` where ${where.join(' and ')}`;
  if (order.length > 0) sql += ` order by ${order.join(', ')}`;
  if (query.limit !== undefined) sql += ` limit ${Math.max(0, Math.trunc(query.limit))}`;
  return { sql, params };
}

/** Drivers return jsonb parsed (pg, PGlite); a string means a driver set up to leave it as text. */
function parsed(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

export function createSqlTransport(runner: SqlRunner, close: () => Promise<void>): ControlPlaneTransport {
  return {
    async call(call) {
      const { sql, params } = rpcStatement(call);
      try {
        const { rows } = await runner.query<{ result: unknown }>(sql, params);
        return parsed(rows[0]?.result ?? null);
      } catch (error) {
        throw toControlPlaneError(error, call.fn);
      }
    },
    async select(query) {
      const { sql, params } = selectStatement(query);
      try {
        const { rows } = await runner.query<{ row: unknown }>(sql, params);
        return rows.map((row) => parsed(row.row));
      } catch (error) {
        throw toControlPlaneError(error, query.table);
      }
    },
    close,
  };
}
