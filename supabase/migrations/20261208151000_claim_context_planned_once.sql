-- The signed-in person's claim context (migration 20261208130000), planned once per connection.
--
-- Every list and page of shifts joins private.my_claim_context() once. As a security-definer
-- LANGUAGE sql function it is never inlined, and before PostgreSQL 18 its body is planned again on
-- every call: in EXPLAIN ANALYZE of GET /shifts's list, its function scan took 1.04 ms of the
-- query's 4.8. In PL/pgSQL the plan is kept per connection (as 20261208140500 did for the session
-- lookup). Same columns, same rows, same `rows 1` estimate.
create or replace function private.my_claim_context()
returns table (standing text, valid_until date, time_zone text, held_shifts uuid[], held_periods tstzrange[])
language plpgsql stable security definer
set search_path = ''
rows 1
as $$
begin
  return query
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
  ) h;
end
$$;
