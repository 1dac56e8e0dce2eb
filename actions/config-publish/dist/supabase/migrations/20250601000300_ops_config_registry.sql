-- Config registry: artifacts (tokens, consumers, flags, ...) published as immutable versions,
-- the consumers that apply them and report back, rollouts that say which version each consumer
-- should run, and drift events when a consumer stays off its target beyond the grace period.

create table ops.config_artifacts (
  id bigint generated always as identity primary key,
  org_id uuid not null references ops.orgs (id) on delete cascade,
  name text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
  kind text not null check (kind in ('tokens', 'consumers', 'flags', 'policy', 'other')),
  description text check (char_length(description) <= 2000),
  -- The JSON Schema the publisher validates content against before it calls publish_config_version.
  json_schema jsonb,
  max_content_bytes integer not null default 1048576 check (max_content_bytes between 1 and 16777216),
  -- Whether a heartbeat from an unknown consumer registers it instead of being rejected.
  allow_self_registration boolean not null default false,
  created_at timestamptz not null default now(),
  unique (org_id, name),
  unique (org_id, id)
);
comment on table ops.config_artifacts is 'Configuration artifacts under version control of the registry.';
alter table ops.config_artifacts enable row level security;

-- Append-only: a version, once published, never changes; a rollback adds a version.
create table ops.config_versions (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  artifact_id bigint not null,
  version integer not null check (version >= 1),
  content jsonb not null check (jsonb_typeof(content) in ('object', 'array')),
  content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
  content_bytes integer not null check (content_bytes >= 0),
  kind text not null default 'publish' check (kind in ('publish', 'rollback')),
  restores_version_id bigint,
  source_ref text check (char_length(source_ref) <= 200),
  published_by text check (char_length(published_by) <= 200),
  created_at timestamptz not null default now(),
  foreign key (org_id, artifact_id) references ops.config_artifacts (org_id, id) on delete restrict,
  foreign key (org_id, restores_version_id) references ops.config_versions (org_id, id) on delete restrict,
  unique (org_id, artifact_id, version),
  unique (org_id, id),
  check ((kind = 'rollback') = (restores_version_id is not null))
);
comment on table ops.config_versions is 'Immutable versions of config artifacts; written by publish_config_version and rollback_config.';
create index config_versions_restores_idx on ops.config_versions (org_id, restores_version_id);
create index config_versions_artifact_hash_idx on ops.config_versions (artifact_id, content_hash);
alter table ops.config_versions enable row level security;
create trigger config_versions_append_only before update or delete on ops.config_versions
  for each row execute function ops.reject_history_change();
create trigger config_versions_no_truncate before truncate on ops.config_versions
  for each statement execute function ops.reject_history_change();

create table ops.config_consumers (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  artifact_id bigint not null,
  -- The consumer's own id, e.g. `web@production`.
  name text not null check (name ~ '^[A-Za-z0-9][A-Za-z0-9._@/:-]{0,199}$'),
  project_id uuid,
  environment text check (environment in ('production', 'staging', 'development', 'preview')),
  status text not null default 'active' check (status in ('active', 'disabled', 'retired')),
  registered_by text not null default 'registry' check (registered_by in ('registry', 'self')),
  applied_version_id bigint,
  applied_hash text check (applied_hash ~ '^[0-9a-f]{64}$'),
  sdk_name text check (char_length(sdk_name) <= 100),
  sdk_version text check (char_length(sdk_version) <= 100),
  last_seen_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (org_id, artifact_id) references ops.config_artifacts (org_id, id) on delete cascade,
  foreign key (org_id, project_id) references ops.platform_projects (org_id, id) on delete set null (project_id),
  foreign key (org_id, applied_version_id) references ops.config_versions (org_id, id),
  unique (org_id, artifact_id, name),
  unique (org_id, id)
);
comment on table ops.config_consumers is 'Applications that apply a config artifact and report what they run (consumer_heartbeat).';
create index config_consumers_project_idx on ops.config_consumers (org_id, project_id);
create index config_consumers_applied_version_idx on ops.config_consumers (org_id, applied_version_id);
alter table ops.config_consumers enable row level security;
create trigger config_consumers_set_updated_at before update on ops.config_consumers
  for each row execute function ops.set_updated_at();

create table ops.config_checks (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  consumer_id bigint not null,
  version_id bigint,
  check_name text not null check (char_length(check_name) between 1 and 200),
  status text not null check (status in ('pass', 'fail', 'error', 'skipped')),
  details jsonb not null default '{}'::jsonb,
  checked_at timestamptz not null default now(),
  foreign key (org_id, consumer_id) references ops.config_consumers (org_id, id) on delete cascade,
  foreign key (org_id, version_id) references ops.config_versions (org_id, id)
);
comment on table ops.config_checks is 'Checks a consumer ran against the config it applied (record_config_check).';
create index config_checks_consumer_checked_idx on ops.config_checks (org_id, consumer_id, checked_at desc);
create index config_checks_version_idx on ops.config_checks (org_id, version_id);
alter table ops.config_checks enable row level security;

-- A rollout says which version the consumers of an artifact (or one of them) should run. The
-- newest active rollout wins; one for a single consumer beats one for all.
create table ops.config_rollouts (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  artifact_id bigint not null,
  version_id bigint not null,
  consumer_id bigint,
  status text not null default 'active' check (status in ('active', 'completed', 'superseded', 'cancelled')),
  grace_seconds integer not null default 900 check (grace_seconds between 0 and 604800),
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  created_by text check (char_length(created_by) <= 200),
  foreign key (org_id, artifact_id) references ops.config_artifacts (org_id, id) on delete cascade,
  foreign key (org_id, version_id) references ops.config_versions (org_id, id),
  foreign key (org_id, consumer_id) references ops.config_consumers (org_id, id) on delete cascade,
  check ((status = 'active') = (ended_at is null))
);
comment on table ops.config_rollouts is 'Target versions per artifact or consumer, with the grace period before drift counts.';
create index config_rollouts_artifact_started_idx on ops.config_rollouts (org_id, artifact_id, started_at desc);
create index config_rollouts_version_idx on ops.config_rollouts (org_id, version_id);
create index config_rollouts_consumer_idx on ops.config_rollouts (org_id, consumer_id);
alter table ops.config_rollouts enable row level security;

create table ops.config_drift_events (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  consumer_id bigint not null,
  expected_version_id bigint not null,
  expected_hash text not null check (expected_hash ~ '^[0-9a-f]{64}$'),
  actual_hash text check (actual_hash ~ '^[0-9a-f]{64}$'),
  status text not null default 'open' check (status in ('open', 'resolved')),
  detected_at timestamptz not null default now(),
  resolved_at timestamptz,
  foreign key (org_id, consumer_id) references ops.config_consumers (org_id, id) on delete cascade,
  foreign key (org_id, expected_version_id) references ops.config_versions (org_id, id),
  -- One event per consumer and target version, however often detection runs.
  unique (org_id, consumer_id, expected_version_id),
  check ((status = 'resolved') = (resolved_at is not null))
);
comment on table ops.config_drift_events is 'A consumer off its rollout target beyond the grace period; one per consumer and version.';
create index config_drift_events_expected_version_idx on ops.config_drift_events (org_id, expected_version_id);
create index config_drift_events_open_idx on ops.config_drift_events (org_id, status, detected_at desc);
alter table ops.config_drift_events enable row level security;
