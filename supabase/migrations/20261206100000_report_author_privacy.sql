-- Security review, finding 5: coordinators could name a report's author. report_overview (and the
-- live event a report raises) carried the report's shift_id, and coordinators read every shift's
-- roster: a shift with one observer on it names the author. What coordinators see of a report now
-- says where and what, never which shift. An author also cannot re-point a report at someone
-- else's shift afterwards: the update policy checks what the insert policy checks, and the shift
-- of a report is fixed once it is filed.

drop view public.report_overview;
create view public.report_overview with (security_barrier = true) as
  select r.id, r.zone_id, r.occurred_at, r.submitted_at, r.location, r.location_accuracy_m, r.cross_streets,
         r.agent_count_min, r.agents_possibly_more, r.vehicle_count, r.activities, r.agencies,
         r.urgency, r.verification, r.status, r.sealed_detained, r.sealed_witnesses
  from public.reports r
  where (select private.is_coordinating()) or (select private.has_role('attorney'));
revoke all on public.report_overview from anon, authenticated;
grant select on public.report_overview to authenticated;

-- Exactly the columns of public.report_overview (live.test.ts checks the two lists stay the same),
-- and no shift on the event row either.
create or replace function private.on_report_submitted() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.emit_live_event('report_submitted', new.zone_id, null, new.id, null, pg_catalog.jsonb_build_object(
    'id', new.id, 'zone_id', new.zone_id, 'occurred_at', new.occurred_at,
    'submitted_at', new.submitted_at, 'location', new.location, 'location_accuracy_m', new.location_accuracy_m,
    'cross_streets', new.cross_streets, 'agent_count_min', new.agent_count_min,
    'agents_possibly_more', new.agents_possibly_more, 'vehicle_count', new.vehicle_count,
    'activities', new.activities, 'agencies', new.agencies, 'urgency', new.urgency,
    'verification', new.verification, 'status', new.status,
    'sealed_detained', new.sealed_detained, 'sealed_witnesses', new.sealed_witnesses));
  return null;
end
$$;

-- Events already delivered forget the shift too (they are kept 7 days).
update public.live_events set shift_id = null, payload = payload - 'shift_id' where kind = 'report_submitted';

drop policy reports_update_author on public.reports;
create policy reports_update_author on public.reports for update to authenticated
  using (author_id = (select auth.uid()) and review_started_at is null and (select private.has_role('observer')))
  with check (
    author_id = (select auth.uid())
    and (select private.has_role('observer'))
    and (shift_id is null or exists (
      select 1 from public.shift_assignments a
      where a.shift_id = reports.shift_id and a.observer_id = (select auth.uid()) and a.status <> 'cancelled'))
  );

-- The shift a report was filed on stays: no one signed in changes it (the app never does).
create or replace function private.report_shift_fixed() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.shift_id is distinct from old.shift_id and (select auth.uid()) is not null then
    raise exception 'reports.errors.shiftFixed' using errcode = 'TS409';
  end if;
  return new;
end
$$;
create trigger reports_shift_fixed before update of shift_id on public.reports
  for each row execute function private.report_shift_fixed();
