/**
 * One catalog query per object kind, each paged by oid (`> $1 ... limit $2`), so a database with
 * 10,000 tables and 100,000 columns is read a page at a time. Every query returns `key` (the oid
 * the next page starts after) and the object's fields; names come back as written, unquoted.
 */

/** Schemas the scan leaves out: the catalogs themselves and per-session temporary schemas. */
export const SYSTEM_SCHEMA_FILTER = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'`;

export interface CatalogQuery {
  /** The inventory kind it reads, as reported when it cannot be read. */
  kind: string;
  sql: string;
}

const RELKINDS = `case c.relkind when 'r' then 'table' when 'p' then 'table' when 'v' then 'view' when 'm' then 'materialized_view' when 'f' then 'foreign_table' when 'S' then 'sequence' end`;

/** Privileges per grantee (`PUBLIC` for grantee 0) from an ACL, defaults applied. */
const grants = (acl: string, defaultKind: string, owner: string) => `(
  select coalesce(jsonb_object_agg(grantee, privileges), '{}'::jsonb)
  from (
    select case when a.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(a.grantee)::text end as grantee,
           jsonb_agg(a.privilege_type order by a.privilege_type) as privileges
    from pg_catalog.aclexplode(coalesce(${acl}, pg_catalog.acldefault('${defaultKind}', ${owner}))) a
    group by 1
  ) g
)`;

export const CATALOG_QUERIES: CatalogQuery[] = [
  {
    kind: 'schemas',
    sql: `
select n.oid::int8 as key, n.nspname::text as name, pg_catalog.pg_get_userbyid(n.nspowner)::text as owner,
       ${grants('n.nspacl', 'n', 'n.nspowner')} as grants
from pg_catalog.pg_namespace n
where ${SYSTEM_SCHEMA_FILTER} and n.oid > $1::int8::oid
order by n.oid limit $2`,
  },
  {
    kind: 'relations',
    sql: `
select c.oid::int8 as key, n.nspname::text as schema, c.relname::text as name, ${RELKINDS} as type,
       c.relkind::text as relkind, pg_catalog.pg_get_userbyid(c.relowner)::text as owner,
       greatest(c.reltuples, 0)::float8 as row_estimate, c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,
       c.relispartition as is_partition, coalesce(c.reloptions, '{}')::text[] as options,
       (select array_agg(a.attname::text order by k.ord)
          from pg_catalog.pg_index i
          cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
          join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
         where i.indrelid = c.oid and i.indisprimary) as primary_key,
       (select jsonb_agg(jsonb_build_object(
                 'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull,
                 'default', a.atthasdef, 'identity', nullif(a.attidentity::text, ''), 'generated', nullif(a.attgenerated::text, ''))
               order by a.attnum)
          from pg_catalog.pg_attribute a
         where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
       (select jsonb_agg(jsonb_build_object(
                 'name', con.conname, 'columns', (select jsonb_agg(a.attname order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord) join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum),
                 'references', (select pg_catalog.format('%I.%I', rn.nspname, rc.relname) from pg_catalog.pg_class rc join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace where rc.oid = con.confrelid),
                 'indexed', exists (select 1 from pg_catalog.pg_index i where i.indrelid = con.conrelid and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey))
               order by con.conname)
          from pg_catalog.pg_constraint con
         where con.conrelid = c.oid and con.contype = 'f') as foreign_keys,
       ${grants('c.relacl', 'r', 'c.relowner')} as grants,
       exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e') as from_extension
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and ${SYSTEM_SCHEMA_FILTER} and c.oid > $1::int8::oid
order by c.oid limit $2`,
  },
  {
    kind: 'functions',
    sql: `
select p.oid::int8 as key, n.nspname::text as schema, p.proname::text as name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) as arguments,
       case p.prokind when 'f' then 'function' when 'p' then 'procedure' when 'a' then 'aggregate' when 'w' then 'window' end as kind,
       l.lanname::text as language, p.prosecdef as security_definer,
       (select substr(s, length('search_path=') + 1) from unnest(coalesce(p.proconfig, '{}')) s where s like 'search\\_path=%' limit 1) as search_path,
       case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end as volatility,
       pg_catalog.format_type(p.prorettype, null) as returns,
       pg_catalog.pg_get_userbyid(p.proowner)::text as owner,
       ${grants('p.proacl', 'f', 'p.proowner')} as grants,
       exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e') as from_extension
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
join pg_catalog.pg_language l on l.oid = p.prolang
where ${SYSTEM_SCHEMA_FILTER} and p.oid > $1::int8::oid
order by p.oid limit $2`,
  },
  {
    kind: 'triggers',
    sql: `
select t.oid::int8 as key, n.nspname::text as schema, c.relname::text as table_name, t.tgname::text as name,
       pg_catalog.format('%I.%I', fn.nspname, f.proname) as function,
       case when t.tgtype & 2 <> 0 then 'before' when t.tgtype & 64 <> 0 then 'instead of' else 'after' end as timing,
       array_remove(array[
         case when t.tgtype & 4 <> 0 then 'insert' end, case when t.tgtype & 16 <> 0 then 'update' end,
         case when t.tgtype & 8 <> 0 then 'delete' end, case when t.tgtype & 32 <> 0 then 'truncate' end], null) as events,
       case when t.tgtype & 1 <> 0 then 'row' else 'statement' end as level,
       t.tgenabled <> 'D' as enabled
from pg_catalog.pg_trigger t
join pg_catalog.pg_class c on c.oid = t.tgrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_proc f on f.oid = t.tgfoid
join pg_catalog.pg_namespace fn on fn.oid = f.pronamespace
where not t.tgisinternal and ${SYSTEM_SCHEMA_FILTER} and t.oid > $1::int8::oid
order by t.oid limit $2`,
  },
  {
    kind: 'policies',
    sql: `
select p.oid::int8 as key, n.nspname::text as schema, c.relname::text as table_name, p.polname::text as name,
       case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end as command,
       p.polpermissive as permissive,
       case when p.polroles = '{0}' then array['public'] else array(select pg_catalog.pg_get_userbyid(r)::text from unnest(p.polroles) r order by 1) end as roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) as using_expression,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as check_expression
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where ${SYSTEM_SCHEMA_FILTER} and p.oid > $1::int8::oid
order by p.oid limit $2`,
  },
  {
    kind: 'indexes',
    sql: `
select i.indexrelid::int8 as key, n.nspname::text as schema, ic.relname::text as name, c.relname::text as table_name,
       i.indisunique as is_unique, i.indisprimary as is_primary, i.indisvalid as is_valid,
       pg_catalog.pg_get_indexdef(i.indexrelid) as definition
from pg_catalog.pg_index i
join pg_catalog.pg_class ic on ic.oid = i.indexrelid
join pg_catalog.pg_class c on c.oid = i.indrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where ${SYSTEM_SCHEMA_FILTER} and i.indexrelid > $1::int8::oid
order by i.indexrelid limit $2`,
  },
  {
    kind: 'extensions',
    sql: `
select e.oid::int8 as key, e.extname::text as name, n.nspname::text as schema, e.extversion::text as version,
       a.default_version::text as default_version, e.extrelocatable as relocatable
from pg_catalog.pg_extension e
join pg_catalog.pg_namespace n on n.oid = e.extnamespace
left join pg_catalog.pg_available_extensions a on a.name = e.extname
where e.oid > $1::int8::oid
order by e.oid limit $2`,
  },
  {
    kind: 'roles',
    sql: `
select r.oid::int8 as key, r.rolname::text as name, r.rolsuper as superuser, r.rolcanlogin as can_login,
       r.rolbypassrls as bypass_rls, r.rolinherit as inherit, r.rolcreaterole as create_role, r.rolcreatedb as create_db,
       array(select g.rolname::text from pg_catalog.pg_auth_members m join pg_catalog.pg_roles g on g.oid = m.roleid where m.member = r.oid order by 1) as member_of
from pg_catalog.pg_roles r
where r.rolname not like 'pg\\_%' and r.oid > $1::int8::oid
order by r.oid limit $2`,
  },
];
