/**
 * The control plane on hosted Supabase through supabase-js and the service role key
 * (`SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY`).
 *
 * It relies on these PostgREST features only, so any PostgREST-compatible endpoint that offers them
 * will do (the tests use test/helpers/postgrest-lite.ts):
 *   - `POST /rest/v1/rpc/<fn>` with a JSON object of named arguments and `Content-Profile: ops`;
 *     the result is the function's JSON (an array for a set, an object for a composite, a scalar);
 *   - `GET /rest/v1/<table>?select=*&<column>=eq.<value>&order=<column>.<asc|desc>&limit=<n>` with
 *     `Accept-Profile: ops`;
 *   - errors as `{code, message, details, hint}`: the RPCs put the field at fault in DETAIL
 *     (`field: ...`), which is how the typed errors get `field` here;
 *   - the JWT in `Authorization: Bearer`, whose `role` claim (service_role) the request runs as.
 *
 * The Data API must expose `ops` for this to work: add it to the project's exposed schemas
 * (`[api] schemas` in supabase/config.toml, or Settings → Data API). See supabase/README.md.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { createControlPlane } from './client.js';
import { ConnectionError, toControlPlaneError } from './errors.js';
import { givenArgs, type ControlPlaneTransport } from './transport.js';
import type { ControlPlane } from './types.js';

export interface SupabaseControlPlaneOptions {
  /** Default: SUPABASE_URL. */
  url?: string;
  /** Default: SUPABASE_SERVICE_ROLE_KEY. */
  serviceRoleKey?: string;
  /** For tests and proxies: the fetch supabase-js uses. */
  fetch?: typeof fetch;
}

export interface SupabaseControlPlane extends ControlPlane {
  readonly kind: 'supabase';
  readonly client: SupabaseClient;
}

interface PostgrestErrorLike {
  code?: string;
  message?: string;
  details?: string;
  hint?: string;
}

function failure(error: PostgrestErrorLike, operation: string) {
  // A network failure surfaces as an error without a SQLSTATE (`TypeError: fetch failed`).
  if (!error.code && /fetch failed|ECONNREFUSED|network/i.test(error.message ?? '')) {
    return new ConnectionError(`${operation}: ${error.message ?? 'the API cannot be reached'}`, { operation, detail: error.details }, { cause: error });
  }
  return toControlPlaneError(error, operation);
}

export function openSupabaseControlPlane(options: SupabaseControlPlaneOptions = {}): SupabaseControlPlane {
  const url = options.url ?? process.env.SUPABASE_URL;
  const key = options.serviceRoleKey ?? process.env.SUPABASE_SERVICE_ROLE_KEY;
  if (!url || !key) throw new Error('the Supabase control plane needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (or url and serviceRoleKey)');
  const client = createClient(url, key, {
    db: { schema: 'ops' },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket; realtime-js needs one even though this client never subscribes.
    realtime: { transport: WebSocket as unknown as NonNullable<NonNullable<Parameters<typeof createClient>[2]>['realtime']>['transport'] },
    global: options.fetch ? { fetch: options.fetch } : undefined,
  }) as unknown as SupabaseClient;

  const transport: ControlPlaneTransport = {
    async call(call) {
      const args = Object.fromEntries(givenArgs(call).map(([name, value]) => [name, value]));
      const { data, error } = await client.rpc(call.fn, args);
      if (error) throw failure(error, call.fn);
      return data as unknown;
    },
    async select(query) {
      let builder = client.from(query.table).select('*');
      for (const [column, value] of Object.entries(query.eq ?? {})) builder = builder.eq(column, value);
      for (const { column, ascending } of query.order ?? []) builder = builder.order(column, { ascending });
      if (query.limit !== undefined) builder = builder.limit(query.limit);
      const { data, error } = await builder;
      if (error) throw failure(error, query.table);
      return (data ?? []) as unknown[];
    },
    // Nothing to release: the client never opens a realtime channel, and fetch keeps no session.
    // (removeAllChannels() would arm realtime-js' 10 s disconnect timer and hold the process.)
    async close() {},
  };
  return Object.assign(createControlPlane('supabase', transport), { kind: 'supabase' as const, client });
}
