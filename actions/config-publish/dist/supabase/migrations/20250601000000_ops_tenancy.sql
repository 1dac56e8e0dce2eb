-- The control plane lives in its own schema, `ops`, which the Data API does not expose
-- (config.toml [api] schemas): the service role reaches it over a direct connection or from
-- Edge Functions; signed-in members of an org may read that org's rows, nothing more.
create schema if not exists ops;
comment on schema ops is 'Platform Kit control plane: tenancy, inventory, risk register, parity, config registry, work queue.';

revoke all on schema ops from public;
grant usage on schema ops to authenticated, service_role;

-- Tables added to ops later are written by the service role and stay closed to the API roles until
-- a migration grants them explicitly, next to their policies. Functions are revoked one by one
-- (the 20250601000600 migration): PUBLIC's EXECUTE default is global and a per-schema revoke cannot lift it.
alter default privileges in schema ops revoke all on tables from public, anon, authenticated;
alter default privileges in schema ops revoke all on sequences from public, anon, authenticated;
alter default privileges in schema ops grant select, insert, update, delete on tables to service_role;
alter default privileges in schema ops grant usage, select on sequences to service_role;

create table ops.orgs (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null check (char_length(name) between 1 and 200),
  -- The GitHub organisation whose repositories and checks feed this org's rows.
  github_login text unique check (github_login ~ '^[A-Za-z0-9][A-Za-z0-9-]{0,38}$'),
  created_at timestamptz not null default now()
);
comment on table ops.orgs is 'Tenants: every other ops row belongs to one org.';
alter table ops.orgs enable row level security;

create table ops.org_memberships (
  org_id uuid not null references ops.orgs (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
comment on table ops.org_memberships is 'Which auth users may read which org''s rows.';
-- The primary key covers org_id; policies look memberships up by user.
create index org_memberships_user_id_idx on ops.org_memberships (user_id);
alter table ops.org_memberships enable row level security;

-- The orgs the signed-in user belongs to. SECURITY DEFINER so that policies (org_memberships'
-- own included) can read memberships without recursing into their policy; policies call it as
-- `org_id = any ((select ops.member_org_ids())::uuid[])`, an init plan evaluated once per query.
create function ops.member_org_ids()
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(m.org_id), '{}'::uuid[])
  from ops.org_memberships m
  where m.user_id = (select auth.uid())
$$;
comment on function ops.member_org_ids() is 'Org ids of the signed-in user (auth.uid()); used by the RLS policies of every ops table.';

-- Bad input to an RPC: SQLSTATE 22023 (invalid_parameter_value), the field in COLUMN and DETAIL.
create function ops.invalid_argument(field text, problem text, hint text default null)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if hint is null then
    raise exception using
      errcode = '22023',
      message = pg_catalog.format('invalid %s: %s', field, problem),
      detail = pg_catalog.format('field: %s', field),
      column = field;
  end if;
  raise exception using
    errcode = '22023',
    message = pg_catalog.format('invalid %s: %s', field, problem),
    detail = pg_catalog.format('field: %s', field),
    hint = hint,
    column = field;
end
$$;

-- A required, non-blank text of at most max_length characters.
create function ops.require_text(value text, field text, max_length integer default 200)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if value is null or pg_catalog.btrim(value) = '' then
    perform ops.invalid_argument(field, 'is required');
  end if;
  if pg_catalog.char_length(value) > max_length then
    perform ops.invalid_argument(field, pg_catalog.format('is %s characters long; the limit is %s', pg_catalog.char_length(value), max_length));
  end if;
  return value;
end
$$;

-- An optional text: null passes, anything else must be non-blank and short enough.
create function ops.optional_text(value text, field text, max_length integer default 200)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if value is null then
    return null;
  end if;
  return ops.require_text(value, field, max_length);
end
$$;

-- One of a fixed set of values (the set the column's check constraint allows).
create function ops.require_enum(value text, field text, allowed text[])
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if value is null then
    perform ops.invalid_argument(field, 'is required', pg_catalog.format('one of: %s', pg_catalog.array_to_string(allowed, ', ')));
  end if;
  if not value = any (allowed) then
    perform ops.invalid_argument(
      field,
      pg_catalog.format('%s is not an allowed value', pg_catalog.quote_literal(value)),
      pg_catalog.format('one of: %s', pg_catalog.array_to_string(allowed, ', '))
    );
  end if;
  return value;
end
$$;

-- A JSON value whose text form is at most max_bytes bytes; null when allowed.
create function ops.require_json_size(value jsonb, field text, max_bytes integer, required boolean default true)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  size integer;
begin
  if value is null or pg_catalog.jsonb_typeof(value) = 'null' then
    if required then
      perform ops.invalid_argument(field, 'is required');
    end if;
    return null;
  end if;
  size := pg_catalog.octet_length(value::text);
  if size > max_bytes then
    perform ops.invalid_argument(field, pg_catalog.format('is %s bytes; the limit is %s', size, max_bytes));
  end if;
  return value;
end
$$;

-- config_versions and audit_log are history: rows are added, never changed or removed.
create function ops.reject_history_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using
    errcode = '55000',
    message = pg_catalog.format('%s.%s is append-only: %s is not allowed', tg_table_schema, tg_table_name, pg_catalog.lower(tg_op)),
    hint = 'Add a new row instead (a rollback is a new config version).';
end
$$;

create function ops.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end
$$;
