/**
 * PGlite runs Postgres single-threaded inside WebAssembly: a statement that never ends blocks the
 * JavaScript thread it runs on, and Postgres' own statement_timeout never fires there (its timer is
 * a JavaScript setTimeout that cannot run while the statement does). Each shadow database therefore
 * lives in its own worker thread, which the main thread terminates when a call outlives the timeout.
 *
 * The worker is started from source text (`eval: true`) so that it runs the same way under tsx,
 * jest and a bundle, none of which can hand a TypeScript file to `new Worker(path)`.
 */

/** What the main thread hands the worker at start. */
export interface PgliteWorkerData {
  /** file: URL of PGlite's ESM entry (`dist/index.js`). */
  pgliteUrl: string;
  /** Contrib extensions to load: the export name and the file: URL of its module. */
  extensions: Array<{ key: string; url: string }>;
  /** A data directory tarball (gzip or plain) to start from instead of initdb. */
  snapshot?: Uint8Array;
  /** When set, the worker runs this on the fresh database and returns a dump of the data directory. */
  buildSql?: string;
  /** Run after start on every session (search_path, statement_timeout). */
  sessionSql: string;
  /** A compiled `WebAssembly.Module` of pglite.wasm (structured-cloneable), so the worker skips compiling it. */
  wasmModule?: unknown;
}

export type PgliteRequestBody = { op: 'query'; sql: string; params?: unknown[] } | { op: 'exec'; sql: string } | { op: 'close' };
export type PgliteRequest = PgliteRequestBody & { id: number };

export interface PgliteErrorPayload {
  message: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
  internalPosition?: string;
  internalQuery?: string;
}

/** `memoryBytes`: the worker's JavaScript heap plus memory outside it (Postgres' WebAssembly heap, the in-memory data files). */
export type PgliteResponse =
  | { id: number; ok: true; rows?: unknown[]; notices: string[]; memoryBytes: number }
  | { id: number; ok: false; error: PgliteErrorPayload; notices: string[]; memoryBytes: number }
  | { id: 0; ready: true; snapshot?: Uint8Array; startMs: number; memoryBytes: number }
  | { id: 0; ready: false; error: PgliteErrorPayload };

export const PGLITE_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const v8 = require('node:v8');

function memoryBytes() {
  const heap = v8.getHeapStatistics();
  return heap.used_heap_size + (heap.external_memory || 0);
}

function errorPayload(error) {
  const fields = ['code', 'position', 'detail', 'hint', 'where', 'internalPosition', 'internalQuery'];
  const payload = { message: error && error.message ? String(error.message) : String(error) };
  for (const field of fields) {
    if (error && error[field] !== undefined && error[field] !== null) payload[field] = String(error[field]);
  }
  return payload;
}

let db;
let notices = [];
const onNotice = (notice) => { notices.push(notice.message); };

async function start() {
  const started = performance.now();
  const { PGlite } = await import(workerData.pgliteUrl);
  const extensions = {};
  for (const extension of workerData.extensions) {
    const module = await import(extension.url);
    extensions[extension.key] = module[extension.key];
  }
  const options = { extensions };
  if (workerData.wasmModule) options.pgliteWasmModule = workerData.wasmModule;
  if (workerData.snapshot) options.loadDataDir = new Blob([workerData.snapshot]);
  db = await PGlite.create(options);
  let snapshot;
  if (workerData.buildSql) {
    await db.exec(workerData.buildSql, { onNotice: () => {} });
    const dump = await db.dumpDataDir('none');
    snapshot = new Uint8Array(await dump.arrayBuffer());
  }
  await db.exec(workerData.sessionSql);
  return { snapshot, startMs: performance.now() - started };
}

async function handle(request) {
  notices = [];
  if (request.op === 'close') {
    if (db) await db.close();
    db = undefined;
    return { id: request.id, ok: true, notices: [], memoryBytes: memoryBytes() };
  }
  if (!db) throw new Error('the shadow database is closed');
  if (request.op === 'exec') {
    await db.exec(request.sql, { onNotice });
    return { id: request.id, ok: true, notices, memoryBytes: memoryBytes() };
  }
  const result = await db.query(request.sql, request.params || [], { onNotice });
  return { id: request.id, ok: true, rows: result.rows, notices, memoryBytes: memoryBytes() };
}

start().then(
  ({ snapshot, startMs }) => {
    parentPort.postMessage({ id: 0, ready: true, snapshot, startMs, memoryBytes: memoryBytes() }, snapshot ? [snapshot.buffer] : []);
    parentPort.on('message', (request) => {
      handle(request).then(
        (response) => parentPort.postMessage(response),
        (error) => parentPort.postMessage({ id: request.id, ok: false, error: errorPayload(error), notices, memoryBytes: memoryBytes() }),
      );
    });
  },
  (error) => parentPort.postMessage({ id: 0, ready: false, error: errorPayload(error) }),
);
`;
