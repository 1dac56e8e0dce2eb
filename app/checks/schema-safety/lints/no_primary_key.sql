-- no_primary_key: tables (and partitioned tables, not their partitions) without a primary key.
select
    'no_primary_key' as name,
    'No Primary Key' as title,
    'INFO' as level,
    'EXTERNAL' as facing,
    array['PERFORMANCE'] as categories,
    'Detects tables without a primary key. Rows cannot be identified reliably, which hurts updates, replication and query performance at scale.' as description,
    format('Table `%s.%s` does not have a primary key.', n.nspname, c.relname) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/no_primary_key.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table'
    ) as metadata,
    format('no_primary_key_%s_%s', n.nspname, c.relname) as cache_key,
    null::text as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
where
    c.relkind in ('r', 'p')
    and not c.relispartition
    and n.nspname not like 'pg\_%'
    and n.nspname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
    and not exists (
        select 1
        from pg_catalog.pg_depend d
        where d.classid = 'pg_catalog.pg_class'::regclass
            and d.objid = c.oid
            and d.deptype = 'e'
    )
    and not exists (
        select 1
        from pg_catalog.pg_index i
        where i.indrelid = c.oid
            and i.indisprimary
    )
order by
    n.nspname, c.relname
