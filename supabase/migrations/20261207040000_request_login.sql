-- Security review, finding 14: the requests' pool logs in as a role of its own
-- (docs/decisions/017-request-login.md). `testigo_app` is no superuser, bypasses no RLS, owns
-- nothing and inherits nothing: it can run the two sign-in lookups below, and `set role
-- authenticated`, and that is all. Only withSystem's small pool (migrations, sign-in bookkeeping,
-- jobs) logs in as the owner.
--
-- The role has no password here: a migration is no place for a secret. The app sets one when it
-- derives the login from the owner's URL (embedded PostgreSQL, or DATABASE_URL alone); an
-- operator who gives DATABASE_APP_URL sets it themselves.
--
-- Roles belong to the whole server and some hosts let the owner create none (or grant no
-- membership in Supabase's `authenticated`): then the migration warns instead of failing, and the
-- app, finding no usable login, says so at start (refusing in production when the only role it
-- has is a superuser).

do $$
begin
  if not exists (select from pg_roles where rolname = 'testigo_app') then
    create role testigo_app login noinherit nosuperuser nocreatedb nocreaterole nobypassrls noreplication;
  end if;
exception when insufficient_privilege then
  raise warning 'testigo: could not create role testigo_app (%); an administrator may run: create role testigo_app login noinherit; grant authenticated to testigo_app; then migrate again from scratch or apply the grants of this file by hand', sqlerrm;
end
$$;

-- Only `authenticated`: nothing in the app acts as `anon`, and never `service_role`, which bypasses RLS.
do $$
begin
  if exists (select from pg_roles where rolname = 'testigo_app') then
    grant authenticated to testigo_app;
  end if;
exception when insufficient_privilege then
  raise warning 'testigo: could not grant authenticated to testigo_app (%); an administrator may run: grant authenticated to testigo_app', sqlerrm;
end
$$;

-- The person behind a session cookie or a verified JWT is found in the request's first statement,
-- before it takes the role `authenticated` (docs/decisions/012-request-pipeline.md): the login
-- role runs these two as their owner, and gets only the signed-in person's id, email, name,
-- language, training date and roles.
alter function private.active_person(uuid) security definer;
alter function private.session_person(text) security definer;
revoke all on function private.session_person(text), private.active_person(uuid) from public, anon, authenticated;

do $$
begin
  if exists (select from pg_roles where rolname = 'testigo_app') then
    grant usage on schema private to testigo_app;
    grant execute on function private.session_person(text), private.active_person(uuid) to testigo_app;
  end if;
end
$$;
