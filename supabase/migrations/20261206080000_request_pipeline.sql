-- One request, one transaction (docs/decisions/012-request-pipeline.md).
--
-- The signed-in person (session, profile, roles) is resolved in one statement, sent in the same
-- round trip as the `begin` of the request's reads. These functions run on the app's owner
-- connection before the transaction takes the role `authenticated`; nobody else may call them.

-- What the app knows of the signed-in person for the whole request.
create type private.signed_in_person as (
  id uuid,
  email text,
  display_name text,
  preferred_language text,
  training_date date,
  roles public.app_role[]
);

-- Supabase Auth: the JWT was verified by the app; deactivation must still take effect at once.
create or replace function private.active_person(person_id uuid)
returns setof private.signed_in_person
language sql
stable
set search_path = ''
as $$
  select p.id, p.email, p.display_name, p.preferred_language, p.training_date,
         array(select g.role from public.role_grants g where g.user_id = p.id order by g.role)
  from public.profiles p
  where p.id = person_id
    and p.deactivated_at is null
$$;

-- Local sign-in: the person behind a session cookie (by the token's SHA-256), if the session is
-- live and the person active.
create or replace function private.session_person(session_token_hash text)
returns setof private.signed_in_person
language sql
stable
set search_path = ''
as $$
  select person.*
  from private.sessions s
  cross join lateral private.active_person(s.user_id) person
  where s.token_hash = session_token_hash
    and s.revoked_at is null
    and s.expires_at > now()
$$;

revoke all on function private.session_person(text), private.active_person(uuid) from public, anon, authenticated;

-- Every app instance caches the organisation's settings; a change tells them all to forget.
create or replace function private.notify_settings_changed()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('testigo_settings', '');
  return null;
end;
$$;
revoke all on function private.notify_settings_changed() from public, anon, authenticated;

create trigger org_settings_changed
after insert or update or delete on public.org_settings
for each statement execute function private.notify_settings_changed();
