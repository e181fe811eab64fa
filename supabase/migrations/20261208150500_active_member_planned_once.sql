-- The policies' "is the signed-in person an active member" check, planned once per connection.
--
-- private.is_active_member() is in most tables' policies, so a page calls it once for every table
-- each of its statements reads under RLS: 14 calls for one GET /shifts. As a security-definer
-- LANGUAGE sql function it is never inlined, and PostgreSQL before 18 plans its body again at every
-- call: with pg_stat_statements.track_planning, 0.51 ms of planning per GET /shifts against 0.12 ms
-- of running it. PL/pgSQL keeps the plan per connection (as 20261208140500 did for the session
-- lookup and the claim's checks): 0.00 ms of planning, same running time.
--
-- has_role() and is_coordinating() stay SQL: converted with this one (20261208140500's first
-- version), the review queue's smallest query (`bench:review-queue`, agency=fbi) went from ×1.16 to
-- ×1.68 of the owner's time. With this one alone it measured ×1.28, ×1.62, ×1.23 and ×1.17 in four
-- runs on this shared machine, the other filters within ×1.46; the same bench without it, in the
-- same noisy hour, gave ×1.62 for agency=fbi and ×1.73 for the default filter.
create or replace function private.is_active_member() returns boolean
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return exists (
    select 1 from public.profiles p
    where p.id = (select auth.uid()) and p.deactivated_at is null
  );
end
$$;
