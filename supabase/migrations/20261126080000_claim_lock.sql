-- One person's overlapping claims run one after another.
--
-- Two claims by the same observer for overlapping shifts, sent at once (two taps, two tabs, a retry
-- racing the original), each lock their own shift and insert. Each insert then waits on the other's
-- uncommitted row under shift_assignments_no_overlap, and PostgreSQL breaks the deadlock by aborting
-- one of them: that person was told "busy, try again" instead of "you already have a shift then".
--
-- A transaction-scoped advisory lock on the observer, taken just before a row could start to
-- conflict, makes the second insert wait for the first to commit; it then meets a committed row
-- and gets the exclusion violation the functions turn into shifts.errors.overlap. Different people
-- never wait on each other. The lock is taken only after the shift's row lock (callers lock the
-- shift first), and nothing holding it goes on to lock another shift, so it adds no lock cycle.
-- Promotions from the waitlist (an active row staying active over the same period) take no lock.
create or replace function private.serialize_observer_claims() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Two-key form: its own keyspace, apart from the single-key locks used elsewhere.
  perform pg_advisory_xact_lock(7301, hashtext(new.observer_id::text));
  return new;
end
$$;

create trigger shift_assignments_serialize_claims_insert
  before insert on public.shift_assignments
  for each row
  when (new.status in ('claimed', 'waitlisted', 'checked_in'))
  execute function private.serialize_observer_claims();

create trigger shift_assignments_serialize_claims_update
  before update of status, period, observer_id on public.shift_assignments
  for each row
  when (new.status in ('claimed', 'waitlisted', 'checked_in')
        and (old.status not in ('claimed', 'waitlisted', 'checked_in')
             or old.period is distinct from new.period
             or old.observer_id is distinct from new.observer_id))
  execute function private.serialize_observer_claims();
