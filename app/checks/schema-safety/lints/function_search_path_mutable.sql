-- function_search_path_mutable: functions and procedures without `set search_path = ''`, whose
-- unqualified names resolve through the caller's search_path (a hijacking risk, above all for
-- SECURITY DEFINER functions).
with functions as (
    select
        p.oid,
        n.nspname,
        p.proname,
        p.prokind,
        p.prosecdef,
        pg_catalog.pg_get_function_identity_arguments(p.oid) as args,
        (
            select o.opt
            from unnest(p.proconfig) as o(opt)
            where o.opt like 'search\_path=%'
        ) as search_path_setting
    from
        pg_catalog.pg_proc p
        join pg_catalog.pg_namespace n
            on n.oid = p.pronamespace
        join pg_catalog.pg_language l
            on l.oid = p.prolang
    where
        p.prokind in ('f', 'p')
        -- C and internal functions resolve no names through search_path
        and l.lanname not in ('c', 'internal')
        and n.nspname not like 'pg\_%'
        and n.nspname not in (
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
        )
        and not exists (
            select 1
            from pg_catalog.pg_depend d
            where d.classid = 'pg_catalog.pg_proc'::regclass
                and d.objid = p.oid
                and d.deptype = 'e'
        )
)
select
    'function_search_path_mutable' as name,
    'Function Search Path Mutable' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects functions whose search_path is not set to an empty string, so the names they use resolve through the search_path of whoever calls them.' as description,
    format(
        '%s `%s.%s(%s)` has a role mutable search_path%s.',
        case when prokind = 'p' then 'Procedure' else 'Function' end,
        nspname, proname, args,
        case when search_path_setting is not null then format(' (`%s`)', search_path_setting) else '' end
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/function_search_path_mutable.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', proname,
        'type', case when prokind = 'p' then 'procedure' else 'function' end,
        'arguments', args,
        'security_definer', prosecdef
    ) as metadata,
    format('function_search_path_mutable_%s_%s', nspname, proname)
        || case when args <> '' then '_' || args else '' end as cache_key,
    format(
        'alter %s %I.%I(%s) set search_path = '''';',
        case when prokind = 'p' then 'procedure' else 'function' end,
        nspname, proname, args
    ) as fix_sql
from
    functions
where
    search_path_setting is distinct from 'search_path=""'
order by
    nspname, proname, args
