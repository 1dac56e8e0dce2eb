-- Parity: what every project of an org should have in common (RLS on exposed tables, the same
-- extensions, PITR on production, ...), and the result of each project against each definition.
-- Definitions without an org are the baseline every org inherits (seeded in seed.sql).

create table ops.parity_definitions (
  id bigint generated always as identity primary key,
  org_id uuid references ops.orgs (id) on delete cascade,
  key text not null check (key ~ '^[a-z][a-z0-9_.-]{0,99}$'),
  title text not null check (char_length(title) between 1 and 200),
  description text not null check (char_length(description) between 1 and 5000),
  category text not null check (category in ('security', 'reliability', 'performance', 'configuration', 'repository')),
  severity text not null check (severity in ('critical', 'high', 'medium', 'low', 'info')),
  applies_to text not null default 'supabase' check (applies_to in ('supabase', 'postgres', 'github')),
  -- Evaluated by the scanner: which inventory facts a project must show, and how they compare.
  expectation jsonb not null default '{}'::jsonb,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  -- One baseline (org_id null) and one org override per key.
  unique nulls not distinct (org_id, key)
);
comment on table ops.parity_definitions is 'Parity expectations: the baseline (org_id null) and org-specific ones.';
alter table ops.parity_definitions enable row level security;

create table ops.parity_results (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  project_id uuid not null,
  definition_id bigint not null references ops.parity_definitions (id) on delete cascade,
  scan_id bigint,
  status text not null check (status in ('pass', 'fail', 'error', 'skipped')),
  details jsonb not null default '{}'::jsonb,
  checked_at timestamptz not null default now(),
  foreign key (org_id, project_id) references ops.platform_projects (org_id, id) on delete cascade,
  foreign key (org_id, scan_id) references ops.inventory_scans (org_id, id) on delete set null (scan_id)
);
comment on table ops.parity_results is 'Each project against each parity definition, per check.';
create index parity_results_project_checked_idx on ops.parity_results (org_id, project_id, checked_at desc);
create index parity_results_definition_idx on ops.parity_results (definition_id);
create index parity_results_scan_idx on ops.parity_results (org_id, scan_id);
alter table ops.parity_results enable row level security;
