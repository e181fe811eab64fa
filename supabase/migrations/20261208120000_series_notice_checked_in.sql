-- Moved shifts, two mends (ADR 030).
--
-- 1. A weekly series edit told each person once per shift it moved (an email and a push for each of
--    12 weekly shifts). Now each person hears once per edit: one job 'series_changed' per person,
--    queued with private.notify_person in the edit's transaction (push and email, tagged with the
--    edit's own key), listing their shifts that moved and those they were taken off. A one-shift
--    change keeps its 'shift_time_changed' / 'shift_taken_off' notice.
-- 2. Someone already checked in (or checked out) is at the shift: a move never takes them off, even
--    when the coordinator ticked them (a tick was ignored and the same refusal came back for ever).
--    A new time that would double-book a checked-in person is refused and names them as staying;
--    the coordinator frees them from the other shift first, or picks another time. Checked-out
--    people's assignments follow the shift's time like everyone else's (they kept the old one).

-- The move itself, telling nobody: returns who is still on the shift to be told of the new time
-- ('moved'), and who was taken off ('taken_off' for another shift then, 'taken_off_training').
-- Those promoted from the waitlist just now are left out: their promotion tells them. The caller
-- holds the shift's row lock (private.lock_shift or the series' locks).
create function private.move_shift_quietly(target uuid, new_period tstzrange, take_off uuid[])
returns table (assignment_id uuid, observer_id uuid, outcome text)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  s public.shifts;
  a public.shift_assignments;
  blocked integer := 0;
  off_overlap uuid[] := '{}';
  off_training uuid[] := '{}';
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
    return;
  end if;
  update public.shifts set starts_at = lower(new_period), ends_at = upper(new_period) where id = target;
  for a in
    select * from public.shift_assignments
    where shift_id = target and status in ('claimed', 'waitlisted', 'checked_in', 'checked_out')
    order by hashtext(observer_id::text), observer_id
  loop
    begin
      update public.shift_assignments set period = new_period where id = a.id;
    exception when exclusion_violation then
      -- Only someone not yet at the shift can be taken off; a checked-in person stays and blocks.
      if a.status in ('claimed', 'waitlisted') and a.observer_id = any (coalesce(take_off, '{}')) then
        update public.shift_assignments set status = 'cancelled', cancelled_at = now(), period = new_period where id = a.id;
        off_overlap := off_overlap || a.id;
      else
        blocked := blocked + 1;
      end if;
    end;
  end loop;
  -- Training: whoever could hold this shift at its old time but whose training will have expired by
  -- the new one (a claim's rule). Checked-in people are not re-checked: they are there.
  for a in
    select * from public.shift_assignments x
    where x.shift_id = target and x.status in ('claimed', 'waitlisted')
      and private.claim_eligibility(x.observer_id, s.starts_at) = 'ok'
      and private.claim_eligibility(x.observer_id, lower(new_period)) = 'training_expired'
    order by x.id
  loop
    if a.observer_id = any (coalesce(take_off, '{}')) then
      update public.shift_assignments set status = 'cancelled', cancelled_at = now() where id = a.id;
      off_training := off_training || a.id;
    else
      blocked := blocked + 1;
    end if;
  end loop;
  if blocked > 0 then
    raise exception 'shiftChange.errors.timeConflict' using errcode = 'TS409';
  end if;
  perform private.fill_from_waitlist(target);
  return query
    select x.id, x.observer_id,
           case when x.id = any (off_overlap) then 'taken_off' when x.id = any (off_training) then 'taken_off_training' else 'moved' end
    from public.shift_assignments x
    where x.shift_id = target
      and (x.id = any (off_overlap) or x.id = any (off_training)
           or (x.status in ('claimed', 'waitlisted', 'checked_in') and x.promoted_at is distinct from now()))
    order by x.id;
end
$$;

-- One shift moved: each person is told on their own, as before.
create or replace function private.move_shift(target uuid, new_period tstzrange, take_off uuid[]) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  r record;
  removed integer := 0;
  stamp text := (extract(epoch from now()) * 1000000)::bigint::text;
begin
  for r in select * from private.move_shift_quietly(target, new_period, take_off) loop
    if r.outcome = 'moved' then
      perform private.enqueue_job('shift_time_changed', 'time_changed:' || r.assignment_id || ':' || stamp,
                                  jsonb_build_object('assignment_id', r.assignment_id, 'starts_at', lower(new_period), 'ends_at', upper(new_period)));
    else
      perform private.enqueue_job('shift_taken_off', 'taken_off:' || r.assignment_id,
                                  case when r.outcome = 'taken_off_training'
                                    then jsonb_build_object('assignment_id', r.assignment_id, 'reason', 'training')
                                    else jsonb_build_object('assignment_id', r.assignment_id) end);
      removed := removed + 1;
    end if;
  end loop;
  return removed;
end
$$;

-- A series from a date on (order as in 20261207170000_series_edit_order.sql). Everyone the edit
-- touched is told once, listing their shifts: the job's payload carries each shift's new and old
-- times, so the message says what it was and what it is.
create or replace function private.edit_shift_series(
  p_series uuid, p_from date, p_start time, p_end time, p_capacity smallint, p_needs_languages text[],
  p_needs_team_lead boolean, take_off uuid[] default '{}'
) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  f record;
  r record;
  changed integer := 0;
  told jsonb := '[]';
  stamp text := (extract(epoch from now()) * 1000000)::bigint::text;
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
  perform 1 from public.shifts s where s.id in (select g.id from private.series_shifts_from(p_series, p_from) g) order by s.id for update;
  for f in
    select g.id, private.local_period(g.local_day, p_start, p_end, g.time_zone) as new_period, s.starts_at as old_start, s.ends_at as old_end
    from private.series_shifts_from(p_series, p_from) g
    join public.shifts s on s.id = g.id
    order by (lower(private.local_period(g.local_day, p_start, p_end, g.time_zone)) > s.starts_at) desc,
             case when lower(private.local_period(g.local_day, p_start, p_end, g.time_zone)) > s.starts_at then s.starts_at end desc,
             s.starts_at
  loop
    for r in select * from private.move_shift_quietly(f.id, f.new_period, take_off) loop
      told := told || jsonb_build_object(
        'observer_id', r.observer_id, 'assignment_id', r.assignment_id, 'outcome', r.outcome,
        'starts_at', lower(f.new_period), 'ends_at', upper(f.new_period), 'was_starts_at', f.old_start, 'was_ends_at', f.old_end);
    end loop;
    update public.shifts
      set capacity = p_capacity, needs_languages = coalesce(p_needs_languages, '{}'), needs_team_lead = coalesce(p_needs_team_lead, false)
      where id = f.id;
    changed := changed + 1;
  end loop;
  if changed = 0 then
    raise exception 'shiftChange.errors.seriesNothingFrom' using errcode = 'TS409';
  end if;
  update public.shift_series set start_time = p_start, end_time = p_end where id = p_series;
  -- One notice per person and edit (push and email, like a one-shift change), their shifts in order.
  for r in
    select (e ->> 'observer_id')::uuid as person,
           jsonb_agg(e - 'observer_id' order by (e ->> 'starts_at')::timestamptz) as shifts
    from jsonb_array_elements(told) e
    group by 1
  loop
    perform private.notify_person(r.person, 'series_changed', 'series_changed:' || p_series || ':' || r.person || ':' || stamp,
                                  jsonb_build_object('series_id', p_series, 'observer_id', r.person, 'shifts', r.shifts), true);
  end loop;
  return changed;
end
$$;

revoke all on function private.move_shift_quietly(uuid, tstzrange, uuid[]) from public, anon, authenticated;
