-- Joining a full shift's waitlist no longer waits for every other join (ADR 012, "The claim storm").
--
-- Every claim took the shift's row lock FOR UPDATE and, through the recount trigger, rewrote the
-- shift's row (claimed_count and waitlist_count). When 200 people tap one shift of 5 spots, the 195
-- who join its waitlist queued on that lock one after another, each holding it until its commit
-- had reached the disk: about 3 ms each, 600 ms for the last (bench/claim-storm.ts).
--
-- Now a join of a full shift takes the row FOR SHARE and leaves the row as it is:
--   * joins hold the share lock together, so they insert and commit side by side (their commits are
--     flushed together);
--   * a claim, a leave, a check-in, a promotion, a coordinator's change all still take the row FOR
--     UPDATE, which waits for every join in flight and which no join can pass: while a join holds
--     its share lock, nobody frees a spot, so "full" stays true until the join commits, and the one
--     who frees a spot later sees every committed join when it fills from the waitlist (FIFO by seq);
--   * a join that finds a spot free after all (someone left between its first look and its lock)
--     lets the share lock go with its subtransaction and takes the row lock like any claim, so a
--     share lock is never upgraded (two upgrades would deadlock).
-- The waitlist's size is no longer kept on the shift's row (a join would have to write it): it is
-- counted when read, from the index shift_assignments_queue_idx, by private.waitlist_count(shift).
-- The shift's row still keeps claimed_count, whose CHECK is the capacity invariant.
--
-- Deploys: an instance still running the previous build reads shifts.waitlist_count, which is gone;
-- its shift pages answer with an error until it is replaced.

alter table public.shifts drop column waitlist_count;

-- How many wait for a spot on a shift. Security definer: RLS shows an observer only their own
-- assignments, and everyone active sees how full a shift is (shifts_select). In private, which
-- Supabase's Data API does not expose; only for the app's queries as `authenticated`.
create function private.waitlist_count(shift uuid) returns integer
language sql stable security definer
set search_path = ''
as $$
  select count(*)::integer from public.shift_assignments a where a.shift_id = shift and a.status = 'waitlisted'
$$;
revoke all on function private.waitlist_count(uuid) from public, anon;
grant execute on function private.waitlist_count(uuid) to authenticated;

-- Claimed spots only; the caller holds (or this takes) the shift's row lock.
create or replace function private.recount_shift(target uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform 1 from public.shifts where id = target for update;
  update public.shifts s set claimed_count = c.claimed
  from (
    select count(*) filter (where a.status in ('claimed', 'checked_in', 'checked_out')) as claimed
    from public.shift_assignments a
    where a.shift_id = target
  ) c
  where s.id = target
    and s.claimed_count is distinct from c.claimed::smallint;
end
$$;

-- A change that moves nobody onto or off a spot (joining or leaving the waitlist, checking in)
-- leaves the shift's row alone: a join holds only a share lock, and a recount would take the row
-- lock (a deadlock between two joins).
create or replace function private.after_assignment_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  was_on boolean := tg_op <> 'INSERT' and old.status in ('claimed', 'checked_in', 'checked_out');
  is_on boolean := tg_op <> 'DELETE' and new.status in ('claimed', 'checked_in', 'checked_out');
begin
  if was_on or is_on then
    perform private.recount_shift(case when tg_op = 'DELETE' then old.shift_id else new.shift_id end);
  end if;
  -- A claim that disappears (its person was deleted) frees a spot like a cancellation does.
  if tg_op = 'DELETE' and old.status = 'claimed' and exists (select 1 from public.shifts where id = old.shift_id) then
    perform private.fill_from_waitlist(old.shift_id);
  end if;
  return null;
end
$$;

-- The person's own claim. When the shift is full they join the waitlist, unless they asked not to.
create or replace function private.claim_shift(target uuid, join_waitlist boolean default true)
returns public.shift_assignments
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  s public.shifts;
  shared boolean := false;
  existing public.shift_assignments;
  result public.shift_assignments;
  eligibility text;
begin
  if me is null then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  -- A full shift is joined under a share lock, beside every other join (see the top of this file).
  if join_waitlist and exists (select 1 from public.shifts x where x.id = target and x.claimed_count >= x.capacity) then
    begin
      select * into s from public.shifts where id = target for share;
      if s.id is null or s.claimed_count < s.capacity then
        -- A spot came free meanwhile: this block's subtransaction ends, and with it the share lock.
        raise exception 'spot freed' using errcode = 'TS100';
      end if;
      shared := true;
    exception when sqlstate 'TS100' then
      s := null;
    end;
  end if;
  if not shared then
    s := private.lock_shift(target);
  end if;
  if s.cancelled_at is not null then
    raise exception 'shifts.errors.cancelled' using errcode = 'TS409';
  end if;
  if s.ends_at <= now() then
    raise exception 'shifts.errors.over' using errcode = 'TS409';
  end if;
  select * into existing from public.shift_assignments
    where shift_id = target and observer_id = me and status <> 'cancelled';
  if existing.id is not null then
    -- A second tap, or a retry after a dropped connection: the first one stands.
    return existing;
  end if;
  eligibility := private.claim_eligibility(me, s.starts_at);
  if eligibility <> 'ok' then
    raise exception '%', 'shifts.errors.' || eligibility using errcode = case when eligibility = 'not_observer' then 'TS403' else 'TS409' end;
  end if;
  -- Nobody jumps the queue: a free spot goes to the waitlist first. (Under the share lock the
  -- shift is full, so only the row lock's path comes here.)
  if s.claimed_count < s.capacity
     and exists (select 1 from public.shift_assignments w where w.shift_id = target and w.status = 'waitlisted') then
    perform private.fill_from_waitlist(target);
    s := private.lock_shift(target);
  end if;
  if s.claimed_count < s.capacity then
    begin
      insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, period)
        values (target, me, 'claimed', now(), tstzrange(s.starts_at, s.ends_at, '[)'))
        returning * into result;
    exception when exclusion_violation then
      raise exception 'shifts.errors.overlap' using errcode = 'TS409';
    end;
  elsif join_waitlist then
    begin
      insert into public.shift_assignments (shift_id, observer_id, status, period)
        values (target, me, 'waitlisted', tstzrange(s.starts_at, s.ends_at, '[)'))
        returning * into result;
    exception when exclusion_violation or unique_violation then
      -- Joins run side by side, so the same person's second tap can get here before the first
      -- commits; it then meets the first's row (serialize_observer_claims made it wait). The first
      -- one stands, as when the taps came one after the other.
      select * into existing from public.shift_assignments
        where shift_id = target and observer_id = me and status <> 'cancelled';
      if existing.id is not null then
        return existing;
      end if;
      raise exception 'shifts.errors.overlap' using errcode = 'TS409';
    end;
  else
    raise exception 'shifts.errors.full' using errcode = 'TS409';
  end if;
  return result;
end
$$;
