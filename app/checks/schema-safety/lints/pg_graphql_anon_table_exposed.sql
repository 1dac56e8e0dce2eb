-- pg_graphql_anon_table_exposed: tables anon can select while pg_graphql is installed; GraphQL
-- introspection then shows their names, columns and relationships to anyone holding the anon
-- key, even with RLS enabled. pg_graphql counts as installed when pg_extension lists it or when
-- a `graphql.resolve` function exists (a database that cannot load the extension, such as a
-- shadow database, can stand one in to mirror a Supabase project, where it is on by default).
with graphql_installed as (
    select
        exists (select 1 from pg_catalog.pg_extension where extname = 'pg_graphql')
        or exists (
            select 1
            from pg_catalog.pg_proc p
            where p.pronamespace = pg_catalog.to_regnamespace('graphql')
                and p.proname = 'resolve'
        ) as installed
)
select
    'pg_graphql_anon_table_exposed' as name,
    'pg_graphql Anon Role Exposes Tables in Introspection' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects tables whose schema is visible through the public `/graphql/v1` introspection: with `pg_graphql` installed, any table the `anon` role can select shows its name, columns and relationships, even when RLS is enabled.' as description,
    format(
        '`pg_graphql` is installed and the `anon` role has `SELECT` on `%s.%s`; its name, columns and relationships are visible through the public `/graphql/v1` introspection.',
        n.nspname, c.relname
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/pg_graphql_anon_table_exposed.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table'
    ) as metadata,
    format('pg_graphql_anon_table_exposed_%s_%s', n.nspname, c.relname) as cache_key,
    format(
        'revoke select on %I.%I from %s;',
        n.nspname, c.relname,
        case
            when exists (
                select 1
                from pg_catalog.aclexplode(c.relacl) acl
                where acl.grantee = 0 and acl.privilege_type = 'SELECT'
            ) then 'public, anon'
            else 'anon'
        end
    ) as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
    cross join graphql_installed g
where
    g.installed
    and c.relkind in ('r', 'p')
    and coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regrole('anon'), c.oid, 'SELECT'), false)
    and n.nspname not like 'pg\_%'
    and n.nspname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
order by
    n.nspname, c.relname
