-- policy_exists_rls_disabled: tables with row level security policies while RLS is disabled,
-- so none of the policies is enforced.
select
    'policy_exists_rls_disabled' as name,
    'Policy Exists RLS Disabled' as title,
    'INFO' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects tables with row level security policies while row level security is disabled on the table, so the policies are not enforced.' as description,
    format(
        'Table `%s.%s` has RLS policies but RLS is not enabled on the table. Policies include %s.',
        n.nspname, c.relname,
        string_agg(format('`%s`', p.polname), ', ' order by p.polname)
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/policy_exists_rls_disabled.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table',
        'policies', array_agg(p.polname::text order by p.polname)
    ) as metadata,
    format('policy_exists_rls_disabled_%s_%s', n.nspname, c.relname) as cache_key,
    format('alter table %I.%I enable row level security;', n.nspname, c.relname) as fix_sql
from
    pg_catalog.pg_policy p
    join pg_catalog.pg_class c
        on c.oid = p.polrelid
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
where
    c.relkind in ('r', 'p')
    and not c.relrowsecurity
    and n.nspname not like 'pg\_%'
    and n.nspname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
group by
    n.nspname, c.relname
order by
    n.nspname, c.relname
