/**
 * Shadow databases: a throw-away Postgres with Supabase's base installed, where a branch's
 * migrations are applied so the catalog lints can look at the schema that results.
 */

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export type ShadowDatabaseKind = 'pglite' | 'postgres';

export interface ShadowDatabase extends Queryable {
  readonly kind: ShadowDatabaseKind;
  /** Milliseconds any one call may run before it is stopped with a statement-timeout error. */
  readonly statementTimeoutMs: number;
  /**
   * Extensions a statement asked for that this database cannot load (`CREATE EXTENSION postgis`),
   * recorded when `exec` threw an {@link UnavailableExtensionError} for them.
   */
  readonly unavailableExtensions: ReadonlySet<string>;
  /** Runs a script (several statements) with the statement timeout; throws ShadowSqlError with Postgres' message and position. */
  exec(sql: string): Promise<void>;
  /** Notices Postgres sent during the last exec or query (`relation already exists, skipping`, ...). */
  readonly lastNotices?: readonly string[];
  /** Extensions this database can create (`pg_available_extensions`), lower case. */
  availableExtensions(): Promise<ReadonlySet<string>>;
  /** Bytes the database's process or thread uses, as of its last answer, where the kind can tell (PGlite). */
  readonly memoryBytes?: number;
  /** Stops the database at once, abandoning a running statement; calls reject with `reason`. Default: close(). */
  terminate?(reason: string): void;
  close(): Promise<void>;
}

export interface ShadowCreateOptions {
  /**
   * Extensions the migrations will create. PGlite loads extension code per instance, so naming them
   * keeps start-up short; without it every extension PGlite ships is loaded. Ignored by a server.
   */
  extensions?: readonly string[];
}

export interface ShadowDatabaseFactory {
  readonly kind: ShadowDatabaseKind;
  /** A fresh database with the Supabase base installed. */
  create(options?: ShadowCreateOptions): Promise<ShadowDatabase>;
  /** Closes what the factory still holds (databases not closed yet, admin connections). */
  dispose(): Promise<void>;
}

export interface ShadowSqlErrorFields {
  /** SQLSTATE, e.g. `42P01` (undefined table), `57014` (statement timeout). */
  code?: string;
  /** 1-based character position in the SQL text that was sent, as Postgres reports it. */
  position?: number;
  detail?: string;
  hint?: string;
  /** Context (`PL/pgSQL function ... line 3`), for errors raised inside functions and DO blocks. */
  where?: string;
  internalPosition?: number;
  internalQuery?: string;
  /** The call ran past the statement timeout. */
  timedOut?: boolean;
}

/** An error Postgres reported for SQL run on a shadow database. */
export class ShadowSqlError extends Error implements ShadowSqlErrorFields {
  readonly code?: string;
  readonly position?: number;
  readonly detail?: string;
  readonly hint?: string;
  readonly where?: string;
  readonly internalPosition?: number;
  readonly internalQuery?: string;
  readonly timedOut: boolean;

  constructor(message: string, fields: ShadowSqlErrorFields = {}) {
    super(message);
    this.name = 'ShadowSqlError';
    this.code = fields.code;
    this.position = fields.position;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.where = fields.where;
    this.internalPosition = fields.internalPosition;
    this.internalQuery = fields.internalQuery;
    this.timedOut = fields.timedOut ?? false;
  }
}

/** A statement needs an extension the shadow database cannot load (PGlite ships no PostGIS, pgvector, pg_cron, ...). */
export class UnavailableExtensionError extends ShadowSqlError {
  constructor(
    readonly extension: string,
    message: string,
    fields: ShadowSqlErrorFields = {},
  ) {
    super(message, fields);
    this.name = 'UnavailableExtensionError';
  }
}

/** The database is gone: closed, or stopped after a statement timeout (PGlite cannot cancel a running statement). */
export class ShadowDatabaseClosedError extends ShadowSqlError {
  constructor(message: string) {
    super(message, { code: '08003' });
    this.name = 'ShadowDatabaseClosedError';
  }
}

const UNAVAILABLE_EXTENSION = /extension "([^"]+)" is not available|could not open extension control file "[^"]*\/([^/"]+)\.control"/;

/** Recognises Postgres' "extension is not available" errors and returns the extension's name. */
export function unavailableExtensionIn(message: string): string | undefined {
  const match = UNAVAILABLE_EXTENSION.exec(message);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Builds the typed error from the fields a driver (pg, PGlite) reports. */
export function toShadowSqlError(error: unknown, extra: ShadowSqlErrorFields = {}): ShadowSqlError {
  if (error instanceof ShadowSqlError) return error;
  const source = (error ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof source[key] === 'string' && source[key] !== '' ? (source[key] as string) : undefined);
  const integer = (key: string) => {
    const value = source[key];
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  const message = error instanceof Error ? error.message : (text('message') ?? String(error));
  const fields: ShadowSqlErrorFields = {
    code: text('code'),
    position: integer('position'),
    detail: text('detail'),
    hint: text('hint'),
    where: text('where'),
    internalPosition: integer('internalPosition'),
    internalQuery: text('internalQuery'),
    timedOut: text('code') === '57014' && /statement timeout/i.test(message),
    ...extra,
  };
  const extension = unavailableExtensionIn(message) ?? (fields.detail ? unavailableExtensionIn(fields.detail) : undefined);
  if (extension && (fields.code === '0A000' || fields.code === '58P01')) return new UnavailableExtensionError(extension, message, fields);
  return new ShadowSqlError(message, fields);
}

/** The part of a catalog lint result the shadow run needs (the full shape lives in lints/types.ts). */
export interface ShadowLintResult {
  name: string;
  cache_key: string;
  metadata?: { schema?: string; name?: string; type?: string; [key: string]: unknown } | null;
}
