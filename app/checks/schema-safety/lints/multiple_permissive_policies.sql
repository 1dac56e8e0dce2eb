-- multiple_permissive_policies: a table with more than one permissive policy for the same role
-- and command; every one of them is evaluated for every row. A policy for PUBLIC applies to the
-- API roles (anon, authenticated) and to every role another policy of the table names.
with policy_roles as (
    select
        n.nspname,
        c.relname,
        p.polname,
        p.polcmd,
        r.rolname::text as rolname
    from
        pg_catalog.pg_policy p
        join pg_catalog.pg_class c
            on c.oid = p.polrelid
        join pg_catalog.pg_namespace n
            on n.oid = c.relnamespace
        join pg_catalog.pg_roles r
            on r.oid = any(p.polroles)
            or (
                0 = any(p.polroles)
                and (
                    r.rolname in ('anon', 'authenticated')
                    or exists (
                        select 1
                        from pg_catalog.pg_policy other
                        where other.polrelid = p.polrelid
                            and r.oid = any(other.polroles)
                    )
                )
            )
    where
        p.polpermissive
        and c.relkind in ('r', 'p')
        and not r.rolbypassrls
        and r.rolname not like 'pg\_%'
        and n.nspname not like 'pg\_%'
        and n.nspname not in (
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
        )
),
policy_actions as (
    select
        pr.nspname,
        pr.relname,
        pr.polname,
        pr.rolname,
        a.action
    from
        policy_roles pr
        cross join lateral unnest(
            case pr.polcmd
                when 'r' then array['SELECT']
                when 'a' then array['INSERT']
                when 'w' then array['UPDATE']
                when 'd' then array['DELETE']
                else array['SELECT', 'INSERT', 'UPDATE', 'DELETE']
            end
        ) as a(action)
)
select
    'multiple_permissive_policies' as name,
    'Multiple Permissive Policies' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['PERFORMANCE'] as categories,
    'Detects tables with several permissive row level security policies for the same role and action; each one is evaluated for every row the query touches.' as description,
    format(
        'Table `%s.%s` has multiple permissive policies for role `%s` for action `%s`: %s.',
        nspname, relname, rolname, action,
        string_agg(distinct format('`%s`', polname), ', ' order by format('`%s`', polname))
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/multiple_permissive_policies.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', relname,
        'type', 'table',
        'role', rolname,
        'action', action,
        'policies', array_agg(distinct polname::text order by polname::text)
    ) as metadata,
    format('multiple_permissive_policies_%s_%s_%s_%s', nspname, relname, rolname, action) as cache_key,
    null::text as fix_sql
from
    policy_actions
group by
    nspname, relname, rolname, action
having
    count(distinct polname) > 1
order by
    nspname, relname, rolname, action
