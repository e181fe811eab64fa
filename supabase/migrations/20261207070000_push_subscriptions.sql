-- Push alerts (Web Push, docs/decisions/021-push-alerts.md). A device that turned alerts on is a
-- row here: the push service's endpoint (a capability URL: whoever knows it can send to the
-- device, so it is never logged) and the device's keys (RFC 8291). Only the owner reads and
-- deletes their own rows; the job runner (the owner connection) sends.

create table public.push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  person_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  endpoint text not null unique check (pg_catalog.length(endpoint) <= 2048 and endpoint ~ '^https://'),
  -- base64url without padding: a 65-byte P-256 point and a 16-byte secret
  p256dh text not null check (p256dh ~ '^[A-Za-z0-9_-]{87}$'),
  auth text not null check (auth ~ '^[A-Za-z0-9_-]{22}$'),
  -- SHA-256 of the sign-in the device subscribed under: signing out deletes that sign-in's rows.
  session_key text not null check (session_key ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now()
);
create index push_subscriptions_person_idx on public.push_subscriptions (person_id);
create index push_subscriptions_session_idx on public.push_subscriptions (session_key);

alter table public.push_subscriptions enable row level security;
revoke all on public.push_subscriptions from anon, authenticated;
grant select, insert, delete on public.push_subscriptions to authenticated;

create policy push_subscriptions_select on public.push_subscriptions for select to authenticated
  using (person_id = (select auth.uid()));
create policy push_subscriptions_insert on public.push_subscriptions for insert to authenticated
  with check (person_id = (select auth.uid()) and (select private.is_active_member()));
create policy push_subscriptions_delete on public.push_subscriptions for delete to authenticated
  using (person_id = (select auth.uid()));

-- A browser gives this origin one endpoint per device. Whoever subscribes it now holds the
-- device, so an earlier row for the same endpoint (someone else who used the phone and never
-- signed out) goes: their alerts must not reach the new holder. Knowing an endpoint is needed.
create or replace function private.release_push_endpoint(p_endpoint text) returns void
language sql security definer
set search_path = ''
as $$
  delete from public.push_subscriptions where endpoint = p_endpoint and (select auth.uid()) is not null
$$;
revoke all on function private.release_push_endpoint(text) from public, anon;
grant execute on function private.release_push_endpoint(text) to authenticated;

-- Deactivating a person ends their alerts on every device.
create or replace function private.drop_push_of_deactivated() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.deactivated_at is not null and old.deactivated_at is null then
    delete from public.push_subscriptions where person_id = new.id;
  end if;
  return null;
end
$$;
revoke all on function private.drop_push_of_deactivated() from public, anon, authenticated;
create trigger profiles_deactivated_push after update of deactivated_at on public.profiles
  for each row execute function private.drop_push_of_deactivated();

-- Push jobs ------------------------------------------------------------------------------------
-- Every alert that has an email job gets a push job per device of its person, in the same
-- transaction as the email job (whatever function queued it). One job per (event, device), its
-- dedupe key naming both, so a device gets each event once from the queue; the event's own dedupe
-- key is the notification's tag, so a repeat after a crash replaces the first on the device.
-- Urgent alerts (dispatch, "are you OK?") go by push and email; a waitlist promotion or a
-- reminder goes by push alone when the person has a device (its email job is marked done unsent,
-- and opened again if the last device turns out to be gone: app/modules/push/jobs.server.ts).

create or replace function private.push_person_of_job(p_kind text, p_payload jsonb) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select case p_kind
    when 'dispatch_alert' then (p_payload ->> 'observer_id')::uuid
    when 'safety_check' then (select x.observer_id from public.safety_alerts x where x.id = (p_payload ->> 'alert_id')::uuid)
    when 'waitlist_promoted' then (select a.observer_id from public.shift_assignments a where a.id = (p_payload ->> 'assignment_id')::uuid)
    when 'shift_reminder' then (select a.observer_id from public.shift_assignments a where a.id = (p_payload ->> 'assignment_id')::uuid)
  end
$$;
revoke all on function private.push_person_of_job(text, jsonb) from public, anon, authenticated;

-- Urgent pushes go before everything else due (emails included): a dispatch's 200 pushes must not
-- wait behind its 200 emails. The runner takes the highest priority first, then the oldest.
alter table private.jobs add column priority smallint not null default 0;
create index jobs_due_priority_idx on private.jobs (priority desc, run_at, id) where done_at is null;

-- Push jobs for one queued email job `p_job` about `p_person`; when any is queued and the alert is
-- not urgent, the email job is marked done unsent (push replaces it).
create or replace function private.queue_push(p_job bigint, p_person uuid, p_kind text, p_dedupe_key text, p_payload jsonb, p_urgent boolean)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  pushed integer;
begin
  insert into private.jobs (kind, dedupe_key, payload, priority)
  select 'push', 'push:' || p_dedupe_key || ':' || s.id,
    pg_catalog.jsonb_build_object('subscription_id', s.id, 'event', p_kind, 'event_payload', p_payload, 'tag', p_dedupe_key, 'urgent', p_urgent),
    case when p_urgent then 1 else 0 end
  from public.push_subscriptions s
  where s.person_id = p_person
  on conflict (dedupe_key) do nothing;
  get diagnostics pushed = row_count;
  if pushed > 0 and not p_urgent then
    update private.jobs set done_at = now() where id = p_job;
  end if;
  return pushed;
end
$$;
revoke all on function private.queue_push(bigint, uuid, text, text, jsonb, boolean) from public, anon, authenticated;

-- What new code calls to tell a person something: the email job `p_kind` (built by the module that
-- registered that kind of mail job) and a push to each of their devices (the push module builds
-- its text from the same kind: app/modules/push/messages.server.ts). Urgent: push and email;
-- otherwise push when they have a device, else email. Queued once per dedupe key.
create or replace function private.notify_person(p_person uuid, p_kind text, p_dedupe_key text, p_payload jsonb, p_urgent boolean default false)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  job bigint;
begin
  insert into private.jobs (kind, dedupe_key, payload) values (p_kind, p_dedupe_key, p_payload)
  on conflict (dedupe_key) do nothing
  returning id into job;
  if job is not null and p_kind not in ('dispatch_alert', 'safety_check', 'waitlist_promoted', 'shift_reminder') then
    perform private.queue_push(job, p_person, p_kind, p_dedupe_key, p_payload, p_urgent);
  end if;
end
$$;
revoke all on function private.notify_person(uuid, text, text, jsonb, boolean) from public, anon, authenticated;

-- The alerts queued before push existed, wherever they are queued, get their push jobs here.
create or replace function private.queue_push_for_job() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.queue_push(new.id, private.push_person_of_job(new.kind, new.payload), new.kind, new.dedupe_key, new.payload,
    new.kind in ('dispatch_alert', 'safety_check'));
  return null;
end
$$;
revoke all on function private.queue_push_for_job() from public, anon, authenticated;
-- AFTER, so a row ON CONFLICT DO NOTHING skipped (a reminder already queued) queues nothing.
create trigger jobs_queue_push after insert on private.jobs
  for each row when (new.kind in ('dispatch_alert', 'safety_check', 'waitlist_promoted', 'shift_reminder'))
  execute function private.queue_push_for_job();

-- Wakes the job runners (app/jobs/runner.server.ts) as soon as the queuing transaction commits,
-- instead of at their next tick: a dispatch must reach phones within seconds. NOTIFY collapses
-- repeats within a transaction, so a dispatch to 200 people is one notification.
create or replace function private.notify_jobs_due() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('jobs_due', '');
  return null;
end
$$;
revoke all on function private.notify_jobs_due() from public, anon, authenticated;
create trigger jobs_notify_due after insert on private.jobs
  for each row when (new.done_at is null and new.kind in ('push', 'dispatch_alert', 'safety_check'))
  execute function private.notify_jobs_due();
