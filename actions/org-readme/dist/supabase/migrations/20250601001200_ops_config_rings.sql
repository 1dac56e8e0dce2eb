-- Ring rollouts: a version is made the target of some consumers only (a ring such as canary, then
-- staging, then production) with per-consumer rollouts, which beat the artifact-wide one. The
-- publisher decides when a ring may be promoted (the previous ring's consumers reported the version
-- healthy through record_config_check and its bake time passed); this function only writes it.

-- {"org_id", "artifact", "version", "consumers": [name, ...], "grace_seconds"?, "created_by"?}:
-- ends the named consumers' active per-consumer rollouts and starts one to the version for each.
-- An unknown consumer raises 42704 and nothing is written. Returns how many rollouts started.
create function ops.start_config_ring_rollout(p_input jsonb)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  target_org uuid;
  artifact_name text;
  actor text;
  target_version integer;
  grace integer;
  consumer_names jsonb;
  artifact ops.config_artifacts;
  target ops.config_versions;
  consumer_name text;
  consumer ops.config_consumers;
  started integer := 0;
begin
  if p_input is null or pg_catalog.jsonb_typeof(p_input) <> 'object' then
    perform ops.invalid_argument('input', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_input, 'input', 1048576);
  target_org := ops.require_org(ops.json_uuid(p_input, 'org_id', 'org_id'));
  artifact_name := ops.json_text(p_input, 'artifact', 'artifact', true, 100);
  actor := ops.json_text(p_input, 'created_by', 'created_by', false, 200);
  if pg_catalog.jsonb_typeof(p_input -> 'version') is distinct from 'number' then
    perform ops.invalid_argument('version', 'is required (a version number)');
  end if;
  target_version := (p_input ->> 'version')::integer;
  if coalesce(pg_catalog.jsonb_typeof(p_input -> 'grace_seconds'), 'null') <> 'null' then
    if pg_catalog.jsonb_typeof(p_input -> 'grace_seconds') <> 'number' then
      perform ops.invalid_argument('grace_seconds', 'must be a number of seconds');
    end if;
    grace := (p_input ->> 'grace_seconds')::integer;
    if grace not between 0 and 604800 then
      perform ops.invalid_argument('grace_seconds', 'must be between 0 and 604800');
    end if;
  end if;
  consumer_names := p_input -> 'consumers';
  if consumer_names is null or pg_catalog.jsonb_typeof(consumer_names) <> 'array' then
    perform ops.invalid_argument('consumers', 'is required (a JSON array of consumer names)');
  end if;

  artifact := ops.locked_artifact(target_org, artifact_name);
  if artifact.id is null then
    perform ops.invalid_argument('artifact', pg_catalog.format('%s names no artifact of this org', pg_catalog.quote_literal(artifact_name)));
  end if;
  select v.* into target
  from ops.config_versions v
  where v.org_id = artifact.org_id and v.artifact_id = artifact.id and v.version = target_version;
  if target.id is null then
    perform ops.invalid_argument('version', pg_catalog.format('artifact %s has no version %s', artifact.name, target_version));
  end if;

  for consumer_name in select pg_catalog.jsonb_array_elements_text(consumer_names) loop
    consumer := ops.known_consumer(artifact, consumer_name);
    update ops.config_rollouts r
    set status = 'superseded', ended_at = pg_catalog.now()
    where r.org_id = artifact.org_id and r.artifact_id = artifact.id and r.consumer_id = consumer.id and r.status = 'active';
    insert into ops.config_rollouts (org_id, artifact_id, version_id, consumer_id, grace_seconds, created_by)
    values (artifact.org_id, artifact.id, target.id, consumer.id, coalesce(grace, 900), actor);
    started := started + 1;
  end loop;

  if started > 0 then
    insert into ops.audit_log (org_id, actor, action, target_type, target_id, details)
    values (
      artifact.org_id, coalesce(actor, current_user::text), 'config.ring_rollout', 'config_version', target.id::text,
      pg_catalog.jsonb_build_object('artifact', artifact.name, 'version', target.version, 'consumers', consumer_names)
    );
  end if;
  return started;
end
$$;

revoke all on function ops.start_config_ring_rollout(jsonb) from public, anon, authenticated;
grant execute on function ops.start_config_ring_rollout(jsonb) to service_role;
