-- public_bucket_allows_listing: public storage buckets with a broad SELECT policy on
-- storage.objects (always true, or only `bucket_id = '<bucket>'`) for PUBLIC, anon or
-- authenticated. Public object URLs work without it; the policy only adds listing every file.
-- Needs storage.buckets and storage.objects.
with public_buckets as (
    select b.id::text as bucket_id, b.name::text as bucket_name
    from storage.buckets b
    where b.public
),
select_policies as (
    select
        p.polname::text as polname,
        pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual
    from pg_catalog.pg_policy p
    where p.polrelid = pg_catalog.to_regclass('storage.objects')
        and p.polpermissive
        and p.polcmd in ('r', '*')
        and (
            0 = any(p.polroles)
            or pg_catalog.to_regrole('anon') = any(p.polroles)
            or pg_catalog.to_regrole('authenticated') = any(p.polroles)
        )
),
broad as (
    select
        b.bucket_id,
        b.bucket_name,
        sp.polname
    from
        public_buckets b
        join select_policies sp
            on sp.qual is null
            or regexp_replace(lower(sp.qual), '\s', '', 'g') in ('true', '(true)', '1=1', '(1=1)')
            or replace(
                (regexp_match(sp.qual, '^\(*\s*bucket_id\s*=\s*''((?:[^'']|'''')*)''(?:::[a-z_ .]+)?\s*\)*$', 'i'))[1],
                '''''', ''''
            ) = b.bucket_id
)
select
    'public_bucket_allows_listing' as name,
    'Public Bucket Allows Listing' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects public storage buckets with a broad SELECT policy on `storage.objects`, which lets clients list every file in the bucket.' as description,
    format(
        'Public bucket `%s` has %s broad SELECT %s on `storage.objects` (%s), allowing clients to list all files. Public buckets do not need this for object URL access.',
        bucket_name,
        count(*),
        case when count(*) = 1 then 'policy' else 'policies' end,
        string_agg(format('`%s`', polname), ', ' order by polname)
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/public_bucket_allows_listing.md' as remediation,
    jsonb_build_object(
        'schema', 'storage',
        'name', bucket_name,
        'type', 'bucket',
        'bucket_id', bucket_id,
        'policies', array_agg(polname order by polname)
    ) as metadata,
    format('public_bucket_allows_listing_%s', bucket_id) as cache_key,
    string_agg(format('drop policy if exists %I on storage.objects;', polname), E'\n' order by polname) as fix_sql
from
    broad
group by
    bucket_id, bucket_name
order by
    bucket_id
