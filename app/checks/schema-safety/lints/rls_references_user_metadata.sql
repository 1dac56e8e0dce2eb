-- rls_references_user_metadata: policies reading Supabase Auth user metadata, which every user
-- can edit for their own account, so it must not decide access.
with policies as (
    select
        n.nspname,
        c.relname,
        p.polname,
        coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '') as expressions
    from
        pg_catalog.pg_policy p
        join pg_catalog.pg_class c
            on c.oid = p.polrelid
        join pg_catalog.pg_namespace n
            on n.oid = c.relnamespace
    where
        n.nspname not like 'pg\_%'
        and n.nspname not in (
            '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
        )
)
select
    'rls_references_user_metadata' as name,
    'RLS references user metadata' as title,
    'ERROR' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects row level security policies that read Supabase Auth `user_metadata`, which end users can edit for their own account.' as description,
    format(
        'Table `%s.%s` has a row level security policy `%s` that references Supabase Auth `user_metadata`. `user_metadata` is editable by end users and should never be used in a security context.',
        nspname, relname, polname
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/rls_references_user_metadata.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', relname,
        'type', 'table',
        'policy_name', polname
    ) as metadata,
    format('rls_references_user_metadata_%s_%s_%s', nspname, relname, polname) as cache_key,
    null::text as fix_sql
from
    policies
where
    -- the JWT claim (auth.jwt() or the raw request.jwt.claims setting), or the auth.users column behind it
    expressions ~* 'auth\.jwt\(\).*user_metadata'
    or expressions ~* 'current_setting\(''request\.jwt\.claims?''.*user_metadata'
    or expressions ~* 'raw_user_meta_data'
order by
    nspname, relname, polname
