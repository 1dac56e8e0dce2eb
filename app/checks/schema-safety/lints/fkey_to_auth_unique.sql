-- fkey_to_auth_unique: user foreign keys that reference a unique constraint (not the primary
-- key) of a table in the auth schema; Supabase Auth will drop those constraints, and the
-- foreign key would block its migrations.
select
    'fkey_to_auth_unique' as name,
    'Foreign Key to Auth Unique Constraint' as title,
    'ERROR' as level,
    'EXTERNAL' as facing,
    array['SECURITY'] as categories,
    'Detects user defined foreign keys to unique constraints in the auth schema, which block Supabase Auth upgrades.' as description,
    format(
        'Table `%s.%s` has a foreign key `%s` referencing the unique key `%s` of `auth.%s`.',
        n.nspname, c.relname, con.conname, ix.relname, rc.relname
    ) as detail,
    'https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/fkey_to_auth_unique.md' as remediation,
    jsonb_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'type', 'table',
        'foreign_key', con.conname,
        'referenced_table', 'auth.' || rc.relname
    ) as metadata,
    format('fkey_to_auth_unique_%s_%s_%s', n.nspname, c.relname, con.conname) as cache_key,
    format('alter table %I.%I drop constraint %I;', n.nspname, c.relname, con.conname) as fix_sql
from
    pg_catalog.pg_constraint con
    join pg_catalog.pg_class c
        on c.oid = con.conrelid
    join pg_catalog.pg_namespace n
        on n.oid = c.relnamespace
    join pg_catalog.pg_class rc
        on rc.oid = con.confrelid
    join pg_catalog.pg_namespace rn
        on rn.oid = rc.relnamespace
    join pg_catalog.pg_index i
        on i.indexrelid = con.conindid
    join pg_catalog.pg_class ix
        on ix.oid = i.indexrelid
where
    con.contype = 'f'
    and con.conparentid = 0
    and rn.nspname = 'auth'
    and i.indisunique
    and not i.indisprimary
    and n.nspname not like 'pg\_%'
    and n.nspname not in (
        '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgbouncer', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault'
    )
order by
    n.nspname, c.relname, con.conname
