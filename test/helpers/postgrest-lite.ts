/**
 * A small HTTP server speaking the part of PostgREST's protocol the supabase-js control plane
 * adapter uses, against a real Postgres server, so that adapter is tested end to end without a
 * PostgREST binary:
 *
 *   POST /rest/v1/rpc/<fn>    JSON object of named arguments; schema from Content-Profile
 *   GET  /rest/v1/<table>     ?select=*|a,b  <col>=eq|neq|gt|gte|lt|lte|is|in.<value>  order=<col>.<asc|desc>  limit  offset;
 *                             schema from Accept-Profile
 *
 * As PostgREST does: the bearer JWT (HS256) is verified and its `role` claim becomes the request's
 * role (`SET LOCAL ROLE`), no token means the anonymous role; the claims are in
 * `request.jwt.claims`; each request is one transaction (read-only for GET); an RPC's result is an
 * array for a set-returning function, an object for one returning a composite, the value otherwise;
 * errors are `{code, message, details, hint}` with PostgREST's HTTP status for the SQLSTATE.
 * Not supported: embedding, other verbs, Prefer headers, singular responses, counts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

export interface PostgrestLiteOptions {
  connectionString: string;
  jwtSecret: string;
  /** Schemas clients may name in the profile headers; the first is the default. */
  schemas: readonly string[];
  anonRole?: string;
}

export interface PostgrestLite {
  /** Base URL to give supabase-js (`http://127.0.0.1:<port>`). */
  url: string;
  close(): Promise<void>;
}

interface ApiError {
  status: number;
  body: { code: string; message: string; details: string | null; hint: string | null };
}

class RequestError extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.body.message);
  }
}

function apiError(status: number, code: string, message: string, details: string | null = null, hint: string | null = null): RequestError {
  return new RequestError({ status, body: { code, message, details, hint } });
}

/** PostgREST's table of HTTP statuses by SQLSTATE (docs: "Errors" → "SQLSTATE to HTTP"). */
export function httpStatusFor(sqlstate: string, anonymous: boolean): number {
  if (sqlstate === '42501') return anonymous ? 401 : 403;
  if (sqlstate === '23503' || sqlstate === '23505') return 409;
  if (sqlstate === '25006') return 405;
  if (sqlstate === 'P0001') return 400;
  if (sqlstate === '42883' || sqlstate === '42P01') return 404;
  if (sqlstate === '42P17') return 500;
  const prefix = sqlstate.slice(0, 2);
  if (prefix === '08' || prefix === '53') return 503;
  if (prefix === '0L' || prefix === '0P' || prefix === '28') return 403;
  if (['09', '25', '2D', '38', '39', '3B', '40', '54', '55', '57', '58', 'F0', 'HV', 'P0', 'XX'].includes(prefix)) return 500;
  return 400;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/** An HS256 JWT, for tests that need a service_role, authenticated or forged key. */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function verifyJwt(token: string, secret: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw apiError(401, 'PGRST301', 'Expected 3 parts in JWT; got ' + parts.length);
  const [header, payload, signature] = parts as [string, string, string];
  let headerJson: { alg?: string };
  let claims: Record<string, unknown>;
  try {
    headerJson = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw apiError(401, 'PGRST301', 'JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got 1)');
  }
  if (headerJson.alg !== 'HS256') throw apiError(401, 'PGRST301', 'JWSError JWSInvalidSignature');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw apiError(401, 'PGRST301', 'JWSError JWSInvalidSignature');
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) throw apiError(401, 'PGRST303', 'JWT expired');
  return claims;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface FunctionInfo {
  arg_names: string[] | null;
  arg_modes: string[] | null;
  arg_types: string[];
  returns_set: boolean;
  returns_composite: boolean;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function filterSql(column: string, expression: string, params: unknown[]): string {
  const dot = expression.indexOf('.');
  if (dot < 0) throw apiError(400, 'PGRST100', `"failed to parse filter (${expression})" (line 1, column 1)`);
  const operator = expression.slice(0, dot);
  const value = expression.slice(dot + 1);
  const target = `t.${quoteIdent(column)}`;
  const comparisons: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
  if (operator in comparisons) {
    params.push(value);
    return `${target} ${comparisons[operator]} $${params.length}`;
  }
  if (operator === 'is') {
    if (!['null', 'true', 'false'].includes(value)) throw apiError(400, 'PGRST100', `"failed to parse filter (is.${value})" (line 1, column 4)`);
    return `${target} is ${value}`;
  }
  if (operator === 'in') {
    const match = /^\((.*)\)$/.exec(value);
    if (!match) throw apiError(400, 'PGRST100', `"failed to parse filter (in.${value})" (line 1, column 4)`);
    params.push(match[1] === '' ? [] : match[1]!.split(',').map((item) => item.replace(/^"(.*)"$/, '$1')));
    return `${target} = any ($${params.length})`;
  }
  throw apiError(400, 'PGRST100', `"failed to parse filter (${expression})" (line 1, column 1)`);
}

export async function startPostgrestLite(options: PostgrestLiteOptions): Promise<PostgrestLite> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 8, options: '-c TimeZone=UTC' });
  pool.on('error', () => undefined);
  const anonRole = options.anonRole ?? 'anon';

  const schemaFrom = (header: string | string[] | undefined): string => {
    const schema = (Array.isArray(header) ? header[0] : header) ?? options.schemas[0]!;
    if (!options.schemas.includes(schema)) {
      throw apiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${options.schemas.join(', ')}`);
    }
    return schema;
  };

  async function inTransaction<T>(role: string, claims: Record<string, unknown>, schema: string, readOnly: boolean, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query(readOnly ? 'begin isolation level read committed read only' : 'begin');
      await client.query(`set local role ${quoteIdent(role)}`);
      await client.query(`select set_config('request.jwt.claims', $1, true), set_config('search_path', $2, true)`, [JSON.stringify(claims), quoteIdent(schema)]);
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async function rpc(client: pg.PoolClient, schema: string, fn: string, body: string): Promise<unknown> {
    let args: Record<string, unknown> = {};
    if (body.trim() !== '') {
      try {
        args = JSON.parse(body) as Record<string, unknown>;
      } catch (error) {
        throw apiError(400, 'PGRST102', 'Empty or invalid json', error instanceof Error ? error.message : null);
      }
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw apiError(400, 'PGRST102', 'Empty or invalid json');
    }
    const { rows: candidates } = await client.query<FunctionInfo>(
      `select p.proargnames::text[] as arg_names, p.proargmodes::text[] as arg_modes,
              array(select format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(t, i) order by i) as arg_types,
              p.proretset as returns_set, t.typtype = 'c' as returns_composite
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_type t on t.oid = p.prorettype
       where n.nspname = $1 and p.proname = $2`,
      [schema, fn],
    );
    const keys = Object.keys(args);
    const found = candidates.find((candidate) => {
      const names = (candidate.arg_names ?? []).filter((_, index) => ['i', 'b', undefined].includes(candidate.arg_modes?.[index]));
      return keys.every((key) => names.includes(key));
    });
    if (!found) {
      throw apiError(
        404,
        'PGRST202',
        `Could not find the function ${schema}.${fn}(${keys.sort().join(', ')}) in the schema cache`,
        `Searched for the function ${schema}.${fn} with parameters ${keys.join(', ')} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
      );
    }
    const params: unknown[] = [];
    const named = keys.map((key) => {
      const index = (found.arg_names ?? []).indexOf(key);
      const type = found.arg_types[index]!;
      const value = args[key];
      const jsonLike = type === 'json' || type === 'jsonb';
      params.push(value === null ? null : jsonLike || (typeof value === 'object' && !Array.isArray(value)) ? JSON.stringify(value) : value);
      return `${quoteIdent(key)} => $${params.length}::${type}`;
    });
    const invocation = `${quoteIdent(schema)}.${quoteIdent(fn)}(${named.join(', ')})`;
    const sql = found.returns_set
      ? `select coalesce(json_agg(r), '[]'::json) as result from ${invocation} r`
      : found.returns_composite
        ? `select to_json(r) as result from ${invocation} r`
        : `select to_json(${invocation}) as result`;
    const { rows } = await client.query<{ result: unknown }>(sql, params);
    return rows[0]?.result ?? null;
  }

  async function read(client: pg.PoolClient, schema: string, table: string, search: URLSearchParams): Promise<unknown> {
    const { rows: exists } = await client.query<{ found: boolean }>(
      `select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'v', 'm', 'p', 'f')) as found`,
      [schema, table],
    );
    if (!exists[0]?.found) throw apiError(404, 'PGRST205', `Could not find the table '${schema}.${table}' in the schema cache`);
    const params: unknown[] = [];
    const where: string[] = [];
    let columns = '*';
    let order = '';
    let limit = '';
    let offset = '';
    for (const [key, value] of search) {
      if (key === 'select') {
        const names = value.split(',').map((name) => name.trim());
        if (!(names.length === 1 && names[0] === '*')) {
          for (const name of names) if (!IDENTIFIER.test(name)) throw apiError(400, 'PGRST100', `"failed to parse select parameter (${value})"`);
          columns = names.map((name) => `t.${quoteIdent(name)}`).join(', ');
        }
      } else if (key === 'order') {
        order = value
          .split(',')
          .map((term) => {
            const [column, direction = 'asc', nulls] = term.split('.');
            if (!column || !IDENTIFIER.test(column) || !['asc', 'desc'].includes(direction)) throw apiError(400, 'PGRST100', `"failed to parse order (${value})"`);
            const nullsSql = nulls === 'nullsfirst' ? ' nulls first' : nulls === 'nullslast' ? ' nulls last' : '';
            return `t.${quoteIdent(column)} ${direction}${nullsSql}`;
          })
          .join(', ');
      } else if (key === 'limit' || key === 'offset') {
        if (!/^\d+$/.test(value)) throw apiError(400, 'PGRST100', `"failed to parse ${key} (${value})"`);
        if (key === 'limit') limit = ` limit ${value}`;
        else offset = ` offset ${value}`;
      } else {
        if (!IDENTIFIER.test(key)) throw apiError(400, 'PGRST100', `"failed to parse filter (${key})"`);
        where.push(filterSql(key, value, params));
      }
    }
    const sql =
      `select coalesce(json_agg(r), '[]'::json) as result from (select ${columns} from ${quoteIdent(schema)}.${quoteIdent(table)} t` +
      `${where.length > 0 ? ` where ${where.join(' and ')}` : ''}${order ? ` order by ${order}` : ''}${limit}${offset}) r`;
    const { rows } = await client.query<{ result: unknown }>(sql, params);
    return rows[0]?.result ?? [];
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let anonymous = true;
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const authorization = request.headers.authorization;
      let claims: Record<string, unknown> = { role: anonRole };
      if (authorization) {
        const match = /^Bearer (.+)$/i.exec(authorization);
        if (!match) throw apiError(401, 'PGRST301', 'Authorization header is not a bearer token');
        claims = verifyJwt(match[1]!, options.jwtSecret);
        anonymous = false;
      }
      const role = typeof claims.role === 'string' ? claims.role : anonRole;
      const rpcMatch = /^\/rest\/v1\/rpc\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(url.pathname);
      const tableMatch = /^\/rest\/v1\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(url.pathname);
      if (request.method === 'POST' && rpcMatch) {
        const schema = schemaFrom(request.headers['content-profile']);
        const body = await readBody(request);
        send(response, 200, await inTransaction(role, claims, schema, false, (client) => rpc(client, schema, rpcMatch[1]!, body)));
      } else if (request.method === 'GET' && tableMatch && tableMatch[1] !== 'rpc') {
        const schema = schemaFrom(request.headers['accept-profile']);
        send(response, 200, await inTransaction(role, claims, schema, true, (client) => read(client, schema, tableMatch[1]!, url.searchParams)));
      } else {
        throw apiError(404, 'PGRST125', `Invalid path specified in request URL: ${request.method} ${url.pathname}`);
      }
    } catch (error) {
      if (error instanceof RequestError) {
        send(response, error.apiError.status, error.apiError.body);
        return;
      }
      const source = error as { code?: string; message?: string; detail?: string; hint?: string };
      if (typeof source.code === 'string' && /^[0-9A-Z]{5}$/.test(source.code)) {
        send(response, httpStatusFor(source.code, anonymous), { code: source.code, message: source.message ?? '', details: source.detail ?? null, hint: source.hint ?? null });
        return;
      }
      send(response, 503, { code: 'PGRST000', message: 'Could not connect with the database', details: source.message ?? String(error), hint: null });
    }
  }

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
