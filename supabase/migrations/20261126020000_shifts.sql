-- Shifts: one-off and weekly series, claims with waitlists, check-in/out, calendar tokens and a
-- job queue for the emails they cause. Every invariant lives here, not only in TypeScript:
--   * capacity: shifts.claimed_count is recounted under the shift's row lock and is checked
--     against capacity by a CHECK constraint, whoever writes the assignment;
--   * one active assignment per shift and observer: a partial unique index;
--   * no overlapping shifts for one observer: an exclusion constraint over tstzrange;
--   * a freed spot goes to the head of the waitlist (FIFO by `seq`) in the same transaction.
-- Observers and coordinators change assignments only through the security-definer functions in
-- `private` below (not exposed over the REST API); `authenticated` has no INSERT/UPDATE/DELETE on
-- shift_assignments at all.

create schema if not exists extensions;
create extension if not exists btree_gist with schema extensions;

-- How long a training stays valid, in months (DOMAIN: trainings are refreshed yearly).
alter table public.org_settings
  add column training_valid_months smallint not null default 12 check (training_valid_months between 1 and 120);
grant update (training_valid_months) on public.org_settings to authenticated;

create type public.assignment_status as enum ('claimed', 'waitlisted', 'cancelled', 'checked_in', 'checked_out', 'no_show');

create table public.shift_series (
  id uuid primary key default gen_random_uuid(),
  zone_id uuid not null references public.zones (id),
  -- ISO weekdays, 1 = Monday … 7 = Sunday
  weekdays smallint[] not null check (cardinality(weekdays) between 1 and 7 and weekdays <@ array[1, 2, 3, 4, 5, 6, 7]::smallint[]),
  start_time time not null,
  end_time time not null,
  -- ends the next day when end_time <= start_time (overnight shifts)
  starts_on date not null,
  ends_on date not null check (ends_on >= starts_on and ends_on <= starts_on + 366),
  time_zone text not null check (private.is_valid_time_zone(time_zone)),
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now()
);
create index shift_series_zone_idx on public.shift_series (zone_id);
create index shift_series_created_by_idx on public.shift_series (created_by);

create table public.shifts (
  id uuid primary key default gen_random_uuid(),
  zone_id uuid not null references public.zones (id),
  series_id uuid references public.shift_series (id) on delete set null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  capacity smallint not null check (capacity between 1 and 100),
  -- Maintained by private.recount_shift(); the CHECK is the capacity invariant.
  claimed_count smallint not null default 0,
  waitlist_count integer not null default 0 check (waitlist_count >= 0),
  needs_languages text[] not null default '{}' check (cardinality(needs_languages) <= 10),
  needs_team_lead boolean not null default false,
  notes text not null default '' check (char_length(notes) <= 1000),
  cancelled_at timestamptz,
  cancel_reason text not null default '' check (char_length(cancel_reason) <= 500),
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint shifts_time_order check (ends_at > starts_at and ends_at <= starts_at + interval '24 hours'),
  constraint shifts_capacity_not_exceeded check (claimed_count between 0 and capacity)
);
create index shifts_upcoming_idx on public.shifts (starts_at) where cancelled_at is null;
create index shifts_zone_time_idx on public.shifts (zone_id, starts_at);
create index shifts_series_idx on public.shifts (series_id);
create index shifts_created_by_idx on public.shifts (created_by);
-- A series never makes two shifts at the same start in one zone, so re-running it is harmless.
create unique index shifts_series_start_key on public.shifts (series_id, starts_at) where series_id is not null;

create trigger shifts_touch before update on public.shifts
  for each row execute function private.touch_updated_at();

create table public.shift_assignments (
  id uuid primary key default gen_random_uuid(),
  -- Order of arrival: the waitlist is served by this, first in, first out.
  seq bigint generated always as identity,
  shift_id uuid not null references public.shifts (id) on delete cascade,
  observer_id uuid not null references public.profiles (id) on delete cascade,
  status public.assignment_status not null,
  -- The shift's time, copied so the exclusion constraint can see it (shift times never change).
  period tstzrange not null,
  assigned_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  claimed_at timestamptz,
  promoted_at timestamptz,
  cancelled_at timestamptz,
  checked_in_at timestamptz,
  checked_out_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint shift_assignments_no_overlap exclude using gist (observer_id with =, period with &&)
    where (status in ('claimed', 'waitlisted', 'checked_in'))
);
create unique index shift_assignments_one_active_key on public.shift_assignments (shift_id, observer_id)
  where status <> 'cancelled';
create index shift_assignments_queue_idx on public.shift_assignments (shift_id, status, seq);
create index shift_assignments_observer_idx on public.shift_assignments (observer_id, period);
create index shift_assignments_assigned_by_idx on public.shift_assignments (assigned_by);

create trigger shift_assignments_touch before update on public.shift_assignments
  for each row execute function private.touch_updated_at();

-- Counts -------------------------------------------------------------------------------------

-- Recounts a shift under its row lock. Each statement of a volatile plpgsql function takes a
-- fresh snapshot, so after the lock is held the counts include every committed claim.
create or replace function private.recount_shift(target uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform 1 from public.shifts where id = target for update;
  update public.shifts s set
    claimed_count = c.claimed,
    waitlist_count = c.waitlisted
  from (
    select
      count(*) filter (where a.status in ('claimed', 'checked_in', 'checked_out')) as claimed,
      count(*) filter (where a.status = 'waitlisted') as waitlisted
    from public.shift_assignments a
    where a.shift_id = target
  ) c
  where s.id = target
    and (s.claimed_count, s.waitlist_count) is distinct from (c.claimed::smallint, c.waitlisted::integer);
end
$$;

create or replace function private.on_assignment_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    perform private.recount_shift(old.shift_id);
  else
    if tg_op = 'INSERT' then
      -- The period always comes from the shift, never from the caller.
      new.period := (select tstzrange(s.starts_at, s.ends_at, '[)') from public.shifts s where s.id = new.shift_id);
    end if;
    if tg_op = 'UPDATE' and new.period is distinct from old.period then
      raise exception 'an assignment''s period follows its shift' using errcode = '42501';
    end if;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;

create or replace function private.after_assignment_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.recount_shift(case when tg_op = 'DELETE' then old.shift_id else new.shift_id end);
  -- A claim that disappears (its person was deleted) frees a spot like a cancellation does.
  if tg_op = 'DELETE' and old.status = 'claimed' and exists (select 1 from public.shifts where id = old.shift_id) then
    perform private.fill_from_waitlist(old.shift_id);
  end if;
  return null;
end
$$;

create trigger shift_assignments_before before insert or update on public.shift_assignments
  for each row execute function private.on_assignment_change();
create trigger shift_assignments_after after insert or update of status or delete on public.shift_assignments
  for each row execute function private.after_assignment_change();

-- Jobs ---------------------------------------------------------------------------------------
-- Work for the background runner: claimed with FOR UPDATE SKIP LOCKED by any number of app
-- instances. A job names people and shifts by id only; the email is built when it is sent.

create table private.jobs (
  id bigint generated always as identity primary key,
  kind text not null,
  dedupe_key text not null unique,
  payload jsonb not null default '{}',
  run_at timestamptz not null default now(),
  attempts integer not null default 0,
  done_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
create index jobs_due_idx on private.jobs (run_at) where done_at is null;

create or replace function private.enqueue_job(p_kind text, p_dedupe_key text, p_payload jsonb) returns void
language sql security definer
set search_path = ''
as $$
  insert into private.jobs (kind, dedupe_key, payload) values (p_kind, p_dedupe_key, p_payload)
  on conflict (dedupe_key) do nothing
$$;

-- Reminders become jobs once they are due: the day before (24 h ahead, unless the shift is
-- already within 2 h) and 2 hours before. The dedupe key makes each exactly one job.
create or replace function private.enqueue_due_reminders() returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  added integer;
begin
  insert into private.jobs (kind, dedupe_key, payload)
  select 'shift_reminder', 'reminder:' || k.kind || ':' || a.id, jsonb_build_object('assignment_id', a.id, 'reminder', k.kind)
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

-- Waitlist -----------------------------------------------------------------------------------

-- Fills free spots from the head of the waitlist. The caller holds the shift's row lock.
create or replace function private.fill_from_waitlist(target uuid) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.shifts;
  head public.shift_assignments;
  promoted integer := 0;
begin
  loop
    select * into s from public.shifts where id = target for update;
    exit when s.cancelled_at is not null or s.ends_at <= now() or s.claimed_count >= s.capacity;
    select a.* into head
    from public.shift_assignments a
    join public.profiles p on p.id = a.observer_id
    where a.shift_id = target and a.status = 'waitlisted' and p.deactivated_at is null
      and private.claim_eligibility(a.observer_id, s.starts_at) = 'ok'
    order by a.seq
    limit 1;
    exit when head.id is null;
    update public.shift_assignments
      set status = 'claimed', claimed_at = now(), promoted_at = now()
      where id = head.id;
    perform private.enqueue_job('waitlist_promoted', 'promoted:' || head.id, jsonb_build_object('assignment_id', head.id));
    promoted := promoted + 1;
    head := null;
  end loop;
  return promoted;
end
$$;

-- A raised capacity is taken by the waitlist straight away.
create or replace function private.after_capacity_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.capacity > old.capacity then
    perform private.fill_from_waitlist(new.id);
  end if;
  return null;
end
$$;
create trigger shifts_capacity_raised after update of capacity on public.shifts
  for each row execute function private.after_capacity_change();

-- Eligibility --------------------------------------------------------------------------------

-- 'ok', 'not_observer', 'training_missing' or 'training_expired' for an observer and a shift.
create or replace function private.claim_eligibility(observer uuid, shift_start timestamptz) returns text
language sql stable security definer
set search_path = ''
as $$
  select case
    when p.id is null or p.deactivated_at is not null
      or not exists (select 1 from public.role_grants g where g.user_id = p.id and g.role = 'observer') then 'not_observer'
    when p.training_date is null then 'training_missing'
    when (p.training_date + make_interval(months => o.training_valid_months))::date
         <= (shift_start at time zone o.time_zone)::date then 'training_expired'
    else 'ok'
  end
  from (select 1) one
  left join public.profiles p on p.id = observer
  cross join public.org_settings o
$$;

-- Errors raised below carry an i18n key as their message and a class of SQLSTATE:
--   TS404 not found, TS403 not allowed, TS409 conflict. The app maps them to 4xx responses.

create or replace function private.lock_shift(target uuid) returns public.shifts
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.shifts;
begin
  select * into s from public.shifts where id = target for update;
  if s.id is null then
    raise exception 'shifts.errors.notFound' using errcode = 'TS404';
  end if;
  return s;
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
  existing public.shift_assignments;
  result public.shift_assignments;
  eligibility text;
begin
  if me is null then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  s := private.lock_shift(target);
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
  -- Nobody jumps the queue: a free spot goes to the waitlist first.
  if s.claimed_count < s.capacity and s.waitlist_count > 0 then
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
    exception when exclusion_violation then
      raise exception 'shifts.errors.overlap' using errcode = 'TS409';
    end;
  else
    raise exception 'shifts.errors.full' using errcode = 'TS409';
  end if;
  return result;
end
$$;

-- The person gives up their spot or leaves the waitlist; the waitlist moves up at once.
create or replace function private.leave_shift(target uuid) returns public.shift_assignments
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  s public.shifts;
  result public.shift_assignments;
begin
  if me is null or not private.is_active_member() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  s := private.lock_shift(target);
  if s.ends_at <= now() then
    raise exception 'shifts.errors.over' using errcode = 'TS409';
  end if;
  update public.shift_assignments
    set status = 'cancelled', cancelled_at = now()
    where shift_id = target and observer_id = me and status in ('claimed', 'waitlisted')
    returning * into result;
  if result.id is null then
    raise exception 'shifts.errors.notOnShift' using errcode = 'TS409';
  end if;
  perform private.fill_from_waitlist(target);
  return result;
end
$$;

-- Check-in opens 30 minutes before the start and closes at the end.
create or replace function private.check_in(target uuid) returns public.shift_assignments
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  s public.shifts;
  result public.shift_assignments;
begin
  if me is null or not private.is_active_member() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  s := private.lock_shift(target);
  if s.cancelled_at is not null then
    raise exception 'shifts.errors.cancelled' using errcode = 'TS409';
  end if;
  if now() < s.starts_at - interval '30 minutes' then
    raise exception 'shifts.errors.checkInTooEarly' using errcode = 'TS409';
  end if;
  if now() >= s.ends_at then
    raise exception 'shifts.errors.over' using errcode = 'TS409';
  end if;
  update public.shift_assignments
    set status = 'checked_in', checked_in_at = now()
    where shift_id = target and observer_id = me and status = 'claimed'
    returning * into result;
  if result.id is null then
    select * into result from public.shift_assignments
      where shift_id = target and observer_id = me and status = 'checked_in';
    if result.id is null then
      raise exception 'shifts.errors.notOnShift' using errcode = 'TS409';
    end if;
  end if;
  return result;
end
$$;

create or replace function private.check_out(target uuid) returns public.shift_assignments
language plpgsql security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  result public.shift_assignments;
begin
  if me is null or not private.is_active_member() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  perform private.lock_shift(target);
  update public.shift_assignments
    set status = 'checked_out', checked_out_at = now()
    where shift_id = target and observer_id = me and status = 'checked_in'
    returning * into result;
  if result.id is null then
    select * into result from public.shift_assignments
      where shift_id = target and observer_id = me and status = 'checked_out';
    if result.id is null then
      raise exception 'shifts.errors.notCheckedIn' using errcode = 'TS409';
    end if;
  end if;
  return result;
end
$$;

create or replace function private.is_coordinating() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select private.has_role('coordinator') or private.has_role('admin')
$$;

-- A coordinator puts an observer on a shift; a full shift is refused, never over-filled.
create or replace function private.assign_to_shift(target uuid, observer uuid) returns public.shift_assignments
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.shifts;
  result public.shift_assignments;
  eligibility text;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  s := private.lock_shift(target);
  if s.cancelled_at is not null then
    raise exception 'shifts.errors.cancelled' using errcode = 'TS409';
  end if;
  if s.ends_at <= now() then
    raise exception 'shifts.errors.over' using errcode = 'TS409';
  end if;
  eligibility := private.claim_eligibility(observer, s.starts_at);
  if eligibility <> 'ok' then
    raise exception '%', 'shifts.errors.' || eligibility || 'Other' using errcode = 'TS409';
  end if;
  -- Someone on the waitlist is moved onto the shift rather than added twice.
  update public.shift_assignments
    set status = 'claimed', claimed_at = now(), assigned_by = (select auth.uid())
    where shift_id = target and observer_id = observer and status = 'waitlisted' and s.claimed_count < s.capacity
    returning * into result;
  if result.id is not null then
    perform private.enqueue_job('shift_assigned', 'assigned:' || result.id, jsonb_build_object('assignment_id', result.id));
    return result;
  end if;
  if exists (select 1 from public.shift_assignments where shift_id = target and observer_id = observer and status <> 'cancelled') then
    raise exception 'shifts.errors.alreadyOnShift' using errcode = 'TS409';
  end if;
  if s.claimed_count >= s.capacity then
    raise exception 'shifts.errors.full' using errcode = 'TS409';
  end if;
  begin
    insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, assigned_by, period)
      values (target, observer, 'claimed', now(), (select auth.uid()), tstzrange(s.starts_at, s.ends_at, '[)'))
      returning * into result;
  exception when exclusion_violation then
    raise exception 'shifts.errors.overlapOther' using errcode = 'TS409';
  end;
  perform private.enqueue_job('shift_assigned', 'assigned:' || result.id, jsonb_build_object('assignment_id', result.id));
  return result;
end
$$;

create or replace function private.unassign_from_shift(target uuid, assignment uuid) returns public.shift_assignments
language plpgsql security definer
set search_path = ''
as $$
declare
  result public.shift_assignments;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  perform private.lock_shift(target);
  update public.shift_assignments
    set status = 'cancelled', cancelled_at = now()
    where id = assignment and shift_id = target and status in ('claimed', 'waitlisted')
    returning * into result;
  if result.id is null then
    raise exception 'shifts.errors.notOnShift' using errcode = 'TS409';
  end if;
  perform private.enqueue_job('shift_unassigned', 'unassigned:' || result.id, jsonb_build_object('assignment_id', result.id));
  perform private.fill_from_waitlist(target);
  return result;
end
$$;

-- Cancelling a shift frees everyone on it and tells them by email.
create or replace function private.cancel_shift(target uuid, reason text default '') returns public.shifts
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.shifts;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  s := private.lock_shift(target);
  if s.cancelled_at is not null then
    return s;
  end if;
  if s.ends_at <= now() then
    raise exception 'shifts.errors.over' using errcode = 'TS409';
  end if;
  perform private.enqueue_job('shift_cancelled', 'cancelled:' || a.id, jsonb_build_object('assignment_id', a.id))
    from public.shift_assignments a
    where a.shift_id = target and a.status in ('claimed', 'waitlisted');
  -- Anyone already checked in stays so, and can check out: they are on the street right now.
  update public.shift_assignments
    set status = 'cancelled', cancelled_at = now()
    where shift_id = target and status in ('claimed', 'waitlisted');
  update public.shifts set cancelled_at = now(), cancel_reason = left(coalesce(reason, ''), 500)
    where id = target returning * into s;
  return s;
end
$$;

-- A weekly series, made into shifts in the organisation's time zone: local wall-clock time is
-- kept across daylight-saving changes (a 6 pm shift is 6 pm in March and in November).
-- Local wall-clock start and end on a local day: an overnight shift (end <= start) ends the next day,
-- and both ends are converted on their own days, so DST changes in between cost no hour.
create or replace function private.local_period(p_day date, p_start time, p_end time, tz text)
returns tstzrange
language sql immutable
set search_path = ''
as $$
  select tstzrange(
    (p_day + p_start) at time zone tz,
    ((p_day + case when p_end <= p_start then 1 else 0 end) + p_end) at time zone tz,
    '[)')
$$;

create or replace function private.check_new_shift(p_zone uuid, p_capacity smallint, p_start time, p_end time) returns void
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if not exists (select 1 from public.zones z where z.id = p_zone and z.retired_at is null) then
    raise exception 'shifts.errors.zone' using errcode = 'TS409';
  end if;
  if p_capacity is null or p_capacity not between 1 and 100 then
    raise exception 'shifts.errors.capacity' using errcode = 'TS409';
  end if;
  if p_start is null or p_end is null or p_start = p_end then
    raise exception 'shifts.errors.endTime' using errcode = 'TS409';
  end if;
end
$$;

create or replace function private.create_shift_series(
  p_zone uuid, p_weekdays smallint[], p_start_time time, p_end_time time, p_starts_on date, p_ends_on date,
  p_capacity smallint, p_needs_languages text[], p_needs_team_lead boolean, p_notes text
) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  new_series uuid;
  tz text := (select time_zone from public.org_settings);
begin
  perform private.check_new_shift(p_zone, p_capacity, p_start_time, p_end_time);
  if p_ends_on < p_starts_on or p_ends_on > p_starts_on + 366 then
    raise exception 'shifts.errors.seriesTooLong' using errcode = 'TS409';
  end if;
  insert into public.shift_series (zone_id, weekdays, start_time, end_time, starts_on, ends_on, time_zone, created_by)
    values (p_zone, p_weekdays, p_start_time, p_end_time, p_starts_on, p_ends_on, tz, (select auth.uid()))
    returning id into new_series;
  insert into public.shifts (zone_id, series_id, starts_at, ends_at, capacity, needs_languages, needs_team_lead, notes, created_by)
  select p_zone, new_series, lower(t.period), upper(t.period),
         p_capacity, p_needs_languages, p_needs_team_lead, left(coalesce(p_notes, ''), 1000), (select auth.uid())
  from generate_series(p_starts_on::timestamp, p_ends_on::timestamp, interval '1 day') as d(day)
  cross join lateral (select private.local_period(d.day::date, p_start_time, p_end_time, tz) as period) t
  where extract(isodow from d.day)::smallint = any (p_weekdays)
    and lower(t.period) > now();
  if not found then
    raise exception 'shifts.errors.seriesEmpty' using errcode = 'TS409';
  end if;
  return new_series;
end
$$;

-- One shift on a local day and time in the organisation's time zone.
create or replace function private.create_shift(
  p_zone uuid, p_day date, p_start_time time, p_end_time time,
  p_capacity smallint, p_needs_languages text[], p_needs_team_lead boolean, p_notes text
) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  new_shift uuid;
  period tstzrange;
begin
  perform private.check_new_shift(p_zone, p_capacity, p_start_time, p_end_time);
  period := private.local_period(p_day, p_start_time, p_end_time, (select time_zone from public.org_settings));
  if upper(period) <= now() then
    raise exception 'shifts.errors.inPast' using errcode = 'TS409';
  end if;
  insert into public.shifts (zone_id, starts_at, ends_at, capacity, needs_languages, needs_team_lead, notes, created_by)
    values (p_zone, lower(period), upper(period), p_capacity, p_needs_languages, p_needs_team_lead,
            left(coalesce(p_notes, ''), 1000), (select auth.uid()))
    returning id into new_shift;
  return new_shift;
end
$$;

revoke all on function
  private.claim_shift(uuid, boolean), private.leave_shift(uuid), private.check_in(uuid), private.check_out(uuid),
  private.assign_to_shift(uuid, uuid), private.unassign_from_shift(uuid, uuid), private.cancel_shift(uuid, text),
  private.create_shift_series(uuid, smallint[], time, time, date, date, smallint, text[], boolean, text),
  private.create_shift(uuid, date, time, time, smallint, text[], boolean, text)
  from public, anon;
grant execute on function
  private.claim_shift(uuid, boolean), private.leave_shift(uuid), private.check_in(uuid), private.check_out(uuid),
  private.assign_to_shift(uuid, uuid), private.unassign_from_shift(uuid, uuid), private.cancel_shift(uuid, text),
  private.create_shift_series(uuid, smallint[], time, time, date, date, smallint, text[], boolean, text),
  private.create_shift(uuid, date, time, time, smallint, text[], boolean, text)
  to authenticated;
revoke all on function private.recount_shift(uuid), private.fill_from_waitlist(uuid), private.enqueue_job(text, text, jsonb),
  private.enqueue_due_reminders(), private.claim_eligibility(uuid, timestamptz), private.lock_shift(uuid),
  private.on_assignment_change(), private.after_assignment_change(), private.after_capacity_change() from public;
grant execute on function private.is_coordinating() to authenticated;
revoke all on function private.local_period(date, time, time, text), private.check_new_shift(uuid, smallint, time, time) from public;

-- Observers a coordinator may put on a shift, with whether their training is current for it.
create or replace function private.assignable_observers(p_shift uuid)
returns table (id uuid, name text, email text, eligibility text)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  return query
    select p.id, p.display_name, p.email, private.claim_eligibility(p.id, s.starts_at)
    from public.profiles p
    join public.role_grants g on g.user_id = p.id and g.role = 'observer'
    cross join public.shifts s
    where s.id = p_shift and p.deactivated_at is null
      and not exists (select 1 from public.shift_assignments a where a.shift_id = s.id and a.observer_id = p.id and a.status <> 'cancelled')
    order by lower(p.display_name), p.email;
end
$$;
revoke all on function private.assignable_observers(uuid) from public, anon;
grant execute on function private.assignable_observers(uuid) to authenticated;

-- Calendar feeds -----------------------------------------------------------------------------
-- Only a hash of the secret is kept; the link is shown once when it is made.

create table private.calendar_tokens (
  user_id uuid primary key references public.profiles (id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null default now()
);

create or replace function private.set_calendar_token(p_token_hash text) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.is_active_member() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  insert into private.calendar_tokens (user_id, token_hash) values ((select auth.uid()), p_token_hash)
  on conflict (user_id) do update set token_hash = excluded.token_hash, created_at = now();
end
$$;

create or replace function private.revoke_calendar_token() returns void
language sql security definer
set search_path = ''
as $$
  delete from private.calendar_tokens where user_id = (select auth.uid())
$$;

create or replace function private.has_calendar_token() returns timestamptz
language sql stable security definer
set search_path = ''
as $$
  select created_at from private.calendar_tokens where user_id = (select auth.uid())
$$;

revoke all on function private.set_calendar_token(text), private.revoke_calendar_token(), private.has_calendar_token() from public, anon;
grant execute on function private.set_calendar_token(text), private.revoke_calendar_token(), private.has_calendar_token() to authenticated;

-- Deactivation revokes the calendar feed and frees the person's upcoming spots.
create or replace function private.on_profile_deactivated() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  freed uuid;
begin
  if new.deactivated_at is not null and old.deactivated_at is null then
    delete from private.calendar_tokens where user_id = new.id;
    -- Shift row locks first, in id order, as every other path takes them: no deadlocks.
    for freed in
      select s.id from public.shifts s
      where s.ends_at > now()
        and exists (select 1 from public.shift_assignments a
                    where a.shift_id = s.id and a.observer_id = new.id and a.status in ('claimed', 'waitlisted'))
      order by s.id
      for update of s
    loop
      update public.shift_assignments
        set status = 'cancelled', cancelled_at = now()
        where shift_id = freed and observer_id = new.id and status in ('claimed', 'waitlisted');
      perform private.fill_from_waitlist(freed);
    end loop;
  end if;
  return null;
end
$$;
create trigger profiles_deactivated after update of deactivated_at on public.profiles
  for each row execute function private.on_profile_deactivated();

-- Row-level security -------------------------------------------------------------------------

alter table public.shift_series enable row level security;
alter table public.shifts enable row level security;
alter table public.shift_assignments enable row level security;
revoke all on public.shift_series, public.shifts, public.shift_assignments from anon, authenticated;
revoke all on private.jobs, private.calendar_tokens from anon, authenticated;

grant select on public.shift_series to authenticated;
grant select on public.shifts to authenticated;
grant insert (zone_id, starts_at, ends_at, capacity, needs_languages, needs_team_lead, notes, created_by) on public.shifts to authenticated;
grant update (capacity, needs_languages, needs_team_lead, notes) on public.shifts to authenticated;
grant select on public.shift_assignments to authenticated;

create policy shift_series_select on public.shift_series for select to authenticated
  using ((select private.is_coordinating()));

-- Everyone active sees shifts and how full they are; never who is on them (see assignments).
create policy shifts_select on public.shifts for select to authenticated
  using ((select private.is_active_member()));
create policy shifts_insert on public.shifts for insert to authenticated
  with check (
    (select private.is_coordinating())
    and created_by = (select auth.uid())
    and exists (select 1 from public.zones z where z.id = zone_id and z.retired_at is null)
  );
create policy shifts_update on public.shifts for update to authenticated
  using ((select private.is_coordinating()) and cancelled_at is null)
  with check ((select private.is_coordinating()));

-- Observers see their own assignments; coordinators see rosters.
create policy shift_assignments_select on public.shift_assignments for select to authenticated
  using (
    (observer_id = (select auth.uid()) and (select private.is_active_member()))
    or (select private.is_coordinating())
  );

-- Where the person stands on each waitlist they are on (others' rows stay hidden by RLS).
create or replace function private.my_waitlist_positions() returns table (shift_id uuid, waitlist_position integer)
language sql stable security definer
set search_path = ''
as $$
  select a.shift_id,
         (select count(*) from public.shift_assignments w
           where w.shift_id = a.shift_id and w.status = 'waitlisted' and w.seq <= a.seq)::integer
  from public.shift_assignments a
  where a.observer_id = (select auth.uid()) and a.status = 'waitlisted' and private.is_active_member()
$$;
revoke all on function private.my_waitlist_positions() from public, anon;
grant execute on function private.my_waitlist_positions() to authenticated;

-- The caller's own eligibility for a shift, so the page can say why before they tap.
create or replace function private.my_claim_eligibility(p_shift uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select private.claim_eligibility((select auth.uid()), s.starts_at) from public.shifts s where s.id = p_shift
$$;
revoke all on function private.my_claim_eligibility(uuid) from public, anon;
grant execute on function private.my_claim_eligibility(uuid) to authenticated;
