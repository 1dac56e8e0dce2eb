/**
 * The embedded shadow database: PGlite (Postgres compiled to WebAssembly), one worker thread per
 * database (see pglite-worker.ts for why), started from a prebuilt snapshot of the Supabase base.
 *
 * The first create() in a process runs initdb, installs the base and dumps the data directory;
 * that dump is kept in memory and written to `<tmpdir>/platform-kit-shadow-<key>.tar.gz`, so later
 * databases, in this process or the next one, load it instead of running initdb (about 0.7 s
 * instead of 4-5 s). The key hashes the base SQL, PGlite's version and the base extensions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { PGLITE_WORKER_SOURCE, type PgliteErrorPayload, type PgliteRequest, type PgliteRequestBody, type PgliteResponse, type PgliteWorkerData } from './pglite-worker.js';
import { BASE_EXTENSIONS, SUPABASE_BASE_SQL, SUPABASE_SEARCH_PATH } from './supabase-base.js';
import {
  ShadowDatabaseClosedError,
  ShadowSqlError,
  UnavailableExtensionError,
  toShadowSqlError,
  type ShadowCreateOptions,
  type ShadowDatabase,
  type ShadowDatabaseFactory,
} from './types.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_START_TIMEOUT_MS = 120_000;
const CLOSE_TIMEOUT_MS = 10_000;
/** Bumped when the way the snapshot is built changes without the base SQL changing. */
const SNAPSHOT_FORMAT = 1;

export type PgliteStart = 'initdb' | 'snapshot-memory' | 'snapshot-disk';

export interface PgliteShadowOptions {
  /** Per call; a call that runs longer stops the database (PGlite cannot cancel a statement). Default 30 s. */
  statementTimeoutMs?: number;
  /** Where the snapshot is cached between processes; `null` keeps it in memory only. Default: os.tmpdir(). */
  snapshotDir?: string | null;
  /** PGlite's `dist` folder, for bundles that ship it. Default: PLATFORM_KIT_PGLITE_DIR, `./pglite` beside this module, node_modules. */
  pgliteDir?: string;
  /** Limit for starting one database (initdb or snapshot load). Default 120 s. */
  startTimeoutMs?: number;
}

export interface PgliteShadowDatabase extends ShadowDatabase {
  readonly kind: 'pglite';
  /** How this database started: built from initdb (and snapshotted), or loaded from the cached snapshot. */
  readonly startedFrom: PgliteStart;
  /** Milliseconds from worker start to a ready database. */
  readonly startMs: number;
  /** Extensions whose code this instance loaded (SQL names). */
  readonly loadedExtensions: readonly string[];
  /** Notices Postgres sent during the last exec or query. */
  readonly lastNotices: readonly string[];
}

export interface PgliteShadowFactory extends ShadowDatabaseFactory {
  readonly kind: 'pglite';
  create(options?: ShadowCreateOptions): Promise<PgliteShadowDatabase>;
  /** Hash of the base SQL, PGlite's version and the base extensions. */
  readonly snapshotKey: string;
  /** The on-disk snapshot (which may not exist yet), or undefined when disk caching is off. */
  readonly snapshotPath: string | undefined;
  readonly pgliteVersion: string;
  /** Extensions this PGlite build can load (SQL names). */
  readonly shippedExtensions: readonly string[];
}

interface PgliteDist {
  dir: string;
  version: string;
  /** SQL name → contrib module export name and file. */
  contrib: Map<string, { key: string; url: string }>;
}

/** Contrib modules whose SQL name differs from the module's export name. */
const SQL_NAME_OF_CONTRIB: Record<string, string> = { uuid_ossp: 'uuid-ossp' };
/** Loaded with the extension that needs them (CREATE EXTENSION ... CASCADE). */
const CONTRIB_DEPENDENCIES: Record<string, string[]> = { earthdistance: ['cube'] };
/** Modules in contrib/ that are not extensions (loaded with LOAD, not CREATE EXTENSION). */
const NOT_EXTENSIONS = new Set(['auto_explain']);

/**
 * PGlite's `dist` folder: given, named by PLATFORM_KIT_PGLITE_DIR, shipped as `pglite/` next to this
 * module (a bundled Action copies it there), or resolved from node_modules.
 */
function pgliteDistDir(pgliteDir?: string): string {
  const explicit = pgliteDir ?? process.env.PLATFORM_KIT_PGLITE_DIR;
  if (explicit) return explicit;
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'pglite');
  if (existsSync(join(beside, 'index.js')) && existsSync(join(beside, 'pglite.wasm'))) return beside;
  try {
    return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  } catch (error) {
    throw new Error(
      `cannot find PGlite (@electric-sql/pglite) for the shadow database: install it, or set PLATFORM_KIT_PGLITE_DIR to its dist folder (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function locatePglite(pgliteDir?: string): PgliteDist {
  const dir = pgliteDistDir(pgliteDir);
  let version = 'unknown';
  try {
    const manifest = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as { version?: string };
    version = manifest.version ?? version;
  } catch {
    // A bundle may ship dist/ without package.json: the snapshot key then relies on the files below.
    version = `size-${readFileSync(join(dir, 'pglite.wasm')).byteLength}`;
  }
  const contrib = new Map<string, { key: string; url: string }>();
  for (const file of readdirSync(join(dir, 'contrib'))) {
    if (!file.endsWith('.js')) continue;
    const key = file.slice(0, -3);
    if (NOT_EXTENSIONS.has(key)) continue;
    contrib.set(SQL_NAME_OF_CONTRIB[key] ?? key, { key, url: pathToFileURL(join(dir, 'contrib', file)).href });
  }
  return { dir, version, contrib };
}

/** One compiled module per process: workers receive it instead of compiling pglite.wasm again. */
const compiledWasm = new Map<string, Promise<unknown>>();
/** The lib settings leave out the DOM typings that declare WebAssembly; this is the one call used. */
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;
function compilePglite(dir: string): Promise<unknown> {
  let compiled = compiledWasm.get(dir);
  if (!compiled) {
    compiled = readFile(join(dir, 'pglite.wasm'))
      .then((bytes) => wasm.compile(bytes))
      // PGlite compiles it itself when handed nothing.
      .catch(() => undefined);
    compiledWasm.set(dir, compiled);
  }
  return compiled;
}

/** Snapshots by key, shared by every factory in the process. */
const snapshots = new Map<string, Promise<Uint8Array>>();

/** Forgets the in-memory snapshots (tests use it to exercise the on-disk cache). */
export function clearPgliteSnapshotMemory(): void {
  snapshots.clear();
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The builder reports its own failure; waiters see it through their own await.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** The snapshot file as a plain tarball (PGlite unpacks an uncompressed one faster, and it is kept in memory). */
async function readSnapshot(path: string): Promise<Uint8Array | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return new Uint8Array(await gunzipAsync(bytes));
  } catch {
    // Not gzip: PGlite will say whether it is a usable tarball.
    return new Uint8Array(bytes);
  }
}

/** Written under a temporary name first, so a reader never sees half a file. */
async function writeSnapshot(path: string, tar: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, await gzipAsync(tar));
    await rename(temporary, path);
  } catch {
    // The disk copy only saves the next process an initdb; failing to write it changes no result.
    await unlink(temporary).catch(() => undefined);
  }
}

export function createPgliteShadowFactory(options: PgliteShadowOptions = {}): PgliteShadowFactory {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const dist = locatePglite(options.pgliteDir);
  const snapshotKey = createHash('sha256')
    .update(JSON.stringify({ format: SNAPSHOT_FORMAT, pglite: dist.version, base: SUPABASE_BASE_SQL, extensions: BASE_EXTENSIONS }))
    .digest('hex')
    .slice(0, 16);
  const snapshotDir = options.snapshotDir === undefined ? tmpdir() : options.snapshotDir;
  const snapshotPath = snapshotDir === null ? undefined : join(snapshotDir, `platform-kit-shadow-${snapshotKey}.tar.gz`);
  const open = new Set<PgliteWorkerDatabase>();
  const shippedExtensions = [...dist.contrib.keys()].sort();

  function extensionsFor(requested: readonly string[] | undefined): string[] {
    const wanted = new Set<string>(BASE_EXTENSIONS);
    for (const name of requested ?? shippedExtensions) {
      const lower = name.toLowerCase();
      wanted.add(lower);
      for (const dependency of CONTRIB_DEPENDENCIES[lower] ?? []) wanted.add(dependency);
    }
    return [...wanted].filter((name) => dist.contrib.has(name)).sort();
  }

  async function start(extensions: string[], startedFrom: PgliteStart, source: { snapshot?: Uint8Array; build?: boolean }) {
    const data: PgliteWorkerData = {
      pgliteUrl: pathToFileURL(join(dist.dir, 'index.js')).href,
      extensions: extensions.map((name) => dist.contrib.get(name)!),
      snapshot: source.snapshot,
      buildSql: source.build ? SUPABASE_BASE_SQL : undefined,
      sessionSql: `set search_path to ${SUPABASE_SEARCH_PATH};`,
      wasmModule: await compilePglite(dist.dir),
    };
    const { database, snapshot } = await PgliteWorkerDatabase.start(data, {
      statementTimeoutMs,
      startTimeoutMs,
      startedFrom,
      extensions,
      onClose: (closed) => open.delete(closed),
    });
    open.add(database);
    return { database, snapshot };
  }

  async function create(createOptions?: ShadowCreateOptions): Promise<PgliteShadowDatabase> {
    const extensions = extensionsFor(createOptions?.extensions);
    const cached = snapshots.get(snapshotKey);
    if (cached) {
      const snapshot = await cached.catch(() => undefined);
      if (snapshot) return (await start(extensions, 'snapshot-memory', { snapshot })).database;
      // The build another create() was waiting for failed: this one builds again.
    }
    const pending = deferred<Uint8Array>();
    snapshots.set(snapshotKey, pending.promise);
    try {
      const fromDisk = snapshotPath ? await readSnapshot(snapshotPath) : undefined;
      if (fromDisk) {
        try {
          const { database } = await start(extensions, 'snapshot-disk', { snapshot: fromDisk });
          pending.resolve(fromDisk);
          return database;
        } catch {
          // A truncated or foreign file: drop it and build a fresh one below.
          if (snapshotPath) await unlink(snapshotPath).catch(() => undefined);
        }
      }
      const { database, snapshot } = await start(extensions, 'initdb', { build: true });
      if (!snapshot) throw new Error('PGlite returned no data directory dump after installing the Supabase base');
      pending.resolve(snapshot);
      if (snapshotPath) await writeSnapshot(snapshotPath, snapshot);
      return database;
    } catch (error) {
      if (snapshots.get(snapshotKey) === pending.promise) snapshots.delete(snapshotKey);
      pending.reject(error);
      throw error;
    }
  }

  return {
    kind: 'pglite',
    snapshotKey,
    snapshotPath,
    pgliteVersion: dist.version,
    shippedExtensions,
    create,
    async dispose() {
      await Promise.all([...open].map((database) => database.close()));
    },
  };
}

interface WorkerDatabaseOptions {
  statementTimeoutMs: number;
  startTimeoutMs: number;
  startedFrom: PgliteStart;
  extensions: string[];
  onClose: (database: PgliteWorkerDatabase) => void;
}

interface PendingCall {
  resolve: (response: Extract<PgliteResponse, { ok: boolean }>) => void;
  reject: (error: ShadowSqlError) => void;
  timer: NodeJS.Timeout;
}

function errorFromPayload(payload: PgliteErrorPayload): ShadowSqlError {
  return toShadowSqlError(Object.assign(new Error(payload.message), payload));
}

class PgliteWorkerDatabase implements PgliteShadowDatabase {
  readonly kind = 'pglite' as const;
  readonly unavailableExtensions = new Set<string>();
  lastNotices: readonly string[] = [];
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private stopped: ShadowDatabaseClosedError | undefined;
  private available: Promise<ReadonlySet<string>> | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly options: WorkerDatabaseOptions,
    readonly startMs: number,
    /** As of the last answer from the worker. */
    public memoryBytes: number,
  ) {
    worker.on('message', (message: PgliteResponse) => this.settle(message));
    worker.on('error', (error) => this.stop(new ShadowDatabaseClosedError(`the embedded shadow database failed: ${error.message}`)));
    worker.on('exit', () => this.stop(new ShadowDatabaseClosedError('the embedded shadow database has stopped')));
    worker.unref();
  }

  get statementTimeoutMs(): number {
    return this.options.statementTimeoutMs;
  }

  get startedFrom(): PgliteStart {
    return this.options.startedFrom;
  }

  get loadedExtensions(): readonly string[] {
    return this.options.extensions;
  }

  static start(data: PgliteWorkerData, options: WorkerDatabaseOptions): Promise<{ database: PgliteWorkerDatabase; snapshot?: Uint8Array }> {
    const worker = new Worker(PGLITE_WORKER_SOURCE, { eval: true, workerData: data });
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void worker.terminate();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new ShadowSqlError(`the embedded shadow database did not start within ${options.startTimeoutMs} ms`, { timedOut: true })),
        options.startTimeoutMs,
      );
      // Stays attached after a failure: an error event without a listener would crash the process.
      const onError = (error: Error) => fail(new ShadowSqlError(`the embedded shadow database failed to start: ${error.message}`));
      const onExit = (code: number) => fail(new ShadowSqlError(`the embedded shadow database exited with code ${code} while starting`));
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.once('message', (message: PgliteResponse) => {
        if (!('ready' in message)) return fail(new ShadowSqlError('the embedded shadow database answered before it was ready'));
        if (!message.ready) {
          const error = errorFromPayload(message.error);
          return fail(new ShadowSqlError(`the embedded shadow database failed to start: ${error.message}`, error));
        }
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const database = new PgliteWorkerDatabase(worker, options, message.startMs, message.memoryBytes);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve({ database, snapshot: message.snapshot });
      });
    });
  }

  private settle(message: PgliteResponse): void {
    if ('ready' in message) return;
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    clearTimeout(call.timer);
    if (this.pending.size === 0) this.worker.unref();
    this.memoryBytes = message.memoryBytes;
    call.resolve(message);
  }

  /** Rejects every call still waiting; the database cannot be used afterwards. */
  private stop(reason: ShadowDatabaseClosedError, timedOutCall?: number): void {
    if (this.stopped) return;
    this.stopped = reason;
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(
        id === timedOutCall
          ? new ShadowSqlError('canceling statement due to statement timeout', { code: '57014', timedOut: true, hint: reason.message })
          : reason,
      );
    }
    this.pending.clear();
    void this.worker.terminate();
    this.options.onClose(this);
  }

  private call(request: PgliteRequestBody, timeoutMs: number): Promise<Extract<PgliteResponse, { ok: boolean }>> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.stop(
            new ShadowDatabaseClosedError(
              `the embedded shadow database was stopped: a statement ran past the ${timeoutMs} ms statement timeout (PGlite cannot cancel a running statement)`,
            ),
            id,
          ),
        timeoutMs,
      );
      this.pending.set(id, { resolve, reject, timer });
      this.worker.ref();
      this.worker.postMessage({ ...request, id } as PgliteRequest);
    });
  }

  private async run(request: PgliteRequestBody): Promise<unknown[]> {
    const response = await this.call(request, this.options.statementTimeoutMs);
    this.lastNotices = response.notices;
    if (!response.ok) {
      const error = errorFromPayload(response.error);
      if (error instanceof UnavailableExtensionError) this.unavailableExtensions.add(error.extension);
      throw error;
    }
    return response.rows ?? [];
  }

  async exec(sql: string): Promise<void> {
    await this.run({ op: 'exec', sql });
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    return { rows: (await this.run({ op: 'query', sql, params })) as T[] };
  }

  availableExtensions(): Promise<ReadonlySet<string>> {
    this.available ??= this.query<{ name: string }>('select name from pg_catalog.pg_available_extensions').then(
      ({ rows }) => new Set(rows.map((row) => row.name.toLowerCase())),
    );
    return this.available;
  }

  /** Stops the database at once (a statement still running is abandoned with it); calls reject with `reason`. */
  terminate(reason: string): void {
    this.stop(new ShadowDatabaseClosedError(reason));
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.call({ op: 'close' }, CLOSE_TIMEOUT_MS);
    } catch {
      // Closing is best effort: the worker is terminated below either way.
    }
    this.stop(new ShadowDatabaseClosedError('the shadow database is closed'));
  }
}
