-- table_bloat: tables whose size on disk is at least twice what their live rows need, with at
-- least 4 MiB wasted. Estimated from planner statistics (reltuples, relpages, pg_stats widths),
-- so it needs ANALYZE to have run; meaningless on a fresh shadow database.
with settings as (
    select current_setting('block_size')::numeric as block_size
),
widths as (
    select
        s.schemaname,
        s.tablename,
        sum((1 - s.null_frac) * s.avg_width)::numeric as row_width
    from pg_catalog.pg_stats s
    group by s.schemaname, s.tablename
),
estimates as (
    select
        n.nspname,
        c.relname,
        c.relpages::numeric * st.block_size as actual_bytes,
        -- a tuple: 24-byte aligned header + data aligned to 8 bytes + a 4-byte line pointer;
        -- a page: the block minus its 24-byte header, filled up to the table's fillfactor
        ceil(
            c.reltuples::numeric * (24 + ceil(w.row_width / 8) * 8 + 4)
            / ((st.block_size - 24) * coalesce(ff.fillfactor, 100) / 100)
        ) * st.block_size as expected_bytes
    from
        pg_catalog.pg_class c
        join pg_catalog.pg_namespace n
            on n.oid = c.relnamespace
        join widths w
            on w.schemaname = n.nspname
            and w.tablename = c.relname
        cross join settings st
        left join lateral (
            select substr(o.opt, length('fillfactor=') + 1)::numeric as fillfactor
            from unnest(c.reloptions) as o(opt)
            where o.opt like 'fillfactor=%'
        ) ff on true
    where
        c.relkind = 'r'
        and c.relpages > 0
        -- never analyzed: no row estimate to compare with
        and c.reltuples >= 0
        and n.nspname not like 'pg\_%'
        and n.nspname <> 'information_schema'
)
select
    'table_bloat' as name,
    'Table Bloat' as title,
    'INFO' as level,
    'EXTERNAL' as facing,
    array['PERFORMANCE'] as categories,
    'Detects tables with excess bloat (dead or free space) that may benefit from maintenance such as VACUUM FULL or pg_repack.' as description,
    format(
        'Table `%s.%s` is about %s%% bloat: %s MiB on disk, about %s MiB needed by its live rows.',
        nspname, relname,
        round((actual_bytes - expected_bytes) * 100 / actual_bytes),
        round(actual_bytes / 1048576, 1),
        round(expected_bytes / 1048576, 1)
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/table_bloat.md' as remediation,
    jsonb_build_object(
        'schema', nspname,
        'name', relname,
        'type', 'table',
        'bloat_percent', round((actual_bytes - expected_bytes) * 100 / actual_bytes, 1),
        'bloat_bytes', actual_bytes - expected_bytes
    ) as metadata,
    format('table_bloat_%s_%s', nspname, relname) as cache_key,
    null::text as fix_sql
from
    estimates
where
    actual_bytes - expected_bytes >= 4 * 1048576
    and (actual_bytes - expected_bytes) * 2 >= actual_bytes
order by
    nspname, relname
