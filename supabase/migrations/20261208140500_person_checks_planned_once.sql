-- The checks every request runs keep their plans (ADR 012, "The claim storm").
--
-- A security-definer function in LANGUAGE sql is never inlined, and PostgreSQL (before 18) plans
-- its body again in every statement that calls it. The functions below run in nearly every
-- claim and page: the person behind the session, a claim's eligibility, the waitlist positions.
-- With pg_stat_statements.track_planning, a claim storm of 200 spent more time planning their bodies than running them (the session lookup alone: 3.1 ms of
-- planning against 2.4 ms of execution per call, on 2 busy cores). In PL/pgSQL each connection
-- plans a body once and keeps the plan. Same bodies, same results, same grants (CREATE OR REPLACE
-- keeps the owner and privileges); app/db/request-role.test.ts and the RLS tests check them.
--
-- The role checks of the policies (has_role, is_active_member, is_coordinating) stay in SQL: in
-- PL/pgSQL the review queue's smallest query got slower (bench:review-queue, agency=fbi under RLS:
-- 3.6 -> 5.1 ms), with plan_cache_mode = auto set on them or not.

create or replace function private.active_person(person_id uuid)
returns setof private.signed_in_person
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select p.id, p.email, p.display_name, p.preferred_language, p.training_date,
           array(select g.role from public.role_grants g where g.user_id = p.id order by g.role)
    from public.profiles p
    where p.id = person_id
      and p.deactivated_at is null;
end
$$;

-- The person behind a live session, if active: active_person's row, in one statement.
create or replace function private.session_person(session_token_hash text)
returns setof private.signed_in_person
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select p.id, p.email, p.display_name, p.preferred_language, p.training_date,
           array(select g.role from public.role_grants g where g.user_id = p.id order by g.role)
    from private.sessions s
    join public.profiles p on p.id = s.user_id
    where s.token_hash = session_token_hash
      and s.revoked_at is null
      and s.expires_at > now()
      and p.deactivated_at is null;
end
$$;

create or replace function private.claim_eligibility(observer uuid, shift_start timestamptz) returns text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return (
    select case
      when p.id is null or p.deactivated_at is not null
        or not exists (select 1 from public.role_grants g where g.user_id = p.id and g.role = 'observer') then 'not_observer'
      when p.training_date is null then 'training_missing'
      when (p.training_date + make_interval(months => o.training_valid_months))::date
           <= (shift_start at time zone o.time_zone)::date then 'training_expired'
      else 'ok'
    end
    from (select 1) one
    left join public.profiles p on p.id = observer
    cross join public.org_settings o
  );
end
$$;

create or replace function private.my_waitlist_positions() returns table (shift_id uuid, waitlist_position integer)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query
    select a.shift_id,
           (select count(*) from public.shift_assignments w
             where w.shift_id = a.shift_id and w.status = 'waitlisted' and w.seq <= a.seq)::integer
    from public.shift_assignments a
    where a.observer_id = (select auth.uid()) and a.status = 'waitlisted' and private.is_active_member();
end
$$;

