-- A moved shift re-checks training too (issue 17): someone whose training will have expired by the
-- shift's new date can no longer hold it, exactly as a claim would refuse them. The change is
-- refused and names them (period_conflicts gains the column training_valid_until) unless the
-- coordinator ticks them to be taken off; they are told why (payload reason 'training').

drop function private.series_time_conflicts(uuid, date, time, time);
drop function private.shift_time_conflicts(uuid, date, time, time);
drop function private.period_conflicts(uuid, tstzrange);

-- People on a shift a new period does not suit: those it would double-book, with the shift they
-- would clash with, and those whose training will have expired by then, with its last valid day.
create function private.period_conflicts(p_shift uuid, p_period tstzrange)
returns table (shift_id uuid, observer_id uuid, name text, status public.assignment_status,
               other_shift_id uuid, other_zone text, other_starts_at timestamptz, other_ends_at timestamptz,
               training_valid_until date)
language sql stable security definer
set search_path = ''
as $$
  select a.shift_id, a.observer_id, coalesce(nullif(p.display_name, ''), p.email), a.status,
         o.shift_id, z.name, lower(o.period), upper(o.period), null::date
  from public.shift_assignments a
  join public.profiles p on p.id = a.observer_id
  join public.shift_assignments o on o.observer_id = a.observer_id and o.shift_id <> a.shift_id
    and o.status in ('claimed', 'waitlisted', 'checked_in') and o.period && p_period
  join public.shifts os on os.id = o.shift_id
  join public.zones z on z.id = os.zone_id
  where a.shift_id = p_shift and a.status in ('claimed', 'waitlisted', 'checked_in')
  union all
  select a.shift_id, a.observer_id, coalesce(nullif(p.display_name, ''), p.email), a.status,
         null, null, null, null, (p.training_date + make_interval(months => st.training_valid_months))::date
  from public.shift_assignments a
  join public.shifts s on s.id = a.shift_id
  join public.profiles p on p.id = a.observer_id
  cross join public.org_settings st
  where a.shift_id = p_shift and a.status in ('claimed', 'waitlisted')
    and private.claim_eligibility(a.observer_id, s.starts_at) = 'ok'
    and private.claim_eligibility(a.observer_id, lower(p_period)) = 'training_expired'
$$;

create function private.shift_time_conflicts(target uuid, p_day date, p_start time, p_end time)
returns table (shift_id uuid, observer_id uuid, name text, status public.assignment_status,
               other_shift_id uuid, other_zone text, other_starts_at timestamptz, other_ends_at timestamptz,
               training_valid_until date)
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

create function private.series_time_conflicts(p_series uuid, p_from date, p_start time, p_end time)
returns table (shift_id uuid, observer_id uuid, name text, status public.assignment_status,
               other_shift_id uuid, other_zone text, other_starts_at timestamptz, other_ends_at timestamptz,
               training_valid_until date)
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
    where c.other_shift_id is null
       or c.other_shift_id not in (select g.id from private.series_shifts_from(p_series, p_from) g)
    order by lower(c.name), c.observer_id;
end
$$;

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
  -- Training: whoever could hold this shift at its old time but whose training will have expired
  -- by the new one (claim_eligibility, the rule a claim follows) is refused like a double-booking,
  -- or taken off when the coordinator confirmed it.
  for a in
    select * from public.shift_assignments x
    where x.shift_id = target and x.status in ('claimed', 'waitlisted')
      and private.claim_eligibility(x.observer_id, s.starts_at) = 'ok'
      and private.claim_eligibility(x.observer_id, lower(new_period)) = 'training_expired'
    order by x.id
  loop
    if a.observer_id = any (coalesce(take_off, '{}')) then
      update public.shift_assignments set status = 'cancelled', cancelled_at = now() where id = a.id;
      perform private.enqueue_job('shift_taken_off', 'taken_off:' || a.id,
                                  jsonb_build_object('assignment_id', a.id, 'reason', 'training'));
      removed := removed + 1;
    else
      blocked := blocked + 1;
    end if;
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

revoke all on function
  private.period_conflicts(uuid, tstzrange), private.shift_time_conflicts(uuid, date, time, time),
  private.series_time_conflicts(uuid, date, time, time)
  from public, anon;
grant execute on function
  private.shift_time_conflicts(uuid, date, time, time), private.series_time_conflicts(uuid, date, time, time)
  to authenticated;
