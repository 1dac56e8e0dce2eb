-- rls_disabled_in_public: tables in an API-exposed schema ($1) with row level security
-- disabled; with Supabase's default grants, anyone holding the anon key can read and change
-- every row.
select
    'rls_disabled_in_public' as name,
    'RLS Disabled in Public' as title,
    'ERROR' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects tables in a schema the Data API exposes on which row level security (RLS) is not enabled.' as description,
    format('Table `%s.%s` is exposed over the Data API, but RLS has not been enabled.', n.nspname, c.relname) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/rls_disabled_in_public.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table'
    ) as metadata,
    format('rls_disabled_in_public_%s_%s', n.nspname, c.relname) as cache_key,
    format('alter table %I.%I enable row level security;', n.nspname, c.relname) as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
where
    c.relkind in ('r', 'p')
    and not c.relrowsecurity
    and n.nspname = any($1::text[])
    -- grants are not consulted (Supabase's default privileges give the API roles every new table),
    -- but without the API roles there is no Data API to expose anything
    and (pg_catalog.to_regrole('anon') is not null or pg_catalog.to_regrole('authenticated') is not null)
    and n.nspname not like 'pg\_%'
    and n.nspname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
order by
    n.nspname, c.relname
