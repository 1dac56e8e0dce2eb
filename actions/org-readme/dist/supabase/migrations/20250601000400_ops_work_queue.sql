-- Work queue: runs claimed by workers with FOR UPDATE SKIP LOCKED (ops.claim_next_run) under a
-- lease; a run whose lease expires is claimed again until max_attempts, then it is `dead`.
-- Events narrate a run; artifacts are its outputs.

create table ops.runs (
  id bigint generated always as identity primary key,
  org_id uuid not null references ops.orgs (id) on delete cascade,
  project_id uuid,
  kind text not null check (kind ~ '^[a-z][a-z0-9_.-]{0,62}$'),
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  payload jsonb not null default '{}'::jsonb check (octet_length(payload::text) <= 262144),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 3 check (max_attempts between 1 and 100),
  -- Not claimed before this time: scheduling, and the back-off after a failed attempt.
  run_after timestamptz not null default now(),
  locked_by text check (char_length(locked_by) <= 200),
  lease_seconds integer check (lease_seconds between 1 and 86400),
  lease_expires_at timestamptz,
  result jsonb check (octet_length(result::text) <= 1048576),
  last_error text check (char_length(last_error) <= 10000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  foreign key (org_id, project_id) references ops.platform_projects (org_id, id) on delete cascade,
  unique (org_id, id),
  check (attempts <= max_attempts),
  check ((status = 'running') = (locked_by is not null and lease_expires_at is not null)),
  check ((status in ('succeeded', 'failed', 'dead', 'cancelled')) = (finished_at is not null))
);
comment on table ops.runs is 'Work for the Actions and workers, claimed with ops.claim_next_run.';
-- What claim_next_run reads: queued runs in order, and running runs by lease expiry.
create index runs_queued_idx on ops.runs (run_after, id) where status = 'queued';
create index runs_lease_idx on ops.runs (lease_expires_at) where status = 'running';
create index runs_org_created_idx on ops.runs (org_id, created_at desc);
create index runs_project_idx on ops.runs (org_id, project_id);
alter table ops.runs enable row level security;
create trigger runs_set_updated_at before update on ops.runs
  for each row execute function ops.set_updated_at();

create table ops.run_events (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  run_id bigint not null,
  kind text not null check (kind in ('claimed', 'lease_expired', 'progress', 'log', 'retry_scheduled', 'succeeded', 'failed', 'dead', 'cancelled')),
  level text not null default 'info' check (level in ('debug', 'info', 'warning', 'error')),
  worker_id text check (char_length(worker_id) <= 200),
  message text check (char_length(message) <= 10000),
  data jsonb not null default '{}'::jsonb check (octet_length(data::text) <= 65536),
  created_at timestamptz not null default now(),
  foreign key (org_id, run_id) references ops.runs (org_id, id) on delete cascade
);
comment on table ops.run_events is 'What happened to a run: claims, progress, logs, outcome.';
create index run_events_run_idx on ops.run_events (org_id, run_id, id);
alter table ops.run_events enable row level security;

create table ops.artifacts (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  run_id bigint not null,
  name text not null check (char_length(name) between 1 and 200),
  media_type text not null default 'application/octet-stream' check (media_type ~ '^[a-z]+/[A-Za-z0-9.+_-]+$'),
  -- Small outputs inline; large ones in Supabase Storage, referenced by path.
  content jsonb check (octet_length(content::text) <= 1048576),
  storage_path text check (char_length(storage_path) <= 1000),
  size_bytes bigint check (size_bytes >= 0),
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  foreign key (org_id, run_id) references ops.runs (org_id, id) on delete cascade,
  unique (org_id, run_id, name),
  check (content is not null or storage_path is not null)
);
comment on table ops.artifacts is 'Outputs of runs: reports, inventories, generated files.';
alter table ops.artifacts enable row level security;
