-- Claims of one shift wait in one queue, before its row lock (docs/decisions/012-request-pipeline.md).
--
-- In a storm (200 people claiming one shift at once, 20 connections), every claim but one used to
-- wait on the shift's row lock. PostgreSQL's row locks are not one queue: each claim that commits
-- updates the row (its counts), and the waiters wake, follow the row to its new version and wait
-- again on whoever took that. Measured with 200 claims direct over 20 connections: 3.7-4.2 ms of
-- PostgreSQL CPU per claim, against 1.45 ms for the same claims one after another, and fewer
-- claims per second than one connection alone managed (284-295 against 396-473).
--
-- A transaction-scoped advisory lock on the shift, taken first, is one FIFO queue in the lock
-- manager: one claim proceeds, the rest sleep until it commits, and exactly the next one wakes. The
-- row lock after it is then free (or held briefly by a coordinator's change or a leave, which do
-- not queue here). Same storm: 2.2-2.9 ms per claim, 385-453 claims/s. Nothing about who gets a
-- spot changes: claims still take the row lock, `seq` is still handed out under it, and a join
-- still learns its exact place on the waitlist in its own transaction.
--
-- Lock order: this lock, then the shift's row, then the observer's advisory lock (7301,
-- migration 20261126080000). Nothing takes this lock while holding a shift's row or an observer's
-- lock, and a transaction claims one shift, so no cycle is added. The two-key space 7302 is this
-- lock's alone; two shifts whose ids hash alike only share a queue.
--
-- Eligibility (the person's standing, role and training, and the shift's local day) is read under
-- the lock, as before: whatever changed while the claim waited its turn (a deactivation, a role or
-- training taken away, the shift moved) is what it is judged by. It is told after the "already
-- yours" answer, as before: a second tap gets the first one's row.
--
-- The claim also tells the waitlist position, which was a statement of its own after it (the
-- claim's transaction: 6 statements, now 5), counting the whole waitlist under the lock. A join
-- holds the shift's row until it commits, so every other waitlisted row is committed and counted
-- in the row's waitlist_count: a new join's place is that count plus one. A second tap on a
-- waitlisted row counts who is ahead of it, as private.my_waitlist_positions() does. It returns the
-- assignment and the position, so it is a function of its own, private.claim_spot; claim_shift
-- stays, returning the assignment alone, for an instance of the previous build still serving
-- during a rolling deploy (it reads the position with its own statement). A later migration drops it.
create function private.claim_spot(
  target uuid,
  join_waitlist boolean default true,
  out assignment public.shift_assignments,
  out waitlist_position integer
)
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  s public.shifts;
  eligibility text;
begin
  if me is null then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(7302, pg_catalog.hashtext(target::text));
  s := private.lock_shift(target);
  if s.cancelled_at is not null then
    raise exception 'shifts.errors.cancelled' using errcode = 'TS409';
  end if;
  if s.ends_at <= now() then
    raise exception 'shifts.errors.over' using errcode = 'TS409';
  end if;
  select * into assignment from public.shift_assignments
    where shift_id = target and observer_id = me and status <> 'cancelled';
  if assignment.id is not null then
    -- A second tap, or a retry after a dropped connection: the first one stands.
    if assignment.status = 'waitlisted' then
      waitlist_position := (select count(*) from public.shift_assignments w
        where w.shift_id = target and w.status = 'waitlisted' and w.seq <= assignment.seq);
    end if;
    return;
  end if;
  eligibility := private.claim_eligibility(me, s.starts_at);
  if eligibility <> 'ok' then
    raise exception '%', 'shifts.errors.' || eligibility using errcode = case when eligibility = 'not_observer' then 'TS403' else 'TS409' end;
  end if;
  -- Nobody jumps the queue: a free spot goes to the waitlist first.
  if s.claimed_count < s.capacity and s.waitlist_count > 0 then
    perform private.fill_from_waitlist(target);
    s := private.lock_shift(target);
  end if;
  if s.claimed_count < s.capacity then
    begin
      insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, period)
        values (target, me, 'claimed', now(), tstzrange(s.starts_at, s.ends_at, '[)'))
        returning * into assignment;
    exception when exclusion_violation then
      raise exception 'shifts.errors.overlap' using errcode = 'TS409';
    end;
  elsif join_waitlist then
    begin
      insert into public.shift_assignments (shift_id, observer_id, status, period)
        values (target, me, 'waitlisted', tstzrange(s.starts_at, s.ends_at, '[)'))
        returning * into assignment;
    exception when exclusion_violation then
      raise exception 'shifts.errors.overlap' using errcode = 'TS409';
    end;
    waitlist_position := s.waitlist_count + 1;
  else
    raise exception 'shifts.errors.full' using errcode = 'TS409';
  end if;
end
$$;

revoke all on function private.claim_spot(uuid, boolean) from public, anon;
grant execute on function private.claim_spot(uuid, boolean) to authenticated;

-- The previous build's call, same signature and result as before (its grants stay).
create or replace function private.claim_shift(target uuid, join_waitlist boolean default true)
returns public.shift_assignments
language plpgsql security definer
set search_path = ''
as $$
declare
  result public.shift_assignments;
begin
  select (c.assignment).* into result from private.claim_spot(target, join_waitlist) c;
  return result;
end
$$;
