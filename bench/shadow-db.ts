import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { applyMigrations, type ApplyResult, type MigrationToApply } from '../app/checks/schema-safety/shadow/apply.js';
import { clearPgliteSnapshotMemory, createPgliteShadowFactory } from '../app/checks/schema-safety/shadow/pglite.js';
import { createPostgresShadowFactory, DEFAULT_SHADOW_DATABASE_URL, isPostgresServerReachable } from '../app/checks/schema-safety/shadow/postgres.js';

/**
 * A 150-migration Supabase history (tables under RLS with policies, triggers, enums, views, RPCs,
 * indexes, grants, seed rows) applied to the shadow database: PGlite started from initdb, from the
 * in-memory snapshot and from the on-disk one, and the Postgres server (template clone). Prints
 * start-up and apply times and the process' peak resident memory (PGlite runs in a worker thread
 * of this process, so its memory is counted).
 */

const MIGRATIONS = 150;

function pad(value: number): string {
  return String(value).padStart(3, '0');
}

/** Deterministic, realistic migrations: the kind a Supabase app accumulates over a couple of years. */
export function generateShadowHistory(count = MIGRATIONS): MigrationToApply[] {
  const files: MigrationToApply[] = [];
  const statuses: string[] = [];
  for (let index = 0; index < count; index++) {
    const version = `2023${String(1 + Math.floor(index / 28)).padStart(2, '0')}${String(1 + (index % 28)).padStart(2, '0')}120000`;
    const table = `t${pad(index)}`;
    const lines: string[] = [];
    if (index === 0) {
      lines.push(
        'create extension if not exists pg_trgm with schema extensions;',
        'create or replace function public.set_updated_at() returns trigger',
        "language plpgsql set search_path = '' as $$",
        'begin',
        '  new.updated_at = now();',
        '  return new;',
        'end',
        '$$;',
      );
    }
    if (index % 10 === 0) {
      const type = `status_${pad(index)}`;
      statuses.push(type);
      lines.push(`create type public.${type} as enum ('draft', 'active', 'archived');`);
    }
    const status = statuses.at(-1)!;
    lines.push(
      `create table public.${table} (`,
      '  id bigint generated always as identity primary key,',
      '  user_id uuid not null references auth.users (id) on delete cascade,',
      '  name text not null,',
      `  status public.${status} not null default 'draft',`,
      "  metadata jsonb not null default '{}'::jsonb,",
      '  created_at timestamptz not null default now(),',
      '  updated_at timestamptz not null default now()',
      ');',
      `comment on table public.${table} is 'Records of kind ${index}.';`,
      `alter table public.${table} enable row level security;`,
      `create policy "${table} owners read" on public.${table} for select to authenticated using ((select auth.uid()) = user_id);`,
      `create policy "${table} owners write" on public.${table} for insert to authenticated with check ((select auth.uid()) = user_id);`,
      `create policy "${table} owners update" on public.${table} for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);`,
      `create index ${table}_user_id_idx on public.${table} (user_id);`,
      `create trigger ${table}_updated_at before update on public.${table} for each row execute function public.set_updated_at();`,
    );
    if (index > 0 && index % 3 === 0) {
      const previous = `t${pad(index - 1)}`;
      lines.push(
        `alter table public.${table} add column ${previous}_id bigint references public.${previous} (id) on delete set null;`,
        `create index ${table}_${previous}_id_idx on public.${table} (${previous}_id);`,
      );
    }
    if (index % 5 === 0) {
      lines.push(
        `create index ${table}_name_trgm_idx on public.${table} using gin (name extensions.gin_trgm_ops);`,
        `create view public.${table}_active with (security_invoker = true) as select id, user_id, name from public.${table} where status = 'active';`,
      );
    }
    if (index % 7 === 0) {
      lines.push(
        `create or replace function public.${table}_count_for(target uuid) returns bigint`,
        "language sql stable security definer set search_path = '' as $$",
        `  select count(*) from public.${table} where user_id = target;`,
        '$$;',
        `revoke execute on function public.${table}_count_for(uuid) from anon;`,
        `grant execute on function public.${table}_count_for(uuid) to authenticated;`,
      );
    }
    if (index % 11 === 0) {
      lines.push(
        `insert into auth.users (id, email) select gen_random_uuid(), 'user' || n || '-${index}@example.com' from generate_series(1, 20) as n;`,
        `insert into public.${table} (user_id, name) select id, email from auth.users limit 20;`,
      );
    }
    if (index % 13 === 0) lines.push(`alter table public.${table} alter column name set default '';`);
    files.push(parseMigration(`supabase/migrations/${version}_kind_${pad(index)}.sql`, `${lines.join('\n')}\n`));
  }
  return files;
}

/** Peak RSS between start() and stop(), sampled every 20 ms. */
function memorySampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const ms = (value: number) => `${Math.round(value)} ms`;

function checkApplied(result: ApplyResult, where: string): void {
  if (result.failure) {
    const { path, line, message } = result.failure;
    throw new Error(`${where}: ${path}:${line}: ${message}`);
  }
}

export async function benchShadowDb(): Promise<string> {
  await ensureParser();
  const migrations = generateShadowHistory();
  const statements = migrations.reduce((sum, migration) => sum + migration.statements.length, 0);
  const lines = [`${migrations.length} migrations, ${statements} statements`, ''];
  const row = (label: string, start: string, apply: string, peak: string) => lines.push(`${label.padEnd(36)}${start.padStart(12)}${apply.padStart(12)}${peak.padStart(12)}`);
  row('database', 'start-up', 'apply', 'peak RSS');

  const snapshotDir = mkdtempSync(join(tmpdir(), 'pk-bench-shadow-'));
  try {
    clearPgliteSnapshotMemory();
    for (const [label, expected] of [
      ['PGlite, initdb + snapshot build', 'initdb'],
      ['PGlite, snapshot in memory', 'snapshot-memory'],
      ['PGlite, snapshot on disk', 'snapshot-disk'],
    ] as const) {
      if (expected === 'snapshot-disk') clearPgliteSnapshotMemory();
      const factory = createPgliteShadowFactory({ snapshotDir, statementTimeoutMs: 60_000 });
      const memory = memorySampler();
      const started = performance.now();
      const db = await factory.create({ extensions: ['pg_trgm'] });
      const startMs = performance.now() - started;
      const applied = await applyMigrations(db, migrations);
      const peak = memory.stop();
      checkApplied(applied, label);
      if (db.startedFrom !== expected) throw new Error(`${label}: started from ${db.startedFrom}`);
      row(label, ms(startMs), ms(applied.durationMs), mb(peak));
      await factory.dispose();
    }
  } finally {
    rmSync(snapshotDir, { recursive: true, force: true });
  }

  const url = process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_DATABASE_URL;
  if (await isPostgresServerReachable(url)) {
    const factory = createPostgresShadowFactory({ url, statementTimeoutMs: 60_000 });
    try {
      for (const label of ['Postgres server (template)', 'Postgres server (template, warm)']) {
        const memory = memorySampler();
        const started = performance.now();
        const db = await factory.create();
        const startMs = performance.now() - started;
        const applied = await applyMigrations(db, migrations);
        const peak = memory.stop();
        checkApplied(applied, label);
        row(label, ms(startMs), ms(applied.durationMs), mb(peak));
        await db.close();
      }
    } finally {
      await factory.dispose();
    }
  } else {
    lines.push(`Postgres server: none answers at ${url} (set SHADOW_DATABASE_URL)`);
  }
  lines.push(
    '',
    'start-up: a fresh database with the Supabase base; PGlite from initdb also builds and writes the snapshot.',
    'peak RSS: the whole process while that row ran (PGlite runs in a worker thread of it; earlier rows may not have returned all their memory).',
  );
  return lines.join('\n');
}
