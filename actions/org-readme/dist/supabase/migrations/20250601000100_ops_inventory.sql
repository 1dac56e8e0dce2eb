-- Inventory: the projects under governance, their scans (catalog or GitHub inventories), the
-- objects each scan found, the risk register those scans keep current, remediation plans,
-- metrics and the audit log. Child rows repeat their org's id, and their foreign keys include it,
-- so a row can never sit under another org's parent: RLS needs only the row's own org_id.

create table ops.platform_projects (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references ops.orgs (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
  name text not null check (char_length(name) between 1 and 200),
  provider text not null check (provider in ('supabase', 'postgres', 'github')),
  -- The provider's own reference: a Supabase project ref, a database host, `owner/repo`.
  external_ref text check (char_length(external_ref) <= 200),
  environment text not null default 'production' check (environment in ('production', 'staging', 'development', 'preview')),
  status text not null default 'active' check (status in ('active', 'paused', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, slug),
  -- The target of the children's (org_id, project_id) foreign keys.
  unique (org_id, id)
);
comment on table ops.platform_projects is 'Databases and repositories under governance.';
alter table ops.platform_projects enable row level security;
create trigger platform_projects_set_updated_at before update on ops.platform_projects
  for each row execute function ops.set_updated_at();

create table ops.inventory_scans (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  project_id uuid not null,
  kind text not null check (kind in ('database', 'github', 'config')),
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  triggered_by text check (char_length(triggered_by) <= 200),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  object_count integer check (object_count >= 0),
  risk_count integer check (risk_count >= 0),
  summary jsonb not null default '{}'::jsonb,
  error text check (char_length(error) <= 10000),
  foreign key (org_id, project_id) references ops.platform_projects (org_id, id) on delete cascade,
  unique (org_id, id),
  check ((status = 'running') = (finished_at is null))
);
comment on table ops.inventory_scans is 'One inventory of a project; written by ops.start_scan and ops.finish_scan.';
create index inventory_scans_project_started_idx on ops.inventory_scans (org_id, project_id, started_at desc);
alter table ops.inventory_scans enable row level security;

create table ops.inventory_objects (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  scan_id bigint not null,
  object_type text not null check (object_type in (
    'schema', 'table', 'view', 'materialized_view', 'foreign_table', 'sequence', 'function', 'trigger',
    'policy', 'index', 'extension', 'role', 'publication', 'bucket', 'edge_function',
    'repository', 'team', 'workflow', 'other'
  )),
  schema_name text check (char_length(schema_name) <= 63),
  name text not null check (char_length(name) between 1 and 1000),
  -- Unique within a scan: `schema.table`, `schema.fn(args)`, `owner/repo`.
  identity text not null check (octet_length(identity) between 1 and 2000),
  attributes jsonb not null default '{}'::jsonb,
  foreign key (org_id, scan_id) references ops.inventory_scans (org_id, id) on delete cascade,
  unique (org_id, scan_id, object_type, identity)
);
comment on table ops.inventory_objects is 'What a scan found, one row per catalog or GitHub object.';
alter table ops.inventory_objects enable row level security;

create table ops.risk_register (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  project_id uuid not null,
  -- Stable across scans (a catalog lint's cache_key, a policy id with its object).
  fingerprint text not null check (char_length(fingerprint) between 1 and 500),
  -- The kind of scan that reports it: a later complete scan of that kind resolves it when absent.
  source text not null check (source in ('database', 'github', 'config')),
  rule_id text not null check (char_length(rule_id) between 1 and 200),
  title text not null check (char_length(title) between 1 and 500),
  detail text check (char_length(detail) <= 10000),
  severity text not null check (severity in ('critical', 'high', 'medium', 'low', 'info')),
  status text not null default 'open' check (status in ('open', 'acknowledged', 'accepted', 'resolved')),
  object_identity text check (char_length(object_identity) <= 2000),
  metadata jsonb not null default '{}'::jsonb,
  last_seen_scan_id bigint,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  resolved_at timestamptz,
  updated_at timestamptz not null default now(),
  foreign key (org_id, project_id) references ops.platform_projects (org_id, id) on delete cascade,
  foreign key (org_id, last_seen_scan_id) references ops.inventory_scans (org_id, id) on delete set null (last_seen_scan_id),
  unique (org_id, project_id, fingerprint),
  unique (org_id, id),
  check ((status = 'resolved') = (resolved_at is not null))
);
comment on table ops.risk_register is 'Open and past risks per project, kept current by ops.finish_scan.';
create index risk_register_last_seen_scan_idx on ops.risk_register (org_id, last_seen_scan_id);
alter table ops.risk_register enable row level security;
create trigger risk_register_set_updated_at before update on ops.risk_register
  for each row execute function ops.set_updated_at();

create table ops.remediation_plans (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  risk_id bigint not null,
  status text not null default 'proposed' check (status in ('proposed', 'approved', 'applied', 'rejected', 'superseded')),
  description text not null check (char_length(description) between 1 and 10000),
  fix_sql text check (char_length(fix_sql) <= 100000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  applied_at timestamptz,
  foreign key (org_id, risk_id) references ops.risk_register (org_id, id) on delete cascade,
  check ((status = 'applied') = (applied_at is not null))
);
comment on table ops.remediation_plans is 'How to fix a risk: a description and, where one exists, the SQL.';
create index remediation_plans_risk_idx on ops.remediation_plans (org_id, risk_id);
alter table ops.remediation_plans enable row level security;
create trigger remediation_plans_set_updated_at before update on ops.remediation_plans
  for each row execute function ops.set_updated_at();

create table ops.metrics (
  id bigint generated always as identity primary key,
  org_id uuid not null references ops.orgs (id) on delete cascade,
  project_id uuid,
  name text not null check (name ~ '^[a-z][a-z0-9_.]{0,199}$'),
  value double precision not null,
  unit text check (char_length(unit) <= 50),
  labels jsonb not null default '{}'::jsonb,
  recorded_at timestamptz not null default now(),
  foreign key (org_id, project_id) references ops.platform_projects (org_id, id) on delete cascade
);
comment on table ops.metrics is 'Time series the Actions record (scan sizes, lint counts, queue latency).';
create index metrics_org_name_recorded_idx on ops.metrics (org_id, name, recorded_at desc);
create index metrics_project_idx on ops.metrics (org_id, project_id);
alter table ops.metrics enable row level security;

-- Append-only: who did what, for every change the RPCs make to published state. The org cannot be
-- deleted while it has history.
create table ops.audit_log (
  id bigint generated always as identity primary key,
  org_id uuid not null references ops.orgs (id) on delete restrict,
  actor text not null check (char_length(actor) between 1 and 200),
  action text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
  target_type text check (char_length(target_type) <= 100),
  target_id text check (char_length(target_id) <= 200),
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table ops.audit_log is 'Append-only history of changes to published state.';
create index audit_log_org_created_idx on ops.audit_log (org_id, created_at desc);
alter table ops.audit_log enable row level security;
create trigger audit_log_append_only before update or delete on ops.audit_log
  for each row execute function ops.reject_history_change();
create trigger audit_log_no_truncate before truncate on ops.audit_log
  for each statement execute function ops.reject_history_change();
