-- `ops` is an exposed schema (supabase/config.toml [api] schemas): the supabase-js client reads it and
-- calls its RPCs through the Data API with the service role, and signed-in members read their orgs'
-- rows under RLS. A helper the policies call but nobody should call over HTTP moves to ops_private,
-- which the API does not expose. Policies refer to the function itself, not its name: they keep working.
create schema ops_private;
comment on schema ops_private is 'Control plane helpers that the Data API must not expose.';
revoke all on schema ops_private from public;
grant usage on schema ops_private to authenticated, service_role;

alter function ops.member_org_ids() set schema ops_private;
