-- unindexed_foreign_keys: foreign keys whose columns lead no valid, non-partial index of the
-- referencing table. Joins along the relationship and deletes or key updates on the referenced
-- table then scan the referencing table.
select
    'unindexed_foreign_keys' as name,
    'Unindexed foreign keys' as title,
    'INFO' as level,
    'EXTERNAL' as facing,
    array['PERFORMANCE'] as categories,
    'Detects foreign key constraints without a covering index, which slows joins along the relationship and deletes or key updates on the referenced table.' as description,
    format(
        'Table `%s.%s` has a foreign key `%s` on (%s) without a covering index.',
        n.nspname, c.relname, con.conname, fk_columns.list
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/unindexed_foreign_keys.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table',
        'fkey_name', con.conname,
        'fkey_columns', fk_columns.names
    ) as metadata,
    format('unindexed_foreign_keys_%s_%s_%s', n.nspname, c.relname, con.conname) as cache_key,
    -- Partitioned tables cannot be indexed concurrently; their index cascades to the partitions.
    format(
        '%s %I on %I.%I using btree (%s);',
        case when c.relkind = 'p' then 'create index if not exists' else 'create index concurrently if not exists' end,
        left(c.relname || '_' || array_to_string(fk_columns.names, '_') || '_idx', 63),
        n.nspname, c.relname, fk_columns.list
    ) as fix_sql
from
    pg_catalog.pg_constraint con
    join pg_catalog.pg_class c
        on c.oid = con.conrelid
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
    cross join lateral (
        select
            array_agg(a.attname::text order by k.ord) as names,
            string_agg(quote_ident(a.attname), ', ' order by k.ord) as list
        from
            unnest(con.conkey) with ordinality as k(attnum, ord)
            join pg_catalog.pg_attribute a
                on a.attrelid = con.conrelid
                and a.attnum = k.attnum
    ) fk_columns
where
    con.contype = 'f'
    -- constraints cloned onto partitions follow their parent's
    and con.conparentid = 0
    and n.nspname not like 'pg\_%'
    and n.nspname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
    and not exists (
        select 1
        from pg_catalog.pg_depend d
        where d.classid = 'pg_catalog.pg_class'::regclass
            and d.objid = c.oid
            and d.deptype = 'e'
    )
    -- covered: the foreign key columns, in any order, are the leading key columns of a usable index
    and not exists (
        select 1
        from pg_catalog.pg_index i
        where i.indrelid = con.conrelid
            and i.indisvalid
            and i.indpred is null
            and i.indnkeyatts >= cardinality(con.conkey)
            and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] @> con.conkey
    )
order by
    n.nspname, c.relname, con.conname
