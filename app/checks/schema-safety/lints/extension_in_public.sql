-- extension_in_public: extensions installed in an API-exposed schema ($1, `public` by default),
-- whose functions and tables then become part of the API.
select
    'extension_in_public' as name,
    'Extension in Public' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects extensions installed in the `public` schema (or another schema the Data API exposes).' as description,
    format('Extension `%s` is installed in the `%s` schema. Move it to another schema.', e.extname, n.nspname) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/extension_in_public.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', e.extname,
        'type', 'extension'
    ) as metadata,
    format('extension_in_public_%s', e.extname) as cache_key,
    -- only relocatable extensions can move, and only to a schema that exists
    case
        when e.extrelocatable and pg_catalog.to_regnamespace('extensions') is not null
            then format('alter extension %I set schema extensions;', e.extname)
    end as fix_sql
from
    pg_catalog.pg_extension e
    join pg_catalog.pg_namespace n
        on n.oid = e.extnamespace
where
    -- plpgsql lives in pg_catalog on a stock server; listed for servers that put it elsewhere
    e.extname <> 'plpgsql'
    and n.nspname = any($1::text[])
order by
    e.extname
