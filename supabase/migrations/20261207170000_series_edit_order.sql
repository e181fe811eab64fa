-- A series edit was refused as a double-booking when its new times overlapped, for one person on
-- consecutive days, the next shift's old time (e.g. 10:00-14:00 made 22:00-12:00): the shifts were
-- moved in id order. They are now moved in an order in which that cannot happen.
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
  -- Moved one by one, each checked against the others' current times: shifts moving later go
  -- latest first and shifts moving earlier go earliest first, so no shift is checked against a
  -- neighbour's old time that the same edit is about to change (overnight shifts on consecutive
  -- days overlap the next day's old time only on the way).
  for f in
    select g.id, private.local_period(g.local_day, p_start, p_end, g.time_zone) as new_period, s.starts_at as old_start
    from private.series_shifts_from(p_series, p_from) g
    join public.shifts s on s.id = g.id
    order by (lower(private.local_period(g.local_day, p_start, p_end, g.time_zone)) > s.starts_at) desc,
             case when lower(private.local_period(g.local_day, p_start, p_end, g.time_zone)) > s.starts_at then s.starts_at end desc,
             s.starts_at
  loop
    perform private.move_shift(f.id, f.new_period, take_off);
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
