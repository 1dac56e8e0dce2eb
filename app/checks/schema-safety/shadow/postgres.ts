/**
 * The shadow database on a Postgres server (`SHADOW_DATABASE_URL`): the Supabase base is installed
 * once in a template database whose name carries a hash of the base SQL, and each run gets its own
 * `CREATE DATABASE pk_shadow_run_... TEMPLATE ...`, dropped when it closes.
 *
 * The server's user must be able to create roles and databases (a superuser, as on a CI service or
 * a local Supabase stack). Roles are cluster-wide: the base creates them only when missing and never
 * with LOGIN.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { SUPABASE_BASE_SQL, SUPABASE_ROLES_SQL, sessionSql } from './supabase-base.js';
import {
  ShadowDatabaseClosedError,
  ShadowSqlError,
  UnavailableExtensionError,
  toShadowSqlError,
  type ShadowDatabase,
  type ShadowDatabaseFactory,
} from './types.js';

export const DEFAULT_SHADOW_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Run databases older than this are left over from a crashed process and dropped on sight. */
const STALE_AFTER_SECONDS = 6 * 60 * 60;
const TEMPLATE_FORMAT = 1;
/** One advisory lock for every template build, so that concurrent runs never race on roles or names. */
const TEMPLATE_LOCK_KEY = 7_361_204_518;
const RUN_PREFIX = 'pk_shadow_run_';
/** The server's own statement_timeout fires first; the outside cancel only catches a session that turned it off. */
const CANCEL_GRACE_MS = 500;

export interface PostgresShadowOptions {
  /** Default: SHADOW_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres. */
  url?: string;
  /** Set as statement_timeout on every connection. Default 30 s. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export interface PostgresShadowDatabase extends ShadowDatabase {
  readonly kind: 'postgres';
  readonly databaseName: string;
  readonly lastNotices: readonly string[];
}

export interface PostgresShadowFactory extends ShadowDatabaseFactory {
  readonly kind: 'postgres';
  create(): Promise<PostgresShadowDatabase>;
  readonly templateName: string;
  /** The server URL without its password. */
  readonly displayUrl: string;
  /** Names of the run databases this factory created and has not dropped yet. */
  openDatabases(): string[];
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** pg-types' typings describe arrayParser as a function; at run time it is `{ create(source, transform) }`. */
const arrayParser = pg.types.arrayParser as unknown as { create(source: string, transform: (value: string) => unknown): { parse(): unknown[] } };

/** Values come back as PGlite returns them, so lints read the same shapes from both adapters. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    const toNumber = (value: string) => {
      const number = Number(value);
      return Number.isSafeInteger(number) ? number : value;
    };
    const array = (transform: (value: string) => unknown) => (value: string) => arrayParser.create(value, transform).parse();
    switch (oid) {
      case 20:
        return toNumber;
      case 1016:
        return array(toNumber);
      case 1002:
      case 1003:
      case 1034:
        return array((value) => value);
      case 1028:
        return array((value) => Number(value));
      default:
        return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
    }
  },
};

function connectionError(url: string, error: unknown): ShadowSqlError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ShadowSqlError(`cannot connect to the shadow database server at ${redact(url)}: ${reason || 'connection refused'}`, {
    code: (error as { code?: string }).code,
  });
}

async function connect(url: string, connectTimeoutMs: number): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, types: typeParsers });
  // A server that goes away mid-run reports through the pending query; this keeps the event from crashing the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionError(url, error);
  }
  return client;
}

/** True when a server answers at the URL (tests skip themselves locally when it does not). */
export async function isPostgresServerReachable(url = process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_DATABASE_URL, timeoutMs = 3000): Promise<boolean> {
  try {
    const client = await connect(url, timeoutMs);
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export function createPostgresShadowFactory(options: PostgresShadowOptions = {}): PostgresShadowFactory {
  const url = options.url ?? process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_DATABASE_URL;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const templateName = `pk_shadow_tpl_${createHash('sha256').update(`${TEMPLATE_FORMAT}\n${SUPABASE_BASE_SQL}`).digest('hex').slice(0, 12)}`;
  const open = new Map<string, PgShadowDatabase>();
  let admin: Promise<pg.Client> | undefined;
  let templateReady: Promise<void> | undefined;

  const adminClient = () => {
    admin ??= connect(url, connectTimeoutMs).catch((error: unknown) => {
      admin = undefined;
      throw error;
    });
    return admin;
  };

  async function dropStaleRuns(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_catalog.pg_database where datname like $1', [`${RUN_PREFIX}%`]);
    const now = Math.floor(Date.now() / 1000);
    for (const { datname } of rows) {
      const created = Number(/^pk_shadow_run_(\d+)_/.exec(datname)?.[1]);
      if (Number.isFinite(created) && now - created > STALE_AFTER_SECONDS && !open.has(datname)) {
        await client.query(`drop database if exists ${quoteIdent(datname)} with (force)`).catch(() => undefined);
      }
    }
  }

  async function buildTemplate(): Promise<void> {
    const client = await adminClient();
    await client.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      await client.query(SUPABASE_ROLES_SQL);
      await dropStaleRuns(client);
      const exists = await client.query('select 1 from pg_catalog.pg_database where datname = $1', [templateName]);
      if (exists.rowCount) return;
      // Built under another name and renamed when complete: a crash never leaves a half-built template.
      const building = `${templateName}_build`;
      await client.query(`drop database if exists ${quoteIdent(building)} with (force)`);
      await client.query(`create database ${quoteIdent(building)} template template0`);
      const target = await connect(withDatabase(url, building), connectTimeoutMs);
      try {
        await target.query(SUPABASE_BASE_SQL);
      } catch (error) {
        throw new ShadowSqlError(`installing the Supabase base on ${redact(url)} failed: ${toShadowSqlError(error).message}`, toShadowSqlError(error));
      } finally {
        await target.end().catch(() => undefined);
      }
      await client.query(`alter database ${quoteIdent(building)} rename to ${quoteIdent(templateName)}`);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]).catch(() => undefined);
    }
  }

  async function drop(name: string): Promise<void> {
    open.delete(name);
    const client = await adminClient();
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  }

  async function create(): Promise<PostgresShadowDatabase> {
    templateReady ??= buildTemplate().catch((error: unknown) => {
      templateReady = undefined;
      throw error;
    });
    await templateReady;
    const client = await adminClient();
    const name = `${RUN_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(5).toString('hex')}`;
    await client.query(`create database ${quoteIdent(name)} template ${quoteIdent(templateName)}`);
    let connection: pg.Client;
    let pid: number;
    try {
      connection = await connect(withDatabase(url, name), connectTimeoutMs);
      await connection.query(sessionSql(statementTimeoutMs));
      pid = (await connection.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    } catch (error) {
      await drop(name).catch(() => undefined);
      throw error;
    }
    const cancel = async () => {
      await (await adminClient()).query('select pg_cancel_backend($1)', [pid]);
    };
    const database = new PgShadowDatabase(connection, name, statementTimeoutMs, () => drop(name), cancel);
    open.set(name, database);
    return database;
  }

  return {
    kind: 'postgres',
    templateName,
    displayUrl: redact(url),
    create,
    openDatabases: () => [...open.keys()],
    async dispose() {
      await Promise.all([...open.values()].map((database) => database.close().catch(() => undefined)));
      const client = admin ? await admin.catch(() => undefined) : undefined;
      admin = undefined;
      templateReady = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}

class PgShadowDatabase implements PostgresShadowDatabase {
  readonly kind = 'postgres' as const;
  readonly unavailableExtensions = new Set<string>();
  lastNotices: readonly string[] = [];
  private pendingNotices: string[] = [];
  private closed: Promise<void> | undefined;
  private available: Promise<ReadonlySet<string>> | undefined;

  constructor(
    private readonly client: pg.Client,
    readonly databaseName: string,
    readonly statementTimeoutMs: number,
    private readonly dropDatabase: () => Promise<void>,
    private readonly cancel: () => Promise<void>,
  ) {
    client.on('notice', (notice) => {
      if (notice.message) this.pendingNotices.push(notice.message);
    });
  }

  private async run<T>(sql: string, params?: unknown[]): Promise<T[]> {
    if (this.closed) throw new ShadowDatabaseClosedError('the shadow database is closed');
    this.pendingNotices = [];
    // statement_timeout is set on the session, but a migration may change it (pg_dump output starts
    // with `SET statement_timeout = 0`): past the limit, the statement is cancelled from outside.
    let cancelled = false;
    const backstop = setTimeout(() => {
      cancelled = true;
      void this.cancel().catch(() => undefined);
    }, this.statementTimeoutMs + CANCEL_GRACE_MS);
    try {
      const result = await this.client.query(sql, params);
      // A multi-statement exec yields one result per statement.
      const rows = Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows;
      return rows as T[];
    } catch (caught) {
      const error = toShadowSqlError(caught);
      if (error instanceof UnavailableExtensionError) this.unavailableExtensions.add(error.extension);
      if (cancelled && error.code === '57014') {
        throw new ShadowSqlError('canceling statement due to statement timeout', { code: '57014', timedOut: true, where: error.where });
      }
      throw error;
    } finally {
      clearTimeout(backstop);
      this.lastNotices = this.pendingNotices;
    }
  }

  async exec(sql: string): Promise<void> {
    await this.run(sql);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    return { rows: await this.run<T>(sql, params) };
  }

  availableExtensions(): Promise<ReadonlySet<string>> {
    this.available ??= this.query<{ name: string }>('select name from pg_catalog.pg_available_extensions').then(
      ({ rows }) => new Set(rows.map((row) => row.name.toLowerCase())),
    );
    return this.available;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.client.end().catch(() => undefined);
      await this.dropDatabase();
    })();
    return this.closed;
  }
}
