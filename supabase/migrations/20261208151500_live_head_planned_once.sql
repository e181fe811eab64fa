-- Two small lookups of every page (live_head: the live cursor the layout reads for an observer)
-- and of /my/shifts (has_calendar_token), planned once per connection.
--
-- Both are security-definer LANGUAGE sql functions, never inlined and, before PostgreSQL 18,
-- planned again at every call: pg_stat_statements.track_planning showed 0.107 ms and 0.079 ms of
-- planning per GET /my/shifts against 0.007 and 0.003 ms of running them. In PL/pgSQL the plan is
-- kept per connection (as 20261208140500 did for the session lookup). Same results.
create or replace function private.live_head() returns bigint
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return (select coalesce(max(id), 0) from public.live_events);
end
$$;

create or replace function private.has_calendar_token() returns timestamptz
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return (select created_at from private.calendar_tokens where user_id = (select auth.uid()));
end
$$;
