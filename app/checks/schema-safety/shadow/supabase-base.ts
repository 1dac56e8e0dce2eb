/**
 * What a Supabase project's database holds before the first user migration, reduced to what
 * migrations reference and what the catalog lints read: the API roles and their memberships,
 * the `auth`, `storage`, `realtime`, `extensions` and `graphql_public` schemas, `auth.users` and the
 * JWT helpers, minimal storage tables, the `supabase_realtime` publication, and the grants and
 * default privileges through which new objects in `public` become reachable by `anon` and
 * `authenticated` (the exposure lints depend on those).
 *
 * Modelled on supabase/postgres `migrations/db/init-scripts` and the auth and storage services'
 * own migrations. Roles are created without LOGIN and without SUPERUSER: on a shared server they
 * are cluster-wide, and a shadow database never needs to accept their connections.
 */

/** Roles are cluster-wide on a server: each is created only when missing (races between runs included). */
export const SUPABASE_ROLES_SQL = `
do $pk_roles$
declare
  spec record;
begin
  for spec in
    select * from (values
      ('postgres', 'nologin'),
      ('supabase_admin', 'nologin'),
      ('anon', 'nologin noinherit'),
      ('authenticated', 'nologin noinherit'),
      ('service_role', 'nologin noinherit bypassrls'),
      ('authenticator', 'nologin noinherit'),
      ('supabase_auth_admin', 'nologin noinherit'),
      ('supabase_storage_admin', 'nologin noinherit'),
      ('dashboard_user', 'nologin')
    ) as roles(name, options)
  loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = spec.name) then
      begin
        execute format('create role %I %s', spec.name, spec.options);
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;
end
$pk_roles$;

do $pk_memberships$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_catalog.pg_has_role('authenticator', api_role, 'member') then
      begin
        execute format('grant %I to authenticator', api_role);
      exception when unique_violation or duplicate_object or internal_error then
        -- Another run granted it at the same moment ("tuple concurrently updated").
        null;
      end;
    end if;
  end loop;
end
$pk_memberships$;
`;

const API_ROLES = 'postgres, anon, authenticated, service_role';

/** Per-database part: schemas, tables, functions, grants (copied along with a template database). */
export const SUPABASE_DATABASE_SQL = `
create schema if not exists extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
do $pk_stat$
begin
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_stat_statements') then
    create extension if not exists pg_stat_statements with schema extensions;
  end if;
end
$pk_stat$;
grant usage on schema extensions to ${API_ROLES};

create schema if not exists graphql_public;
grant usage on schema graphql_public to ${API_ROLES};

-- The Data API roles reach public through these grants; RLS is what keeps rows private.
grant usage on schema public to ${API_ROLES};
do $pk_default_privileges$
declare
  owner_role text;
  object_kind text;
begin
  foreach owner_role in array array['postgres', 'supabase_admin', current_user] loop
    foreach object_kind in array array['tables', 'functions', 'sequences'] loop
      execute format('alter default privileges for role %I in schema public grant all on %s to ${API_ROLES}', owner_role, object_kind);
      execute format('alter default privileges for role %I in schema graphql_public grant all on %s to ${API_ROLES}', owner_role, object_kind);
    end loop;
  end loop;
end
$pk_default_privileges$;

create publication supabase_realtime;

-- auth: the columns of auth.users that migrations and policies reference.
create schema if not exists auth authorization supabase_admin;
grant usage on schema auth to anon, authenticated, service_role;
grant all on schema auth to supabase_auth_admin, dashboard_user;

create table auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0 check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create index users_instance_id_idx on auth.users (instance_id);
create unique index users_email_partial_key on auth.users (email) where is_sso_user = false;
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';

create table auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid not null default gen_random_uuid() primary key,
  unique (provider_id, provider)
);
create index identities_user_id_idx on auth.identities (user_id);

create table auth.sessions (
  id uuid not null primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  not_after timestamptz
);
create index sessions_user_id_idx on auth.sessions (user_id);

-- The helpers read the JWT claims PostgREST puts in request.jwt.claims (older versions: one setting per claim).
create or replace function auth.uid() returns uuid language sql stable as $pk$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$pk$;
comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';

create or replace function auth.role() returns text language sql stable as $pk$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$pk$;
comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';

create or replace function auth.email() returns text language sql stable as $pk$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$pk$;
comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';

create or replace function auth.jwt() returns jsonb language sql stable as $pk$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$pk$;

grant all on all tables in schema auth to supabase_auth_admin, dashboard_user;
alter table auth.users owner to supabase_auth_admin;
alter table auth.identities owner to supabase_auth_admin;
alter table auth.sessions owner to supabase_auth_admin;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;

-- storage: buckets and objects, both under RLS; the API roles hold every table privilege.
create schema if not exists storage authorization supabase_admin;
grant usage on schema storage to ${API_ROLES};
grant all on schema storage to supabase_storage_admin;

create table storage.buckets (
  id text not null primary key,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
create unique index bname on storage.buckets using btree (name);

create table storage.objects (
  id uuid not null default gen_random_uuid() primary key,
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb
);
create unique index bucketid_objname on storage.objects using btree (bucket_id, name);
create index name_prefix_search on storage.objects using btree (name text_pattern_ops);

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

create or replace function storage.foldername(name text) returns text[] language plpgsql immutable as $pk$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1 : array_length(_parts, 1) - 1];
end
$pk$;

create or replace function storage.filename(name text) returns text language plpgsql immutable as $pk$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$pk$;

create or replace function storage.extension(name text) returns text language plpgsql immutable as $pk$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$pk$;

grant all on all tables in schema storage to ${API_ROLES}, supabase_storage_admin;
grant all on all functions in schema storage to ${API_ROLES};
alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;

-- realtime: Broadcast and Presence authorization policies live on realtime.messages.
create schema if not exists realtime;
grant usage on schema realtime to ${API_ROLES};
create table realtime.messages (
  id uuid not null default gen_random_uuid(),
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  primary key (id, inserted_at)
);
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated;
grant all on realtime.messages to postgres, service_role;

create or replace function realtime.topic() returns text language sql stable as $pk$
  select nullif(current_setting('realtime.topic', true), '')::text
$pk$;

-- Database webhooks created in the dashboard call this trigger function (backed by pg_net on Supabase).
create schema if not exists supabase_functions authorization supabase_admin;
grant usage on schema supabase_functions to ${API_ROLES};
create or replace function supabase_functions.http_request() returns trigger language plpgsql
security definer set search_path = supabase_functions as $pk$
begin
  return coalesce(new, old);
end
$pk$;
`;

/** The base, roles first. Everything in it may run again on a database that already has the roles. */
export const SUPABASE_BASE_SQL = `${SUPABASE_ROLES_SQL}\n${SUPABASE_DATABASE_SQL}`;

/** Supabase's postgres role has this search_path (set on the role there; set per session here). */
export const SUPABASE_SEARCH_PATH = '"$user", public, extensions';

/** Extensions the base creates; PGlite must load their code in every instance started from the snapshot. */
export const BASE_EXTENSIONS = ['uuid-ossp', 'pgcrypto', 'pg_stat_statements'] as const;

/** Session settings every shadow connection starts with. */
export function sessionSql(statementTimeoutMs: number): string {
  return `set search_path to ${SUPABASE_SEARCH_PATH}; set statement_timeout = ${Math.max(0, Math.round(statementTimeoutMs))};`;
}
