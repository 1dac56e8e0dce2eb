-- insecure_queue_exposed_in_api: pgmq queue tables (pgmq.q_<queue>) without row level security
-- that anon or authenticated can read, while the Data API exposes `pgmq_public` (in $1).
select
    'insecure_queue_exposed_in_api' as name,
    'Insecure Queue Exposed in API' as title,
    'ERROR' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects Supabase Queues (pgmq) exposed over the Data API whose queue table has row level security disabled.' as description,
    format(
        'Queue table `%s.%s` is exposed through the `pgmq_public` API schema, but RLS has not been enabled.',
        n.nspname, c.relname
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/insecure_queue_exposed_in_api.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table',
        'queue_name', substr(c.relname, 3)
    ) as metadata,
    format('insecure_queue_exposed_in_api_%s_%s', n.nspname, c.relname) as cache_key,
    format('alter table %I.%I enable row level security;', n.nspname, c.relname) as fix_sql
from
    pg_catalog.pg_class c
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
where
    n.nspname = 'pgmq'
    and c.relname like 'q\_%'
    and c.relkind in ('r', 'p')
    and not c.relrowsecurity
    and 'pgmq_public' = any($1::text[])
    and (
        coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regrole('anon'), c.oid, 'SELECT'), false)
        or coalesce(pg_catalog.has_table_privilege(pg_catalog.to_regrole('authenticated'), c.oid, 'SELECT'), false)
    )
order by
    c.relname
