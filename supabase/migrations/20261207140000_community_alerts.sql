-- Community alerts (issue 19, item 3; docs/decisions/026-community-alerts.md): an attorney or a
-- coordinator publishes a short public text about a report verified as confirmed or a false alarm.
-- The public sees only the kind, the zone's name, the agencies, the activities, the incident time
-- floored to 15 minutes, and that text: never a place, a person, the narrative or a number of agents.
-- What is copied from the report is copied here, by the database, not by the publisher's request.
-- Whether an alert is visible (delay, expiry, unpublished) is decided here too, by the database's
-- own now(): nothing a browser's clock says moves it.

alter table public.org_settings
  -- A confirmed incident appears this long after it happened (false alarms appear at once).
  add column alert_delay_minutes integer not null default 60 check (alert_delay_minutes between 0 and 10080),
  -- An alert leaves the public page this long after it first appeared.
  add column alert_expiry_days integer not null default 7 check (alert_expiry_days between 1 and 90);
grant update (alert_delay_minutes, alert_expiry_days) on public.org_settings to authenticated;

alter table public.audit_events drop constraint audit_events_event_check;
alter table public.audit_events add constraint audit_events_event_check check (event in (
  'viewed', 'unsealed', 'status_changed', 'verification_changed', 'urgency_changed', 'assigned',
  'legal_hold', 'note_added', 'task_added', 'task_done', 'info_requested', 'access_shared', 'exported', 'purged',
  'key_registered', 'key_replaced', 'key_withdrawn', 'key_waits_again', 'recovery_key_registered', 'recovery_key_proposed',
  'recovery_key_replaced', 'recovery_key_withdrawn', 'role_granted', 'role_revoked', 'member_deactivated', 'member_reactivated',
  'alert_published', 'alert_unpublished'));

create table public.community_alerts (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references public.reports (id) on delete cascade,
  kind text not null check (kind in ('confirmed', 'false_alarm')),
  -- Snapshots taken when published: a zone renamed later does not change what the public was told.
  zone_name text not null default '' check (char_length(zone_name) <= 120),
  agencies text[] not null default '{}',
  activities text[] not null default '{}',
  -- The incident's time floored to 15 minutes; the exact time never leaves the report.
  occurred_at timestamptz not null check (occurred_at = date_bin('15 minutes', occurred_at, timestamptz '2000-01-01 00:00:00+00')),
  public_text text not null check (char_length(public_text) between 1 and 280 and public_text = btrim(public_text)),
  -- The publisher confirmed the text although it looked like a phone number, an email or an address.
  warnings_confirmed boolean not null default false,
  show_from timestamptz not null,
  expires_at timestamptz not null,
  published_by uuid references public.profiles (id) on delete set null,
  published_at timestamptz not null default now(),
  unpublished_at timestamptz,
  unpublished_by uuid references public.profiles (id) on delete set null,
  constraint community_alerts_expiry check (expires_at > show_from)
);
-- One live alert per report: a second needs the first unpublished.
create unique index community_alerts_live_idx on public.community_alerts (report_id) where unpublished_at is null;
create index community_alerts_show_idx on public.community_alerts (show_from desc) where unpublished_at is null;

alter table public.community_alerts enable row level security;
revoke all on public.community_alerts from public, anon, authenticated, service_role;
grant select on public.community_alerts to authenticated;
grant insert (report_id, public_text, warnings_confirmed) on public.community_alerts to authenticated;
grant update (unpublished_at) on public.community_alerts to authenticated;

create or replace function private.may_publish_alerts() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select private.has_role('attorney') or private.has_role('coordinator') or private.has_role('admin')
$$;
revoke all on function private.may_publish_alerts() from public, anon;
grant execute on function private.may_publish_alerts() to authenticated;

create policy community_alerts_select on public.community_alerts for select to authenticated
  using ((select private.may_publish_alerts()));
create policy community_alerts_insert on public.community_alerts for insert to authenticated
  with check ((select private.may_publish_alerts()));
create policy community_alerts_update on public.community_alerts for update to authenticated
  using ((select private.may_publish_alerts()))
  with check ((select private.may_publish_alerts()));

-- Fills in everything but the text from the report and the settings, and audits the publication.
create or replace function private.community_alert_publish() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_report record;
  v_delay integer;
  v_expiry integer;
begin
  select r.verification::text as verification, r.occurred_at, r.agencies, r.activities, coalesce(z.name, '') as zone_name
    into v_report
  from public.reports r left join public.zones z on z.id = r.zone_id
  where r.id = new.report_id;
  if not found then
    raise 'errors.notFound' using errcode = 'TS404';
  end if;
  if v_report.verification not in ('confirmed', 'false_alarm') then
    raise 'alerts.errors.notVerified' using errcode = 'TS409';
  end if;
  select s.alert_delay_minutes, s.alert_expiry_days into v_delay, v_expiry from public.org_settings s limit 1;
  new.id := gen_random_uuid();
  new.kind := v_report.verification;
  new.zone_name := left(v_report.zone_name, 120);
  new.agencies := array_remove(v_report.agencies, 'unknown');
  new.activities := v_report.activities;
  new.occurred_at := date_bin('15 minutes', v_report.occurred_at, timestamptz '2000-01-01 00:00:00+00');
  new.public_text := btrim(new.public_text);
  -- Rumour control cannot wait: a false alarm shows at once. A confirmed incident waits the whole
  -- delay after the exact time it happened (not the floored one, which would shorten it).
  new.show_from := case when new.kind = 'false_alarm' then now()
                        else v_report.occurred_at + make_interval(mins => coalesce(v_delay, 60)) end;
  new.expires_at := greatest(new.show_from, now()) + make_interval(days => coalesce(v_expiry, 7));
  new.published_by := (select auth.uid());
  new.published_at := now();
  new.unpublished_at := null;
  new.unpublished_by := null;
  perform private.audit('alert_published', new.report_id, jsonb_build_object('alert', new.id, 'kind', new.kind));
  return new;
end
$$;

-- An alert is never edited: it can only be taken down, once, by whoever may publish.
create or replace function private.community_alert_unpublish() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if old.unpublished_at is not null then
    raise 'alerts.errors.alreadyUnpublished' using errcode = 'TS409';
  end if;
  if new.unpublished_at is null then
    raise 'alerts.errors.invalid' using errcode = 'TS400';
  end if;
  new := old;
  new.unpublished_at := now();
  new.unpublished_by := (select auth.uid());
  perform private.audit('alert_unpublished', old.report_id, jsonb_build_object('alert', old.id, 'kind', old.kind));
  return new;
end
$$;

create trigger community_alerts_publish before insert on public.community_alerts
  for each row execute function private.community_alert_publish();
create trigger community_alerts_unpublish before update on public.community_alerts
  for each row execute function private.community_alert_unpublish();
revoke all on function private.community_alert_publish(), private.community_alert_unpublish() from public, anon, authenticated;

-- What the public page and feed read, and all they can read: the public columns of alerts visible
-- now, newest first, at most 50. Visible: published, not unpublished, its delay over, not expired,
-- and its report still verified as the alert says (a report set back to unconfirmed takes its
-- alert down). `anon` may run this and nothing else of the table. It lives in a schema of its own,
-- which the Supabase API does not expose and which holds nothing else: security-definer code stays
-- out of `public` (tests/db/rls.test.ts), and `anon` gets no usage on `private`, whose functions
-- are not all revoked from PUBLIC.
create schema if not exists community;
revoke all on schema community from public;
grant usage on schema community to anon, authenticated;

create or replace function community.visible_alerts(p_limit integer default 50)
returns table (
  id uuid, kind text, zone_name text, agencies text[], activities text[], occurred_at timestamptz,
  public_text text, shown_at timestamptz
)
language sql stable security definer
set search_path = ''
as $$
  select a.id, a.kind, a.zone_name, a.agencies, a.activities, a.occurred_at, a.public_text,
         greatest(a.show_from, a.published_at) as shown_at
  from public.community_alerts a
  join public.reports r on r.id = a.report_id and r.verification::text = a.kind
  where a.unpublished_at is null
    and a.show_from <= now()
    and now() < a.expires_at
  order by greatest(a.show_from, a.published_at) desc, a.id
  limit least(greatest(coalesce(p_limit, 50), 0), 50)
$$;
revoke all on function community.visible_alerts(integer) from public;
grant execute on function community.visible_alerts(integer) to anon, authenticated;

-- The public page reads as `anon` (app/db/client.server.ts, readAsPublic): the requests' login may
-- take that role too, which can run the function above and nothing of the app's tables.
do $$
begin
  if exists (select from pg_roles where rolname = 'testigo_app') then
    grant anon to testigo_app;
  end if;
exception when insufficient_privilege then
  raise warning 'testigo: could not grant anon to testigo_app (%); an administrator may run: grant anon to testigo_app', sqlerrm;
end
$$;
