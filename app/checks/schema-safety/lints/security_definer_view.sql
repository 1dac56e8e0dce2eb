-- security_definer_view: views in an API-exposed schema ($1), selectable by anon or
-- authenticated, that run with their owner's privileges and RLS (the default) instead of the
-- caller's.
select
    'security_definer_view' as name,
    'Security Definer View' as title,
    'ERROR' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects views that enforce the permissions and row level security policies of the view owner rather than those of the querying user, in a schema the Data API exposes.' as description,
    format('View `%s.%s` is defined with the SECURITY DEFINER property.', n.nspname, c.relname) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/security_definer_view.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'view'
    ) as metadata,
    format('security_definer_view_%s_%s', n.nspname, c.relname) as cache_key,
    -- security_invoker exists from Postgres 15 on
    case
        when current_setting('server_version_num')::int >= 150000
            then format('alter view %I.%I set (security_invoker = on);', n.nspname, c.relname)
    end as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
where
    c.relkind = 'v'
    and n.nspname = any($1::text[])
    and (
        coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regrole('anon'), c.oid, 'SELECT'), false)
        or coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regrole('authenticated'), c.oid, 'SELECT'), false)
    )
    and not exists (
        select 1
        from unnest(coalesce(c.reloptions, '{}')) as o(opt)
        where lower(o.opt) in ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes')
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
