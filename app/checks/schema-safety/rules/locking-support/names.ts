import { scanSync } from 'libpg-query';
import { stringValue } from '../../sql/ast.js';
import type { RangeVar } from '../../sql/ast.js';

/** Relations without a schema resolve through the default search_path, i.e. to `public`. */
export const DEFAULT_SCHEMA = 'public';

/** `schema.name` with the default schema filled in, so `foo` and `public.foo` name the same table. */
export function relationKey(schema: string | undefined, name: string): string {
  return `${schema || DEFAULT_SCHEMA}.${name}`;
}

export function rangeVarKey(rangeVar: RangeVar | undefined): string | undefined {
  if (!rangeVar?.relname) return undefined;
  return relationKey(rangeVar.schemaname, rangeVar.relname);
}

/** A key from a qualified name given as String nodes (`DROP INDEX s.i`, `ALTER DOMAIN d`). */
export function namesKey(names: unknown): string | undefined {
  if (!Array.isArray(names) || names.length === 0) return undefined;
  const parts = names.map((name) => stringValue(name) ?? '');
  const name = parts[parts.length - 1];
  if (!name) return undefined;
  return relationKey(parts.length > 1 ? parts[parts.length - 2] : undefined, name);
}

const SIMPLE_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;
/** libpg-query keyword kinds: 0 none, 1 unreserved, 2 column name; 3 and 4 cannot name a table unquoted. */
const MAX_BARE_KEYWORD_KIND = 2;

/** An identifier as SQL text: bare when Postgres would read it back unchanged, double-quoted otherwise. */
export function quoteIdent(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    const token = SIMPLE_IDENTIFIER.test(name) ? scanSync(name).tokens[0] : undefined;
    quoted = token && token.keywordKind <= MAX_BARE_KEYWORD_KIND ? name : `"${name.replaceAll('"', '""')}"`;
    if (quotedNames.size > 5000) quotedNames.clear();
    quotedNames.set(name, quoted);
  }
  return quoted;
}

const quotedNames = new Map<string, string>();

/** `schema.table` as SQL text, keeping the schema only when the statement named one. */
export function qualifiedName(rangeVar: RangeVar): string {
  const name = quoteIdent(rangeVar.relname ?? '');
  return rangeVar.schemaname ? `${quoteIdent(rangeVar.schemaname)}.${name}` : name;
}

/** What a message calls a table: `public.orders` when a schema was written, `orders` otherwise. */
export function displayName(rangeVar: RangeVar | undefined): string {
  if (!rangeVar?.relname) return 'the table';
  return rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : rangeVar.relname;
}

const NAMEDATALEN = 63;

/** A constraint name the way Postgres builds one (`orders_user_id_fkey`), cut to the 63-byte limit. */
export function constraintName(table: string, columns: string[], label: string): string {
  const middle = columns.length > 0 ? `_${columns.join('_')}` : '';
  const suffix = `_${label}`;
  const budget = NAMEDATALEN - suffix.length;
  return `${`${table}${middle}`.slice(0, budget)}${suffix}`;
}

/** Lower-case slug for a file name: `create index concurrently orders_user_idx` → `create_index_concurrently_orders_user_idx`. */
export function slug(text: string, maxLength = 60): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, maxLength)
    .replace(/_+$/, '');
}
