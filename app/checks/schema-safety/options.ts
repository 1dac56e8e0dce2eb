import { z } from 'zod';
import { boundedRegex } from '../../config/bounded-patterns.js';
import { DEFAULT_FILE_NAME_PATTERN, DEFAULT_MIGRATIONS_DIR } from './hygiene/migrations.js';

export const catalogWaiver = z.strictObject({
  /** A catalog lint's cache key, e.g. `function_search_path_mutable_public_handle_new_user_...`. */
  key: z.string().min(1),
  reason: z.string().min(1),
  /** ISO date (YYYY-MM-DD); after it the waiver stops applying and the finding comes back. */
  expires: z.iso.date().optional(),
});
export type CatalogWaiver = z.infer<typeof catalogWaiver>;

export const schemaSafetyOptions = {
  /** Where the Supabase CLI keeps migrations. */
  migrationsDir: z.string().min(1).default(DEFAULT_MIGRATIONS_DIR),
  /** Regular expression a migration file name must match (default: `<14-digit timestamp>_<name>.sql`). */
  fileNamePattern: boundedRegex.default(DEFAULT_FILE_NAME_PATTERN),
  /** Target Postgres major version; rules whose risk depends on it (e.g. constant defaults) follow it. */
  pgVersion: z.number().int().min(10).max(18).default(15),
  /** The Supabase CLI runs each migration file in a transaction. */
  assumeInTransaction: z.boolean().default(true),
  /** Schemas the Data API exposes; default: `[api] schemas` of `supabaseConfig`, else `public`. */
  exposedSchemas: z.array(z.string().min(1)).optional(),
  supabaseConfig: z.string().min(1).default('supabase/config.toml'),
  shadow: z
    .strictObject({
      /** Apply the migrations to a shadow database and run the catalog lints on the result. */
      enabled: z.boolean().default(true),
      /** Per-statement timeout on the shadow database. */
      statementTimeoutMs: z.number().int().min(100).default(15000),
    })
    .prefault({}),
  /** Intentional catalog findings, by cache key, each with a reason. */
  waivers: z.array(catalogWaiver).default([]),
};

export const schemaSafetyOptionsSchema = z.strictObject(schemaSafetyOptions);
export type SchemaSafetyOptions = z.infer<typeof schemaSafetyOptionsSchema>;
