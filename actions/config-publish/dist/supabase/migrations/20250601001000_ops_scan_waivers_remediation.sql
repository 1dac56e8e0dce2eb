-- Scans that apply the config's waivers and record, with each remediation plan, the SQL that
-- undoes it and what applying it can break; applying a plan is recorded in the audit log.
--
-- ops.finish_scan keeps its signature: the checks and writes it did become
-- ops.finish_scan_inventory, and the new ops.finish_scan calls it, then annotates the plans and
-- applies the waivers, all in the caller's one transaction.

alter table ops.remediation_plans
  add column rollback_sql text,
  add column risk_class text;
alter table ops.remediation_plans
  add constraint remediation_plans_rollback_sql_length check (char_length(rollback_sql) <= 100000) not valid,
  add constraint remediation_plans_risk_class_check check (risk_class in ('metadata', 'access', 'locking')) not valid;
alter table ops.remediation_plans validate constraint remediation_plans_rollback_sql_length;
alter table ops.remediation_plans validate constraint remediation_plans_risk_class_check;
comment on column ops.remediation_plans.rollback_sql is 'SQL that undoes fix_sql, where one exists.';
comment on column ops.remediation_plans.risk_class is 'What applying the fix can break: metadata (nothing clients see), access (who can read or call), locking (locks, rebuilds).';

alter function ops.finish_scan(jsonb) rename to finish_scan_inventory;

-- {"scan_id", "status", "objects", "risks", "summary"?, "error"?} as before, and:
--   risks[].remediation.rollback_sql?, risks[].remediation.risk_class?
--   "waivers"?: [{"fingerprint", "reason", "expires"?: "YYYY-MM-DD"}]
--   "unreadable_objects"?: [object identity, ...]: objects the scan could not read (a repository the
--     token cannot open); their risks are neither confirmed nor resolved by this scan.
-- A risk with an active waiver is `accepted`; a risk a waiver had accepted is reopened when this
-- scan still sees it and the waiver expired or is gone, and resolved when this scan no longer sees it.
create function ops.finish_scan(p_input jsonb)
returns table (scan_id bigint, status text, object_count integer, risk_count integer, resolved_count integer)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  finished record;
  scan ops.inventory_scans;
  waivers jsonb;
  waived_before text[];
  unreadable text[];
  bad record;
  resolved integer := 0;
  classes constant text[] := array['metadata', 'access', 'locking'];
begin
  if p_input is null or pg_catalog.jsonb_typeof(p_input) <> 'object' then
    perform ops.invalid_argument('input', 'must be a JSON object');
  end if;
  waivers := coalesce(p_input -> 'waivers', '[]'::jsonb);
  if pg_catalog.jsonb_typeof(waivers) <> 'array' then
    perform ops.invalid_argument('waivers', 'must be a JSON array');
  end if;

  select w.i - 1 as index, problem.field, problem.message into bad
  from pg_catalog.jsonb_array_elements(waivers) with ordinality as w(value, i)
  cross join lateral (
    select
      case
        when pg_catalog.jsonb_typeof(w.value) <> 'object' then ''
        when pg_catalog.jsonb_typeof(w.value -> 'fingerprint') is distinct from 'string'
          or pg_catalog.char_length(w.value ->> 'fingerprint') not between 1 and 500 then '.fingerprint'
        when pg_catalog.jsonb_typeof(w.value -> 'reason') is distinct from 'string'
          or pg_catalog.char_length(w.value ->> 'reason') not between 1 and 1000 then '.reason'
        when w.value ? 'expires' and pg_catalog.jsonb_typeof(w.value -> 'expires') <> 'null'
          and coalesce(w.value ->> 'expires', '') !~ '^\d{4}-\d{2}-\d{2}$' then '.expires'
      end as field,
      case
        when pg_catalog.jsonb_typeof(w.value) <> 'object' then 'must be a JSON object'
        when pg_catalog.jsonb_typeof(w.value -> 'fingerprint') is distinct from 'string'
          or pg_catalog.char_length(w.value ->> 'fingerprint') not between 1 and 500 then 'is required (a string of 1 to 500 characters)'
        when pg_catalog.jsonb_typeof(w.value -> 'reason') is distinct from 'string'
          or pg_catalog.char_length(w.value ->> 'reason') not between 1 and 1000 then 'is required (a string of 1 to 1000 characters)'
        else 'must be a date (YYYY-MM-DD)'
      end as message
  ) problem
  where problem.field is not null
  order by w.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('waivers[%s]%s', bad.index, bad.field), bad.message);
  end if;

  if p_input ? 'unreadable_objects' then
    if pg_catalog.jsonb_typeof(p_input -> 'unreadable_objects') <> 'array'
      or exists (
        select 1 from pg_catalog.jsonb_array_elements(p_input -> 'unreadable_objects') as u(value)
        where pg_catalog.jsonb_typeof(u.value) <> 'string' or pg_catalog.char_length(u.value #>> '{}') not between 1 and 2000
      ) then
      perform ops.invalid_argument('unreadable_objects', 'must be a JSON array of object identities (strings of 1 to 2000 characters)');
    end if;
  end if;
  select coalesce(pg_catalog.array_agg(u.value #>> '{}'), '{}') into unreadable
  from pg_catalog.jsonb_array_elements(coalesce(p_input -> 'unreadable_objects', '[]'::jsonb)) as u(value);

  select r.i - 1 as index, problem.field, problem.message into bad
  from pg_catalog.jsonb_array_elements(
    case when pg_catalog.jsonb_typeof(p_input -> 'risks') = 'array' then p_input -> 'risks' else '[]'::jsonb end
  ) with ordinality as r(value, i)
  cross join lateral (
    select
      case
        when pg_catalog.jsonb_typeof(r.value -> 'remediation') is distinct from 'object' then null
        when pg_catalog.jsonb_typeof(r.value -> 'remediation' -> 'rollback_sql') not in ('string', 'null') then '.remediation.rollback_sql'
        when pg_catalog.char_length(r.value -> 'remediation' ->> 'rollback_sql') > 100000 then '.remediation.rollback_sql'
        when pg_catalog.jsonb_typeof(r.value -> 'remediation' -> 'risk_class') not in ('string', 'null') then '.remediation.risk_class'
        when not coalesce(r.value -> 'remediation' ->> 'risk_class', 'access') = any (classes) then '.remediation.risk_class'
      end as field,
      case
        when pg_catalog.jsonb_typeof(r.value -> 'remediation' -> 'rollback_sql') not in ('string', 'null') then 'must be a string'
        when pg_catalog.char_length(r.value -> 'remediation' ->> 'rollback_sql') > 100000 then 'is longer than 100000 characters'
        else pg_catalog.format('must be one of: %s', pg_catalog.array_to_string(classes, ', '))
      end as message
  ) problem
  where problem.field is not null
  order by r.i
  limit 1;
  if found then
    perform ops.invalid_argument(pg_catalog.format('risks[%s]%s', bad.index, bad.field), bad.message);
  end if;

  -- The risks a config waiver accepted: the upsert below rewrites their metadata, waiver included.
  select s.* into scan from ops.inventory_scans s where s.id = ops.json_id(p_input, 'scan_id', 'scan_id');
  select coalesce(pg_catalog.array_agg(rr.fingerprint), '{}') into waived_before
  from ops.risk_register rr
  where rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.source = scan.kind
    and rr.status = 'accepted' and rr.metadata ? 'waiver';

  -- What the scan could not read, it cannot have found fixed: counted as seen, their risks stay as they are.
  update ops.risk_register rr
  set last_seen_scan_id = scan.id
  where rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.source = scan.kind
    and rr.status <> 'resolved' and rr.object_identity = any (unreadable);

  select f.* into finished from ops.finish_scan_inventory(p_input - 'waivers' - 'unreadable_objects') f;
  select s.* into scan from ops.inventory_scans s where s.id = finished.scan_id;

  update ops.remediation_plans p
  set rollback_sql = r.value -> 'remediation' ->> 'rollback_sql',
      risk_class = r.value -> 'remediation' ->> 'risk_class'
  from pg_catalog.jsonb_array_elements(coalesce(p_input -> 'risks', '[]'::jsonb)) as r(value)
  join ops.risk_register rr
    on rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.fingerprint = r.value ->> 'fingerprint'
  where pg_catalog.jsonb_typeof(r.value -> 'remediation') = 'object'
    and p.org_id = rr.org_id and p.risk_id = rr.id and p.status in ('proposed', 'approved')
    and p.fix_sql is not distinct from r.value -> 'remediation' ->> 'sql';

  -- Active waivers accept what this scan reports; the waiver is kept on the risk for the report.
  update ops.risk_register rr
  set status = 'accepted',
      metadata = rr.metadata || pg_catalog.jsonb_build_object('waiver', w.value)
  from pg_catalog.jsonb_array_elements(waivers) as w(value)
  where rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.source = scan.kind
    and rr.fingerprint = w.value ->> 'fingerprint'
    and rr.last_seen_scan_id = scan.id
    and rr.status in ('open', 'acknowledged', 'accepted')
    and (w.value ->> 'expires' is null or (w.value ->> 'expires')::date >= current_date);

  -- A waiver that expired or was removed reopens the risk it had accepted.
  update ops.risk_register rr
  set status = 'open', metadata = rr.metadata - 'waiver'
  where rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.source = scan.kind
    and rr.status = 'accepted' and (rr.metadata ? 'waiver' or rr.fingerprint = any (waived_before))
    and rr.last_seen_scan_id = scan.id
    and not exists (
      select 1 from pg_catalog.jsonb_array_elements(waivers) as w(value)
      where w.value ->> 'fingerprint' = rr.fingerprint
        and (w.value ->> 'expires' is null or (w.value ->> 'expires')::date >= current_date)
    );

  -- Accepted by a waiver and no longer there: fixed after all.
  if finished.status = 'succeeded' then
    update ops.risk_register rr
    set status = 'resolved', resolved_at = pg_catalog.now(), metadata = rr.metadata - 'waiver'
    where rr.org_id = scan.org_id and rr.project_id = scan.project_id and rr.source = scan.kind
      and rr.status = 'accepted' and rr.metadata ? 'waiver'
      and rr.last_seen_scan_id is distinct from scan.id;
    get diagnostics resolved = row_count;
  end if;

  return query select finished.scan_id, finished.status, finished.object_count, finished.risk_count, finished.resolved_count + resolved;
end
$$;

-- Records the outcome of applying a remediation plan: an applied plan is marked so (once), and
-- every attempt, failed ones included, goes to the audit log.
-- {"org_id", "plan_id", "outcome": "applied" | "failed", "actor", "details"?}
create function ops.record_remediation(p_input jsonb)
returns table (plan_id bigint, status text, applied_at timestamptz, audit_id bigint)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  target_org uuid;
  plan ops.remediation_plans;
  outcome text;
  actor text;
  details jsonb;
  audit bigint;
begin
  if p_input is null or pg_catalog.jsonb_typeof(p_input) <> 'object' then
    perform ops.invalid_argument('input', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_input, 'input', 262144);
  target_org := ops.require_org(ops.json_uuid(p_input, 'org_id', 'org_id'));
  outcome := ops.require_enum(ops.json_text(p_input, 'outcome', 'outcome', true, 20), 'outcome', array['applied', 'failed']);
  actor := ops.json_text(p_input, 'actor', 'actor', true, 200);
  details := coalesce(p_input -> 'details', '{}'::jsonb);
  if pg_catalog.jsonb_typeof(details) <> 'object' then
    perform ops.invalid_argument('details', 'must be a JSON object');
  end if;
  select p.* into plan from ops.remediation_plans p
  where p.org_id = target_org and p.id = ops.json_id(p_input, 'plan_id', 'plan_id')
  for update;
  if plan.id is null then
    raise exception using
      errcode = '42704',
      message = pg_catalog.format('remediation plan %s not found in org %s', p_input -> 'plan_id', target_org),
      detail = 'field: plan_id',
      column = 'plan_id';
  end if;
  if outcome = 'applied' and plan.status not in ('applied', 'superseded', 'rejected') then
    update ops.remediation_plans p set status = 'applied', applied_at = pg_catalog.now() where p.id = plan.id
    returning p.* into plan;
  end if;
  insert into ops.audit_log (org_id, actor, action, target_type, target_id, details)
  values (target_org, actor, 'remediation.' || outcome, 'remediation_plan', plan.id::text,
          details || pg_catalog.jsonb_build_object('risk_id', plan.risk_id, 'fix_sql', plan.fix_sql))
  returning id into audit;
  return query select plan.id, plan.status, plan.applied_at, audit;
end
$$;

-- The org and project a scan belongs to, created on first use (by slug), so a first scan needs
-- no manual setup. {"org_slug", "org_name"?, "project_slug", "project_name"?, "provider", "external_ref"?, "environment"?}
create function ops.ensure_project(p_input jsonb)
returns table (org_id uuid, project_id uuid, created boolean)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  org_slug text;
  project_slug text;
  found_org uuid;
  found_project uuid;
  made boolean := false;
begin
  if p_input is null or pg_catalog.jsonb_typeof(p_input) <> 'object' then
    perform ops.invalid_argument('input', 'must be a JSON object');
  end if;
  perform ops.require_json_size(p_input, 'input', 16384);
  org_slug := ops.json_text(p_input, 'org_slug', 'org_slug', true, 63);
  if org_slug !~ '^[a-z0-9][a-z0-9-]{0,62}$' then
    perform ops.invalid_argument('org_slug', 'must be lower-case letters, digits and dashes');
  end if;
  project_slug := ops.json_text(p_input, 'project_slug', 'project_slug', true, 100);
  if project_slug !~ '^[a-z0-9][a-z0-9._-]{0,99}$' then
    perform ops.invalid_argument('project_slug', 'must be lower-case letters, digits, dots, dashes and underscores');
  end if;
  insert into ops.orgs (slug, name)
  values (org_slug, coalesce(ops.json_text(p_input, 'org_name', 'org_name', false, 200), org_slug))
  on conflict (slug) do nothing;
  select o.id into found_org from ops.orgs o where o.slug = org_slug;
  insert into ops.platform_projects (org_id, slug, name, provider, external_ref, environment)
  values (
    found_org,
    project_slug,
    coalesce(ops.json_text(p_input, 'project_name', 'project_name', false, 200), project_slug),
    ops.require_enum(ops.json_text(p_input, 'provider', 'provider', true, 20), 'provider', array['supabase', 'postgres', 'github']),
    ops.json_text(p_input, 'external_ref', 'external_ref', false, 200),
    ops.require_enum(coalesce(ops.json_text(p_input, 'environment', 'environment', false, 20), 'production'), 'environment', array['production', 'staging', 'development', 'preview'])
  )
  on conflict on constraint platform_projects_org_id_slug_key do nothing
  returning id into found_project;
  made := found_project is not null;
  if found_project is null then
    select p.id into found_project from ops.platform_projects p where p.org_id = found_org and p.slug = project_slug;
  end if;
  return query select found_org, found_project, made;
end
$$;

-- A project's risk register with each risk's newest remediation plan: what a compliance report reads.
create function ops.project_risks(p_org_id uuid, p_project_id uuid)
returns table (
  id bigint, fingerprint text, rule_id text, title text, detail text, severity text, status text,
  object_identity text, metadata jsonb, last_seen_scan_id bigint, first_seen_at timestamptz,
  last_seen_at timestamptz, resolved_at timestamptz, plan jsonb
)
language sql
stable
set search_path = ''
as $$
  select
    rr.id, rr.fingerprint, rr.rule_id, rr.title, rr.detail, rr.severity, rr.status, rr.object_identity,
    rr.metadata, rr.last_seen_scan_id, rr.first_seen_at, rr.last_seen_at, rr.resolved_at,
    (
      select pg_catalog.to_jsonb(p)
      from ops.remediation_plans p
      where p.org_id = rr.org_id and p.risk_id = rr.id
      order by p.id desc
      limit 1
    ) as plan
  from ops.risk_register rr
  where rr.org_id = p_org_id and rr.project_id = p_project_id
  order by rr.id
$$;

revoke all on function ops.finish_scan(jsonb), ops.record_remediation(jsonb), ops.ensure_project(jsonb), ops.project_risks(uuid, uuid)
  from public, anon, authenticated;
grant execute on function ops.finish_scan(jsonb), ops.record_remediation(jsonb), ops.ensure_project(jsonb), ops.project_risks(uuid, uuid)
  to service_role;
