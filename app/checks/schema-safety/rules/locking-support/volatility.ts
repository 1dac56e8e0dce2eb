import { stringValue, typeNameOf, walk } from '../../sql/ast.js';
import type { TypeNameNode } from '../../sql/ast.js';
import { NON_VOLATILE_BUILTINS, VOLATILE_BUILTINS } from './pg-functions.js';

/** Functions of the extensions and schemas every Supabase project has, by their volatility. */
const KNOWN_FUNCTIONS: Record<string, 'volatile' | 'stable'> = {
  // uuid-ossp
  uuid_generate_v1: 'volatile',
  uuid_generate_v1mc: 'volatile',
  uuid_generate_v3: 'stable',
  uuid_generate_v4: 'volatile',
  uuid_generate_v5: 'stable',
  uuid_nil: 'stable',
  uuid_ns_dns: 'stable',
  uuid_ns_oid: 'stable',
  uuid_ns_url: 'stable',
  uuid_ns_x500: 'stable',
  // pgcrypto
  gen_random_bytes: 'volatile',
  gen_salt: 'volatile',
  crypt: 'stable',
  digest: 'stable',
  hmac: 'stable',
  // Supabase auth helpers (STABLE SQL functions)
  'auth.uid': 'stable',
  'auth.role': 'stable',
  'auth.jwt': 'stable',
  'auth.email': 'stable',
};

/** Schemas whose functions are built-ins or the extensions above. */
const EXTENSION_SCHEMAS = new Set(['pg_catalog', 'extensions', 'public']);

export type Volatility = 'constant' | 'stable' | 'volatile' | 'unknown';

export interface VolatilityVerdict {
  volatility: Volatility;
  /** The call that decided it (`random()`), for messages. */
  culprit?: string;
  /** Byte offset of that call in the file. */
  location?: number;
}

const rank: Record<Volatility, number> = { constant: 0, stable: 1, unknown: 2, volatile: 3 };

function functionVolatility(names: string[]): Volatility {
  const name = names[names.length - 1] ?? '';
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  const qualified = schema ? `${schema}.${name}` : name;
  const known = KNOWN_FUNCTIONS[qualified] ?? (schema === undefined || EXTENSION_SCHEMAS.has(schema) ? KNOWN_FUNCTIONS[name] : undefined);
  if (known) return known;
  if (schema !== undefined && schema !== 'pg_catalog') return 'unknown';
  if (VOLATILE_BUILTINS.has(name)) return 'volatile';
  if (NON_VOLATILE_BUILTINS.has(name)) return 'stable';
  return 'unknown';
}

/**
 * How a default expression behaves when `ADD COLUMN` fills existing rows. From Postgres 11 a
 * non-volatile default is evaluated once and stored in the catalog; a volatile one (random(),
 * gen_random_uuid(), nextval()) is evaluated per row, which rewrites the table.
 */
export function expressionVolatility(expression: unknown): VolatilityVerdict {
  let verdict: VolatilityVerdict = { volatility: 'constant' };
  const raise = (candidate: VolatilityVerdict): void => {
    if (rank[candidate.volatility] > rank[verdict.volatility]) verdict = candidate;
  };
  walk(expression, (kind, body) => {
    if (kind === 'FuncCall') {
      const names = ((body.funcname as unknown[] | undefined) ?? []).map((name) => (stringValue(name) ?? '').toLowerCase());
      raise({ volatility: functionVolatility(names), culprit: `${names.join('.')}()`, location: body.location as number | undefined });
    } else if (kind === 'SQLValueFunction' || kind === 'ColumnRef' || kind === 'ParamRef') {
      // CURRENT_TIMESTAMP, CURRENT_USER, ...: stable, fixed for the statement.
      raise({ volatility: 'stable' });
    } else if (kind === 'SubLink') {
      raise({ volatility: 'unknown', culprit: 'a subquery', location: body.location as number | undefined });
    }
  });
  return verdict;
}

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** `serial` columns get `DEFAULT nextval(...)`: volatile. */
export function isSerialType(typeName: TypeNameNode | undefined): boolean {
  return SERIAL_TYPES.has(typeNameOf(typeName));
}
