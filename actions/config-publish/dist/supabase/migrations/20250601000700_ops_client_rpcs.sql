-- RPCs for the typed client (app/control-plane/): whatever it writes goes through an RPC, so a
-- caller that reaches ops only through the Data API (supabase-js) writes the same way as one on a
-- direct connection. Same conventions as 20250601000500: SECURITY INVOKER, search_path = '',
-- bad input raises 22023 naming the field, EXECUTE for service_role only.

-- Queues a run for the workers (ops.claim_next_run).
create function ops.enqueue_run(
  p_org_id uuid,
  p_kind text,
  p_payload jsonb default null,
  p_project_id uuid default null,
  p_max_attempts integer default null,
  p_run_after timestamptz default null
)
returns ops.runs
language plpgsql
set search_path = ''
as $$
declare
  queued ops.runs;
begin
  perform ops.require_org(p_org_id);
  perform ops.require_text(p_kind, 'kind', 63);
  if p_kind !~ '^[a-z][a-z0-9_.-]{0,62}$' then
    perform ops.invalid_argument('kind', pg_catalog.format('%s is not a run kind', pg_catalog.quote_literal(p_kind)), 'lower-case letters, digits, "_", "." and "-", starting with a letter');
  end if;
  if p_payload is not null and pg_catalog.jsonb_typeof(p_payload) <> 'object' then
    perform ops.invalid_argument('payload', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_payload, 'payload', 262144, false);
  if p_project_id is not null and not exists (select 1 from ops.platform_projects p where p.org_id = p_org_id and p.id = p_project_id) then
    perform ops.invalid_argument('project_id', pg_catalog.format('%s names no project of org %s', p_project_id, p_org_id));
  end if;
  if p_max_attempts is not null and p_max_attempts not between 1 and 100 then
    perform ops.invalid_argument('max_attempts', 'must be between 1 and 100');
  end if;

  insert into ops.runs (org_id, project_id, kind, payload, max_attempts, run_after)
  values (p_org_id, p_project_id, p_kind, coalesce(p_payload, '{}'::jsonb), coalesce(p_max_attempts, 3), coalesce(p_run_after, pg_catalog.now()))
  returning * into queued;
  return queued;
end
$$;

-- Upserts the consumers of one artifact from the registry (config/consumers/consumers.json):
-- {"org_id", "artifact", "kind"?, "allow_self_registration"?, "retire_missing"?, "registered_by"?,
--  "consumers": [{"name", "environment"?, "project_id"?, "status"?}]}.
-- New consumers are added, listed ones take the registry's environment, project and status (a
-- self-registered one becomes a registry one), and with retire_missing the registry consumers it
-- no longer lists are retired (never deleted: their checks and drift history stay). The artifact is
-- created when missing and `kind` is given. One audit entry per call that changes something.
create function ops.register_consumers(p_input jsonb)
returns table (registered integer, updated integer, unchanged integer, retired integer)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  target_org uuid;
  artifact_name text;
  artifact_kind text;
  self_registration boolean;
  retire boolean;
  actor text;
  consumers jsonb;
  artifact ops.config_artifacts;
  bad record;
  registered_count integer := 0;
  updated_count integer := 0;
  retired_count integer := 0;
  statuses constant text[] := array['active', 'disabled', 'retired'];
  environments constant text[] := array['production', 'staging', 'development', 'preview'];
begin
  if p_input is null or pg_catalog.jsonb_typeof(p_input) <> 'object' then
    perform ops.invalid_argument('input', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_input, 'input', 8388608);
  target_org := ops.require_org(ops.json_uuid(p_input, 'org_id', 'org_id'));
  artifact_name := ops.json_text(p_input, 'artifact', 'artifact', true, 100);
  artifact_kind := ops.json_text(p_input, 'kind', 'kind', false, 20);
  if artifact_kind is not null then
    perform ops.require_enum(artifact_kind, 'kind', array['tokens', 'consumers', 'flags', 'policy', 'other']);
  end if;
  actor := ops.json_text(p_input, 'registered_by', 'registered_by', false, 200);
  if p_input ? 'allow_self_registration' and pg_catalog.jsonb_typeof(p_input -> 'allow_self_registration') not in ('boolean', 'null') then
    perform ops.invalid_argument('allow_self_registration', 'must be true or false');
  end if;
  self_registration := (p_input ->> 'allow_self_registration')::boolean;
  if p_input ? 'retire_missing' and pg_catalog.jsonb_typeof(p_input -> 'retire_missing') not in ('boolean', 'null') then
    perform ops.invalid_argument('retire_missing', 'must be true or false');
  end if;
  retire := coalesce((p_input ->> 'retire_missing')::boolean, false);
  consumers := p_input -> 'consumers';
  if consumers is null or pg_catalog.jsonb_typeof(consumers) <> 'array' then
    perform ops.invalid_argument('consumers', 'is required (a JSON array)');
  end if;
  if pg_catalog.jsonb_array_length(consumers) > 10000 then
    perform ops.invalid_argument('consumers', pg_catalog.format('has %s items; the limit is 10000', pg_catalog.jsonb_array_length(consumers)));
  end if;

  -- The first bad consumer, checked set-wise like ops.finish_scan's objects.
  select c.i - 1 as index, problem.field, problem.message into bad
  from pg_catalog.jsonb_array_elements(consumers) with ordinality as c(value, i)
  cross join lateral (
    select
      case
        when pg_catalog.jsonb_typeof(c.value) <> 'object' then ''
        when pg_catalog.jsonb_typeof(c.value -> 'name') is distinct from 'string'
          or (c.value ->> 'name') !~ '^[A-Za-z0-9][A-Za-z0-9._@/:-]{0,199}$' then '.name'
        when coalesce(pg_catalog.jsonb_typeof(c.value -> 'environment'), 'null') <> 'null'
          and not coalesce(c.value ->> 'environment', '') = any (environments) then '.environment'
        when coalesce(pg_catalog.jsonb_typeof(c.value -> 'status'), 'null') <> 'null'
          and not coalesce(c.value ->> 'status', '') = any (statuses) then '.status'
        when coalesce(pg_catalog.jsonb_typeof(c.value -> 'project_id'), 'null') <> 'null'
          and coalesce(c.value ->> 'project_id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then '.project_id'
        when coalesce(pg_catalog.jsonb_typeof(c.value -> 'project_id'), 'null') <> 'null'
          and not exists (
            select 1 from ops.platform_projects p where p.org_id = target_org and p.id = (c.value ->> 'project_id')::uuid
          ) then '.project_id'
      end as field,
      case
        when pg_catalog.jsonb_typeof(c.value) <> 'object' then 'must be a JSON object'
        when pg_catalog.jsonb_typeof(c.value -> 'name') is distinct from 'string' then 'is required (a string)'
        when (c.value ->> 'name') !~ '^[A-Za-z0-9][A-Za-z0-9._@/:-]{0,199}$' then
          pg_catalog.format('%s is not a consumer name (letters, digits and . _ @ / : -, at most 200)', pg_catalog.quote_literal(c.value ->> 'name'))
        when coalesce(pg_catalog.jsonb_typeof(c.value -> 'environment'), 'null') <> 'null'
          and not coalesce(c.value ->> 'environment', '') = any (environments) then
          pg_catalog.format('%s is not an allowed value (one of: %s)', (c.value -> 'environment')::text, pg_catalog.array_to_string(environments, ', '))
        when coalesce(pg_catalog.jsonb_typeof(c.value -> 'status'), 'null') <> 'null'
          and not coalesce(c.value ->> 'status', '') = any (statuses) then
          pg_catalog.format('%s is not an allowed value (one of: %s)', (c.value -> 'status')::text, pg_catalog.array_to_string(statuses, ', '))
        when coalesce(pg_catalog.jsonb_typeof(c.value -> 'project_id'), 'null') <> 'null'
          and coalesce(c.value ->> 'project_id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
          pg_catalog.format('%s is not a UUID', (c.value -> 'project_id')::text)
        else pg_catalog.format('%s names no project of org %s', c.value ->> 'project_id', target_org)
      end as message
  ) problem
  where problem.field is not null
  order by c.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('consumers[%s]%s', bad.index, bad.field), bad.message);
  end if;

  select d.i - 1 as index, d.first_i - 1 as first_index into bad
  from (
    select c.i, pg_catalog.min(c.i) over (partition by c.value ->> 'name') as first_i
    from pg_catalog.jsonb_array_elements(consumers) with ordinality as c(value, i)
  ) d
  where d.i <> d.first_i
  order by d.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('consumers[%s].name', bad.index), pg_catalog.format('repeats consumers[%s]', bad.first_index));
  end if;

  artifact := ops.locked_artifact(target_org, artifact_name);
  if artifact.id is null then
    if artifact_kind is null then
      perform ops.invalid_argument('artifact', pg_catalog.format('%s names no artifact of this org (give kind to create it)', pg_catalog.quote_literal(artifact_name)));
    end if;
    if artifact_name !~ '^[a-z0-9][a-z0-9._-]{0,99}$' then
      perform ops.invalid_argument('artifact', pg_catalog.format('%s is not an artifact name', pg_catalog.quote_literal(artifact_name)), 'lower-case letters, digits, ".", "_" and "-"');
    end if;
    insert into ops.config_artifacts (org_id, name, kind)
    values (target_org, artifact_name, artifact_kind)
    on conflict (org_id, name) do nothing;
    artifact := ops.locked_artifact(target_org, artifact_name);
  elsif artifact_kind is not null and artifact_kind <> artifact.kind then
    perform ops.invalid_argument('kind', pg_catalog.format('artifact %s is a %s artifact, not %s', artifact.name, artifact.kind, artifact_kind));
  end if;
  if self_registration is not null and self_registration <> artifact.allow_self_registration then
    update ops.config_artifacts a set allow_self_registration = self_registration where a.id = artifact.id;
  end if;

  with listed as (
    select
      c.value ->> 'name' as name,
      c.value ->> 'environment' as environment,
      (c.value ->> 'project_id')::uuid as project_id,
      coalesce(c.value ->> 'status', 'active') as status
    from pg_catalog.jsonb_array_elements(consumers) as c(value)
  ),
  written as (
    insert into ops.config_consumers as cc (org_id, artifact_id, name, environment, project_id, status, registered_by)
    select artifact.org_id, artifact.id, l.name, l.environment, l.project_id, l.status, 'registry'
    from listed l
    on conflict (org_id, artifact_id, name) do update
    set environment = excluded.environment, project_id = excluded.project_id, status = excluded.status, registered_by = 'registry'
    where (cc.environment, cc.project_id, cc.status, cc.registered_by)
      is distinct from (excluded.environment, excluded.project_id, excluded.status, excluded.registered_by)
    -- xmax is 0 on a row this statement inserted, set on one it updated.
    returning (cc.xmax = 0) as inserted
  )
  select pg_catalog.count(*) filter (where w.inserted), pg_catalog.count(*) filter (where not w.inserted)
  into registered_count, updated_count
  from written w;

  if retire then
    update ops.config_consumers c
    set status = 'retired'
    where c.org_id = artifact.org_id and c.artifact_id = artifact.id and c.registered_by = 'registry' and c.status <> 'retired'
      and not exists (select 1 from pg_catalog.jsonb_array_elements(consumers) as l(value) where l.value ->> 'name' = c.name);
    get diagnostics retired_count = row_count;
  end if;

  if registered_count + updated_count + retired_count > 0 or self_registration is distinct from artifact.allow_self_registration and self_registration is not null then
    insert into ops.audit_log (org_id, actor, action, target_type, target_id, details)
    values (
      artifact.org_id, coalesce(actor, current_user::text), 'config.register_consumers', 'config_artifact', artifact.id::text,
      pg_catalog.jsonb_build_object(
        'artifact', artifact.name, 'registered', registered_count, 'updated', updated_count, 'retired', retired_count,
        'allow_self_registration', self_registration
      )
    );
  end if;

  return query select registered_count, updated_count, pg_catalog.jsonb_array_length(consumers) - registered_count - updated_count, retired_count;
end
$$;

revoke all on function ops.enqueue_run(uuid, text, jsonb, uuid, integer, timestamptz) from public, anon, authenticated;
revoke all on function ops.register_consumers(jsonb) from public, anon, authenticated;
grant execute on function ops.enqueue_run(uuid, text, jsonb, uuid, integer, timestamptz) to service_role;
grant execute on function ops.register_consumers(jsonb) to service_role;
