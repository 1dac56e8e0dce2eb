-- rls_policy_always_true: permissive policies for PUBLIC, anon or authenticated on RLS-enabled
-- tables that let every row through for a write: USING always true for UPDATE, DELETE or ALL,
-- or a WITH CHECK always true (or absent with nothing to fall back on) for INSERT, UPDATE or
-- ALL. `FOR SELECT USING (true)` is the usual way to publish rows and is not reported.
with policies as (
    select
        n.nspname,
        c.relname,
        p.polname,
        case p.polcmd
            when 'r' then 'SELECT'
            when 'a' then 'INSERT'
            when 'w' then 'UPDATE'
            when 'd' then 'DELETE'
            else 'ALL'
        end as command,
        pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
        pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check,
        array(
            select case when r.role_oid = 0 then 'public' else r.role_oid::regrole::text end
            from unnest(p.polroles) as r(role_oid)
            order by 1
        ) as roles
    from
        pg_catalog.pg_policy p
        join pg_catalog.pg_class c
            on c.oid = p.polrelid
        join pg_catalog.pg_namespace n
            on n.oid = c.relnamespace
    where
        c.relkind in ('r', 'p')
        and c.relrowsecurity
        and p.polpermissive
        and (
            0 = any(p.polroles)
            or pg_catalog.to_regrole('anon') = any(p.polroles)
            or pg_catalog.to_regrole('authenticated') = any(p.polroles)
        )
        and n.nspname not like 'pg\_%'
        and n.nspname not in (
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
        )
),
evaluated as (
    select
        policies.*,
        -- a missing USING lets every row through; UPDATE and ALL check new rows with USING when WITH CHECK is absent
        coalesce(regexp_replace(lower(qual), '\s', '', 'g') in ('true', '(true)', '1=1', '(1=1)'), true) as using_always_true,
        coalesce(
            regexp_replace(lower(coalesce(with_check, case when command <> 'INSERT' then qual end)), '\s', '', 'g')
                in ('true', '(true)', '1=1', '(1=1)'),
            true
        ) as check_always_true
    from policies
),
flagged as (
    select
        evaluated.*,
        command in ('UPDATE', 'DELETE', 'ALL') and using_always_true as write_using_true,
        command in ('INSERT', 'UPDATE', 'ALL') and check_always_true as write_check_true
    from evaluated
)
select
    'rls_policy_always_true' as name,
    'RLS Policy Always True' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects row level security policies whose `USING` or `WITH CHECK` is always true for INSERT, UPDATE or DELETE, which lets every row through for the roles they apply to. `FOR SELECT USING (true)` is the usual way to publish rows and is not reported.' as description,
    format(
        'Table `%s.%s` has an RLS policy `%s` for `%s` that allows unrestricted access (%s) for %s.',
        nspname, relname, polname, command,
        case
            when write_using_true and write_check_true then 'both USING and WITH CHECK are always true'
            when write_using_true then 'USING is always true'
            else 'WITH CHECK is always true'
        end,
        array_to_string(roles, ', ')
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/rls_policy_always_true.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', relname,
        'type', 'table',
        'policy_name', polname,
        'command', command,
        'roles', roles,
        'qual', qual,
        'with_check', with_check
    ) as metadata,
    format('rls_policy_always_true_%s_%s_%s', nspname, relname, polname) as cache_key,
    null::text as fix_sql
from
    flagged
where
    write_using_true or write_check_true
order by
    nspname, relname, polname
