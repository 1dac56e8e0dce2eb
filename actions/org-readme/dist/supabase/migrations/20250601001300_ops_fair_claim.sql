-- Fair claiming: a queued run may carry `fair_key` in its payload (the App sets `installation:<id>`).
-- claim_next_run takes first the queued run whose key has the fewest runs running, then the oldest,
-- so a burst from one organisation (a rebase of 200 pull requests) does not starve the others.
-- Runs without a key are ordered as before. The signature and grants are unchanged.

create or replace function ops.claim_next_run(p_worker_id text, p_kinds text[], p_lease_seconds integer default 300)
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
      -- Fair among senders: the run whose fair_key (the App's: its installation) has the fewest runs
      -- running goes first, so one busy organisation's burst cannot hold back another's delivery.
      select r.* into candidate
      from ops.runs r
      where r.status = 'queued' and r.run_after <= pg_catalog.now() and r.kind = any (p_kinds)
      order by (
          select pg_catalog.count(*)
          from ops.runs busy
          where busy.status = 'running' and busy.payload ->> 'fair_key' = r.payload ->> 'fair_key'
        ),
        r.run_after, r.id
      limit 1
      for update of r skip locked;
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
