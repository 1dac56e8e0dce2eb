/**
 * What an adapter must do: call an `ops` RPC with named arguments and run a simple filtered,
 * ordered select on an `ops` table. Everything the client does is one of those two, so the
 * supabase-js adapter (`.rpc()`, `.from().select()`) can do all of it, and the SQL adapters build
 * the same two statements for pg and PGlite.
 */

/** The Postgres type of an argument, used by the SQL adapters to cast it. */
export type RpcArgType = 'uuid' | 'text' | 'jsonb' | 'integer' | 'bigint' | 'boolean' | 'timestamptz' | 'text[]';

/** What the function returns: a set of rows (an array), one composite row (an object), or a scalar. */
export type RpcReturns = 'set' | 'row' | 'scalar';

export interface RpcCall {
  /** Function name in `ops`. */
  fn: string;
  /** Parameter name → value and type; undefined and null values are left out, so the function's defaults apply. */
  args: Record<string, { value: unknown; type: RpcArgType }>;
  returns: RpcReturns;
}

export interface SelectQuery {
  /** Table name in `ops`. */
  table: string;
  /** Column equal to a value. */
  eq?: Record<string, string | number | boolean>;
  order?: ReadonlyArray<{ column: string; ascending: boolean }>;
  limit?: number;
}

export interface ControlPlaneTransport {
  /** The function's JSON result: an array for `set`, an object (or null) for `row`, the value for `scalar`. Throws ControlPlaneError. */
  call(call: RpcCall): Promise<unknown>;
  /** Rows as JSON objects. Throws ControlPlaneError. */
  select(query: SelectQuery): Promise<unknown[]>;
  close(): Promise<void>;
}

/** The arguments that are given (not undefined or null), in order. */
export function givenArgs(call: RpcCall): Array<[name: string, value: unknown, type: RpcArgType]> {
  return Object.entries(call.args)
    .filter(([, arg]) => arg.value !== undefined && arg.value !== null)
    .map(([name, arg]) => [name, arg.value, arg.type]);
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Names come from the client's own constants; this guards the SQL adapters against anything else. */
export function checkIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${JSON.stringify(name)}`);
  return name;
}
