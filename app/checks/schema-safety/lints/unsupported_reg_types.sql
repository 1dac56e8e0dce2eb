-- unsupported_reg_types: table columns of a reg* type that stores object OIDs pg_upgrade cannot
-- carry over (every reg* type except regclass, regrole and regtype), or arrays of one; they block
-- major version upgrades.
with unsupported_types as (
    select t.oid, t.typname::text as typname
    from pg_catalog.pg_type t
    where t.typnamespace = 'pg_catalog'::regnamespace
        and (
            t.typname in ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure')
            or exists (
                select 1
                from pg_catalog.pg_type e
                where e.oid = t.typelem
                    and t.typcategory = 'A'
                    and e.typnamespace = 'pg_catalog'::regnamespace
                    and e.typname in ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure')
            )
        )
)
select
    'unsupported_reg_types' as name,
    'Unsupported reg types' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Identifies columns using reg* types that pg_upgrade cannot carry over, which blocks major version upgrades of the database.' as description,
    format(
        'Table `%s.%s` has a column `%s` with unsupported reg* type `%s`.',
        n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/unsupported_reg_types.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table',
        'column', a.attname,
        'column_type', pg_catalog.format_type(a.atttypid, a.atttypmod)
    ) as metadata,
    format('unsupported_reg_types_%s_%s_%s', n.nspname, c.relname, a.attname) as cache_key,
    null::text as fix_sql
from
    pg_catalog.pg_attribute a
    join unsupported_types ut
        on ut.oid = a.atttypid
    join pg_catalog.pg_class c
        on c.oid = a.attrelid
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
where
    a.attnum > 0
    and not a.attisdropped
    and c.relkind in ('r', 'p', 'm')
    and n.nspname not like 'pg\_%'
    and n.nspname not in ('information_schema', 'pgsodium')
order by
    n.nspname, c.relname, a.attname
