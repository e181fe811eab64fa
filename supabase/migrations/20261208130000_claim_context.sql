-- Why the signed-in person could not claim each shift of a list, computed once per list.
--
-- private.my_claim_blocker(shift) ran per row of /shifts (up to 500 rows): each call looked the
-- person's profile, role and training up again and searched their assignments for a clash, so
-- the list's query cost PostgreSQL about 2 ms of CPU per request more than before it (GET /shifts
-- under load fell from 64.8 to 33 req/s, bench/run.ts). Now one call per query returns what the
-- rule needs about the person (their standing, until when their training is valid, the
-- organisation's time zone, and the periods they already hold), and the list compares each shift
-- with it (app/modules/shifts/shifts.server.ts, claimBlocker). The rule is claim_shift's: the
-- eligibility of private.claim_eligibility at the shift's start, then a clash with another shift
-- they hold (the exclusion constraint would refuse it).

create or replace function private.my_claim_context()
returns table (standing text, valid_until date, time_zone text, held_shifts uuid[], held_periods tstzrange[])
language sql stable security definer
set search_path = ''
rows 1
as $$
  select
    case
      when p.id is null or p.deactivated_at is not null
        or not exists (select 1 from public.role_grants g where g.user_id = p.id and g.role = 'observer') then 'not_observer'
      when p.training_date is null then 'training_missing'
    end,
    (p.training_date + make_interval(months => o.training_valid_months))::date,
    o.time_zone,
    coalesce(h.shifts, '{}'),
    coalesce(h.periods, '{}')
  from (select 1) one
  left join public.profiles p on p.id = (select auth.uid())
  cross join public.org_settings o
  cross join lateral (
    select array_agg(a.shift_id) as shifts, array_agg(a.period) as periods
    from public.shift_assignments a
    where a.observer_id = (select auth.uid()) and a.status in ('claimed', 'waitlisted', 'checked_in')
  ) h
$$;

revoke all on function private.my_claim_context() from public, anon;
grant execute on function private.my_claim_context() to authenticated;

-- private.my_claim_blocker(uuid) stays for now: an instance still running the previous build
-- during a rolling deploy calls it. A later migration drops it.
