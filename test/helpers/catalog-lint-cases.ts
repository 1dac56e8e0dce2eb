/**
 * A firing and a passing scenario for every catalog lint, shared by the PGlite and the Postgres
 * server suites. In the SQL and the keys, `{s}` stands for a schema created for the scenario (with
 * USAGE for the API roles), so scenarios do not see each other's objects; the lint runs with that
 * schema as the only exposed one unless `exposed` says otherwise.
 */

export interface FiringScenario {
  setup: string;
  exposed?: string[];
  /** Cache keys the lint must report. */
  keys: string[];
  /** After the fix ran: a query returning one row `{ ok: boolean }` that must be true. */
  afterFix?: string;
}

export interface PassingScenario {
  setup: string;
  exposed?: string[];
  /**
   * Cache key prefixes that must not be reported. Default: nothing about the scenario's schema
   * (a result whose `metadata.schema` is `{s}` or whose cache key contains `_{s}_`).
   */
  absent?: string[];
}

export interface LintCase {
  id: string;
  fires: FiringScenario;
  passes: PassingScenario;
  /** SQL the case needs once per database before either scenario (e.g. a pg_graphql stand-in). */
  prepare?: string;
}

/** pg_graphql's entry point, standing in for the extension (neither PGlite nor this server ships it). */
export const PG_GRAPHQL_STAND_IN = `
create schema if not exists graphql;
create or replace function graphql.resolve(query text, variables jsonb default '{}', "operationName" text default null, extensions jsonb default null)
returns jsonb language sql as $$ select '{}'::jsonb $$;
`;

const rlsTable = (name: string) => `
create table {s}.${name} (id bigint primary key, owner uuid, body text);
alter table {s}.${name} enable row level security;
`;

export const lintCases: LintCase[] = [
  {
    id: 'unindexed_foreign_keys',
    fires: {
      setup: `
        create table {s}.parent (id bigint primary key);
        create table {s}.child (id bigint primary key, parent_id bigint references {s}.parent (id));
        create index child_id_parent_idx on {s}.child (id, parent_id); -- parent_id does not lead it`,
      keys: ['unindexed_foreign_keys_{s}_child_child_parent_id_fkey'],
    },
    passes: {
      setup: `
        create table {s}.parent (a int, b int, primary key (a, b));
        create table {s}.child (id bigint primary key, a int, b int, foreign key (a, b) references {s}.parent (a, b));
        create index child_b_a_idx on {s}.child (b, a, id); -- leads with the key columns, in another order
        create table {s}.other (id bigint primary key, parent_a int, parent_b int,
          foreign key (parent_a, parent_b) references {s}.parent (a, b));
        create index other_parent_idx on {s}.other (parent_a, parent_b);`,
    },
  },
  {
    id: 'auth_users_exposed',
    fires: {
      setup: `
        create view {s}.members as select id, email from auth.users;
        grant select on {s}.members to anon;`,
      keys: ['auth_users_exposed_{s}_members'],
    },
    passes: {
      // A security-invoker view reads auth.users with the caller's rights, which authenticated lacks.
      setup: `
        create view {s}.members with (security_invoker = on) as select id, email from auth.users;
        grant select on {s}.members to authenticated;
        create view {s}.internal as select id from auth.users; -- no API role may select it`,
    },
  },
  {
    id: 'auth_rls_initplan',
    fires: {
      setup: `${rlsTable('docs')}
        create policy own_docs on {s}.docs for all to authenticated
          using (auth.uid() = owner) with check (auth.uid() = owner and auth.role() = 'authenticated');`,
      keys: ['auth_rls_initplan_{s}_docs_own_docs'],
      afterFix: `select (select count(*) from pg_policies where schemaname = '{s}' and policyname = 'own_docs'
                   and qual ilike '%select auth.uid()%' and with_check ilike '%select auth.role()%') = 1 as ok`,
    },
    passes: {
      setup: `${rlsTable('docs')}
        create policy own_docs on {s}.docs for all to authenticated
          using ((select auth.uid()) = owner) with check ((select auth.uid()) = owner);`,
    },
  },
  {
    id: 'no_primary_key',
    fires: {
      setup: `create table {s}.event_log (at timestamptz not null, action text not null);`,
      keys: ['no_primary_key_{s}_event_log'],
    },
    passes: {
      setup: `
        create table {s}.event_log (user_id bigint, at timestamptz, action text, primary key (user_id, at));
        create table {s}.measurements (id bigint generated always as identity, at date not null, primary key (id, at)) partition by range (at);
        create table {s}.measurements_2024 partition of {s}.measurements for values from ('2024-01-01') to ('2025-01-01');`,
    },
  },
  {
    id: 'unused_index',
    fires: {
      setup: `
        create table {s}.orders (id bigint primary key, status text);
        create index orders_status_idx on {s}.orders (status);`,
      keys: ['unused_index_{s}_orders_orders_status_idx'],
    },
    passes: {
      // Unique and primary key indexes enforce constraints: never reported, scanned or not.
      setup: `
        create table {s}.orders (id bigint primary key, reference text);
        create unique index orders_reference_key on {s}.orders (reference);`,
    },
  },
  {
    id: 'multiple_permissive_policies',
    fires: {
      // A policy for PUBLIC applies to authenticated too.
      setup: `${rlsTable('notes')}
        create policy everyone_reads on {s}.notes for select using (true);
        create policy members_read_own on {s}.notes for select to authenticated using ((select auth.uid()) = owner);`,
      keys: ['multiple_permissive_policies_{s}_notes_authenticated_SELECT'],
    },
    passes: {
      setup: `${rlsTable('notes')}
        create policy anon_reads on {s}.notes for select to anon using (true);
        create policy members_read_own on {s}.notes for select to authenticated using ((select auth.uid()) = owner);
        create policy members_not_banned on {s}.notes as restrictive for select to authenticated using (true);`,
    },
  },
  {
    id: 'policy_exists_rls_disabled',
    fires: {
      setup: `
        create table {s}.blog (id bigint primary key, owner uuid);
        create policy own_posts on {s}.blog for select using ((select auth.uid()) = owner);`,
      keys: ['policy_exists_rls_disabled_{s}_blog'],
    },
    passes: {
      setup: `${rlsTable('blog')}
        create policy own_posts on {s}.blog for select using ((select auth.uid()) = owner);`,
    },
  },
  {
    id: 'rls_enabled_no_policy',
    fires: { setup: rlsTable('secrets'), keys: ['rls_enabled_no_policy_{s}_secrets'] },
    passes: {
      setup: `${rlsTable('secrets')}
        create policy own_secrets on {s}.secrets for select to authenticated using ((select auth.uid()) = owner);`,
    },
  },
  {
    id: 'duplicate_index',
    fires: {
      setup: `
        create table {s}.users (id bigint primary key, email text);
        create index users_email_a on {s}.users (email);
        create index users_email_b on {s}.users (email);`,
      keys: ['duplicate_index_{s}_users_{users_email_a,users_email_b}'],
      afterFix: `select count(*) = 1 as ok from pg_indexes where schemaname = '{s}' and indexname like 'users_email_%'`,
    },
    passes: {
      setup: `
        create table {s}.users (id bigint primary key, email text);
        create index users_email_idx on {s}.users (email);
        create unique index users_email_key on {s}.users (email);
        create index users_email_lower_idx on {s}.users (lower(email));
        create index users_email_partial_idx on {s}.users (email) where email is not null;
        create index users_email_desc_idx on {s}.users (email desc);`,
    },
  },
  {
    id: 'security_definer_view',
    fires: {
      setup: `
        create table {s}.posts (id bigint primary key, title text);
        create view {s}.post_titles as select id, title from {s}.posts;
        grant select on {s}.post_titles to anon;`,
      keys: ['security_definer_view_{s}_post_titles'],
    },
    passes: {
      setup: `
        create table {s}.posts (id bigint primary key, title text);
        create view {s}.post_titles with (security_invoker = true) as select id, title from {s}.posts;
        grant select on {s}.post_titles to anon;
        create view {s}.admin_report as select count(*) from {s}.posts; -- no API role may select it`,
    },
  },
  {
    id: 'function_search_path_mutable',
    fires: {
      setup: `
        create function {s}.add(a integer, b integer) returns integer language sql as 'select a + b';
        create procedure {s}.touch() language sql set search_path = public as 'select 1';`,
      keys: ['function_search_path_mutable_{s}_add_a integer, b integer', 'function_search_path_mutable_{s}_touch'],
    },
    passes: {
      setup: `
        create function {s}.add(a integer, b integer) returns integer language sql set search_path = '' as 'select a + b';
        create procedure {s}.touch() language sql set search_path to '' as 'select 1';`,
    },
  },
  {
    id: 'rls_disabled_in_public',
    fires: {
      setup: `create table {s}.profiles (id uuid primary key, bio text);`,
      keys: ['rls_disabled_in_public_{s}_profiles'],
    },
    passes: {
      setup: `${rlsTable('profiles')}
        create schema {s}_private;
        create table {s}_private.audit (id bigint primary key); -- not in an exposed schema`,
      absent: ['rls_disabled_in_public_{s}_', 'rls_disabled_in_public_{s}_private_'],
    },
  },
  {
    id: 'extension_in_public',
    fires: { setup: `create extension citext schema {s};`, keys: ['extension_in_public_citext'] },
    passes: { setup: `create extension hstore schema extensions;`, absent: ['extension_in_public_'] },
  },
  {
    id: 'rls_references_user_metadata',
    fires: {
      setup: `${rlsTable('projects')}
        create policy admins on {s}.projects for select to authenticated
          using ((auth.jwt() -> 'user_metadata' ->> 'role') = 'admin');
        create policy team_members on {s}.projects for update to authenticated
          using (true)
          with check ((current_setting('request.jwt.claims', true)::jsonb -> 'user_metadata' ->> 'team') = body);`,
      keys: ['rls_references_user_metadata_{s}_projects_admins', 'rls_references_user_metadata_{s}_projects_team_members'],
    },
    passes: {
      setup: `${rlsTable('projects')}
        create policy admins on {s}.projects for select to authenticated
          using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');`,
    },
  },
  {
    id: 'materialized_view_in_api',
    fires: {
      setup: `
        create materialized view {s}.stats as select 1 as users;
        grant select on {s}.stats to anon, authenticated;`,
      keys: ['materialized_view_in_api_{s}_stats'],
    },
    passes: { setup: `create materialized view {s}.stats as select 1 as users; -- no API role may select it` },
  },
  {
    id: 'foreign_table_in_api',
    fires: {
      // A wrapper without handler is enough for the catalog; the table is granted through PUBLIC.
      setup: `
        create foreign data wrapper {s}_fdw;
        create server {s}_server foreign data wrapper {s}_fdw;
        create foreign table {s}.remote_orders (id bigint) server {s}_server;
        grant select on {s}.remote_orders to public;`,
      keys: ['foreign_table_in_api_{s}_remote_orders'],
    },
    passes: {
      setup: `
        create foreign data wrapper {s}_fdw;
        create server {s}_server foreign data wrapper {s}_fdw;
        create foreign table {s}.remote_orders (id bigint) server {s}_server;`,
    },
  },
  {
    id: 'unsupported_reg_types',
    fires: {
      setup: `create table {s}.settings (id bigint primary key, handler regproc, configs regconfig[]);`,
      keys: ['unsupported_reg_types_{s}_settings_handler', 'unsupported_reg_types_{s}_settings_configs'],
    },
    passes: { setup: `create table {s}.settings (id bigint primary key, tbl regclass, typ regtype, who regrole);` },
  },
  {
    id: 'insecure_queue_exposed_in_api',
    prepare: `create schema if not exists pgmq; grant usage on schema pgmq to anon, authenticated;`,
    fires: {
      setup: `
        create table pgmq.q_{s} (msg_id bigint primary key, message jsonb);
        grant select, insert on pgmq.q_{s} to anon;`,
      exposed: ['public', 'pgmq_public'],
      keys: ['insecure_queue_exposed_in_api_pgmq_q_{s}'],
    },
    passes: {
      setup: `
        create table pgmq.q_{s}_secured (msg_id bigint primary key, message jsonb);
        alter table pgmq.q_{s}_secured enable row level security;
        grant select on pgmq.q_{s}_secured to anon;
        create table pgmq.q_{s}_open (msg_id bigint primary key, message jsonb);
        grant select on pgmq.q_{s}_open to anon;`,
      exposed: ['public'], // pgmq_public is not exposed: q_{s}_open is not reachable over the API
      absent: ['insecure_queue_exposed_in_api_pgmq_q_{s}'],
    },
  },
  {
    id: 'table_bloat',
    fires: {
      // Three rows in four deleted and not vacuumed: the pages stay, the statistics count the survivors.
      setup: `
        create table {s}.events (id bigint primary key, payload text) with (autovacuum_enabled = false);
        insert into {s}.events select g, repeat('x', 100) from generate_series(1, 60000) g;
        delete from {s}.events where id % 4 <> 0;
        analyze {s}.events;`,
      keys: ['table_bloat_{s}_events'],
    },
    passes: {
      setup: `
        create table {s}.events (id bigint primary key, payload text) with (autovacuum_enabled = false);
        insert into {s}.events select g, repeat('x', 100) from generate_series(1, 60000) g;
        analyze {s}.events;`,
    },
  },
  {
    id: 'fkey_to_auth_unique',
    fires: {
      setup: `create table {s}.contacts (id bigint primary key, phone text references auth.users (phone));`,
      keys: ['fkey_to_auth_unique_{s}_contacts_contacts_phone_fkey'],
    },
    passes: { setup: `create table {s}.contacts (id bigint primary key, user_id uuid references auth.users (id));` },
  },
  {
    id: 'extension_versions_outdated',
    fires: {
      setup: `create extension pg_trgm schema extensions version '1.3';`,
      keys: ['extension_versions_outdated_pg_trgm_1.3'],
    },
    passes: { setup: `create extension ltree schema extensions;`, absent: ['extension_versions_outdated_ltree_'] },
  },
  {
    id: 'sensitive_columns_exposed',
    fires: {
      setup: `
        create table {s}.accounts (id bigint primary key, email text, password text, "API-Key" text);
        grant select on {s}.accounts to anon;`,
      keys: ['sensitive_columns_exposed_{s}_accounts'],
    },
    passes: {
      setup: `${rlsTable('accounts')}
        alter table {s}.accounts add column password text;
        grant select on {s}.accounts to anon;
        create table {s}.products (id bigint primary key, name text, price numeric);
        grant select on {s}.products to anon;`,
    },
  },
  {
    id: 'rls_policy_always_true',
    fires: {
      setup: `${rlsTable('comments')}
        create policy anyone_edits on {s}.comments for update to anon using (true);`,
      keys: ['rls_policy_always_true_{s}_comments_anyone_edits'],
    },
    passes: {
      // Publishing rows with SELECT USING (true) is intended; an UPDATE without WITH CHECK re-checks USING.
      setup: `${rlsTable('comments')}
        create policy anyone_reads on {s}.comments for select to anon using (true);
        create policy authors_edit on {s}.comments for update to authenticated using ((select auth.uid()) = owner);
        create policy service_does_anything on {s}.comments for all to service_role using (true);`,
    },
  },
  {
    id: 'public_bucket_allows_listing',
    fires: {
      setup: `
        insert into storage.buckets (id, name, public) values ('{s}-avatars', '{s}-avatars', true);
        create policy "{s} avatars are listable" on storage.objects for select to public using (bucket_id = '{s}-avatars');`,
      keys: ['public_bucket_allows_listing_{s}-avatars'],
    },
    passes: {
      setup: `
        insert into storage.buckets (id, name, public) values ('{s}-docs', '{s}-docs', false), ('{s}-media', '{s}-media', true);
        create policy "{s} docs readable" on storage.objects for select to authenticated using (bucket_id = '{s}-docs');
        create policy "{s} own media" on storage.objects for select to authenticated
          using (bucket_id = '{s}-media' and (storage.foldername(name))[1] = (select auth.uid())::text);`,
      absent: ['public_bucket_allows_listing_{s}-'],
    },
  },
  {
    id: 'pg_graphql_anon_table_exposed',
    prepare: PG_GRAPHQL_STAND_IN,
    fires: {
      setup: `${rlsTable('posts')}
        grant select on {s}.posts to anon;`,
      keys: ['pg_graphql_anon_table_exposed_{s}_posts'],
    },
    passes: {
      setup: `${rlsTable('posts')}
        grant select on {s}.posts to authenticated;`,
    },
  },
  {
    id: 'pg_graphql_authenticated_table_exposed',
    prepare: PG_GRAPHQL_STAND_IN,
    fires: {
      // Column-level grants expose a table to introspection as well.
      setup: `${rlsTable('posts')}
        grant select (id, body) on {s}.posts to authenticated;
        create view {s}.post_ids with (security_invoker = on) as select id from {s}.posts;
        grant select on {s}.post_ids to authenticated;`,
      keys: ['pg_graphql_authenticated_table_exposed_{s}_posts', 'pg_graphql_authenticated_table_exposed_{s}_post_ids'],
    },
    passes: {
      setup: `${rlsTable('posts')}
        grant select on {s}.posts to anon;`,
    },
  },
  {
    id: 'anon_security_definer_function_executable',
    fires: {
      // EXECUTE comes from PUBLIC, as for every new function; the fix must keep it for the other API roles.
      setup: `create function {s}.purge_cache() returns integer language sql security definer set search_path = '' as 'select 1';`,
      keys: ['anon_security_definer_function_executable_{s}_purge_cache'],
      afterFix: `select has_function_privilege('authenticated', '{s}.purge_cache()', 'execute')
                   and has_function_privilege('service_role', '{s}.purge_cache()', 'execute') as ok`,
    },
    passes: {
      setup: `
        create function {s}.purge_cache() returns integer language sql security definer set search_path = '' as 'select 1';
        revoke execute on function {s}.purge_cache() from public, anon;
        create function {s}.whoami() returns text language sql set search_path = '' as 'select current_user::text';
        create function {s}.on_signup() returns trigger language plpgsql security definer set search_path = ''
          as $$ begin return new; end $$;`,
    },
  },
  {
    id: 'authenticated_security_definer_function_executable',
    fires: {
      setup: `
        create function {s}.grant_credits(user_id uuid, amount integer) returns integer language sql security definer
          set search_path = '' as 'select amount';
        revoke execute on function {s}.grant_credits(uuid, integer) from public;
        grant execute on function {s}.grant_credits(uuid, integer) to authenticated, service_role;`,
      keys: ['authenticated_security_definer_function_executable_{s}_grant_credits_user_id uuid, amount integer'],
      afterFix: `select has_function_privilege('service_role', '{s}.grant_credits(uuid, integer)', 'execute') as ok`,
    },
    passes: {
      setup: `
        create function {s}.grant_credits(user_id uuid, amount integer) returns integer language sql security definer
          set search_path = '' as 'select amount';
        revoke execute on function {s}.grant_credits(uuid, integer) from public;
        grant execute on function {s}.grant_credits(uuid, integer) to service_role;`,
    },
  },
];
