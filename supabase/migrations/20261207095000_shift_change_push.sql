-- A shift's new time, and being taken off a moved shift, reach the phone too (issue 17, item 5:
-- "told the new time by email and push"): both go by push to every device the person has and by
-- email, like dispatches and safety checks. The jobs are queued by private.move_shift
-- (20261207060000_shift_changes.sql); their push text is in app/modules/push/messages.server.ts.
create or replace function private.push_person_of_job(p_kind text, p_payload jsonb) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select case p_kind
    when 'dispatch_alert' then (p_payload ->> 'observer_id')::uuid
    when 'safety_check' then (select x.observer_id from public.safety_alerts x where x.id = (p_payload ->> 'alert_id')::uuid)
    when 'waitlist_promoted' then (select a.observer_id from public.shift_assignments a where a.id = (p_payload ->> 'assignment_id')::uuid)
    when 'shift_reminder' then (select a.observer_id from public.shift_assignments a where a.id = (p_payload ->> 'assignment_id')::uuid)
    when 'shift_time_changed' then (select a.observer_id from public.shift_assignments a where a.id = (p_payload ->> 'assignment_id')::uuid)
    when 'shift_taken_off' then (select a.observer_id from public.shift_assignments a where a.id = (p_payload ->> 'assignment_id')::uuid)
  end
$$;

create or replace function private.queue_push_for_job() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  -- Both by push and by email: alerts that cannot wait, and a shift that moved under someone.
  perform private.queue_push(new.id, private.push_person_of_job(new.kind, new.payload), new.kind, new.dedupe_key, new.payload,
    new.kind in ('dispatch_alert', 'safety_check', 'shift_time_changed', 'shift_taken_off'));
  return null;
end
$$;

drop trigger jobs_queue_push on private.jobs;
create trigger jobs_queue_push after insert on private.jobs
  for each row when (new.kind in ('dispatch_alert', 'safety_check', 'waitlist_promoted', 'shift_reminder', 'shift_time_changed', 'shift_taken_off'))
  execute function private.queue_push_for_job();
