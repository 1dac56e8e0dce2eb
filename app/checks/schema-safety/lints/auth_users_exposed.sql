-- auth_users_exposed: views and materialized views in an API-exposed schema ($1) that read
-- auth.users and that anon or authenticated can select: materialized views (no RLS at all),
-- security-definer views (the default), and security-invoker views when the role may itself
-- select auth.users and auth.users has RLS disabled.
with api_roles as (
    select r.oid, r.rolname::text as rolname
    from pg_catalog.pg_roles r
    where r.rolname in ('anon', 'authenticated')
),
auth_users as (
    select c.oid, c.relrowsecurity
    from pg_catalog.pg_class c
    where c.oid = pg_catalog.to_regclass('auth.users')
),
dependents as (
    select distinct
        v.oid,
        n.nspname,
        v.relname,
        v.relkind,
        v.relacl,
        au.oid as auth_users_oid,
        au.relrowsecurity as auth_users_rls,
        exists (
            select 1
            from unnest(coalesce(v.reloptions, '{}')) as o(opt)
            where lower(o.opt) in ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes')
        ) as security_invoker
    from
        auth_users au
        join pg_catalog.pg_depend d
            on d.refclassid = 'pg_catalog.pg_class'::regclass
            and d.refobjid = au.oid
            and d.classid = 'pg_catalog.pg_rewrite'::regclass
        join pg_catalog.pg_rewrite rw
            on rw.oid = d.objid
        join pg_catalog.pg_class v
            on v.oid = rw.ev_class
        join pg_catalog.pg_namespace n
            on n.oid = v.relnamespace
    where
        v.relkind in ('v', 'm')
        and v.oid <> au.oid
        and n.nspname = any($1::text[])
)
select
    'auth_users_exposed' as name,
    'Exposed Auth Users' as title,
    'ERROR' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects views or materialized views in an API-exposed schema that read auth.users and are selectable by anon or authenticated, exposing user records over the Data API.' as description,
    format(
        '%s `%s.%s` reads `auth.users` and is selectable by %s over the Data API.',
        case when e.relkind = 'm' then 'Materialized view' else 'View' end,
        e.nspname, e.relname, array_to_string(grantees.roles, ' and ')
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/auth_users_exposed.md' as remediation,
    jsonb_build_object(
        'schema', e.nspname,
        'name', e.relname,
        'type', case when e.relkind = 'm' then 'materialized view' else 'view' end,
        'exposed_to', grantees.roles
    ) as metadata,
    format('auth_users_exposed_%s_%s', e.nspname, e.relname) as cache_key,
    format(
        'revoke select on %I.%I from %s;',
        e.nspname, e.relname,
        array_to_string(case when grantees.to_public then array['public'] else '{}'::text[] end || grantees.roles, ', ')
    ) as fix_sql
from
    dependents e
    cross join lateral (
        select
            array_agg(r.rolname order by r.rolname) as roles,
            exists (
                select 1
                from pg_catalog.aclexplode(e.relacl) acl
                where acl.grantee = 0 and acl.privilege_type = 'SELECT'
            ) as to_public
        from api_roles r
        where pg_catalog.has_table_privilege(r.oid, e.oid, 'SELECT')
            and (
                e.relkind = 'm'
                or not e.security_invoker
                -- a security-invoker view reads auth.users with the caller's rights
                or (not e.auth_users_rls and pg_catalog.has_table_privilege(r.oid, e.auth_users_oid, 'SELECT'))
            )
    ) grantees
where
    grantees.roles is not null
order by
    e.nspname, e.relname
