/**
 * The control plane client. `openControlPlane()` picks the adapter from the environment:
 * SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY → supabase-js; DATABASE_URL → a Postgres server;
 * otherwise the embedded PGlite database in `.platform-kit/control-plane`.
 */
import { openPgControlPlane, type PgControlPlaneOptions } from './pg.js';
import { openPgliteControlPlane, type PgliteControlPlaneOptions } from './pglite.js';
import type { SupabaseControlPlaneOptions } from './supabase.js';
import type { ControlPlane } from './types.js';

export * from './errors.js';
export type * from './types.js';
export type * from './types.generated.js';
export { DEFAULT_CONTROL_PLANE_DIR, openPgliteControlPlane } from './pglite.js';
export type { PgliteControlPlane, PgliteControlPlaneOptions } from './pglite.js';
export { openPgControlPlane } from './pg.js';
export type { PgControlPlane, PgControlPlaneOptions } from './pg.js';
// supabase-js is loaded only when that adapter is used (import it from './supabase.js' directly).
export type { SupabaseControlPlane, SupabaseControlPlaneOptions } from './supabase.js';
export { migrateControlPlane, readMigrationFiles } from './migrations.js';

export type OpenControlPlaneOptions =
  | ({ adapter: 'supabase' } & SupabaseControlPlaneOptions)
  | ({ adapter: 'postgres' } & PgControlPlaneOptions)
  | ({ adapter: 'pglite' } & PgliteControlPlaneOptions);

async function openSupabase(options: SupabaseControlPlaneOptions): Promise<ControlPlane> {
  const { openSupabaseControlPlane } = await import('./supabase.js');
  return openSupabaseControlPlane(options);
}

export async function openControlPlane(options?: OpenControlPlaneOptions, env: NodeJS.ProcessEnv = process.env): Promise<ControlPlane> {
  if (options?.adapter === 'supabase') return openSupabase(options);
  if (options?.adapter === 'postgres') return openPgControlPlane(options);
  if (options?.adapter === 'pglite') return openPgliteControlPlane(options);
  if (env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY) return openSupabase({ url: env.SUPABASE_URL, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY });
  if (env.DATABASE_URL) return openPgControlPlane({ connectionString: env.DATABASE_URL });
  return openPgliteControlPlane({ dataDir: env.PLATFORM_KIT_CONTROL_PLANE_DIR });
}
