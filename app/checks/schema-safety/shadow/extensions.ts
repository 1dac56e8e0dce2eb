/**
 * Extensions the shadow database cannot load, and the statements that fall with them.
 *
 * A Supabase project can enable extensions PGlite does not ship (pgvector, PostGIS, pg_cron,
 * pg_net, ...). Their CREATE EXTENSION is skipped, and so is every later statement whose error
 * names one of the extension's objects, or an object that an earlier skipped statement would have
 * created (a table with a `vector` column, then its index). Anything else that fails is a real failure.
 */
import { ShadowSqlError, UnavailableExtensionError } from './types.js';

/**
 * Schemas, types, functions, access methods and operator classes that common Supabase extensions
 * provide, lower case; a trailing `*` matches a prefix (PostGIS' `st_*` functions).
 */
export const EXTENSION_OBJECTS: Readonly<Record<string, readonly string[]>> = {
  vector: ['vector', 'halfvec', 'sparsevec', 'hnsw', 'ivfflat', 'vector_*', 'halfvec_*', 'sparsevec_*', 'l2_distance', 'cosine_distance', 'inner_product', 'l1_distance', 'vector_dims', 'l2_normalize', 'binary_quantize', 'subvector'],
  postgis: ['geometry', 'geography', 'box2d', 'box3d', 'spatial_ref_sys', 'geometry_columns', 'geography_columns', 'st_*', 'postgis_*', 'gist_geometry_ops_2d', 'gist_geometry_ops_nd', 'gist_geography_ops'],
  postgis_raster: ['raster', 'rast', 'st_*'],
  postgis_topology: ['topology', 'topogeometry'],
  postgis_tiger_geocoder: ['tiger', 'tiger_data', 'geocode', 'normalize_address'],
  address_standardizer: ['standardize_address', 'parse_address', 'stdaddr'],
  pgrouting: ['pgr_*'],
  pg_cron: ['cron'],
  pg_net: ['net'],
  supabase_vault: ['vault'],
  pgsodium: ['pgsodium', 'pgsodium_*'],
  pg_graphql: ['graphql'],
  pgmq: ['pgmq'],
  pg_jsonschema: ['json_matches_schema', 'jsonb_matches_schema', 'jsonschema_is_valid', 'jsonschema_validation_errors'],
  pgjwt: ['sign', 'verify', 'url_encode', 'url_decode', 'algorithm_sign', 'try_cast_double'],
  http: ['http', 'http_get', 'http_post', 'http_put', 'http_patch', 'http_delete', 'http_head', 'http_header', 'http_request', 'http_response', 'http_method', 'http_set_curlopt', 'http_reset_curlopt', 'urlencode'],
  pg_hashids: ['id_encode', 'id_decode', 'id_decode_once'],
  rum: ['rum', 'rum_*'],
  pgroonga: ['pgroonga', 'pgroonga_*'],
  timescaledb: ['timescaledb_information', 'timescaledb_experimental', '_timescaledb_catalog', 'create_hypertable', 'time_bucket', 'add_retention_policy', 'add_compression_policy'],
  wrappers: ['wrappers_fdw_stats', '*_fdw_handler', '*_fdw_validator'],
  postgres_fdw: ['postgres_fdw'],
  dblink: ['dblink', 'dblink_*'],
  index_advisor: ['index_advisor'],
  hypopg: ['hypopg', 'hypopg_*'],
  plv8: ['plv8'],
  plpgsql_check: ['plpgsql_check_function', 'plpgsql_check_*'],
  pgtap: ['no_plan', 'has_table', 'has_column', 'throws_ok', 'lives_ok', 'results_eq'],
  pgaudit: ['pgaudit'],
  pg_partman: ['partman', 'create_parent', 'run_maintenance'],
  pg_tle: ['pgtle'],
  pg_repack: ['repack'],
  pg_stat_monitor: ['pg_stat_monitor'],
  pgstattuple: ['pgstattuple', 'pgstatindex', 'pgstattuple_approx'],
  orioledb: ['orioledb'],
};

/** SQLSTATEs of "object not found" errors, the only ones a missing extension can explain. */
const MISSING_OBJECT_CODES = new Set(['42704', '42883', '3F000', '42P01', '42703', '0A000', '58P01']);

/** Words of Postgres' own messages, never taken for object names. */
const MESSAGE_WORDS = new Set([
  'type', 'relation', 'schema', 'function', 'column', 'does', 'not', 'exist', 'of', 'for', 'access', 'method', 'operator',
  'class', 'extension', 'data', 'has', 'no', 'default', 'is', 'available', 'the', 'table', 'index', 'view', 'sequence',
  'unknown', 'text', 'integer', 'bigint', 'uuid', 'jsonb', 'json', 'boolean', 'public', 'extensions', 'to', 'and', 'or',
]);

export class ExtensionGaps {
  /** Extensions found unavailable, in the order they were met. */
  readonly extensions = new Set<string>();
  private readonly exact = new Map<string, string>();
  private readonly prefixes: Array<{ prefix: string; extension: string }> = [];
  private readonly suffixes: Array<{ suffix: string; extension: string }> = [];

  addExtension(extension: string): void {
    const name = extension.toLowerCase();
    if (this.extensions.has(name)) return;
    this.extensions.add(name);
    this.exact.set(name, name);
    for (const object of EXTENSION_OBJECTS[name] ?? []) {
      if (object.endsWith('*')) this.prefixes.push({ prefix: object.slice(0, -1), extension: name });
      else if (object.startsWith('*')) this.suffixes.push({ suffix: object.slice(1), extension: name });
      else this.exact.set(object, name);
    }
  }

  /** Objects a skipped statement would have created: later errors naming them are explained by the same extension. */
  addObjects(names: Iterable<string>, extension: string): void {
    for (const name of names) {
      const lower = name.toLowerCase();
      if (lower && !MESSAGE_WORDS.has(lower) && !this.exact.has(lower)) this.exact.set(lower, extension);
    }
  }

  /** The unavailable extension whose absence explains this error, if any. */
  explain(error: ShadowSqlError): string | undefined {
    if (error instanceof UnavailableExtensionError) {
      this.addExtension(error.extension);
      return error.extension.toLowerCase();
    }
    if (this.extensions.size === 0 || !error.code || !MISSING_OBJECT_CODES.has(error.code)) return undefined;
    const words = error.message.toLowerCase().match(/[a-z_][a-z0-9_$]*/g) ?? [];
    for (const word of words) {
      if (MESSAGE_WORDS.has(word)) continue;
      const exact = this.exact.get(word);
      if (exact) return exact;
      const prefixed = this.prefixes.find((entry) => word.startsWith(entry.prefix));
      if (prefixed) return prefixed.extension;
      const suffixed = this.suffixes.find((entry) => word.endsWith(entry.suffix));
      if (suffixed) return suffixed.extension;
    }
    return undefined;
  }
}
