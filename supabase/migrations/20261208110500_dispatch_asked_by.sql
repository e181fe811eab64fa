-- Who asked observers to go: a coordinator, or the hotline sending them to verify a call (review
-- of issue 19). The banner, the push and the email said "a coordinator" for both.
--
-- Recorded on the dispatch when it is sent, from the sender's roles then (roles change later; the
-- alert was sent as what they were): coordinators and admins send as 'coordinator' (also from a
-- call's page), everyone else who may dispatch (a hotline volunteer, for a call they logged) as
-- 'hotline'. A sender no longer known (deleted) reads as 'coordinator', as before.
alter table public.dispatches
  add column asked_by text not null default 'coordinator' check (asked_by in ('coordinator', 'hotline'));

create or replace function private.dispatch_asked_by(p_sender uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select case
    when p_sender is null then 'coordinator'
    when exists (select 1 from public.role_grants g where g.user_id = p_sender and g.role in ('coordinator', 'admin')) then 'coordinator'
    when exists (select 1 from public.role_grants g where g.user_id = p_sender and g.role = 'hotline') then 'hotline'
    else 'coordinator'
  end
$$;

create or replace function private.set_dispatch_asked_by() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  new.asked_by := private.dispatch_asked_by(new.created_by);
  return new;
end
$$;
revoke all on function private.dispatch_asked_by(uuid), private.set_dispatch_asked_by() from public, anon, authenticated;
create trigger dispatches_asked_by before insert on public.dispatches
  for each row execute function private.set_dispatch_asked_by();

-- Dispatches sent before this: as their senders' roles are now.
update public.dispatches d set asked_by = private.dispatch_asked_by(d.created_by) where private.dispatch_asked_by(d.created_by) <> d.asked_by;

-- The banner's live event says who asked, as the page's data does (app/modules/dispatch/alerts.ts).
create or replace function private.dispatch_alert_payload(p_dispatch uuid, p_observer uuid) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'dispatch_id', d.id, 'created_at', d.created_at, 'point', d.point, 'cross_streets', d.cross_streets,
    'zone_name', (select z.name from public.zones z where z.id = d.zone_id),
    'note', d.note, 'cancelled_at', d.cancelled_at, 'asked_by', d.asked_by,
    'observer_id', r.observer_id, 'response', r.response, 'responded_at', r.responded_at)
  from public.dispatches d
  join public.dispatch_recipients r on r.dispatch_id = d.id and r.observer_id = p_observer
  where d.id = p_dispatch
$$;
