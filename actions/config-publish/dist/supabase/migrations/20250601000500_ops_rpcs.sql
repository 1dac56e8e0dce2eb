-- The control plane's RPCs. They run with the caller's rights (SECURITY INVOKER): their callers,
-- the service role and the database owner, already write every ops table, so none of them needs
-- to cross RLS. Bad input raises SQLSTATE 22023 with the field in the error's COLUMN and DETAIL;
-- a state conflict (a run no longer held, a scan already finished) raises 55000.

-- Input readers for the jsonb-taking RPCs: `key` is read from `input`, `field` names it in errors.
create function ops.json_text(input jsonb, key text, field text, required boolean default true, max_length integer default 200)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  value jsonb := input -> key;
begin
  if value is null or pg_catalog.jsonb_typeof(value) = 'null' then
    if required then
      perform ops.invalid_argument(field, 'is required');
    end if;
    return null;
  end if;
  if pg_catalog.jsonb_typeof(value) <> 'string' then
    perform ops.invalid_argument(field, pg_catalog.format('must be a string, not %s', pg_catalog.jsonb_typeof(value)));
  end if;
  return ops.require_text(value #>> '{}', field, max_length);
end
$$;

create function ops.json_uuid(input jsonb, key text, field text)
returns uuid
language plpgsql
immutable
set search_path = ''
as $$
declare
  value text := ops.json_text(input, key, field, true, 36);
begin
  if value !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    perform ops.invalid_argument(field, pg_catalog.format('%s is not a UUID', pg_catalog.quote_literal(value)));
  end if;
  return value::uuid;
end
$$;

create function ops.json_id(input jsonb, key text, field text)
returns bigint
language plpgsql
immutable
set search_path = ''
as $$
declare
  value jsonb := input -> key;
begin
  if value is null or pg_catalog.jsonb_typeof(value) = 'null' then
    perform ops.invalid_argument(field, 'is required');
  end if;
  -- A string of digits too: JavaScript clients carry bigint ids as strings to keep their precision.
  if pg_catalog.jsonb_typeof(value) not in ('number', 'string') or (value #>> '{}') !~ '^[1-9][0-9]{0,17}$' then
    perform ops.invalid_argument(field, pg_catalog.format('must be a positive integer, not %s', value::text));
  end if;
  return (value #>> '{}')::bigint;
end
$$;

create function ops.require_org(org_id uuid)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  if org_id is null then
    perform ops.invalid_argument('org_id', 'is required');
  end if;
  if not exists (select 1 from ops.orgs o where o.id = require_org.org_id) then
    perform ops.invalid_argument('org_id', pg_catalog.format('%s names no org', org_id));
  end if;
  return org_id;
end
$$;

-- The artifact row, locked: publishes and rollbacks of one artifact happen one at a time.
create function ops.locked_artifact(org_id uuid, artifact text)
returns ops.config_artifacts
language plpgsql
set search_path = ''
as $$
declare
  found_artifact ops.config_artifacts;
begin
  select a.* into found_artifact
  from ops.config_artifacts a
  where a.org_id = locked_artifact.org_id and a.name = locked_artifact.artifact
  for update;
  return found_artifact;
end
$$;

-- A consumer of an artifact, or an error naming the consumer (SQLSTATE 42704, undefined_object).
create function ops.known_consumer(artifact ops.config_artifacts, consumer text)
returns ops.config_consumers
language plpgsql
set search_path = ''
as $$
declare
  found_consumer ops.config_consumers;
begin
  select c.* into found_consumer
  from ops.config_consumers c
  where c.org_id = artifact.org_id and c.artifact_id = artifact.id and c.name = consumer
  for update;
  if found_consumer.id is null then
    raise exception using
      errcode = '42704',
      message = pg_catalog.format('unknown consumer %s of artifact %s', pg_catalog.quote_literal(consumer), pg_catalog.quote_literal(artifact.name)),
      detail = 'field: consumer',
      hint = 'Register the consumer in the registry, or allow self-registration on the artifact.',
      column = 'consumer';
  end if;
  return found_consumer;
end
$$;

-- Ends the artifact's active rollouts and starts one to the given version.
create function ops.start_rollout(artifact ops.config_artifacts, target_version_id bigint, grace integer, actor text)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  rollout_id bigint;
begin
  update ops.config_rollouts r
  set status = 'superseded', ended_at = pg_catalog.now()
  where r.org_id = artifact.org_id and r.artifact_id = artifact.id and r.status = 'active';
  insert into ops.config_rollouts (org_id, artifact_id, version_id, grace_seconds, created_by)
  values (artifact.org_id, artifact.id, target_version_id, coalesce(grace, 900), actor)
  returning id into rollout_id;
  return rollout_id;
end
$$;

-- Publishes content as the artifact's next version. Idempotent: when the artifact's latest version
-- has the same content hash, that version is returned (created = false) and nothing is written.
-- The artifact is registered on its first publish (p_kind is then required). With p_rollout, the
-- new version becomes every consumer's target.
create function ops.publish_config_version(
  p_org_id uuid,
  p_artifact text,
  p_content jsonb,
  p_content_hash text default null,
  p_kind text default null,
  p_source_ref text default null,
  p_published_by text default null,
  p_rollout boolean default true,
  p_grace_seconds integer default null
)
returns table (version_id bigint, version integer, content_hash text, created boolean)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  artifact ops.config_artifacts;
  latest ops.config_versions;
  published ops.config_versions;
  hash text;
  content_size integer;
  kinds constant text[] := array['tokens', 'consumers', 'flags', 'policy', 'other'];
begin
  perform ops.require_org(p_org_id);
  perform ops.require_text(p_artifact, 'artifact', 100);
  if p_artifact !~ '^[a-z0-9][a-z0-9._-]{0,99}$' then
    perform ops.invalid_argument('artifact', pg_catalog.format('%s is not an artifact name', pg_catalog.quote_literal(p_artifact)), 'lower-case letters, digits, ".", "_" and "-"');
  end if;
  if p_content is null or pg_catalog.jsonb_typeof(p_content) = 'null' then
    perform ops.invalid_argument('content', 'is required');
  end if;
  if pg_catalog.jsonb_typeof(p_content) not in ('object', 'array') then
    perform ops.invalid_argument('content', pg_catalog.format('must be a JSON object or array, not %s', pg_catalog.jsonb_typeof(p_content)));
  end if;
  if p_content_hash is not null and p_content_hash !~ '^[0-9a-f]{64}$' then
    perform ops.invalid_argument('content_hash', 'must be a SHA-256 digest in lower-case hex (64 characters)');
  end if;
  if p_kind is not null then
    perform ops.require_enum(p_kind, 'kind', kinds);
  end if;
  perform ops.optional_text(p_source_ref, 'source_ref', 200);
  perform ops.optional_text(p_published_by, 'published_by', 200);
  if p_grace_seconds is not null and p_grace_seconds not between 0 and 604800 then
    perform ops.invalid_argument('grace_seconds', 'must be between 0 and 604800');
  end if;

  artifact := ops.locked_artifact(p_org_id, p_artifact);
  if artifact.id is null then
    perform ops.require_enum(p_kind, 'kind', kinds);
    insert into ops.config_artifacts (org_id, name, kind)
    values (p_org_id, p_artifact, p_kind)
    on conflict (org_id, name) do nothing;
    artifact := ops.locked_artifact(p_org_id, p_artifact);
  elsif p_kind is not null and p_kind <> artifact.kind then
    perform ops.invalid_argument('kind', pg_catalog.format('artifact %s is a %s artifact, not %s', artifact.name, artifact.kind, p_kind));
  end if;

  content_size := pg_catalog.octet_length(p_content::text);
  if content_size > artifact.max_content_bytes then
    perform ops.invalid_argument('content', pg_catalog.format('is %s bytes; artifact %s takes at most %s', content_size, artifact.name, artifact.max_content_bytes));
  end if;
  hash := coalesce(p_content_hash, pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_content::text, 'UTF8')), 'hex'));

  select v.* into latest
  from ops.config_versions v
  where v.org_id = artifact.org_id and v.artifact_id = artifact.id
  order by v.version desc
  limit 1;
  if latest.id is not null and latest.content_hash = hash then
    return query select latest.id, latest.version, latest.content_hash, false;
    return;
  end if;

  insert into ops.config_versions (org_id, artifact_id, version, content, content_hash, content_bytes, kind, source_ref, published_by)
  values (artifact.org_id, artifact.id, coalesce(latest.version, 0) + 1, p_content, hash, content_size, 'publish', p_source_ref, p_published_by)
  returning * into published;
  if coalesce(p_rollout, true) then
    perform ops.start_rollout(artifact, published.id, p_grace_seconds, p_published_by);
  end if;
  insert into ops.audit_log (org_id, actor, action, target_type, target_id, details)
  values (
    artifact.org_id, coalesce(p_published_by, current_user::text), 'config.publish', 'config_version', published.id::text,
    pg_catalog.jsonb_build_object('artifact', artifact.name, 'version', published.version, 'content_hash', hash, 'source_ref', p_source_ref)
  );
  return query select published.id, published.version, published.content_hash, true;
end
$$;

-- Rolls an artifact back to an earlier version's content as a new version, so history only grows.
create function ops.rollback_config(
  p_org_id uuid,
  p_artifact text,
  p_to_version integer,
  p_actor text default null,
  p_reason text default null,
  p_grace_seconds integer default null
)
returns table (version_id bigint, version integer, content_hash text, created boolean)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  artifact ops.config_artifacts;
  target ops.config_versions;
  latest ops.config_versions;
  restored ops.config_versions;
begin
  perform ops.require_org(p_org_id);
  perform ops.require_text(p_artifact, 'artifact', 100);
  if p_to_version is null then
    perform ops.invalid_argument('to_version', 'is required');
  end if;
  perform ops.optional_text(p_actor, 'actor', 200);
  perform ops.optional_text(p_reason, 'reason', 2000);
  if p_grace_seconds is not null and p_grace_seconds not between 0 and 604800 then
    perform ops.invalid_argument('grace_seconds', 'must be between 0 and 604800');
  end if;

  artifact := ops.locked_artifact(p_org_id, p_artifact);
  if artifact.id is null then
    perform ops.invalid_argument('artifact', pg_catalog.format('%s names no artifact of this org', pg_catalog.quote_literal(p_artifact)));
  end if;
  select v.* into target
  from ops.config_versions v
  where v.org_id = artifact.org_id and v.artifact_id = artifact.id and v.version = p_to_version;
  if target.id is null then
    perform ops.invalid_argument('to_version', pg_catalog.format('artifact %s has no version %s', artifact.name, p_to_version));
  end if;
  select v.* into latest
  from ops.config_versions v
  where v.org_id = artifact.org_id and v.artifact_id = artifact.id
  order by v.version desc
  limit 1;
  if latest.id = target.id then
    perform ops.invalid_argument('to_version', pg_catalog.format('version %s is already the latest version of %s', p_to_version, artifact.name));
  end if;

  insert into ops.config_versions (org_id, artifact_id, version, content, content_hash, content_bytes, kind, restores_version_id, source_ref, published_by)
  values (artifact.org_id, artifact.id, latest.version + 1, target.content, target.content_hash, target.content_bytes, 'rollback', target.id, target.source_ref, p_actor)
  returning * into restored;
  perform ops.start_rollout(artifact, restored.id, p_grace_seconds, p_actor);
  insert into ops.audit_log (org_id, actor, action, target_type, target_id, details)
  values (
    artifact.org_id, coalesce(p_actor, current_user::text), 'config.rollback', 'config_version', restored.id::text,
    pg_catalog.jsonb_build_object('artifact', artifact.name, 'version', restored.version, 'restores_version', target.version, 'from_version', latest.version, 'reason', p_reason)
  );
  return query select restored.id, restored.version, restored.content_hash, true;
end
$$;

-- A consumer reports what it runs. An unknown consumer is rejected unless the artifact allows
-- self-registration; then it is registered (registered_by = 'self').
create function ops.consumer_heartbeat(
  p_org_id uuid,
  p_artifact text,
  p_consumer text,
  p_content_hash text default null,
  p_version integer default null,
  p_sdk_name text default null,
  p_sdk_version text default null,
  p_environment text default null
)
returns ops.config_consumers
language plpgsql
set search_path = ''
as $$
declare
  artifact ops.config_artifacts;
  consumer ops.config_consumers;
  seen ops.config_versions;
  hash text := p_content_hash;
begin
  perform ops.require_org(p_org_id);
  perform ops.require_text(p_artifact, 'artifact', 100);
  perform ops.require_text(p_consumer, 'consumer', 200);
  if p_consumer !~ '^[A-Za-z0-9][A-Za-z0-9._@/:-]{0,199}$' then
    perform ops.invalid_argument('consumer', pg_catalog.format('%s is not a consumer name', pg_catalog.quote_literal(p_consumer)), 'letters, digits and . _ @ / : -');
  end if;
  if hash is null and p_version is null then
    perform ops.invalid_argument('content_hash', 'is required (or give version)');
  end if;
  if hash is not null and hash !~ '^[0-9a-f]{64}$' then
    perform ops.invalid_argument('content_hash', 'must be a SHA-256 digest in lower-case hex (64 characters)');
  end if;
  perform ops.optional_text(p_sdk_name, 'sdk_name', 100);
  perform ops.optional_text(p_sdk_version, 'sdk_version', 100);
  if p_environment is not null then
    perform ops.require_enum(p_environment, 'environment', array['production', 'staging', 'development', 'preview']);
  end if;

  select a.* into artifact from ops.config_artifacts a where a.org_id = p_org_id and a.name = p_artifact;
  if artifact.id is null then
    perform ops.invalid_argument('artifact', pg_catalog.format('%s names no artifact of this org', pg_catalog.quote_literal(p_artifact)));
  end if;
  if p_version is not null then
    select v.* into seen from ops.config_versions v where v.org_id = artifact.org_id and v.artifact_id = artifact.id and v.version = p_version;
    if seen.id is null then
      perform ops.invalid_argument('version', pg_catalog.format('artifact %s has no version %s', artifact.name, p_version));
    end if;
    hash := coalesce(hash, seen.content_hash);
  else
    select v.* into seen
    from ops.config_versions v
    where v.artifact_id = artifact.id and v.content_hash = hash and v.org_id = artifact.org_id
    order by v.version desc
    limit 1;
  end if;

  if not exists (select 1 from ops.config_consumers c where c.org_id = artifact.org_id and c.artifact_id = artifact.id and c.name = p_consumer)
    and artifact.allow_self_registration then
    insert into ops.config_consumers (org_id, artifact_id, name, environment, registered_by)
    values (artifact.org_id, artifact.id, p_consumer, p_environment, 'self')
    on conflict (org_id, artifact_id, name) do nothing;
  end if;
  consumer := ops.known_consumer(artifact, p_consumer);

  update ops.config_consumers c
  set applied_version_id = seen.id,
      applied_hash = hash,
      sdk_name = coalesce(p_sdk_name, c.sdk_name),
      sdk_version = coalesce(p_sdk_version, c.sdk_version),
      environment = coalesce(p_environment, c.environment),
      last_seen_at = pg_catalog.now()
  where c.id = consumer.id
  returning c.* into consumer;
  return consumer;
end
$$;

-- A check a consumer ran against its config (schema validation, smoke test, ...).
create function ops.record_config_check(
  p_org_id uuid,
  p_artifact text,
  p_consumer text,
  p_check text,
  p_status text,
  p_version integer default null,
  p_details jsonb default null
)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  artifact ops.config_artifacts;
  consumer ops.config_consumers;
  checked_version_id bigint;
  check_id bigint;
begin
  perform ops.require_org(p_org_id);
  perform ops.require_text(p_artifact, 'artifact', 100);
  perform ops.require_text(p_consumer, 'consumer', 200);
  perform ops.require_text(p_check, 'check', 200);
  perform ops.require_enum(p_status, 'status', array['pass', 'fail', 'error', 'skipped']);
  if p_details is not null and pg_catalog.jsonb_typeof(p_details) <> 'object' then
    perform ops.invalid_argument('details', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_details, 'details', 65536, false);

  select a.* into artifact from ops.config_artifacts a where a.org_id = p_org_id and a.name = p_artifact;
  if artifact.id is null then
    perform ops.invalid_argument('artifact', pg_catalog.format('%s names no artifact of this org', pg_catalog.quote_literal(p_artifact)));
  end if;
  consumer := ops.known_consumer(artifact, p_consumer);
  if p_version is not null then
    select v.id into checked_version_id from ops.config_versions v where v.org_id = artifact.org_id and v.artifact_id = artifact.id and v.version = p_version;
    if checked_version_id is null then
      perform ops.invalid_argument('version', pg_catalog.format('artifact %s has no version %s', artifact.name, p_version));
    end if;
  else
    checked_version_id := consumer.applied_version_id;
  end if;

  insert into ops.config_checks (org_id, consumer_id, version_id, check_name, status, details)
  values (artifact.org_id, consumer.id, checked_version_id, p_check, p_status, coalesce(p_details, '{}'::jsonb))
  returning id into check_id;
  return check_id;
end
$$;

-- Opens a drift event for each active consumer whose applied content differs from its rollout
-- target once the rollout's grace period is over: one event per consumer and target version, so
-- repeated detection adds nothing (an event resolved earlier is reopened). Resolves open events
-- whose consumer now runs its target, or whose target has moved on.
create function ops.detect_config_drift(p_org_id uuid default null, p_at timestamptz default null)
returns table (opened integer, resolved integer)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  detection_time timestamptz := coalesce(p_at, pg_catalog.now());
  opened_count integer;
  resolved_count integer;
begin
  if p_org_id is not null then
    perform ops.require_org(p_org_id);
  end if;

  -- One statement: both changes see the same targets. They touch disjoint rows: open events that
  -- no longer describe a drift, and resolved events whose drift is back.
  with targets as (
    select distinct on (c.id)
      c.org_id, c.id as consumer_id, c.applied_hash, v.id as version_id, v.content_hash as expected_hash,
      r.started_at + pg_catalog.make_interval(secs => r.grace_seconds) <= detection_time as due
    from ops.config_consumers c
    join ops.config_rollouts r
      on r.org_id = c.org_id and r.artifact_id = c.artifact_id and r.status = 'active'
      and (r.consumer_id is null or r.consumer_id = c.id)
    join ops.config_versions v on v.org_id = r.org_id and v.id = r.version_id
    where c.status = 'active' and (p_org_id is null or c.org_id = p_org_id)
    order by c.id, (r.consumer_id is not null) desc, r.started_at desc, r.id desc
  ),
  resolved_events as (
    update ops.config_drift_events e
    set status = 'resolved', resolved_at = detection_time
    where e.status = 'open'
      and (p_org_id is null or e.org_id = p_org_id)
      and not exists (
        select 1 from targets t
        where t.org_id = e.org_id and t.consumer_id = e.consumer_id and t.version_id = e.expected_version_id
          and t.applied_hash is distinct from t.expected_hash
      )
    returning e.id
  ),
  opened_events as (
    insert into ops.config_drift_events as e (org_id, consumer_id, expected_version_id, expected_hash, actual_hash, detected_at)
    select t.org_id, t.consumer_id, t.version_id, t.expected_hash, t.applied_hash, detection_time
    from targets t
    where t.due and t.applied_hash is distinct from t.expected_hash
    on conflict (org_id, consumer_id, expected_version_id) do update
    set status = 'open', resolved_at = null, actual_hash = excluded.actual_hash, detected_at = excluded.detected_at
    where e.status = 'resolved'
    returning e.id
  )
  select (select pg_catalog.count(*) from opened_events)::integer, (select pg_catalog.count(*) from resolved_events)::integer
  into opened_count, resolved_count;

  return query select opened_count, resolved_count;
end
$$;

-- Starts an inventory scan: {"org_id", "project_id", "kind": "database" | "github" | "config", "triggered_by"?}.
create function ops.start_scan(p_input jsonb)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  target_org uuid;
  target_project uuid;
  scan_id bigint;
begin
  if p_input is null or pg_catalog.jsonb_typeof(p_input) <> 'object' then
    perform ops.invalid_argument('input', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_input, 'input', 65536);
  target_org := ops.require_org(ops.json_uuid(p_input, 'org_id', 'org_id'));
  target_project := ops.json_uuid(p_input, 'project_id', 'project_id');
  if not exists (select 1 from ops.platform_projects p where p.org_id = target_org and p.id = target_project) then
    perform ops.invalid_argument('project_id', pg_catalog.format('%s names no project of org %s', target_project, target_org));
  end if;
  insert into ops.inventory_scans (org_id, project_id, kind, triggered_by)
  values (
    target_org,
    target_project,
    ops.require_enum(ops.json_text(p_input, 'kind', 'kind', true, 20), 'kind', array['database', 'github', 'config']),
    ops.json_text(p_input, 'triggered_by', 'triggered_by', false, 200)
  )
  returning id into scan_id;
  return scan_id;
end
$$;

-- Finishes a running scan with everything it found, in the caller's transaction:
-- {"scan_id", "status": "succeeded" | "failed", "objects": [...], "risks": [...], "summary"?, "error"?}.
-- An object: {"object_type", "name", "schema_name"?, "identity"?, "attributes"?}.
-- A risk: {"fingerprint", "rule_id", "title", "severity", "detail"?, "object_identity"?, "metadata"?,
--          "remediation"?: {"description", "sql"?}}.
-- Risks are upserted into the register by fingerprint (a resolved one reopens); after a succeeded
-- scan, open risks of the same source that it did not report are resolved.
create function ops.finish_scan(p_input jsonb)
returns table (scan_id bigint, status text, object_count integer, risk_count integer, resolved_count integer)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  scan ops.inventory_scans;
  outcome text;
  objects jsonb;
  risks jsonb;
  scan_summary jsonb;
  scan_error text;
  bad record;
  objects_written integer := 0;
  risks_written integer := 0;
  risks_resolved integer := 0;
  object_types constant text[] := array[
    'schema', 'table', 'view', 'materialized_view', 'foreign_table', 'sequence', 'function', 'trigger',
    'policy', 'index', 'extension', 'role', 'publication', 'bucket', 'edge_function',
    'repository', 'team', 'workflow', 'other'
  ];
  severities constant text[] := array['critical', 'high', 'medium', 'low', 'info'];
begin
  if p_input is null or pg_catalog.jsonb_typeof(p_input) <> 'object' then
    perform ops.invalid_argument('input', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_input, 'input', 67108864);
  outcome := ops.require_enum(ops.json_text(p_input, 'status', 'status', true, 20), 'status', array['succeeded', 'failed']);
  scan_error := ops.json_text(p_input, 'error', 'error', false, 10000);
  scan_summary := coalesce(p_input -> 'summary', '{}'::jsonb);
  if pg_catalog.jsonb_typeof(scan_summary) <> 'object' then
    perform ops.invalid_argument('summary', 'must be a JSON object');
  end if;
  perform ops.require_json_size(scan_summary, 'summary', 1048576);
  objects := coalesce(p_input -> 'objects', '[]'::jsonb);
  if pg_catalog.jsonb_typeof(objects) <> 'array' then
    perform ops.invalid_argument('objects', 'must be a JSON array');
  end if;
  if pg_catalog.jsonb_array_length(objects) > 100000 then
    perform ops.invalid_argument('objects', pg_catalog.format('has %s items; the limit is 100000', pg_catalog.jsonb_array_length(objects)));
  end if;
  risks := coalesce(p_input -> 'risks', '[]'::jsonb);
  if pg_catalog.jsonb_typeof(risks) <> 'array' then
    perform ops.invalid_argument('risks', 'must be a JSON array');
  end if;
  if pg_catalog.jsonb_array_length(risks) > 20000 then
    perform ops.invalid_argument('risks', pg_catalog.format('has %s items; the limit is 20000', pg_catalog.jsonb_array_length(risks)));
  end if;

  select s.* into scan from ops.inventory_scans s where s.id = ops.json_id(p_input, 'scan_id', 'scan_id') for update;
  if scan.id is null then
    perform ops.invalid_argument('scan_id', pg_catalog.format('%s names no scan', p_input -> 'scan_id'));
  end if;
  if scan.status <> 'running' then
    raise exception using
      errcode = '55000',
      message = pg_catalog.format('scan %s is already finished (%s)', scan.id, scan.status),
      detail = 'field: scan_id',
      column = 'scan_id';
  end if;

  -- The first bad object, checked set-wise: 10,000 objects cost one pass, not 10,000 calls.
  select o.i - 1 as index, problem.field, problem.message into bad
  from pg_catalog.jsonb_array_elements(objects) with ordinality as o(value, i)
  cross join lateral (
    select
      case
        when pg_catalog.jsonb_typeof(o.value) <> 'object' then ''
        when pg_catalog.jsonb_typeof(o.value -> 'object_type') is distinct from 'string' then '.object_type'
        when not (o.value ->> 'object_type') = any (object_types) then '.object_type'
        when pg_catalog.jsonb_typeof(o.value -> 'name') is distinct from 'string'
          or pg_catalog.char_length(o.value ->> 'name') not between 1 and 1000 then '.name'
        when o.value ? 'schema_name' and pg_catalog.jsonb_typeof(o.value -> 'schema_name') not in ('string', 'null') then '.schema_name'
        when pg_catalog.char_length(o.value ->> 'schema_name') > 63 then '.schema_name'
        when o.value ? 'identity' and pg_catalog.jsonb_typeof(o.value -> 'identity') not in ('string', 'null') then '.identity'
        when pg_catalog.octet_length(coalesce(o.value ->> 'identity', pg_catalog.concat_ws('.', o.value ->> 'schema_name', o.value ->> 'name'))) not between 1 and 2000 then '.identity'
        when o.value ? 'attributes' and pg_catalog.jsonb_typeof(o.value -> 'attributes') <> 'object' then '.attributes'
        when pg_catalog.octet_length((o.value -> 'attributes')::text) > 262144 then '.attributes'
      end as field,
      case
        when pg_catalog.jsonb_typeof(o.value) <> 'object' then 'must be a JSON object'
        when pg_catalog.jsonb_typeof(o.value -> 'object_type') is distinct from 'string' then 'is required (a string)'
        when not (o.value ->> 'object_type') = any (object_types) then
          pg_catalog.format('%s is not an allowed value (one of: %s)', pg_catalog.quote_literal(o.value ->> 'object_type'), pg_catalog.array_to_string(object_types, ', '))
        when pg_catalog.jsonb_typeof(o.value -> 'name') is distinct from 'string'
          or pg_catalog.char_length(o.value ->> 'name') not between 1 and 1000 then 'is required (a string of 1 to 1000 characters)'
        when o.value ? 'schema_name' and pg_catalog.jsonb_typeof(o.value -> 'schema_name') not in ('string', 'null') then 'must be a string'
        when pg_catalog.char_length(o.value ->> 'schema_name') > 63 then 'is longer than 63 characters'
        when o.value ? 'identity' and pg_catalog.jsonb_typeof(o.value -> 'identity') not in ('string', 'null') then 'must be a string'
        when pg_catalog.octet_length(coalesce(o.value ->> 'identity', pg_catalog.concat_ws('.', o.value ->> 'schema_name', o.value ->> 'name'))) not between 1 and 2000 then 'must be 1 to 2000 bytes'
        when o.value ? 'attributes' and pg_catalog.jsonb_typeof(o.value -> 'attributes') <> 'object' then 'must be a JSON object'
        when pg_catalog.octet_length((o.value -> 'attributes')::text) > 262144 then 'is larger than 262144 bytes'
      end as message
  ) problem
  where problem.field is not null
  order by o.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('objects[%s]%s', bad.index, bad.field), bad.message);
  end if;

  -- Two objects with the same type and identity: the insert would fail on the unique key, unnamed.
  select d.i - 1 as index, d.first_i - 1 as first_index into bad
  from (
    select o.i, pg_catalog.min(o.i) over (
      partition by o.value ->> 'object_type', coalesce(o.value ->> 'identity', pg_catalog.concat_ws('.', o.value ->> 'schema_name', o.value ->> 'name'))
    ) as first_i
    from pg_catalog.jsonb_array_elements(objects) with ordinality as o(value, i)
  ) d
  where d.i <> d.first_i
  order by d.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('objects[%s].identity', bad.index), pg_catalog.format('repeats objects[%s] (same object_type and identity)', bad.first_index));
  end if;

  select r.i - 1 as index, problem.field, problem.message into bad
  from pg_catalog.jsonb_array_elements(risks) with ordinality as r(value, i)
  cross join lateral (
    select
      case
        when pg_catalog.jsonb_typeof(r.value) <> 'object' then ''
        when pg_catalog.jsonb_typeof(r.value -> 'fingerprint') is distinct from 'string'
          or pg_catalog.char_length(r.value ->> 'fingerprint') not between 1 and 500 then '.fingerprint'
        when pg_catalog.jsonb_typeof(r.value -> 'rule_id') is distinct from 'string'
          or pg_catalog.char_length(r.value ->> 'rule_id') not between 1 and 200 then '.rule_id'
        when pg_catalog.jsonb_typeof(r.value -> 'title') is distinct from 'string'
          or pg_catalog.char_length(r.value ->> 'title') not between 1 and 500 then '.title'
        when pg_catalog.jsonb_typeof(r.value -> 'severity') is distinct from 'string'
          or not (r.value ->> 'severity') = any (severities) then '.severity'
        when r.value ? 'detail' and pg_catalog.jsonb_typeof(r.value -> 'detail') not in ('string', 'null') then '.detail'
        when pg_catalog.char_length(r.value ->> 'detail') > 10000 then '.detail'
        when r.value ? 'object_identity' and pg_catalog.jsonb_typeof(r.value -> 'object_identity') not in ('string', 'null') then '.object_identity'
        when pg_catalog.char_length(r.value ->> 'object_identity') > 2000 then '.object_identity'
        when r.value ? 'metadata' and pg_catalog.jsonb_typeof(r.value -> 'metadata') <> 'object' then '.metadata'
        when pg_catalog.octet_length((r.value -> 'metadata')::text) > 65536 then '.metadata'
        when r.value ? 'remediation' and pg_catalog.jsonb_typeof(r.value -> 'remediation') not in ('object', 'null') then '.remediation'
        when pg_catalog.jsonb_typeof(r.value -> 'remediation') = 'object'
          and (pg_catalog.jsonb_typeof(r.value -> 'remediation' -> 'description') is distinct from 'string'
            or pg_catalog.char_length(r.value -> 'remediation' ->> 'description') not between 1 and 10000) then '.remediation.description'
        when pg_catalog.jsonb_typeof(r.value -> 'remediation' -> 'sql') not in ('string', 'null') then '.remediation.sql'
        when pg_catalog.char_length(r.value -> 'remediation' ->> 'sql') > 100000 then '.remediation.sql'
      end as field,
      case
        when pg_catalog.jsonb_typeof(r.value) <> 'object' then 'must be a JSON object'
        when pg_catalog.jsonb_typeof(r.value -> 'fingerprint') is distinct from 'string'
          or pg_catalog.char_length(r.value ->> 'fingerprint') not between 1 and 500 then 'is required (a string of 1 to 500 characters)'
        when pg_catalog.jsonb_typeof(r.value -> 'rule_id') is distinct from 'string'
          or pg_catalog.char_length(r.value ->> 'rule_id') not between 1 and 200 then 'is required (a string of 1 to 200 characters)'
        when pg_catalog.jsonb_typeof(r.value -> 'title') is distinct from 'string'
          or pg_catalog.char_length(r.value ->> 'title') not between 1 and 500 then 'is required (a string of 1 to 500 characters)'
        when pg_catalog.jsonb_typeof(r.value -> 'severity') is distinct from 'string'
          or not (r.value ->> 'severity') = any (severities) then
          pg_catalog.format('%s is not an allowed value (one of: %s)', coalesce((r.value -> 'severity')::text, 'nothing'), pg_catalog.array_to_string(severities, ', '))
        when r.value ? 'detail' and pg_catalog.jsonb_typeof(r.value -> 'detail') not in ('string', 'null') then 'must be a string'
        when pg_catalog.char_length(r.value ->> 'detail') > 10000 then 'is longer than 10000 characters'
        when r.value ? 'object_identity' and pg_catalog.jsonb_typeof(r.value -> 'object_identity') not in ('string', 'null') then 'must be a string'
        when pg_catalog.char_length(r.value ->> 'object_identity') > 2000 then 'is longer than 2000 characters'
        when r.value ? 'metadata' and pg_catalog.jsonb_typeof(r.value -> 'metadata') <> 'object' then 'must be a JSON object'
        when pg_catalog.octet_length((r.value -> 'metadata')::text) > 65536 then 'is larger than 65536 bytes'
        when r.value ? 'remediation' and pg_catalog.jsonb_typeof(r.value -> 'remediation') not in ('object', 'null') then 'must be a JSON object'
        when pg_catalog.jsonb_typeof(r.value -> 'remediation') = 'object'
          and (pg_catalog.jsonb_typeof(r.value -> 'remediation' -> 'description') is distinct from 'string'
            or pg_catalog.char_length(r.value -> 'remediation' ->> 'description') not between 1 and 10000) then 'is required (a string of 1 to 10000 characters)'
        when pg_catalog.jsonb_typeof(r.value -> 'remediation' -> 'sql') not in ('string', 'null') then 'must be a string'
        when pg_catalog.char_length(r.value -> 'remediation' ->> 'sql') > 100000 then 'is longer than 100000 characters'
      end as message
  ) problem
  where problem.field is not null
  order by r.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('risks[%s]%s', bad.index, bad.field), bad.message);
  end if;

  select d.i - 1 as index, d.first_i - 1 as first_index into bad
  from (
    select r.i, pg_catalog.min(r.i) over (partition by r.value ->> 'fingerprint') as first_i
    from pg_catalog.jsonb_array_elements(risks) with ordinality as r(value, i)
  ) d
  where d.i <> d.first_i
  order by d.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('risks[%s].fingerprint', bad.index), pg_catalog.format('repeats risks[%s]', bad.first_index));
  end if;

  insert into ops.inventory_objects (org_id, scan_id, object_type, schema_name, name, identity, attributes)
  select
    scan.org_id, scan.id, o.value ->> 'object_type', o.value ->> 'schema_name', o.value ->> 'name',
    coalesce(o.value ->> 'identity', pg_catalog.concat_ws('.', o.value ->> 'schema_name', o.value ->> 'name')),
    coalesce(o.value -> 'attributes', '{}'::jsonb)
  from pg_catalog.jsonb_array_elements(objects) as o(value);
  get diagnostics objects_written = row_count;

  insert into ops.risk_register as rr (
    org_id, project_id, fingerprint, source, rule_id, title, detail, severity, object_identity, metadata,
    last_seen_scan_id, first_seen_at, last_seen_at
  )
  select
    scan.org_id, scan.project_id, r.value ->> 'fingerprint', scan.kind, r.value ->> 'rule_id', r.value ->> 'title',
    r.value ->> 'detail', r.value ->> 'severity', r.value ->> 'object_identity', coalesce(r.value -> 'metadata', '{}'::jsonb),
    scan.id, pg_catalog.now(), pg_catalog.now()
  from pg_catalog.jsonb_array_elements(risks) as r(value)
  on conflict (org_id, project_id, fingerprint) do update
  set source = excluded.source,
      rule_id = excluded.rule_id,
      title = excluded.title,
      detail = excluded.detail,
      severity = excluded.severity,
      object_identity = excluded.object_identity,
      metadata = excluded.metadata,
      last_seen_scan_id = excluded.last_seen_scan_id,
      last_seen_at = excluded.last_seen_at,
      status = case when rr.status = 'resolved' then 'open' else rr.status end,
      resolved_at = null;
  get diagnostics risks_written = row_count;

  -- A proposed plan per risk and fix, not one per scan that reports it.
  insert into ops.remediation_plans (org_id, risk_id, description, fix_sql)
  select rr.org_id, rr.id, r.value -> 'remediation' ->> 'description', r.value -> 'remediation' ->> 'sql'
  from pg_catalog.jsonb_array_elements(risks) as r(value)
  join ops.risk_register rr
    on rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.fingerprint = r.value ->> 'fingerprint'
  where pg_catalog.jsonb_typeof(r.value -> 'remediation') = 'object'
    and not exists (
      select 1 from ops.remediation_plans p
      where p.org_id = rr.org_id and p.risk_id = rr.id and p.status in ('proposed', 'approved')
        and p.description = r.value -> 'remediation' ->> 'description'
        and p.fix_sql is not distinct from r.value -> 'remediation' ->> 'sql'
    );

  if outcome = 'succeeded' then
    update ops.risk_register rr
    set status = 'resolved', resolved_at = pg_catalog.now()
    where rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.source = scan.kind
      and rr.status in ('open', 'acknowledged')
      and rr.last_seen_scan_id is distinct from scan.id;
    get diagnostics risks_resolved = row_count;
  end if;

  update ops.inventory_scans s
  set status = outcome, finished_at = pg_catalog.now(), object_count = objects_written, risk_count = risks_written,
      summary = scan_summary, error = scan_error
  where s.id = scan.id;

  return query select scan.id, outcome, objects_written, risks_written, risks_resolved;
end
$$;

-- Claims the next run of one of `p_kinds` for `p_worker_id`, or returns no row. A run whose lease
-- expired (its worker crashed or hung) is claimed again before queued ones, unless its attempts
-- are used up: then it becomes `dead`. SKIP LOCKED lets concurrent workers pass over each other's
-- candidates instead of queueing behind them.
create function ops.claim_next_run(p_worker_id text, p_kinds text[], p_lease_seconds integer default 300)
returns setof ops.runs
language plpgsql
set search_path = ''
as $$
declare
  candidate ops.runs;
  expired boolean;
begin
  perform ops.require_text(p_worker_id, 'worker_id', 200);
  if p_kinds is null or pg_catalog.cardinality(p_kinds) = 0 then
    perform ops.invalid_argument('kinds', 'is required (at least one run kind)');
  end if;
  if pg_catalog.cardinality(p_kinds) > 100 then
    perform ops.invalid_argument('kinds', pg_catalog.format('has %s items; the limit is 100', pg_catalog.cardinality(p_kinds)));
  end if;
  if exists (select 1 from pg_catalog.unnest(p_kinds) k where k is null or k !~ '^[a-z][a-z0-9_.-]{0,62}$') then
    perform ops.invalid_argument('kinds', 'holds a value that is not a run kind', 'lower-case letters, digits, "_", "." and "-", starting with a letter');
  end if;
  if p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
    perform ops.invalid_argument('lease_seconds', 'must be between 1 and 86400');
  end if;

  loop
    select r.* into candidate
    from ops.runs r
    where r.status = 'running' and r.lease_expires_at < pg_catalog.now() and r.kind = any (p_kinds)
    order by r.lease_expires_at, r.id
    limit 1
    for update skip locked;
    expired := found;
    if not expired then
      select r.* into candidate
      from ops.runs r
      where r.status = 'queued' and r.run_after <= pg_catalog.now() and r.kind = any (p_kinds)
      order by r.run_after, r.id
      limit 1
      for update skip locked;
      if not found then
        return;
      end if;
    end if;

    if expired then
      insert into ops.run_events (org_id, run_id, kind, level, worker_id, message, data)
      values (
        candidate.org_id, candidate.id, 'lease_expired', 'warning', candidate.locked_by,
        pg_catalog.format('lease of %s expired at %s', candidate.locked_by, candidate.lease_expires_at),
        pg_catalog.jsonb_build_object('attempt', candidate.attempts)
      );
      if candidate.attempts >= candidate.max_attempts then
        update ops.runs r
        set status = 'dead', locked_by = null, lease_expires_at = null, finished_at = pg_catalog.now(),
            last_error = coalesce(r.last_error, pg_catalog.format('lease expired on attempt %s of %s', r.attempts, r.max_attempts))
        where r.id = candidate.id;
        insert into ops.run_events (org_id, run_id, kind, level, message, data)
        values (candidate.org_id, candidate.id, 'dead', 'error', 'attempts used up', pg_catalog.jsonb_build_object('attempts', candidate.attempts, 'max_attempts', candidate.max_attempts));
        continue;
      end if;
    end if;

    update ops.runs r
    set status = 'running', attempts = r.attempts + 1, locked_by = p_worker_id, lease_seconds = p_lease_seconds,
        lease_expires_at = pg_catalog.now() + pg_catalog.make_interval(secs => p_lease_seconds),
        started_at = coalesce(r.started_at, pg_catalog.now())
    where r.id = candidate.id
    returning r.* into candidate;
    insert into ops.run_events (org_id, run_id, kind, worker_id, data)
    values (candidate.org_id, candidate.id, 'claimed', p_worker_id, pg_catalog.jsonb_build_object('attempt', candidate.attempts, 'lease_expires_at', candidate.lease_expires_at));
    return next candidate;
    return;
  end loop;
end
$$;

-- The run, locked, when `worker_id` holds its lease; otherwise 55000 (the lease was lost).
create function ops.held_run(run_id bigint, worker_id text)
returns ops.runs
language plpgsql
set search_path = ''
as $$
declare
  held ops.runs;
begin
  if run_id is null then
    perform ops.invalid_argument('run_id', 'is required');
  end if;
  select r.* into held from ops.runs r where r.id = held_run.run_id for update;
  if held.id is null then
    perform ops.invalid_argument('run_id', pg_catalog.format('%s names no run', run_id));
  end if;
  if held.status <> 'running' or held.locked_by is distinct from worker_id then
    raise exception using
      errcode = '55000',
      message = pg_catalog.format('run %s is not held by worker %s', run_id, pg_catalog.quote_literal(worker_id)),
      detail = pg_catalog.format('field: worker_id; the run is %s%s', held.status, coalesce(' and held by ' || pg_catalog.quote_literal(held.locked_by), '')),
      hint = 'The lease expired and the run was claimed again, or the run was completed.',
      column = 'worker_id';
  end if;
  return held;
end
$$;

-- Adds a progress or log event. Given the worker holding the run, it also renews the lease, so a
-- long run that reports progress is not taken for a crashed one.
create function ops.append_run_event(
  p_run_id bigint,
  p_kind text,
  p_message text default null,
  p_data jsonb default null,
  p_level text default 'info',
  p_worker_id text default null
)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  run ops.runs;
  event_id bigint;
begin
  perform ops.require_enum(p_kind, 'kind', array['progress', 'log']);
  perform ops.require_enum(p_level, 'level', array['debug', 'info', 'warning', 'error']);
  perform ops.optional_text(p_message, 'message', 10000);
  perform ops.optional_text(p_worker_id, 'worker_id', 200);
  if p_data is not null and pg_catalog.jsonb_typeof(p_data) <> 'object' then
    perform ops.invalid_argument('data', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_data, 'data', 65536, false);

  if p_worker_id is not null then
    run := ops.held_run(p_run_id, p_worker_id);
    update ops.runs r
    set lease_expires_at = pg_catalog.now() + pg_catalog.make_interval(secs => r.lease_seconds)
    where r.id = run.id;
  else
    if p_run_id is null then
      perform ops.invalid_argument('run_id', 'is required');
    end if;
    select r.* into run from ops.runs r where r.id = p_run_id;
    if run.id is null then
      perform ops.invalid_argument('run_id', pg_catalog.format('%s names no run', p_run_id));
    end if;
  end if;

  insert into ops.run_events (org_id, run_id, kind, level, worker_id, message, data)
  values (run.org_id, run.id, p_kind, p_level, p_worker_id, p_message, coalesce(p_data, '{}'::jsonb))
  returning id into event_id;
  return event_id;
end
$$;

-- Ends the attempt of the worker holding the run. A failure is retried after p_retry_delay_seconds
-- while attempts remain (then `dead`); with p_retry false it is final (`failed`). Artifacts:
-- [{"name", "media_type"?, "content"?, "storage_path"?, "size_bytes"?, "sha256"?}].
create function ops.complete_run(
  p_run_id bigint,
  p_worker_id text,
  p_outcome text,
  p_result jsonb default null,
  p_error text default null,
  p_retry boolean default true,
  p_retry_delay_seconds integer default 0,
  p_artifacts jsonb default null
)
returns ops.runs
language plpgsql
set search_path = ''
as $$
declare
  run ops.runs;
  next_status text;
  bad record;
begin
  perform ops.require_text(p_worker_id, 'worker_id', 200);
  perform ops.require_enum(p_outcome, 'outcome', array['succeeded', 'failed']);
  perform ops.require_json_size(p_result, 'result', 1048576, false);
  perform ops.optional_text(p_error, 'error', 10000);
  if p_retry_delay_seconds is null or p_retry_delay_seconds not between 0 and 86400 then
    perform ops.invalid_argument('retry_delay_seconds', 'must be between 0 and 86400');
  end if;
  if p_artifacts is not null and pg_catalog.jsonb_typeof(p_artifacts) <> 'array' then
    perform ops.invalid_argument('artifacts', 'must be a JSON array');
  end if;
  perform ops.require_json_size(p_artifacts, 'artifacts', 16777216, false);

  select a.i - 1 as index, problem.field, problem.message into bad
  from pg_catalog.jsonb_array_elements(coalesce(p_artifacts, '[]'::jsonb)) with ordinality as a(value, i)
  cross join lateral (
    select
      case
        when pg_catalog.jsonb_typeof(a.value) <> 'object' then ''
        when pg_catalog.jsonb_typeof(a.value -> 'name') is distinct from 'string'
          or pg_catalog.char_length(a.value ->> 'name') not between 1 and 200 then '.name'
        when a.value ? 'media_type' and coalesce(a.value ->> 'media_type', '') !~ '^[a-z]+/[A-Za-z0-9.+_-]+$' then '.media_type'
        when pg_catalog.octet_length((a.value -> 'content')::text) > 1048576 then '.content'
        when a.value ? 'storage_path' and (pg_catalog.jsonb_typeof(a.value -> 'storage_path') <> 'string' or pg_catalog.char_length(a.value ->> 'storage_path') > 1000) then '.storage_path'
        when coalesce(pg_catalog.jsonb_typeof(a.value -> 'content'), 'null') = 'null' and not a.value ? 'storage_path' then '.content'
        when a.value ? 'size_bytes' and coalesce(a.value ->> 'size_bytes', '') !~ '^[0-9]{1,18}$' then '.size_bytes'
        when a.value ? 'sha256' and coalesce(a.value ->> 'sha256', '') !~ '^[0-9a-f]{64}$' then '.sha256'
      end as field,
      case
        when pg_catalog.jsonb_typeof(a.value) <> 'object' then 'must be a JSON object'
        when pg_catalog.jsonb_typeof(a.value -> 'name') is distinct from 'string'
          or pg_catalog.char_length(a.value ->> 'name') not between 1 and 200 then 'is required (a string of 1 to 200 characters)'
        when a.value ? 'media_type' and coalesce(a.value ->> 'media_type', '') !~ '^[a-z]+/[A-Za-z0-9.+_-]+$' then 'must be a media type such as application/json'
        when pg_catalog.octet_length((a.value -> 'content')::text) > 1048576 then 'is larger than 1048576 bytes (store it and give storage_path)'
        when a.value ? 'storage_path' and (pg_catalog.jsonb_typeof(a.value -> 'storage_path') <> 'string' or pg_catalog.char_length(a.value ->> 'storage_path') > 1000) then 'must be a string of at most 1000 characters'
        when coalesce(pg_catalog.jsonb_typeof(a.value -> 'content'), 'null') = 'null' and not a.value ? 'storage_path' then 'is required when storage_path is not given'
        when a.value ? 'size_bytes' and coalesce(a.value ->> 'size_bytes', '') !~ '^[0-9]{1,18}$' then 'must be a non-negative integer'
        when a.value ? 'sha256' and coalesce(a.value ->> 'sha256', '') !~ '^[0-9a-f]{64}$' then 'must be a SHA-256 digest in lower-case hex'
      end as message
  ) problem
  where problem.field is not null
  order by a.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('artifacts[%s]%s', bad.index, bad.field), bad.message);
  end if;

  select d.i - 1 as index, d.first_i - 1 as first_index into bad
  from (
    select a.i, pg_catalog.min(a.i) over (partition by a.value ->> 'name') as first_i
    from pg_catalog.jsonb_array_elements(coalesce(p_artifacts, '[]'::jsonb)) with ordinality as a(value, i)
  ) d
  where d.i <> d.first_i
  order by d.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('artifacts[%s].name', bad.index), pg_catalog.format('repeats artifacts[%s]', bad.first_index));
  end if;

  run := ops.held_run(p_run_id, p_worker_id);
  next_status := case
    when p_outcome = 'succeeded' then 'succeeded'
    when not coalesce(p_retry, true) then 'failed'
    when run.attempts < run.max_attempts then 'queued'
    else 'dead'
  end;

  update ops.runs r
  set status = next_status,
      locked_by = null,
      lease_expires_at = null,
      result = coalesce(p_result, r.result),
      last_error = case when p_outcome = 'failed' then coalesce(p_error, 'failed') else r.last_error end,
      run_after = case when next_status = 'queued' then pg_catalog.now() + pg_catalog.make_interval(secs => p_retry_delay_seconds) else r.run_after end,
      finished_at = case when next_status = 'queued' then null else pg_catalog.now() end
  where r.id = run.id
  returning r.* into run;

  insert into ops.artifacts (org_id, run_id, name, media_type, content, storage_path, size_bytes, sha256)
  select run.org_id, run.id, a.value ->> 'name', coalesce(a.value ->> 'media_type', 'application/octet-stream'),
    case when pg_catalog.jsonb_typeof(a.value -> 'content') = 'null' then null else a.value -> 'content' end,
    a.value ->> 'storage_path', (a.value ->> 'size_bytes')::bigint, a.value ->> 'sha256'
  from pg_catalog.jsonb_array_elements(coalesce(p_artifacts, '[]'::jsonb)) as a(value)
  on conflict (org_id, run_id, name) do update
  set media_type = excluded.media_type, content = excluded.content, storage_path = excluded.storage_path,
      size_bytes = excluded.size_bytes, sha256 = excluded.sha256;

  insert into ops.run_events (org_id, run_id, kind, level, worker_id, message, data)
  values (
    run.org_id, run.id,
    case next_status when 'queued' then 'retry_scheduled' else next_status end,
    case when next_status = 'succeeded' then 'info' else 'error' end,
    p_worker_id,
    case when p_outcome = 'failed' then coalesce(p_error, 'failed') end,
    pg_catalog.jsonb_build_object('attempt', run.attempts, 'max_attempts', run.max_attempts, 'run_after', run.run_after)
  );
  return run;
end
$$;
