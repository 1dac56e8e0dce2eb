-- rls_enabled_no_policy: tables with row level security enabled and no policy, so every role
-- without BYPASSRLS sees no rows.
select
    'rls_enabled_no_policy' as name,
    'RLS Enabled No Policy' as title,
    'INFO' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects tables with row level security enabled but no policies, so every role without BYPASSRLS is denied all rows.' as description,
    format('Table `%s.%s` has RLS enabled, but no policies exist.', n.nspname, c.relname) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/rls_enabled_no_policy.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table'
    ) as metadata,
    format('rls_enabled_no_policy_%s_%s', n.nspname, c.relname) as cache_key,
    null::text as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
where
    c.relkind in ('r', 'p')
    and c.relrowsecurity
    and not exists (
        select 1 from pg_catalog.pg_policy p where p.polrelid = c.oid
    )
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
order by
    n.nspname, c.relname
