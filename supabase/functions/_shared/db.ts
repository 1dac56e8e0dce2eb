// The database, over the direct connection Supabase gives every Edge Function (SUPABASE_DB_URL,
// the postgres role). One small pool per isolate; each RPC call is one statement, so one transaction.
// The RPCs' SQLSTATEs become HTTP statuses here: 22xxx → 400 naming the field, 42704 → 404,
// 55000 and 23505 → 409, a lost connection → 503.
import pg from 'pg';
import { HttpError } from './http.ts';

let pool: pg.Pool | undefined;

function connection(): pg.Pool {
  if (pool) return pool;
  const url = Deno.env.get('SUPABASE_DB_URL');
  if (!url) throw new HttpError(500, 'not_configured', 'SUPABASE_DB_URL is not set');
  pool = new pg.Pool({ connectionString: url, max: 3, idleTimeoutMillis: 10_000, options: '-c TimeZone=UTC' });
  pool.on('error', (error: Error) => console.error('idle database connection failed:', error.message));
  return pool;
}

interface PgErrorLike {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  column?: string;
}

function fieldOf(error: PgErrorLike): string | undefined {
  if (error.column) return error.column;
  return error.detail ? /^field: ([^;\s]+)/.exec(error.detail)?.[1] : undefined;
}

export function httpErrorFor(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const source = (error ?? {}) as PgErrorLike;
  const code = source.code ?? '';
  const message = source.message ?? String(error);
  if (code.startsWith('22')) return new HttpError(400, 'invalid_argument', message, fieldOf(source), source.hint);
  if (code === '42704') return new HttpError(404, 'not_found', message, fieldOf(source), source.hint);
  if (code === '55000' || code === '23505') return new HttpError(409, 'conflict', message, fieldOf(source), source.hint);
  if (code.startsWith('23')) return new HttpError(400, 'constraint_violation', message, fieldOf(source));
  if (code.startsWith('08') || code.startsWith('57P') || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'].includes(code)) {
    return new HttpError(503, 'unavailable', 'the database cannot be reached');
  }
  console.error('database error:', code, message);
  return new HttpError(500, 'internal', 'internal error');
}

/** The rows of one statement; errors come back as HttpError. */
export async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
  try {
    const result = await connection().query(sql, params);
    return result.rows as T[];
  } catch (error) {
    throw httpErrorFor(error);
  }
}
