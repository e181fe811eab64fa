-- Dispatch: from an incoming report or a point on the map, a coordinator alerts the observers
-- checked in to that zone and its neighbours; each answers "On my way" or "Can't".
--
-- public.dispatches and public.dispatch_recipients are the record (kept; a dispatch is cancelled,
-- never deleted). Events for the live board and the observers' apps go through
-- private.emit_live_event like every other live event (ids at commit, NOTIFY; see the live
-- migration and docs/decisions/008 and 011).
--
-- Which zones are "neighbours" is geometry (touching, or within 1.5 km) and PostGIS is not
-- available: the app computes the list of zones (app/modules/dispatch/neighbours.ts) and passes it
-- in; who is checked in to those zones is decided here, at the moment of the dispatch, in the
-- same transaction that records the recipients.

alter table public.live_events drop constraint live_events_kind_check;
alter table public.live_events add constraint live_events_kind_check check (kind in (
  'report_submitted', 'checked_in', 'checked_out', 'shift_short_staffed', 'shift_staffing',
  'safety_alert_raised', 'safety_alert_ok', 'safety_alert_acknowledged',
  -- to coordinators only (no observer_id): the dispatch with its recipients and their answers
  'dispatch_created',
  -- to one recipient (observer_id), and coordinators: where to go, the note, their own answer
  'dispatch_alert', 'dispatch_answered', 'dispatch_cancelled'));

create table public.dispatches (
  id uuid primary key default gen_random_uuid(),
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  -- Issued with the form: a repeated submission (a double tap, a retry) lands on the same dispatch.
  client_key uuid unique,
  source text not null check (source in ('report', 'point')),
  -- Set null if the report is ever deleted; `source` still says where the dispatch came from.
  report_id uuid references public.reports (id) on delete set null,
  -- Where observers are sent: the report's location (copied at the time of the dispatch) or the
  -- point picked on the map. GeoJSON, like reports.location.
  point jsonb check (
    point is null
    or (point ->> 'type' = 'Point' and jsonb_array_length(point -> 'coordinates') = 2)
  ),
  -- The report's cross streets, copied (P0, already shown on the board).
  cross_streets text not null default '' check (char_length(cross_streets) <= 200),
  -- The zone the report or point falls in (null: outside every zone), and every zone alerted.
  zone_id uuid references public.zones (id) on delete set null,
  zone_ids uuid[] not null check (cardinality(zone_ids) between 1 and 200),
  -- Guidance for the observers ("Go to the corner of X & Y"). Goes out by email: no names.
  note text not null default '' check (char_length(note) <= 500),
  cancelled_at timestamptz,
  cancelled_by uuid references public.profiles (id) on delete set null,
  constraint dispatches_target check (
    (source = 'report') or (source = 'point' and point is not null and report_id is null)),
  constraint dispatches_cancelled check (cancelled_by is null or cancelled_at is not null)
);
create index dispatches_created_at_idx on public.dispatches (created_at desc);
create index dispatches_report_idx on public.dispatches (report_id) where report_id is not null;
create index dispatches_zone_idx on public.dispatches (zone_id);
create index dispatches_created_by_idx on public.dispatches (created_by);
create index dispatches_cancelled_by_idx on public.dispatches (cancelled_by);

create table public.dispatch_recipients (
  dispatch_id uuid not null references public.dispatches (id) on delete cascade,
  observer_id uuid not null references public.profiles (id) on delete cascade,
  -- The check-in that made them a recipient. No foreign keys to assignments or shifts: recording a
  -- dispatch must never wait on the row locks the safety check holds on assignments.
  assignment_id uuid,
  -- The zone they were checked in to, at the time.
  zone_id uuid,
  -- When the alert was raised in the app (the email follows through the job queue).
  notified_at timestamptz not null default now(),
  response text check (response in ('on_my_way', 'cant')),
  responded_at timestamptz,
  primary key (dispatch_id, observer_id),
  constraint dispatch_recipients_answered check ((response is null) = (responded_at is null))
);
create index dispatch_recipients_observer_idx on public.dispatch_recipients (observer_id, notified_at desc);

-- The newest event id: where a page's event stream resumes from. (Event ids follow commit order,
-- so reading this before the page's data means nothing committed in between is missed.)
create or replace function private.live_head() returns bigint
language sql stable security definer
set search_path = ''
as $$
  select coalesce(max(id), 0) from public.live_events
$$;

-- Who a dispatch to these zones reaches right now: observers checked in to a shift in one of them
-- that is under way (or ended less than 30 minutes ago: after that, a checked-in observer is the
-- subject of an overdue check-out alert, not someone to send). Not claimed, waitlisted, checked
-- out or deactivated people. Coordinators and admins only.
create or replace function private.dispatch_candidates(p_zone_ids uuid[])
returns table (observer_id uuid, assignment_id uuid, zone_id uuid, zone_name text, observer_name text, observer_phone text)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  return query
    select distinct on (a.observer_id) a.observer_id, a.id, s.zone_id, z.name,
           case when pg_catalog.btrim(p.display_name) = '' then p.email else p.display_name end, p.phone
    from public.shift_assignments a
    join public.shifts s on s.id = a.shift_id
    join public.zones z on z.id = s.zone_id
    join public.profiles p on p.id = a.observer_id
    where a.status = 'checked_in'
      and s.zone_id = any (coalesce(p_zone_ids, '{}'))
      and s.ends_at > now() - interval '30 minutes'
      and s.starts_at < now() + interval '1 hour'
      and p.deactivated_at is null
    order by a.observer_id, a.checked_in_at desc nulls last;
end
$$;

-- What coordinators see of a dispatch: where, why, and every recipient with their answer.
create or replace function private.dispatch_live_payload(p_dispatch uuid) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'dispatch_id', d.id, 'created_at', d.created_at,
    'created_by_name', (select case when pg_catalog.btrim(p.display_name) = '' then p.email else p.display_name end
                        from public.profiles p where p.id = d.created_by),
    'source', d.source, 'report_id', d.report_id, 'point', d.point, 'cross_streets', d.cross_streets,
    'zone_id', d.zone_id, 'zone_name', (select z.name from public.zones z where z.id = d.zone_id),
    'zone_names', coalesce((select pg_catalog.jsonb_agg(z.name order by z.name) from public.zones z where z.id = any (d.zone_ids)), '[]'),
    'note', d.note, 'cancelled_at', d.cancelled_at,
    'recipients', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'observer_id', r.observer_id,
        'observer_name', case when pg_catalog.btrim(p.display_name) = '' then p.email else p.display_name end,
        'observer_phone', p.phone, 'zone_name', z.name, 'response', r.response, 'responded_at', r.responded_at)
        order by z.name, p.display_name, p.email)
      from public.dispatch_recipients r
      join public.profiles p on p.id = r.observer_id
      left join public.zones z on z.id = r.zone_id
      where r.dispatch_id = d.id), '[]'))
  from public.dispatches d where d.id = p_dispatch
$$;

-- What one recipient sees: where to go and the note, their own answer; never the other
-- recipients, the report's other facts or who filed it.
create or replace function private.dispatch_alert_payload(p_dispatch uuid, p_observer uuid) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'dispatch_id', d.id, 'created_at', d.created_at, 'point', d.point, 'cross_streets', d.cross_streets,
    'zone_name', (select z.name from public.zones z where z.id = d.zone_id),
    'note', d.note, 'cancelled_at', d.cancelled_at,
    'observer_id', r.observer_id, 'response', r.response, 'responded_at', r.responded_at)
  from public.dispatches d
  join public.dispatch_recipients r on r.dispatch_id = d.id and r.observer_id = p_observer
  where d.id = p_dispatch
$$;

-- A coordinator sends observers: to a report (its location and cross streets are copied) or to a
-- point. p_zone is the zone the app found the place to fall in (for a report, its own zone comes
-- first); p_zone_ids the neighbouring zones the app worked out. Retired zones are left out. The recipients
-- are everyone checked in to those zones now; none at all is refused (TS409), and the whole
-- dispatch with it. A repeated p_client_key returns the first dispatch unchanged.
create or replace function private.create_dispatch(
  p_report uuid, p_point jsonb, p_zone uuid, p_zone_ids uuid[], p_note text, p_client_key uuid
) returns public.dispatches
language plpgsql security definer
set search_path = ''
as $$
declare
  result public.dispatches;
  rep public.reports;
  v_zone uuid;
  v_zones uuid[];
  v_point jsonb;
  v_cross text := '';
  v_lng numeric;
  v_lat numeric;
  recipient record;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if p_client_key is not null then
    select * into result from public.dispatches where client_key = p_client_key;
    if result.id is not null then
      if result.created_by is distinct from (select auth.uid()) then
        raise exception 'dispatch.errors.duplicate' using errcode = 'TS409';
      end if;
      return result;
    end if;
  end if;
  if (p_report is null) = (p_point is null) then
    raise exception 'dispatch.errors.target' using errcode = '22023';
  end if;
  if char_length(coalesce(p_note, '')) > 500 then
    raise exception 'dispatch.errors.noteTooLong' using errcode = '22023';
  end if;

  if p_report is not null then
    select * into rep from public.reports where id = p_report;
    if rep.id is null then
      raise exception 'dispatch.errors.reportNotFound' using errcode = 'TS404';
    end if;
    -- The report's own zone; failing that (filed outside every zone, or the zone retired since),
    -- the zone the app found for its location.
    v_zone := coalesce(
      (select z.id from public.zones z where z.id = rep.zone_id and z.retired_at is null),
      (select z.id from public.zones z where z.id = p_zone and z.retired_at is null));
    v_point := rep.location;
    v_cross := rep.cross_streets;
  else
    begin
      v_lng := (p_point -> 'coordinates' ->> 0)::numeric;
      v_lat := (p_point -> 'coordinates' ->> 1)::numeric;
    exception when others then
      v_lng := null;
    end;
    if p_point ->> 'type' is distinct from 'Point' or v_lng is null or v_lat is null
       or v_lng not between -180 and 180 or v_lat not between -90 and 90 then
      raise exception 'dispatch.errors.point' using errcode = '22023';
    end if;
    v_point := pg_catalog.jsonb_build_object('type', 'Point', 'coordinates', pg_catalog.jsonb_build_array(v_lng, v_lat));
    v_zone := (select z.id from public.zones z where z.id = p_zone and z.retired_at is null);
  end if;

  v_zones := array(
    select z.id from public.zones z
    where z.retired_at is null and (z.id = any (coalesce(p_zone_ids, '{}')) or z.id = v_zone)
    order by z.id);
  if cardinality(v_zones) = 0 then
    raise exception 'dispatch.errors.noZone' using errcode = 'TS409';
  end if;

  insert into public.dispatches (created_by, client_key, source, report_id, point, cross_streets, zone_id, zone_ids, note)
  values ((select auth.uid()), p_client_key, case when p_report is null then 'point' else 'report' end, p_report,
          v_point, v_cross, v_zone, v_zones, pg_catalog.btrim(coalesce(p_note, '')))
  on conflict (client_key) do nothing
  returning * into result;
  if result.id is null then
    -- The same form sent twice at once: the other one won.
    select * into result from public.dispatches where client_key = p_client_key;
    if result.created_by is distinct from (select auth.uid()) then
      raise exception 'dispatch.errors.duplicate' using errcode = 'TS409';
    end if;
    return result;
  end if;

  insert into public.dispatch_recipients (dispatch_id, observer_id, assignment_id, zone_id)
  select result.id, c.observer_id, c.assignment_id, c.zone_id from private.dispatch_candidates(v_zones) c;
  if not found then
    raise exception 'dispatch.errors.noRecipients' using errcode = 'TS409';
  end if;

  perform private.emit_live_event('dispatch_created', v_zone, null, p_report, null, private.dispatch_live_payload(result.id));
  for recipient in select r.observer_id from public.dispatch_recipients r where r.dispatch_id = result.id order by r.observer_id loop
    perform private.emit_live_event('dispatch_alert', v_zone, null, null, recipient.observer_id,
      private.dispatch_alert_payload(result.id, recipient.observer_id));
    perform private.enqueue_job('dispatch_alert', 'dispatch:' || result.id || ':' || recipient.observer_id,
      pg_catalog.jsonb_build_object('dispatch_id', result.id, 'observer_id', recipient.observer_id));
  end loop;
  return result;
end
$$;

-- A recipient answers, and may change their answer while the dispatch stands. The same answer
-- again changes nothing. Only their own row: anyone else's dispatch is "not found".
create or replace function private.answer_dispatch(p_dispatch uuid, p_response text) returns public.dispatch_recipients
language plpgsql security definer
set search_path = ''
as $$
declare
  result public.dispatch_recipients;
  d public.dispatches;
begin
  if (select auth.uid()) is null or not private.is_active_member() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if p_response is null or p_response not in ('on_my_way', 'cant') then
    raise exception 'dispatch.errors.response' using errcode = '22023';
  end if;
  select * into result from public.dispatch_recipients
    where dispatch_id = p_dispatch and observer_id = (select auth.uid()) for update;
  if result.dispatch_id is null then
    raise exception 'dispatch.errors.notFound' using errcode = 'TS404';
  end if;
  -- Shared lock: a call-off committing at this moment is waited for and seen, never answered past.
  select * into d from public.dispatches where id = p_dispatch for share;
  if d.cancelled_at is not null then
    raise exception 'dispatch.errors.cancelled' using errcode = 'TS409';
  end if;
  if result.response is distinct from p_response then
    update public.dispatch_recipients set response = p_response, responded_at = now()
      where dispatch_id = p_dispatch and observer_id = result.observer_id
      returning * into result;
    perform private.emit_live_event('dispatch_answered', d.zone_id, null, null, result.observer_id,
      private.dispatch_alert_payload(p_dispatch, result.observer_id) || pg_catalog.jsonb_build_object(
        'observer_name', (select case when pg_catalog.btrim(p.display_name) = '' then p.email else p.display_name end
                          from public.profiles p where p.id = result.observer_id)));
  end if;
  return result;
end
$$;

-- A coordinator calls a dispatch off (the situation is over, or it was sent by mistake): the
-- recipients' alerts close. Repeating it changes nothing.
create or replace function private.cancel_dispatch(p_dispatch uuid) returns public.dispatches
language plpgsql security definer
set search_path = ''
as $$
declare
  result public.dispatches;
  recipient record;
begin
  if not private.is_coordinating() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  select * into result from public.dispatches where id = p_dispatch for update;
  if result.id is null then
    raise exception 'dispatch.errors.notFound' using errcode = 'TS404';
  end if;
  if result.cancelled_at is null then
    update public.dispatches set cancelled_at = now(), cancelled_by = (select auth.uid())
      where id = p_dispatch returning * into result;
    for recipient in select r.observer_id from public.dispatch_recipients r where r.dispatch_id = p_dispatch order by r.observer_id loop
      perform private.emit_live_event('dispatch_cancelled', result.zone_id, null, null, recipient.observer_id,
        pg_catalog.jsonb_build_object('dispatch_id', result.id, 'cancelled_at', result.cancelled_at));
    end loop;
  end if;
  return result;
end
$$;

-- Retention: when a report is purged its location is coarsened; so is the copy a dispatch made.
create or replace function private.on_report_purged_dispatches() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.dispatches d set point = new.location
    where d.report_id = new.id and d.point is not null and d.point is distinct from new.location;
  return null;
end
$$;
create trigger reports_purged_dispatches after update of purged_at on public.reports
  for each row when (old.purged_at is null and new.purged_at is not null)
  execute function private.on_report_purged_dispatches();

-- Dispatches to a point on the map, or whose report was deleted, have no report to follow: past the
-- retention period their place is coarsened the same way (2 decimals, about 1 km) by the retention
-- job. Those still tied to a report keep its place while the report is kept, and follow it above.
create or replace function private.coarsen_old_dispatches(p_limit integer) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v_days integer := (select s.retention_days from public.org_settings s limit 1);
  v_count integer;
begin
  with due as (
    select d.id from public.dispatches d
    where d.report_id is null and d.point is not null
      and d.created_at < now() - make_interval(days => v_days)
      and ((d.point -> 'coordinates' ->> 0)::numeric <> round((d.point -> 'coordinates' ->> 0)::numeric, 2)
        or (d.point -> 'coordinates' ->> 1)::numeric <> round((d.point -> 'coordinates' ->> 1)::numeric, 2))
    order by d.created_at
    limit p_limit
    for update skip locked
  )
  update public.dispatches d
    set point = pg_catalog.jsonb_build_object('type', 'Point', 'coordinates', pg_catalog.jsonb_build_array(
      round((d.point -> 'coordinates' ->> 0)::numeric, 2), round((d.point -> 'coordinates' ->> 1)::numeric, 2)))
    from due where d.id = due.id;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

-- Row-level security ---------------------------------------------------------------------------

alter table public.dispatches enable row level security;
alter table public.dispatch_recipients enable row level security;
revoke all on public.dispatches, public.dispatch_recipients from anon, authenticated;
grant select on public.dispatches, public.dispatch_recipients to authenticated;

-- Coordinators and admins read every dispatch and every answer; an observer reads the dispatches
-- they were sent on and only their own recipient row (not who else was sent). Attorneys: nothing
-- (dispatch is operations, not evidence). Nobody writes except through the functions above.
create policy dispatches_select on public.dispatches for select to authenticated
  using (
    (select private.is_coordinating())
    or (
      (select private.is_active_member())
      and exists (select 1 from public.dispatch_recipients r where r.dispatch_id = dispatches.id and r.observer_id = (select auth.uid()))
    )
  );

create policy dispatch_recipients_select on public.dispatch_recipients for select to authenticated
  using (
    (select private.is_coordinating())
    or (observer_id = (select auth.uid()) and (select private.is_active_member()))
  );

revoke all on function private.live_head(), private.dispatch_candidates(uuid[]), private.dispatch_live_payload(uuid),
  private.dispatch_alert_payload(uuid, uuid), private.create_dispatch(uuid, jsonb, uuid, uuid[], text, uuid),
  private.answer_dispatch(uuid, text), private.cancel_dispatch(uuid), private.on_report_purged_dispatches(),
  private.coarsen_old_dispatches(integer) from public, anon, authenticated;
grant execute on function private.live_head(), private.dispatch_candidates(uuid[]), private.create_dispatch(uuid, jsonb, uuid, uuid[], text, uuid),
  private.answer_dispatch(uuid, text), private.cancel_dispatch(uuid) to authenticated;
