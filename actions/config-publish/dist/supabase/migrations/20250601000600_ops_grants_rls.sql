-- Who may do what in ops. RLS is on for every table (each table's migration enables it when it
-- creates the table); here come the policies and the privileges.
--   anon           nothing: no USAGE on the schema, no table or function privilege.
--   authenticated  SELECT, and RLS lets through the rows of the orgs it belongs to (the baseline
--                  parity definitions too). No writes: it holds no INSERT, UPDATE or DELETE.
--   service_role   reads and writes every table (it bypasses RLS) and calls the RPCs.
-- No policy grants writes: only roles that bypass RLS (service_role, the owner) write.

revoke all on all tables in schema ops from public, anon, authenticated;
revoke all on all sequences in schema ops from public, anon, authenticated;
grant select on all tables in schema ops to authenticated;
grant select, insert, update, delete on all tables in schema ops to service_role;
grant usage, select on all sequences in schema ops to service_role;

create policy orgs_select_member on ops.orgs
  for select to authenticated
  using (id = any ((select ops.member_org_ids())::uuid[]));

create policy org_memberships_select_member on ops.org_memberships
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy platform_projects_select_member on ops.platform_projects
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy inventory_scans_select_member on ops.inventory_scans
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy inventory_objects_select_member on ops.inventory_objects
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy risk_register_select_member on ops.risk_register
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy remediation_plans_select_member on ops.remediation_plans
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy audit_log_select_member on ops.audit_log
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy metrics_select_member on ops.metrics
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy parity_definitions_select_member on ops.parity_definitions
  for select to authenticated
  using (org_id is null or org_id = any ((select ops.member_org_ids())::uuid[]));

create policy parity_results_select_member on ops.parity_results
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy config_artifacts_select_member on ops.config_artifacts
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy config_versions_select_member on ops.config_versions
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy config_consumers_select_member on ops.config_consumers
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy config_checks_select_member on ops.config_checks
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy config_rollouts_select_member on ops.config_rollouts
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy config_drift_events_select_member on ops.config_drift_events
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy runs_select_member on ops.runs
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy run_events_select_member on ops.run_events
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));

create policy artifacts_select_member on ops.artifacts
  for select to authenticated
  using (org_id = any ((select ops.member_org_ids())::uuid[]));


-- Functions: PUBLIC holds EXECUTE on every new function by default; take it back from everyone,
-- then grant each caller what it calls. authenticated needs the policy helper (policies run with
-- the querying role's rights). The service role calls the RPCs, and with them (they run with its
-- rights) the helpers they call. Trigger functions need no EXECUTE to fire.
revoke all on all functions in schema ops from public, anon, authenticated, service_role;
grant execute on function ops.member_org_ids() to authenticated;
grant execute on function
  ops.publish_config_version(uuid, text, jsonb, text, text, text, text, boolean, integer),
  ops.rollback_config(uuid, text, integer, text, text, integer),
  ops.consumer_heartbeat(uuid, text, text, text, integer, text, text, text),
  ops.record_config_check(uuid, text, text, text, text, integer, jsonb),
  ops.detect_config_drift(uuid, timestamptz),
  ops.start_scan(jsonb),
  ops.finish_scan(jsonb),
  ops.claim_next_run(text, text[], integer),
  ops.append_run_event(bigint, text, text, jsonb, text, text),
  ops.complete_run(bigint, text, text, jsonb, text, boolean, integer, jsonb),
  ops.invalid_argument(text, text, text),
  ops.require_text(text, text, integer),
  ops.optional_text(text, text, integer),
  ops.require_enum(text, text, text[]),
  ops.require_json_size(jsonb, text, integer, boolean),
  ops.json_text(jsonb, text, text, boolean, integer),
  ops.json_uuid(jsonb, text, text),
  ops.json_id(jsonb, text, text),
  ops.require_org(uuid),
  ops.locked_artifact(uuid, text),
  ops.known_consumer(ops.config_artifacts, text),
  ops.start_rollout(ops.config_artifacts, bigint, integer, text),
  ops.held_run(bigint, text)
to service_role;
