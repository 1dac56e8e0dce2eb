-- anon_security_definer_function_executable: SECURITY DEFINER functions in an API-exposed schema
-- ($1) that anon can execute, i.e. call through /rest/v1/rpc with the public anon key, running
-- with their owner's privileges. Trigger functions cannot be called that way and are left out.
-- Functions are executable by PUBLIC unless revoked, so the fix revokes from PUBLIC too and
-- grants back to authenticated and service_role what they had.
with functions as (
    select
        p.oid,
        n.nspname,
        p.proname,
        l.lanname,
        pg_catalog.pg_get_function_identity_arguments(p.oid) as args,
        exists (
            select 1
            from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) acl
            where acl.grantee = 0 and acl.privilege_type = 'EXECUTE'
        ) as to_public,
        array(
            select r.rolname::text
            from pg_catalog.pg_roles r
            where r.rolname in ('authenticated', 'service_role')
                and pg_catalog.has_function_privilege(r.oid, p.oid, 'EXECUTE')
            order by r.rolname
        ) as keep_roles
    from
        pg_catalog.pg_proc p
        join pg_catalog.pg_namespace n
            on n.oid = p.pronamespace
        join pg_catalog.pg_language l
            on l.oid = p.prolang
    where
        p.prosecdef
        and p.prokind = 'f'
        and p.prorettype not in ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype)
        and n.nspname = any($1::text[])
        and coalesce(pg_catalog.has_function_privilege(pg_catalog.to_regrole('anon'), p.oid, 'EXECUTE'), false)
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
    'anon_security_definer_function_executable' as name,
    'Public Can Execute SECURITY DEFINER Function' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects `SECURITY DEFINER` functions in an API-exposed schema that can be called without signing in. They run with their owner''s privileges and bypass RLS.' as description,
    format(
        'Function `%s.%s(%s)` can be executed by the `anon` role as a `SECURITY DEFINER` function via `/rest/v1/rpc/%s`.',
        nspname, proname, args, proname
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/anon_security_definer_function_executable.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', proname,
        'type', 'function',
        'arguments', args,
        'language', lanname,
        'security_definer', true
    ) as metadata,
    format('anon_security_definer_function_executable_%s_%s', nspname, proname)
        || case when args <> '' then '_' || args else '' end as cache_key,
    format('revoke execute on function %I.%I(%s) from %s;', nspname, proname, args, case when to_public then 'public, anon' else 'anon' end)
        || case
            when to_public and cardinality(keep_roles) > 0
                then format(E'\ngrant execute on function %I.%I(%s) to %s;', nspname, proname, args, array_to_string(keep_roles, ', '))
            else ''
        end as fix_sql
from
    functions
order by
    nspname, proname, args
