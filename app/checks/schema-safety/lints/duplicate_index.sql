-- duplicate_index: two or more indexes of a table with the same definition apart from the name.
-- The fix keeps one (an index backing a constraint first, else the oldest) and drops the others
-- that back no constraint.
with indexes as (
    select
        i.indexrelid,
        i.indrelid,
        n.nspname,
        c.relname,
        c.relkind,
        ic.relname as index_name,
        exists (
            select 1 from pg_catalog.pg_constraint con where con.conindid = i.indexrelid
        ) as backs_constraint,
        -- uniqueness, then the definition without its name: `CREATE [UNIQUE] INDEX <name> ON ...` → `ON ...`
        i.indisunique::text || ' ' || case
            when starts_with(def.text, def.prefix) then substr(def.text, length(def.prefix) + 1)
            else def.text
        end as signature
    from
        pg_catalog.pg_index i
        join pg_catalog.pg_class ic
            on ic.oid = i.indexrelid
        join pg_catalog.pg_class c
            on c.oid = i.indrelid
        join pg_catalog.pg_namespace n
            on n.oid = c.relnamespace
        cross join lateral (
            select
                pg_catalog.pg_get_indexdef(i.indexrelid) as text,
                'CREATE ' || case when i.indisunique then 'UNIQUE ' else '' end || 'INDEX ' || quote_ident(ic.relname) || ' ' as prefix
        ) def
    where
        c.relkind in ('r', 'm', 'p')
        -- a partition's index follows its parent's
        and not exists (
            select 1 from pg_catalog.pg_inherits inh where inh.inhrelid = i.indexrelid
        )
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
),
groups as (
    select
        nspname,
        relname,
        relkind,
        array_agg(index_name::text order by index_name) as index_names,
        array_agg(index_name::text order by backs_constraint desc, indexrelid) as by_preference,
        array_agg(backs_constraint order by backs_constraint desc, indexrelid) as backs_by_preference
    from indexes
    group by nspname, relname, relkind, indrelid, signature
    having count(*) > 1
)
select
    'duplicate_index' as name,
    'Duplicate Index' as title,
    'WARN' as level,
    'EXTERNAL' as facing,
    array['PERFORMANCE'] as categories,
    'Detects tables with two or more identical indexes; all but one cost writes and storage for nothing.' as description,
    format(
        'Table `%s.%s` has identical indexes %s. Drop all except one of them.',
        g.nspname, g.relname,
        (select string_agg(format('`%s`', x), ', ') from unnest(g.index_names) as x)
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/duplicate_index.md' as remediation,
    jsonb_build_object(
        'schema', g.nspname,
        'name', g.relname,
        'type', case when g.relkind = 'm' then 'materialized view' else 'table' end,
        'indexes', g.index_names
    ) as metadata,
    format('duplicate_index_%s_%s_%s', g.nspname, g.relname, g.index_names) as cache_key,
    (
        -- partitioned indexes cannot be dropped concurrently
        select string_agg(
            format(
                '%s %I.%I;',
                case when g.relkind = 'p' then 'drop index if exists' else 'drop index concurrently if exists' end,
                g.nspname, g.by_preference[k]
            ),
            E'\n' order by k
        )
        from generate_subscripts(g.by_preference, 1) as k
        where k > 1 and not g.backs_by_preference[k]
    ) as fix_sql
from
    groups g
order by
    g.nspname, g.relname
