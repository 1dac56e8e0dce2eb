-- unused_index: indexes never scanned since statistics were last reset. Only meaningful on a
-- database that has served real traffic; a fresh shadow database has scanned nothing.
select
    'unused_index' as name,
    'Unused Index' as title,
    'INFO' as level,
    'EXTERNAL' as facing,
    array['PERFORMANCE'] as categories,
    'Detects indexes that have never been used since statistics were last reset. They cost writes and storage and may be candidates for removal.' as description,
    format('Index `%s` on table `%s.%s` has not been used.', s.indexrelname, s.schemaname, s.relname) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/unused_index.md' as remediation,
    jsonb_build_object(
        'schema', s.schemaname,
        'name', s.relname,
        'type', 'table',
        'index_name', s.indexrelname
    ) as metadata,
    format('unused_index_%s_%s_%s', s.schemaname, s.relname, s.indexrelname) as cache_key,
    format('drop index concurrently if exists %I.%I;', s.schemaname, s.indexrelname) as fix_sql
from
    pg_catalog.pg_stat_user_indexes s
    join pg_catalog.pg_index i
        on i.indexrelid = s.indexrelid
where
    s.idx_scan = 0
    and not i.indisunique
    and not i.indisprimary
    -- an index backing a constraint (e.g. an exclusion constraint) cannot be dropped on its own
    and not exists (
        select 1 from pg_catalog.pg_constraint con where con.conindid = i.indexrelid
    )
    -- a partition's index is attached to its parent's and cannot be dropped on its own
    and not exists (
        select 1 from pg_catalog.pg_inherits inh where inh.inhrelid = i.indexrelid
    )
    and s.schemaname not like 'pg\_%'
    and s.schemaname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
    and not exists (
        select 1
        from pg_catalog.pg_depend d
        where d.classid = 'pg_catalog.pg_class'::regclass
            and d.objid = s.relid
            and d.deptype = 'e'
    )
order by
    s.schemaname, s.relname, s.indexrelname
