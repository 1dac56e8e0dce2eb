-- extension_versions_outdated: installed extensions older than the server's default version,
-- when an update path to it exists. The versions are the server's: on a shadow database they
-- are the shadow engine's, not the project's.
select
    'extension_versions_outdated' as name,
    'Extension Versions Outdated' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects extensions that are not on the default (recommended) version the server ships.' as description,
    format(
        'Extension `%s` is using version `%s` but version `%s` is available. Outdated extension versions may carry known vulnerabilities.',
        e.extname, e.extversion, a.default_version
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/extension_versions_outdated.md' as remediation,
    jsonb_build_object(
        'schema', e.extnamespace::regnamespace::text,
        'name', e.extname,
        'type', 'extension',
        'installed_version', e.extversion,
        'default_version', a.default_version
    ) as metadata,
    format('extension_versions_outdated_%s_%s', e.extname, e.extversion) as cache_key,
    format('alter extension %I update;', e.extname) as fix_sql
from
    pg_catalog.pg_extension e
    join pg_catalog.pg_available_extensions a
        on a.name = e.extname
where
    a.default_version is not null
    and e.extversion <> a.default_version
    and exists (
        select 1
        from pg_catalog.pg_extension_update_paths(e.extname) u
        where u.source = e.extversion
            and u.target = a.default_version
            and u.path is not null
    )
order by
    e.extname
