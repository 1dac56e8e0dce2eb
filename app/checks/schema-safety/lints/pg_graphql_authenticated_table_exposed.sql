-- pg_graphql_authenticated_table_exposed: tables, views, materialized views and foreign tables
-- of which authenticated can select any column while pg_graphql is installed; introspection then
-- shows them to every signed-in user, even with RLS enabled. pg_graphql counts as installed as in
-- pg_graphql_anon_table_exposed.
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
    'pg_graphql_authenticated_table_exposed' as name,
    'Signed-In Users Can See Object in GraphQL Schema' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects tables, views, materialized views and foreign tables visible in the GraphQL schema to signed-in users: with `pg_graphql` installed, any object of which the `authenticated` role can select a column shows its name, columns and relationships, even when RLS is enabled.' as description,
    format(
        '%s `%s.%s` is visible in the GraphQL schema to signed-in users because the `authenticated` role can `SELECT` it.',
        case c.relkind when 'v' then 'View' when 'm' then 'Materialized view' when 'f' then 'Foreign table' else 'Table' end,
        n.nspname, c.relname
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/pg_graphql_authenticated_table_exposed.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table' else 'table' end
    ) as metadata,
    format('pg_graphql_authenticated_table_exposed_%s_%s', n.nspname, c.relname) as cache_key,
    format(
        'revoke select on %I.%I from %s;',
        n.nspname, c.relname,
        case
            when exists (
                select 1
                from pg_catalog.aclexplode(c.relacl) acl
                where acl.grantee = 0 and acl.privilege_type = 'SELECT'
            ) then 'public, authenticated'
            else 'authenticated'
        end
    )
    -- a table-level revoke leaves column-level grants in place
    || coalesce((
        select format(
            E'\nrevoke select (%s) on %I.%I from %s;',
            string_agg(quote_ident(a.attname), ', ' order by a.attnum),
            n.nspname, c.relname,
            case when bool_or(a.to_public) then 'public, authenticated' else 'authenticated' end
        )
        from (
            select
                a.attnum,
                a.attname,
                bool_or(acl.grantee = 0) as to_public
            from
                pg_catalog.pg_attribute a
                cross join lateral pg_catalog.aclexplode(a.attacl) acl
            where a.attrelid = c.oid
                and a.attnum > 0
                and not a.attisdropped
                and acl.privilege_type = 'SELECT'
                and (acl.grantee = 0 or acl.grantee = pg_catalog.to_regrole('authenticated'))
            group by a.attnum, a.attname
        ) a
        having count(*) > 0
    ), '') as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
    cross join graphql_installed g
where
    g.installed
    -- pg_graphql reflects these kinds; partitioned roots are left out, their partitions are tables
    and c.relkind in ('r', 'v', 'm', 'f')
    and coalesce(pg_catalog.has_any_column_privilege(pg_catalog.to_regrole('authenticated'), c.oid, 'SELECT'), false)
    and n.nspname not like 'pg\_%'
    and n.nspname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
order by
    n.nspname, c.relname
