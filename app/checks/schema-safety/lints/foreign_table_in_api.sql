-- foreign_table_in_api: foreign tables in an API-exposed schema ($1) that anon or
-- authenticated can select; foreign tables have no row level security.
with api_roles as (
    select r.oid, r.rolname::text as rolname
    from pg_catalog.pg_roles r
    where r.rolname in ('anon', 'authenticated')
)
select
    'foreign_table_in_api' as name,
    'Foreign Table in API' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects foreign tables that are selectable over the Data API; they cannot enforce row level security.' as description,
    format('Foreign table `%s.%s` is selectable by %s.', n.nspname, c.relname, array_to_string(grantees.roles, ' and ')) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/foreign_table_in_api.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'foreign table',
        'exposed_to', grantees.roles
    ) as metadata,
    format('foreign_table_in_api_%s_%s', n.nspname, c.relname) as cache_key,
    format(
        'revoke select on %I.%I from %s;',
        n.nspname, c.relname,
        array_to_string(case when grantees.to_public then array['public'] else '{}'::text[] end || grantees.roles, ', ')
    ) as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
    cross join lateral (
        select
            array_agg(r.rolname order by r.rolname) as roles,
            exists (
                select 1
                from pg_catalog.aclexplode(c.relacl) acl
                where acl.grantee = 0 and acl.privilege_type = 'SELECT'
            ) as to_public
        from api_roles r
        where pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT')
    ) grantees
where
    c.relkind = 'f'
    and grantees.roles is not null
    and n.nspname = any($1::text[])
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
