import type { Queryable } from '../checks/schema-safety/shadow/types.js';
import { CATALOG_QUERIES, type CatalogQuery } from './catalog-queries.js';
import type { InventoryObject, InventoryObjectType, UnreadableKind } from './types.js';

/** Schemas Supabase creates and manages: inventoried, marked, and left out of the totals people act on. */
export const SUPABASE_MANAGED_SCHEMAS: ReadonlySet<string> = new Set([
  'auth', 'storage', 'extensions', 'graphql', 'graphql_public', 'realtime', 'supabase_functions', 'supabase_migrations',
  'vault', 'pgsodium', 'pgsodium_masks', 'net', 'cron', 'pgbouncer', 'pgmq', 'pgtle', 'repack', '_realtime', '_analytics',
]);

export interface CatalogInventoryOptions {
  /** Rows per catalog query (default 1,000): bounds memory per round trip on very large catalogs. */
  pageSize?: number;
  /** Called after every page with the kind and how many objects of it were read so far. */
  onProgress?: (progress: { kind: string; read: number }) => void;
}

export interface CatalogInventory {
  objects: InventoryObject[];
  /** Object kinds the connection's role could not read; the rest of the scan went on. */
  unreadable: UnreadableKind[];
  /** Objects per type. */
  counts: Partial<Record<InventoryObjectType, number>>;
  /** Columns across all tables (they are attributes of their table, not objects). */
  columnCount: number;
}

type Row = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value));
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function dotted(...parts: string[]): string {
  return parts.join('.');
}

function managed(schema: string): boolean {
  return SUPABASE_MANAGED_SCHEMAS.has(schema);
}

/** `{security_invoker=on}` → true; views without the option run as their owner. */
function securityInvoker(options: unknown): boolean {
  return list(options).some((option) => /^security_invoker=(on|true|1|yes)$/i.test(text(option)));
}

function toObject(kind: string, row: Row): InventoryObject {
  switch (kind) {
    case 'schemas': {
      const name = text(row.name);
      return { object_type: 'schema', schema_name: null, name, identity: name, attributes: { owner: row.owner, grants: row.grants, managed: managed(name) } };
    }
    case 'relations': {
      const schema = text(row.schema);
      const type = text(row.type) as InventoryObjectType;
      const attributes: Row = { owner: row.owner, managed: managed(schema), from_extension: row.from_extension, grants: row.grants };
      if (type === 'table') {
        Object.assign(attributes, {
          partitioned: row.relkind === 'p',
          is_partition: row.is_partition,
          row_estimate: Number(row.row_estimate ?? 0),
          rls_enabled: row.rls_enabled,
          rls_forced: row.rls_forced,
          primary_key: row.primary_key ?? null,
          columns: row.columns ?? [],
          foreign_keys: row.foreign_keys ?? [],
        });
      } else if (type === 'view' || type === 'materialized_view') {
        Object.assign(attributes, { security_invoker: type === 'view' ? securityInvoker(row.options) : null, columns: row.columns ?? [] });
      } else if (type === 'foreign_table') {
        Object.assign(attributes, { columns: row.columns ?? [] });
      }
      return { object_type: type, schema_name: schema, name: text(row.name), identity: dotted(schema, text(row.name)), attributes };
    }
    case 'functions': {
      const schema = text(row.schema);
      const name = text(row.name);
      return {
        object_type: 'function',
        schema_name: schema,
        name,
        identity: `${dotted(schema, name)}(${text(row.arguments)})`,
        attributes: {
          kind: row.kind,
          arguments: row.arguments,
          language: row.language,
          security_definer: row.security_definer,
          search_path: row.search_path ?? null,
          volatility: row.volatility,
          returns: row.returns,
          owner: row.owner,
          execute: Object.entries((row.grants ?? {}) as Record<string, string[]>)
            .filter(([, privileges]) => privileges.includes('EXECUTE'))
            .map(([grantee]) => grantee)
            .sort(),
          managed: managed(schema),
          from_extension: row.from_extension,
        },
      };
    }
    case 'triggers': {
      const schema = text(row.schema);
      return {
        object_type: 'trigger',
        schema_name: schema,
        name: text(row.name),
        identity: dotted(schema, text(row.table_name), text(row.name)),
        attributes: { table: dotted(schema, text(row.table_name)), function: row.function, timing: row.timing, events: row.events, level: row.level, enabled: row.enabled, managed: managed(schema) },
      };
    }
    case 'policies': {
      const schema = text(row.schema);
      return {
        object_type: 'policy',
        schema_name: schema,
        name: text(row.name),
        identity: dotted(schema, text(row.table_name), text(row.name)),
        attributes: {
          table: dotted(schema, text(row.table_name)),
          command: row.command,
          permissive: row.permissive,
          roles: row.roles,
          using: row.using_expression ?? null,
          with_check: row.check_expression ?? null,
          managed: managed(schema),
        },
      };
    }
    case 'indexes': {
      const schema = text(row.schema);
      return {
        object_type: 'index',
        schema_name: schema,
        name: text(row.name),
        identity: dotted(schema, text(row.name)),
        attributes: { table: dotted(schema, text(row.table_name)), unique: row.is_unique, primary: row.is_primary, valid: row.is_valid, definition: row.definition, managed: managed(schema) },
      };
    }
    case 'extensions': {
      const name = text(row.name);
      const version = text(row.version);
      const defaultVersion = row.default_version === null || row.default_version === undefined ? null : text(row.default_version);
      return {
        object_type: 'extension',
        schema_name: text(row.schema),
        name,
        identity: name,
        attributes: { version, default_version: defaultVersion, outdated: defaultVersion !== null && defaultVersion !== version, relocatable: row.relocatable },
      };
    }
    case 'roles': {
      const name = text(row.name);
      return {
        object_type: 'role',
        schema_name: null,
        name,
        identity: name,
        attributes: {
          superuser: row.superuser,
          can_login: row.can_login,
          bypass_rls: row.bypass_rls,
          inherit: row.inherit,
          create_role: row.create_role,
          create_db: row.create_db,
          member_of: row.member_of,
        },
      };
    }
    default:
      throw new Error(`no mapping for catalog kind ${kind}`);
  }
}

async function readKind(db: Queryable, query: CatalogQuery, pageSize: number, emit: (object: InventoryObject) => void, onProgress?: CatalogInventoryOptions['onProgress']): Promise<void> {
  let after = 0;
  let read = 0;
  for (;;) {
    const { rows } = await db.query<Row>(query.sql, [after, pageSize]);
    for (const row of rows) emit(toObject(query.kind, row));
    read += rows.length;
    onProgress?.({ kind: query.kind, read });
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]?.key ?? 0);
  }
}

/**
 * The catalog of a live or shadow database, kind by kind and page by page. A kind the role may
 * not read (permission denied on a catalog) is listed in `unreadable` and the scan goes on.
 */
export async function scanCatalog(db: Queryable, options: CatalogInventoryOptions = {}): Promise<CatalogInventory> {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
  const objects: InventoryObject[] = [];
  const unreadable: UnreadableKind[] = [];
  const counts: CatalogInventory['counts'] = {};
  const emit = (object: InventoryObject) => {
    objects.push(object);
    counts[object.object_type] = (counts[object.object_type] ?? 0) + 1;
  };
  for (const query of CATALOG_QUERIES) {
    const before = objects.length;
    try {
      await readKind(db, query, pageSize, emit, options.onProgress);
    } catch (error) {
      // What was read of this kind before the failure would be a partial picture: drop it, say why.
      for (const object of objects.splice(before)) counts[object.object_type] = (counts[object.object_type] ?? 1) - 1;
      unreadable.push({ kind: query.kind, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  let columnCount = 0;
  for (const object of objects) {
    const columns = object.attributes.columns;
    if (object.object_type === 'table' && Array.isArray(columns)) columnCount += columns.length;
  }
  return { objects, unreadable, counts, columnCount };
}
