-- Shifts that can change (issue 17, items 3 and 5; ADR 019).
--   * A coordinator moves a shift (or a weekly series from a date on). Everyone on it is re-checked
--     in the same transaction by the exclusion constraint shift_assignments_no_overlap itself: a
--     person the new time would double-book refuses the change, unless the coordinator named them
--     in take_off, in which case they are taken off (and told) and the waitlist fills the place.
--     Everyone still on the shift is told the new time once (a job per person and change).
--   * Reminders follow the start: their dedupe key includes it, so a moved shift is reminded of
--     again at its new time, and a reminder queued for the old time is skipped when it is sent.
--   * Before they tap, a person learns whether the database would refuse their claim and why.

-- An assignment's period follows its shift: it may change only to the shift's current time.
create or replace function private.on_assignment_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  shift_period tstzrange := (select tstzrange(s.starts_at, s.ends_at, '[)') from public.shifts s where s.id = new.shift_id);
begin
  if tg_op = 'INSERT' then
    -- The period always comes from the shift, never from the caller.
    new.period := shift_period;
  elsif new.period is distinct from old.period and new.period is distinct from shift_period then
    raise exception 'an assignment''s period follows its shift' using errcode = '42501';
  end if;
  return new;
end
$$;

-- Reminders: the key names the start they remind of, and the payload carries it so that a
-- reminder queued before the shift moved is skipped when it is sent (shift-mail.server.ts).
create or replace function private.enqueue_due_reminders() returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  added integer;
begin
  insert into private.jobs (kind, dedupe_key, payload)
  select 'shift_reminder',
         'reminder:' || k.kind || ':' || a.id || ':' || extract(epoch from s.starts_at)::bigint,
         jsonb_build_object('assignment_id', a.id, 'reminder', k.kind, 'starts_at', s.starts_at)
  from public.shift_assignments a
  join public.shifts s on s.id = a.shift_id
  cross join (values ('day_before', interval '24 hours', interval '2 hours'), ('two_hours', interval '2 hours', interval '0')) as k(kind, lead, cutoff)
  where a.status = 'claimed'
    and s.cancelled_at is null
    -- someone who claims a few hours ahead needs no "tomorrow" email besides the 2-hour one
    and (k.kind <> 'day_before' or a.claimed_at <= s.starts_at - interval '12 hours')
    and s.starts_at > now() + k.cutoff
    and s.starts_at <= now() + k.lead
  on conflict (dedupe_key) do nothing;
  get diagnostics added = row_count;
  return added;
end
$$;

-- Moves one shift to new_period. The caller has checked the coordinator and holds the shift's
-- row lock. Each person's row is moved in its own subtransaction, in the order of the advisory
-- lock the claim-lock migration takes per observer (so two moves never wait on each other in a
-- cycle); the exclusion constraint sees every committed claim, so a claim racing this move either
-- commits first (and is found here) or waits and is refused as an overlap.
create or replace function private.move_shift(target uuid, new_period tstzrange, take_off uuid[]) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.shifts;
  a public.shift_assignments;
  blocked integer := 0;
  removed integer := 0;
  stamp text := (extract(epoch from now()) * 1000000)::bigint::text;
begin
  select * into s from public.shifts where id = target for update;
  if s.id is null then
    raise exception 'shifts.errors.notFound' using errcode = 'TS404';
  end if;
  if s.cancelled_at is not null then
    raise exception 'shifts.errors.cancelled' using errcode = 'TS409';
  end if;
  if s.starts_at <= now() then
    raise exception 'shiftChange.errors.started' using errcode = 'TS409';
  end if;
  if lower(new_period) <= now() then
    raise exception 'shifts.errors.inPast' using errcode = 'TS409';
  end if;
  if tstzrange(s.starts_at, s.ends_at, '[)') = new_period then
    return 0;
  end if;
  update public.shifts set starts_at = lower(new_period), ends_at = upper(new_period) where id = target;
  for a in
    select * from public.shift_assignments
    where shift_id = target and status in ('claimed', 'waitlisted', 'checked_in')
    order by hashtext(observer_id::text), observer_id
  loop
    begin
      update public.shift_assignments set period = new_period where id = a.id;
    exception when exclusion_violation then
      if a.status <> 'checked_in' and a.observer_id = any (coalesce(take_off, '{}')) then
        update public.shift_assignments set status = 'cancelled', cancelled_at = now(), period = new_period where id = a.id;
        perform private.enqueue_job('shift_taken_off', 'taken_off:' || a.id, jsonb_build_object('assignment_id', a.id));
        removed := removed + 1;
      else
        blocked := blocked + 1;
      end if;
    end;
  end loop;
  if blocked > 0 then
    raise exception 'shiftChange.errors.timeConflict' using errcode = 'TS409';
  end if;
  perform private.fill_from_waitlist(target);
  -- Told once: whoever was promoted just now hears of it (with the new time) from the promotion.
  perform private.enqueue_job('shift_time_changed', 'time_changed:' || a2.id || ':' || stamp,
                              jsonb_build_object('assignment_id', a2.id, 'starts_at', lower(new_period), 'ends_at', upper(new_period)))
    from public.shift_assignments a2
    where a2.shift_id = target and a2.status in ('claimed', 'waitlisted', 'checked_in')
      and a2.promoted_at is distinct from now();
  return removed;
end
$$;

-- People on a shift whom a new period would double-book, with the shift they would clash with.
create or replace function private.period_conflicts(p_shift uuid, p_period tstzrange)
returns table (shift_id uuid, observer_id uuid, name text, status public.assignment_status,
               other_shift_id uuid, other_zone text, other_starts_at timestamptz, other_ends_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select a.shift_id, a.observer_id, coalesce(nullif(p.display_name, ''), p.email), a.status,
         o.shift_id, z.name, lower(o.period), upper(o.period)
  from public.shift_assignments a
  join public.profiles p on p.id = a.observer_id
  join public.shift_assignments o on o.observer_id = a.observer_id and o.shift_id <> a.shift_id
    and o.status in ('claimed', 'waitlisted', 'checked_in') and o.period && p_period
  join public.shifts os on os.id = o.shift_id
  join public.zones z on z.id = os.zone_id
  where a.shift_id = p_shift and a.status in ('claimed', 'waitlisted', 'checked_in')
$$;

create or replace function private.shift_time_conflicts(target uuid, p_day date, p_start time, p_end time)
returns table (shift_id uuid, observer_id uuid, name text, status public.assignment_status,
               other_shift_id uuid, other_zone text, other_starts_at timestamptz, other_ends_at timestamptz)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  return query
    select c.* from private.period_conflicts(target, private.local_period(p_day, p_start, p_end, (select time_zone from public.org_settings))) c
    order by lower(c.name), c.observer_id;
end
$$;

-- A coordinator changes a shift's day and times (local, in the organisation's time zone).
create or replace function private.change_shift_time(target uuid, p_day date, p_start time, p_end time, take_off uuid[] default '{}')
returns public.shifts
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.shifts;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if p_day is null or p_start is null or p_end is null or p_start = p_end then
    raise exception 'shifts.errors.endTime' using errcode = 'TS409';
  end if;
  perform private.lock_shift(target);
  perform private.move_shift(target, private.local_period(p_day, p_start, p_end, (select time_zone from public.org_settings)), take_off);
  select * into s from public.shifts where id = target;
  return s;
end
$$;

-- The shifts of a series an edit "from a date on" changes: not cancelled, not started, on or after
-- the local date.
create or replace function private.series_shifts_from(p_series uuid, p_from date)
returns table (id uuid, local_day date, time_zone text)
language sql stable security definer
set search_path = ''
as $$
  select s.id, (s.starts_at at time zone ser.time_zone)::date, ser.time_zone
  from public.shifts s
  join public.shift_series ser on ser.id = s.series_id
  where s.series_id = p_series and s.cancelled_at is null and s.starts_at > now()
    and (s.starts_at at time zone ser.time_zone)::date >= p_from
  order by s.id
$$;

create or replace function private.series_time_conflicts(p_series uuid, p_from date, p_start time, p_end time)
returns table (shift_id uuid, observer_id uuid, name text, status public.assignment_status,
               other_shift_id uuid, other_zone text, other_starts_at timestamptz, other_ends_at timestamptz)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  return query
    select c.* from private.series_shifts_from(p_series, p_from) f
    cross join lateral private.period_conflicts(f.id, private.local_period(f.local_day, p_start, p_end, f.time_zone)) c
    -- a clash with another shift the same edit moves is not one
    where c.other_shift_id not in (select g.id from private.series_shifts_from(p_series, p_from) g)
    order by lower(c.name), c.observer_id;
end
$$;

-- Times, capacity and needs of every shift of a weekly series from a local date on, in one
-- transaction: any refusal (a double-booking not confirmed, a capacity below who is on a shift)
-- changes nothing. The series row keeps the latest times, for the page and later edits.
create or replace function private.edit_shift_series(
  p_series uuid, p_from date, p_start time, p_end time, p_capacity smallint, p_needs_languages text[],
  p_needs_team_lead boolean, take_off uuid[] default '{}'
) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  f record;
  changed integer := 0;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if not exists (select 1 from public.shift_series where id = p_series) then
    raise exception 'shifts.errors.notFound' using errcode = 'TS404';
  end if;
  if p_capacity is null or p_capacity not between 1 and 100 then
    raise exception 'shifts.errors.capacity' using errcode = 'TS409';
  end if;
  if p_from is null or p_start is null or p_end is null or p_start = p_end then
    raise exception 'shifts.errors.endTime' using errcode = 'TS409';
  end if;
  -- Row locks in id order, as every other path that locks several shifts takes them.
  perform 1 from public.shifts s where s.id in (select g.id from private.series_shifts_from(p_series, p_from) g) order by s.id for update;
  for f in select * from private.series_shifts_from(p_series, p_from) loop
    perform private.move_shift(f.id, private.local_period(f.local_day, p_start, p_end, f.time_zone), take_off);
    update public.shifts
      set capacity = p_capacity, needs_languages = coalesce(p_needs_languages, '{}'), needs_team_lead = coalesce(p_needs_team_lead, false)
      where id = f.id;
    changed := changed + 1;
  end loop;
  if changed = 0 then
    raise exception 'shiftChange.errors.seriesNothingFrom' using errcode = 'TS409';
  end if;
  update public.shift_series set start_time = p_start, end_time = p_end where id = p_series;
  return changed;
end
$$;

-- Whether the caller's claim of a shift would be refused, and why, so the page shows the reason
-- instead of a button that then fails: the eligibility of claim_shift, then a clash with a shift
-- they are already on (the exclusion constraint would refuse it).
create or replace function private.my_claim_blocker(p_shift uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select case
    when e.eligibility <> 'ok' then e.eligibility
    when exists (select 1 from public.shift_assignments a
                 where a.observer_id = (select auth.uid()) and a.shift_id <> s.id
                   and a.status in ('claimed', 'waitlisted', 'checked_in')
                   and a.period && tstzrange(s.starts_at, s.ends_at, '[)')) then 'overlap'
    else 'ok'
  end
  from public.shifts s
  cross join lateral (select private.claim_eligibility((select auth.uid()), s.starts_at) as eligibility) e
  where s.id = p_shift
$$;

-- The caller's standing today: may they claim at all, and until when their training is valid.
create or replace function private.my_claim_standing()
returns table (eligibility text, training_date date, valid_until date)
language sql stable security definer
set search_path = ''
as $$
  select private.claim_eligibility((select auth.uid()), now()), p.training_date,
         (p.training_date + make_interval(months => o.training_valid_months))::date
  from (select 1) one
  left join public.profiles p on p.id = (select auth.uid())
  cross join public.org_settings o
$$;

revoke all on function
  private.move_shift(uuid, tstzrange, uuid[]), private.period_conflicts(uuid, tstzrange), private.series_shifts_from(uuid, date),
  private.shift_time_conflicts(uuid, date, time, time), private.change_shift_time(uuid, date, time, time, uuid[]),
  private.series_time_conflicts(uuid, date, time, time),
  private.edit_shift_series(uuid, date, time, time, smallint, text[], boolean, uuid[]),
  private.my_claim_blocker(uuid), private.my_claim_standing()
  from public, anon;
grant execute on function
  private.shift_time_conflicts(uuid, date, time, time), private.change_shift_time(uuid, date, time, time, uuid[]),
  private.series_time_conflicts(uuid, date, time, time),
  private.edit_shift_series(uuid, date, time, time, smallint, text[], boolean, uuid[]),
  private.my_claim_blocker(uuid), private.my_claim_standing()
  to authenticated;
