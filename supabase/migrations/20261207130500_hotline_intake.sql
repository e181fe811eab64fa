-- Hotline intake and verification (issue 19, items 1 and 2; docs/decisions/025-hotline-intake.md).
--
-- A call logged by a hotline volunteer is a row of public.reports with source 'hotline': review,
-- exports, dispatch and the live board take it as they take any report. It has no author (nobody
-- observed it) and no shift; logged_by names the volunteer. Its sealed part is sealed exactly as an
-- observer's (in the browser, or on receipt without JavaScript): the caller's name and callback
-- number and the people named. It starts as an unverified tip (verification 'unconfirmed'); an
-- attorney, coordinator or hotline volunteer settles it as confirmed or a false alarm with a reason
-- (audited); an observer's own report may say which tip it verifies (verifies_report).

-- Invitations may carry every role there is, now five.
alter table public.invitations drop constraint invitations_roles_check;
alter table public.invitations add constraint invitations_roles_check check (cardinality(roles) between 1 and 5);

alter table public.reports
  add column source text not null default 'observer' check (source in ('observer', 'hotline')),
  add column logged_by uuid references public.profiles (id) on delete set null,
  -- P1, written by whoever settled the tip (the form says: no names).
  add column verification_reason text not null default '' check (char_length(verification_reason) <= 500),
  add column verified_by uuid references public.profiles (id) on delete set null,
  add column verified_at timestamptz,
  -- An observer's report that went to verify a tip says which.
  add column verifies_report uuid references public.reports (id) on delete set null,
  add constraint reports_logged_by_intake check (source = 'hotline' or logged_by is null),
  add constraint reports_intake_no_author check (source = 'observer' or (author_id is null and shift_id is null)),
  add constraint reports_verifies_not_self check (verifies_report <> id);
create index reports_intake_idx on public.reports (submitted_at desc, id desc) where source = 'hotline';
create index reports_logged_by_idx on public.reports (logged_by, submitted_at desc) where logged_by is not null;
create index reports_verifies_idx on public.reports (verifies_report) where verifies_report is not null;
create index reports_verified_by_idx on public.reports (verified_by) where verified_by is not null;

grant insert (source, logged_by) on public.reports to authenticated;
grant update (verifies_report) on public.reports to authenticated;

-- Observers file observers' reports only; hotline volunteers log calls, as themselves, with no
-- author and no shift (the check constraints say the same for every writer).
drop policy reports_insert on public.reports;
create policy reports_insert on public.reports for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and source = 'observer'
    and logged_by is null
    and (select private.has_role('observer'))
    and (shift_id is null or exists (
      select 1 from public.shift_assignments a
      where a.shift_id = reports.shift_id and a.observer_id = (select auth.uid()) and a.status <> 'cancelled'))
  );
create policy reports_insert_intake on public.reports for insert to authenticated
  with check (
    source = 'hotline'
    and logged_by = (select auth.uid())
    and author_id is null
    and shift_id is null
    and (select private.has_role('hotline'))
  );
-- A hotline volunteer reads every column of the calls they logged (the sealed part only as
-- ciphertext, like everyone); of every other report only the overview, like coordinators.
create policy reports_select_intake on public.reports for select to authenticated
  using (source = 'hotline' and logged_by = (select auth.uid()) and (select private.has_role('hotline')));

-- The overview of every report (never the narrative, officers, vehicles, sealed parts or anyone's
-- identity): coordinators, attorneys and now hotline volunteers. Same columns as before.
create or replace view public.report_overview with (security_barrier = true) as
  select r.id, r.zone_id, r.occurred_at, r.submitted_at, r.location, r.location_accuracy_m, r.cross_streets,
         r.agent_count_min, r.agents_possibly_more, r.vehicle_count, r.activities, r.agencies,
         r.urgency, r.verification, r.status, r.sealed_detained, r.sealed_witnesses
  from public.reports r
  where (select private.is_coordinating()) or (select private.has_role('attorney')) or (select private.has_role('hotline'));

-- The hotline's list: intake reports' overview, who logged each (a volunteer, never an observer),
-- how each was settled, and how many observers' reports verify it. Runs as its owner, so it
-- filters by role itself.
create view public.intake_overview with (security_barrier = true) as
  select r.id, r.zone_id, r.occurred_at, r.submitted_at, r.location, r.cross_streets,
         r.agent_count_min, r.agents_possibly_more, r.activities, r.agencies,
         r.urgency, r.verification, r.status, r.logged_by, r.verification_reason, r.verified_at,
         (select count(*) from public.reports v where v.verifies_report = r.id)::integer as verifying_reports
  from public.reports r
  where r.source = 'hotline'
    and ((select private.is_coordinating()) or (select private.has_role('attorney')) or (select private.has_role('hotline')));
revoke all on public.intake_overview from anon, authenticated;
grant select on public.intake_overview to authenticated;

-- Verification -------------------------------------------------------------------------------

-- An intake report settled: confirmed or false alarm, with a reason, by an attorney, coordinator or
-- hotline volunteer. Changing one's mind (confirmed ↔ false alarm) is allowed and audited like the
-- first; back to unverified is not. The audit trigger records it (with the reason, below).
create or replace function private.settle_intake(p_report uuid, p_verification public.report_verification, p_reason text)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  current_verification public.report_verification;
begin
  if not (private.has_role('attorney') or private.is_coordinating() or private.has_role('hotline')) then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if p_verification is null or p_verification = 'unconfirmed' then
    raise exception 'hotline.errors.verification' using errcode = 'TS400';
  end if;
  if char_length(pg_catalog.btrim(coalesce(p_reason, ''))) = 0 then
    raise exception 'hotline.errors.reasonRequired' using errcode = 'TS400';
  end if;
  if char_length(pg_catalog.btrim(p_reason)) > 500 then
    raise exception 'errors.tooLong' using errcode = 'TS400';
  end if;
  select r.verification into current_verification from public.reports r
    where r.id = p_report and r.source = 'hotline' and r.purged_at is null
    for update;
  if current_verification is null then
    raise exception 'errors.notFound' using errcode = 'TS404';
  end if;
  if current_verification = p_verification then
    raise exception 'hotline.errors.alreadySettled' using errcode = 'TS409';
  end if;
  update public.reports
    set verification = p_verification, verification_reason = pg_catalog.btrim(p_reason),
        verified_by = (select auth.uid()), verified_at = now()
    where id = p_report;
end
$$;

-- Every triage change is in the audit log, whoever made it; a verification now with its reason.
create or replace function private.audit_report_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    perform private.audit('status_changed', new.id, jsonb_build_object('from', old.status, 'to', new.status));
  end if;
  if new.verification is distinct from old.verification then
    perform private.audit('verification_changed', new.id, jsonb_build_object('from', old.verification, 'to', new.verification)
      || case when new.verification_reason is distinct from old.verification_reason
              then jsonb_build_object('reason', new.verification_reason) else '{}'::jsonb end);
  end if;
  if new.urgency is distinct from old.urgency then
    perform private.audit('urgency_changed', new.id, jsonb_build_object('from', old.urgency, 'to', new.urgency));
  end if;
  if new.assigned_to is distinct from old.assigned_to then
    perform private.audit('assigned', new.id, jsonb_build_object('from', old.assigned_to, 'to', new.assigned_to));
  end if;
  if new.legal_hold is distinct from old.legal_hold then
    perform private.audit('legal_hold', new.id, jsonb_build_object('hold', new.legal_hold));
  end if;
  return null;
end
$$;

-- The tips an observer was sent to verify (a dispatch to an intake report, last 7 days): what the
-- dispatch page and their report page offer to link to, and all a link may point at.
create or replace function private.my_tips()
returns table (report_id uuid, dispatch_id uuid, dispatched_at timestamptz, zone_name text, cross_streets text)
language sql stable security definer
set search_path = ''
as $$
  select distinct on (r.id) r.id, d.id, d.created_at, z.name, d.cross_streets
  from public.dispatch_recipients dr
  join public.dispatches d on d.id = dr.dispatch_id
  join public.reports r on r.id = d.report_id
  left join public.zones z on z.id = d.zone_id
  where dr.observer_id = (select auth.uid())
    and r.source = 'hotline'
    and d.created_at > now() - interval '7 days'
    and private.is_active_member()
  order by r.id, d.created_at desc
$$;

-- Whoever sets verifies_report (its author, under the update policy) links to a tip they were sent to.
create or replace function private.check_report_link() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.verifies_report is not null and new.verifies_report is distinct from old.verifies_report then
    if new.source <> 'observer' then
      raise exception 'hotline.errors.linkNotObserver' using errcode = 'TS409';
    end if;
    if (select auth.uid()) is not null
       and not exists (select 1 from private.my_tips() t where t.report_id = new.verifies_report) then
      raise exception 'hotline.errors.notYourTip' using errcode = 'TS404';
    end if;
  end if;
  return new;
end
$$;
create trigger reports_check_link before update of verifies_report on public.reports
  for each row execute function private.check_report_link();

-- Dispatch to verify -------------------------------------------------------------------------

-- Who may send a dispatch: coordinators and admins, anywhere; a hotline volunteer, to an intake
-- report they logged.
create or replace function private.may_dispatch(p_report uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select private.is_coordinating()
    or (p_report is not null and private.has_role('hotline') and exists (
      select 1 from public.reports r
      where r.id = p_report and r.source = 'hotline' and r.logged_by = (select auth.uid())))
$$;

-- The candidates query without the caller check, for create_dispatch, which checks first. Nobody
-- may call it directly: hotline volunteers never see who is on shift.
create or replace function private.dispatch_candidates_unchecked(p_zone_ids uuid[])
returns table (observer_id uuid, assignment_id uuid, zone_id uuid, zone_name text, observer_name text, observer_phone text)
language sql stable security definer
set search_path = ''
as $$
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
  order by a.observer_id, a.checked_in_at desc nulls last
$$;

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
  if not private.may_dispatch(p_report) then
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
  select result.id, c.observer_id, c.assignment_id, c.zone_id from private.dispatch_candidates_unchecked(v_zones) c;
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


-- How many observers a dispatch reached: for whoever may read the dispatch or sent it (a hotline
-- volunteer learns how many, not who).
create or replace function private.dispatch_reach(p_dispatch uuid) returns integer
language sql stable security definer
set search_path = ''
as $$
  select count(*)::integer from public.dispatch_recipients r
  join public.dispatches d on d.id = r.dispatch_id
  where r.dispatch_id = p_dispatch
    and (private.is_coordinating() or d.created_by = (select auth.uid()))
$$;

-- A hotline volunteer also reads the dispatches they sent (not who received them). One policy, as
-- before: several permissive policies for one action cost every query (splinter).
drop policy dispatches_select on public.dispatches;
create policy dispatches_select on public.dispatches for select to authenticated
  using (
    (select private.is_coordinating())
    or (
      (select private.is_active_member())
      and exists (select 1 from public.dispatch_recipients r where r.dispatch_id = dispatches.id and r.observer_id = (select auth.uid()))
    )
    or (created_by = (select auth.uid()) and (select private.has_role('hotline')))
  );

revoke all on function private.settle_intake(uuid, public.report_verification, text), private.my_tips(),
  private.check_report_link(), private.may_dispatch(uuid), private.dispatch_candidates_unchecked(uuid[]),
  private.dispatch_reach(uuid) from public, anon, authenticated;
grant execute on function private.settle_intake(uuid, public.report_verification, text), private.my_tips(),
  private.may_dispatch(uuid), private.dispatch_reach(uuid) to authenticated;
