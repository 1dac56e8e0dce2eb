/**
 * Introspection of a large catalog on the Postgres server: a generated database with 10,000
 * tables (100,000 columns), 2,000 functions and 5,000 policies, scanned page by page with the
 * catalog lints run on the same session. The floor is the catalog lint SQL alone on the same
 * database: what any scan that reports risks must at least spend.
 */
import pg from 'pg';
import { runCatalogLintsDetailed } from '../app/checks/schema-safety/lints/index.js';
import { isPostgresServerReachable } from '../app/checks/schema-safety/shadow/index.js';
import { SUPABASE_BASE_SQL } from '../app/checks/schema-safety/shadow/supabase-base.js';
import { scanCatalog } from '../app/introspection/catalog-inventory.js';
import { lintResultsToRisks } from '../app/introspection/risks.js';

const SERVER = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;
const TABLES = 10_000;
const COLUMNS_PER_TABLE = 10;
const FUNCTIONS = 2_000;
const POLICIES = 5_000;

/**
 * The schema, generated server-side in batches (one transaction holds a lock per table it creates,
 * and the server has room for a few thousand), so that building it is not the benchmark.
 */
function generatorBatches(): string[] {
  const columns = Array.from({ length: COLUMNS_PER_TABLE - 1 }, (_, i) => `c${i} ${i % 3 === 0 ? 'text' : i % 3 === 1 ? 'integer' : 'timestamptz'}`).join(', ');
  const batches: string[] = [];
  const BATCH = 500;
  for (let from = 1; from <= TABLES; from += BATCH) {
    const to = Math.min(TABLES, from + BATCH - 1);
    batches.push(`do $$ begin for i in ${from}..${to} loop
      execute format('create table public.t%s (id bigint generated always as identity primary key, ${columns})', i);
      if i % 4 = 0 then execute format('alter table public.t%s enable row level security', i); end if;
    end loop; end $$;`);
  }
  batches.push(`do $$ begin for i in 1..${FUNCTIONS} loop
    execute format('create function public.f%s(a integer) returns integer language sql %s as %L', i,
      case when i % 10 = 0 then 'security definer' else 'set search_path = ''''' end, 'select a + ' || i);
  end loop; end $$;`);
  for (let from = 1; from <= POLICIES; from += BATCH) {
    const to = Math.min(POLICIES, from + BATCH - 1);
    batches.push(`do $$ begin for i in ${from}..${to} loop
      execute format('create policy p%s on public.t%s for select to authenticated using (c0 = (select auth.uid())::text)', i, ((i - 1) % (${TABLES} / 4) + 1) * 4);
    end loop; end $$;`);
  }
  batches.push('analyze');
  return batches;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export async function benchIntrospect(): Promise<string> {
  if (!(await isPostgresServerReachable())) return 'skipped: no Postgres server at 127.0.0.1:5432';
  const name = `pk_bench_introspect_${process.pid}`;
  const admin = new pg.Client({ ...SERVER, database: 'postgres' });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  const client = new pg.Client({ ...SERVER, database: name });
  const lines: string[] = [];
  try {
    await client.connect();
    let started = performance.now();
    await client.query(SUPABASE_BASE_SQL);
    for (const batch of generatorBatches()) await client.query(batch);
    lines.push(`database: ${TABLES.toLocaleString('en-US')} tables (${(TABLES * COLUMNS_PER_TABLE).toLocaleString('en-US')} columns), ${FUNCTIONS.toLocaleString('en-US')} functions, ${POLICIES.toLocaleString('en-US')} policies; generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // The floor: the lint SQL alone, twice (the first run warms the server's caches).
    await runCatalogLintsDetailed(client, { exposedSchemas: ['public'] });
    started = performance.now();
    const floor = await runCatalogLintsDetailed(client, { exposedSchemas: ['public'] });
    const floorMs = performance.now() - started;

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    const sample = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }, 20);
    started = performance.now();
    const inventory = await scanCatalog(client);
    const catalogMs = performance.now() - started;
    const run = await runCatalogLintsDetailed(client, { exposedSchemas: ['public'] });
    const risks = lintResultsToRisks(run.results);
    const totalMs = performance.now() - started;
    clearInterval(sample);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

    lines.push(`scan: ${inventory.objects.length.toLocaleString('en-US')} objects, ${inventory.columnCount.toLocaleString('en-US')} columns, ${risks.length.toLocaleString('en-US')} risks`);
    lines.push(`  catalog pages   ${(catalogMs / 1000).toFixed(2)} s`);
    lines.push(`  with the lints  ${(totalMs / 1000).toFixed(2)} s in all; peak heap growth ${mb(peakHeap - heapBefore)} (rss ${mb(process.memoryUsage().rss)})`);
    lines.push(`floor (catalog lint SQL alone): ${(floorMs / 1000).toFixed(2)} s, ${floor.results.length.toLocaleString('en-US')} results`);
    lines.push(`ratio: the whole scan takes ${(totalMs / floorMs).toFixed(2)}× the lint SQL alone`);
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`drop database if exists ${name}`).catch(() => undefined);
    await admin.end();
  }
  return lines.join('\n');
}
