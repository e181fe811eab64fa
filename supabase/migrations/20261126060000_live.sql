-- Live operations: a delivery log of events for the coordinators' live board, and safety checks
-- for observers who miss a check-in or a check-out.
--
-- public.live_events is a delivery log, not a record: triggers write it, every app instance
-- LISTENs on `testigo_live` and reads new rows back through RLS for each subscriber, and a job
-- deletes rows after 7 days. Ids are assigned at commit, under a lock, so they follow commit
-- order: a reader that has seen id N will never later find a smaller id appear. That is what lets
-- a client resume from its Last-Event-ID without missing anything (docs/decisions/008).

create table public.live_events (
  -- Provisional while the writing transaction runs; renumbered by private.live_event_commit().
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  kind text not null check (kind in (
    'report_submitted', 'checked_in', 'checked_out', 'shift_short_staffed', 'shift_staffing',
    'safety_alert_raised', 'safety_alert_ok', 'safety_alert_acknowledged')),
  -- No foreign keys to zones or shifts: inserting an event must never wait on a shift's row lock
  -- (the safety check holds assignment rows while check-in holds the shift).
  zone_id uuid,
  shift_id uuid,
  report_id uuid references public.reports (id) on delete cascade,
  -- Whom the event is addressed to (their own check-in or safety check); never a report's author.
  observer_id uuid references public.profiles (id) on delete cascade,
  -- Only what every reader of this kind may see (see the policy below).
  payload jsonb not null default '{}' check (jsonb_typeof(payload) = 'object')
);
create index live_events_at_idx on public.live_events (at);
create index live_events_observer_idx on public.live_events (observer_id, id) where observer_id is not null;
create index live_events_report_idx on public.live_events (report_id) where report_id is not null;
-- A shift is announced as short of people once, when it comes within the hour.
create unique index live_events_short_staffed_key on public.live_events (shift_id) where kind = 'shift_short_staffed';

-- Numbers each new event at commit time. Deferred triggers run just before the commit; the
-- advisory lock is held from here until the commit is visible, so the next transaction to number
-- its events gets larger ids and commits after this one. Nothing waits for a row lock while
-- holding it, so it cannot deadlock.
create or replace function private.live_event_commit() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  final_id bigint;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('testigo.live_events'));
  update public.live_events set id = default where id = new.id returning id into final_id;
  if final_id is not null then
    perform pg_catalog.pg_notify('testigo_live', final_id::text);
  end if;
  return null;
end
$$;
create constraint trigger live_events_commit after insert on public.live_events
  deferrable initially deferred
  for each row execute function private.live_event_commit();

-- The one way events are written.
create or replace function private.emit_live_event(
  p_kind text, p_zone uuid, p_shift uuid, p_report uuid, p_observer uuid, p_payload jsonb
) returns void
language sql security definer
set search_path = ''
as $$
  insert into public.live_events (kind, zone_id, shift_id, report_id, observer_id, payload)
  values (p_kind, p_zone, p_shift, p_report, p_observer, coalesce(p_payload, '{}'))
$$;

-- Reports --------------------------------------------------------------------------------------

-- Exactly the columns of public.report_overview (what coordinators may see), never the narrative,
-- officers, vehicles, author or anything sealed. tests check the two lists stay the same.
create or replace function private.on_report_submitted() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.emit_live_event('report_submitted', new.zone_id, new.shift_id, new.id, null, pg_catalog.jsonb_build_object(
    'id', new.id, 'zone_id', new.zone_id, 'shift_id', new.shift_id, 'occurred_at', new.occurred_at,
    'submitted_at', new.submitted_at, 'location', new.location, 'location_accuracy_m', new.location_accuracy_m,
    'cross_streets', new.cross_streets, 'agent_count_min', new.agent_count_min,
    'agents_possibly_more', new.agents_possibly_more, 'vehicle_count', new.vehicle_count,
    'activities', new.activities, 'agencies', new.agencies, 'urgency', new.urgency,
    'verification', new.verification, 'status', new.status,
    'sealed_detained', new.sealed_detained, 'sealed_witnesses', new.sealed_witnesses));
  return null;
end
$$;
create trigger reports_live_submitted after insert on public.reports
  for each row execute function private.on_report_submitted();

-- Assignments and shifts -----------------------------------------------------------------------

-- Who is out, for the board: the shift, its zone and the observer's name and phone (coordinators
-- read profiles anyway; the observer reads their own).
create or replace function private.assignment_live_payload(p_assignment uuid) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'assignment_id', a.id, 'shift_id', s.id, 'zone_id', z.id, 'zone_name', z.name,
    'observer_name', case when pg_catalog.btrim(p.display_name) = '' then p.email else p.display_name end,
    'observer_phone', p.phone, 'starts_at', s.starts_at, 'ends_at', s.ends_at,
    'checked_in_at', a.checked_in_at, 'checked_out_at', a.checked_out_at)
  from public.shift_assignments a
  join public.shifts s on s.id = a.shift_id
  join public.zones z on z.id = s.zone_id
  join public.profiles p on p.id = a.observer_id
  where a.id = p_assignment
$$;

create or replace function private.on_assignment_live() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.shifts;
  resolved record;
begin
  if new.status not in ('checked_in', 'checked_out') then
    return null;
  end if;
  select * into s from public.shifts where id = new.shift_id;
  perform private.emit_live_event(new.status::text, s.zone_id, s.id, null, new.observer_id, private.assignment_live_payload(new.id));
  -- Checking in answers a missed check-in, checking out an overdue check-out: the observer is OK.
  for resolved in
    update public.safety_alerts x set observer_ok_at = now()
    where x.assignment_id = new.id and x.observer_ok_at is null
      and x.kind = case when new.status = 'checked_in' then 'missed_check_in' else 'overdue_check_out' end
    returning x.id
  loop
    perform private.emit_safety_event('safety_alert_ok', resolved.id);
  end loop;
  return null;
end
$$;

-- What the board shows of a shift that starts soon.
create or replace function private.shift_live_payload(s public.shifts) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'shift_id', s.id, 'zone_id', s.zone_id, 'zone_name', z.name, 'starts_at', s.starts_at, 'ends_at', s.ends_at,
    'capacity', s.capacity, 'claimed', s.claimed_count, 'cancelled', s.cancelled_at is not null)
  from public.zones z where z.id = s.zone_id
$$;

-- A shift within the hour whose staffing changes: the board keeps its "short of people" list current.
create or replace function private.on_shift_staffing() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.starts_at > now() and new.starts_at <= now() + interval '1 hour'
     and (new.claimed_count, new.capacity, new.cancelled_at) is distinct from (old.claimed_count, old.capacity, old.cancelled_at) then
    perform private.emit_live_event('shift_staffing', new.zone_id, new.id, null, null, private.shift_live_payload(new));
  end if;
  return null;
end
$$;
create trigger shifts_live_staffing after update of claimed_count, capacity, cancelled_at on public.shifts
  for each row execute function private.on_shift_staffing();

-- Safety alerts --------------------------------------------------------------------------------

create table public.safety_alerts (
  id uuid primary key default gen_random_uuid(),
  assignment_id uuid not null references public.shift_assignments (id) on delete cascade,
  -- Copied from the assignment for the policy; a foreign key to profiles never waits on shifts.
  observer_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null check (kind in ('missed_check_in', 'overdue_check_out')),
  raised_at timestamptz not null default now(),
  -- The observer answered "I'm OK" (or checked in / out, which says as much).
  observer_ok_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by uuid references public.profiles (id) on delete set null,
  unique (assignment_id, kind),
  constraint safety_alerts_acknowledged check (acknowledged_by is null or acknowledged_at is not null)
);
create index safety_alerts_open_idx on public.safety_alerts (raised_at desc) where acknowledged_at is null;
create index safety_alerts_observer_idx on public.safety_alerts (observer_id, raised_at desc);
create index safety_alerts_acknowledged_by_idx on public.safety_alerts (acknowledged_by);

create trigger shift_assignments_live after update of status on public.shift_assignments
  for each row when (new.status is distinct from old.status)
  execute function private.on_assignment_live();

create or replace function private.emit_safety_event(p_kind text, p_alert uuid) returns void
language sql security definer
set search_path = ''
as $$
  select private.emit_live_event(p_kind, (x.payload ->> 'zone_id')::uuid, (x.payload ->> 'shift_id')::uuid, null, x.observer_id, x.payload)
  from (
    select a.observer_id, private.assignment_live_payload(a.assignment_id) || pg_catalog.jsonb_build_object(
      'alert_id', a.id, 'alert_kind', a.kind, 'raised_at', a.raised_at, 'observer_ok_at', a.observer_ok_at,
      'acknowledged_at', a.acknowledged_at,
      'acknowledged_by_name', (select case when pg_catalog.btrim(p.display_name) = '' then p.email else p.display_name end
                               from public.profiles p where p.id = a.acknowledged_by)) as payload
    from public.safety_alerts a where a.id = p_alert
  ) x
$$;

-- Run by the job runner on every instance. Fifteen minutes after a shift starts, an active claim
-- without a check-in raises a missed check-in; thirty minutes after it ends, a check-in without a
-- check-out raises an overdue check-out. Each at most once per assignment (the unique key), and
-- rows another instance is looking at are skipped (SKIP LOCKED). The assignment's status is left
-- alone: a late observer can still check in, and one who is in trouble is not a no-show.
-- Also announces shifts that come within the hour short of people. Returns the alerts raised.
create or replace function private.detect_live_conditions() returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  due record;
  alert uuid;
  raised integer := 0;
begin
  for due in
    select a.id, a.observer_id,
           case when a.status = 'claimed' then 'missed_check_in' else 'overdue_check_out' end as kind
    from public.shift_assignments a
    join public.shifts s on s.id = a.shift_id
    join public.profiles p on p.id = a.observer_id
    -- Any shift that could be due: at most 24 hours long, and nothing older than half a day after its end.
    where s.starts_at > now() - interval '36 hours' and s.starts_at <= now() - interval '15 minutes'
      and p.deactivated_at is null
      and (
        (a.status = 'claimed' and s.cancelled_at is null and s.starts_at <= now() - interval '15 minutes' and s.ends_at > now())
        or (a.status = 'checked_in' and s.ends_at <= now() - interval '30 minutes' and s.ends_at > now() - interval '12 hours')
      )
      and not exists (
        select 1 from public.safety_alerts x
        where x.assignment_id = a.id and x.kind = case when a.status = 'claimed' then 'missed_check_in' else 'overdue_check_out' end)
    order by a.id
    for update of a skip locked
  loop
    insert into public.safety_alerts (assignment_id, observer_id, kind)
      values (due.id, due.observer_id, due.kind)
      on conflict (assignment_id, kind) do nothing
      returning id into alert;
    if alert is not null then
      perform private.emit_safety_event('safety_alert_raised', alert);
      perform private.enqueue_job('safety_check', 'safety:' || alert, pg_catalog.jsonb_build_object('alert_id', alert));
      raised := raised + 1;
    end if;
    alert := null;
  end loop;

  insert into public.live_events (kind, zone_id, shift_id, payload)
  select 'shift_short_staffed', s.zone_id, s.id, private.shift_live_payload(s)
  from public.shifts s
  where s.cancelled_at is null and s.starts_at > now() and s.starts_at <= now() + interval '1 hour'
    and s.claimed_count < s.capacity
  on conflict (shift_id) where kind = 'shift_short_staffed' do nothing;
  return raised;
end
$$;

-- The observer's answer to "Are you OK?": only their own alert.
create or replace function private.confirm_safe(p_alert uuid) returns public.safety_alerts
language plpgsql security definer
set search_path = ''
as $$
declare
  result public.safety_alerts;
begin
  if (select auth.uid()) is null or not private.is_active_member() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  select * into result from public.safety_alerts where id = p_alert and observer_id = (select auth.uid()) for update;
  if result.id is null then
    raise exception 'live.errors.alertNotFound' using errcode = 'TS404';
  end if;
  if result.observer_ok_at is null then
    update public.safety_alerts set observer_ok_at = now() where id = p_alert returning * into result;
    perform private.emit_safety_event('safety_alert_ok', p_alert);
  end if;
  return result;
end
$$;

-- A coordinator has seen the alert (and, say, called the observer). Repeating it changes nothing.
create or replace function private.acknowledge_safety_alert(p_alert uuid) returns public.safety_alerts
language plpgsql security definer
set search_path = ''
as $$
declare
  result public.safety_alerts;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  select * into result from public.safety_alerts where id = p_alert for update;
  if result.id is null then
    raise exception 'live.errors.alertNotFound' using errcode = 'TS404';
  end if;
  if result.acknowledged_at is null then
    update public.safety_alerts set acknowledged_at = now(), acknowledged_by = (select auth.uid())
      where id = p_alert returning * into result;
    perform private.emit_safety_event('safety_alert_acknowledged', p_alert);
  end if;
  return result;
end
$$;

-- The delivery log is kept for a week: long enough for any client to catch up.
create or replace function private.purge_live_events() returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  deleted integer;
begin
  delete from public.live_events where at < now() - interval '7 days';
  get diagnostics deleted = row_count;
  return deleted;
end
$$;

-- Row-level security ---------------------------------------------------------------------------

alter table public.live_events enable row level security;
alter table public.safety_alerts enable row level security;
revoke all on public.live_events, public.safety_alerts from anon, authenticated;
grant select on public.live_events, public.safety_alerts to authenticated;

-- Coordinators and admins read everything about the operation; an observer reads what is about
-- them (their check-ins, their safety checks); attorneys read incoming reports. Nobody writes.
create policy live_events_select on public.live_events for select to authenticated
  using (
    (select private.is_coordinating())
    or (observer_id = (select auth.uid()) and (select private.is_active_member()))
    or (kind = 'report_submitted' and (select private.has_role('attorney')))
  );

create policy safety_alerts_select on public.safety_alerts for select to authenticated
  using (
    (observer_id = (select auth.uid()) and (select private.is_active_member()))
    or (select private.is_coordinating())
  );

revoke all on function private.live_event_commit(), private.emit_live_event(text, uuid, uuid, uuid, uuid, jsonb),
  private.on_report_submitted(), private.assignment_live_payload(uuid), private.on_assignment_live(),
  private.shift_live_payload(public.shifts), private.on_shift_staffing(), private.emit_safety_event(text, uuid),
  private.detect_live_conditions(), private.purge_live_events(),
  private.confirm_safe(uuid), private.acknowledge_safety_alert(uuid) from public, anon;
grant execute on function private.confirm_safe(uuid), private.acknowledge_safety_alert(uuid) to authenticated;
