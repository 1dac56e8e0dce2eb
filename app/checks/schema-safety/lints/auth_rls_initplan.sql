-- auth_rls_initplan: policies on RLS-enabled tables calling auth.uid(), auth.jwt(), auth.role()
-- or auth.email() directly, so the call is evaluated once per row instead of once per query.
-- Run with search_path = '' so the deparsed expressions carry the `auth.` prefix.
with policies as (
    select
        n.nspname,
        c.relname,
        p.polname,
        pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
        pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
    from
        pg_catalog.pg_policy p
        join pg_catalog.pg_class c
            on c.oid = p.polrelid
        join pg_catalog.pg_namespace n
            on n.oid = c.relnamespace
    where
        c.relrowsecurity
        and n.nspname not like 'pg\_%'
        and n.nspname not in (
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
        )
),
flagged as (
    select
        policies.*,
        -- a call not already wrapped: the deparser prints `(select auth.uid())` as `( SELECT auth.uid() AS uid)`
        coalesce(qual ~* '(?<!select )auth\.(uid|jwt|role|email)\(\)', false) as qual_per_row,
        coalesce(with_check ~* '(?<!select )auth\.(uid|jwt|role|email)\(\)', false) as check_per_row
    from policies
)
select
    'auth_rls_initplan' as name,
    'Auth RLS Initialization Plan' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['PERFORMANCE'] as categories,
    'Detects row level security policies that call `auth.<function>()` directly, so the call is re-evaluated for each row instead of once per query.' as description,
    format(
        'Table `%s.%s` has a row level security policy `%s` that re-evaluates `auth.<function>()` for each row. Wrap the call in a subquery: `(select auth.<function>())`.',
        nspname, relname, polname
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/auth_rls_initplan.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', relname,
        'type', 'table',
        'policy_name', polname
    ) as metadata,
    format('auth_rls_initplan_%s_%s_%s', nspname, relname, polname) as cache_key,
    format(
        'alter policy %I on %I.%I%s%s;',
        polname, nspname, relname,
        case when qual_per_row
            then format(' using (%s)', regexp_replace(qual, '(?<!select )auth\.(uid|jwt|role|email)\(\)', '(select auth.\1())', 'gi'))
            else '' end,
        case when check_per_row
            then format(' with check (%s)', regexp_replace(with_check, '(?<!select )auth\.(uid|jwt|role|email)\(\)', '(select auth.\1())', 'gi'))
            else '' end
    ) as fix_sql
from
    flagged
where
    qual_per_row or check_per_row
order by
    nspname, relname, polname
