-- Foundation: people, roles, invitations, organisation settings, local-auth state.
-- Authorisation lives here, in RLS; the app runs every request as `authenticated`.

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create type public.app_role as enum ('observer', 'coordinator', 'attorney', 'admin');

create or replace function private.is_valid_time_zone(tz text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  perform now() at time zone tz;
  return true;
exception when others then
  return false;
end
$$;

-- People ------------------------------------------------------------------------------------

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text not null check (email = lower(email) and char_length(email) <= 254),
  display_name text not null default '' check (char_length(display_name) <= 120),
  phone text check (char_length(phone) <= 40),
  languages text[] not null default '{}' check (cardinality(languages) <= 20),
  training_date date,
  preferred_language text not null default 'en' check (preferred_language in ('en', 'es')),
  deactivated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index profiles_email_key on public.profiles (email);

create table public.role_grants (
  user_id uuid not null references public.profiles (id) on delete cascade,
  role public.app_role not null,
  granted_by uuid references public.profiles (id) on delete set null,
  granted_at timestamptz not null default now(),
  primary key (user_id, role)
);

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and char_length(email) <= 254),
  display_name text not null default '' check (char_length(display_name) <= 120),
  roles public.app_role[] not null check (cardinality(roles) between 1 and 4),
  invited_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  accepted_at timestamptz
);
create index invitations_email_idx on public.invitations (email, created_at desc);
create index invitations_invited_by_idx on public.invitations (invited_by);
create index role_grants_granted_by_idx on public.role_grants (granted_by);

create table public.org_settings (
  id boolean primary key default true check (id),
  name text not null default 'Testigo' check (char_length(name) between 1 and 120),
  time_zone text not null default 'America/Chicago' check (private.is_valid_time_zone(time_zone)),
  hotline_number text not null default '' check (char_length(hotline_number) <= 40),
  map_tile_url text not null default '' check (char_length(map_tile_url) <= 500),
  map_attribution text not null default '' check (char_length(map_attribution) <= 500),
  updated_at timestamptz not null default now()
);
insert into public.org_settings (id) values (true);

-- Security-definer helpers: not exposed through the API, empty search_path -----------------

create or replace function private.has_role(wanted public.app_role) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.role_grants g
    join public.profiles p on p.id = g.user_id
    where g.user_id = (select auth.uid())
      and g.role = wanted
      and p.deactivated_at is null
  )
$$;

create or replace function private.is_active_member() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.profiles p
    where p.id = (select auth.uid()) and p.deactivated_at is null
  )
$$;

revoke all on function private.has_role(public.app_role), private.is_active_member() from public;
grant execute on function private.has_role(public.app_role), private.is_active_member() to authenticated, service_role;

-- A new auth user gets a profile, and the roles of the invitation that brought them.
create or replace function private.handle_new_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  invitation public.invitations;
begin
  select * into invitation
  from public.invitations i
  where i.email = lower(new.email)
  order by i.created_at desc
  limit 1;

  -- Sign-up is by invitation only: an account nobody invited exists but is deactivated.
  insert into public.profiles (id, email, display_name, deactivated_at)
  values (
    new.id,
    lower(new.email),
    coalesce(nullif(invitation.display_name, ''), left(coalesce(new.raw_user_meta_data ->> 'display_name', ''), 120)),
    case when invitation.id is null then now() end
  );

  if invitation.id is not null then
    insert into public.role_grants (user_id, role, granted_by)
    select new.id, r, invitation.invited_by from unnest(invitation.roles) as r
    on conflict do nothing;
  end if;
  return new;
end
$$;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_user();

-- What a signed-in person may change on a profile, column by column:
--   their own row: name, phone, languages, preferred language;
--   coordinators: someone else's training date; admins: anything but the email.
create or replace function private.guard_profile_update() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  is_admin boolean;
begin
  if caller is not null then
    is_admin := private.has_role('admin');
    if new.email is distinct from old.email then
      raise exception 'email cannot be changed here' using errcode = '42501';
    end if;
    if not is_admin then
      if new.deactivated_at is distinct from old.deactivated_at then
        raise exception 'only admins deactivate people' using errcode = '42501';
      end if;
      if new.training_date is distinct from old.training_date
         and (old.id = caller or not private.has_role('coordinator')) then
        raise exception 'only coordinators record training, and not their own' using errcode = '42501';
      end if;
      if old.id <> caller and (
        new.display_name is distinct from old.display_name
        or new.phone is distinct from old.phone
        or new.languages is distinct from old.languages
        or new.preferred_language is distinct from old.preferred_language
      ) then
        raise exception 'only the person or an admin edits their details' using errcode = '42501';
      end if;
    end if;
  end if;
  new.updated_at := now();
  return new;
end
$$;

create trigger guard_profile_update
  before update on public.profiles
  for each row execute function private.guard_profile_update();

-- The organisation always keeps at least one active admin, whoever changes roles or profiles.
create or replace function private.keep_an_admin() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if not exists (
    select 1 from public.role_grants g
    join public.profiles p on p.id = g.user_id
    where g.role = 'admin' and p.deactivated_at is null
  ) and exists (select 1 from public.role_grants where role = 'admin') then
    raise exception 'the last active admin cannot be removed or deactivated' using errcode = '23514';
  end if;
  return null;
end
$$;

create constraint trigger keep_an_admin_on_grants
  after delete or update on public.role_grants
  deferrable initially deferred
  for each row execute function private.keep_an_admin();
create constraint trigger keep_an_admin_on_profiles
  after update of deactivated_at on public.profiles
  deferrable initially deferred
  for each row execute function private.keep_an_admin();
revoke all on function private.keep_an_admin() from public;

-- Local-auth state: never reachable by anon or authenticated --------------------------------

create table private.login_codes (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  code_hash text not null,
  attempts integer not null default 0,
  expires_at timestamptz not null,
  consumed_at timestamptz,
  created_at timestamptz not null default now()
);
create index login_codes_email_idx on private.login_codes (email, created_at desc);

create table private.sessions (
  token_hash text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user_idx on private.sessions (user_id) where revoked_at is null;

-- Keys are keyed hashes (of an email or of a client), never the raw value.
create table private.rate_limits (
  key text not null,
  window_start timestamptz not null,
  hits integer not null default 0,
  primary key (key, window_start)
);

revoke all on all tables in schema private from anon, authenticated;

-- Row-level security ------------------------------------------------------------------------

alter table public.profiles enable row level security;
alter table public.role_grants enable row level security;
alter table public.invitations enable row level security;
alter table public.org_settings enable row level security;

revoke all on public.profiles, public.role_grants, public.invitations, public.org_settings from anon, authenticated;
grant select on public.profiles to authenticated;
grant update (display_name, phone, languages, training_date, preferred_language, deactivated_at) on public.profiles to authenticated;
grant select, delete on public.role_grants to authenticated;
grant insert (user_id, role, granted_by) on public.role_grants to authenticated;
grant select on public.invitations to authenticated;
grant insert (email, display_name, roles, invited_by) on public.invitations to authenticated;
grant select on public.org_settings to authenticated;
grant update (name, time_zone, hotline_number, map_tile_url, map_attribution) on public.org_settings to authenticated;

create policy profiles_select on public.profiles for select to authenticated
  using (
    id = (select auth.uid())
    or (select private.has_role('coordinator'))
    or (select private.has_role('admin'))
  );
create policy profiles_update on public.profiles for update to authenticated
  using (
    (id = (select auth.uid()) and (select private.is_active_member()))
    or (select private.has_role('coordinator'))
    or (select private.has_role('admin'))
  )
  with check (
    (id = (select auth.uid()) and (select private.is_active_member()))
    or (select private.has_role('coordinator'))
    or (select private.has_role('admin'))
  );

create policy role_grants_select on public.role_grants for select to authenticated
  using (
    user_id = (select auth.uid())
    or (select private.has_role('coordinator'))
    or (select private.has_role('admin'))
  );
create policy role_grants_insert on public.role_grants for insert to authenticated
  with check ((select private.has_role('admin')) and granted_by = (select auth.uid()));
create policy role_grants_delete on public.role_grants for delete to authenticated
  using ((select private.has_role('admin')));

-- Admins invite anyone with any role; coordinators invite observers.
create policy invitations_select on public.invitations for select to authenticated
  using ((select private.has_role('admin')) or (select private.has_role('coordinator')));
create policy invitations_insert on public.invitations for insert to authenticated
  with check (
    invited_by = (select auth.uid())
    and (
      (select private.has_role('admin'))
      or ((select private.has_role('coordinator')) and roles <@ array['observer']::public.app_role[])
    )
  );

create policy org_settings_select on public.org_settings for select to authenticated
  using ((select private.is_active_member()));
create policy org_settings_update on public.org_settings for update to authenticated
  using ((select private.has_role('admin')))
  with check ((select private.has_role('admin')));

-- Supabase grants new public tables to anon by default; we never want that.
alter default privileges in schema public revoke all on tables from anon;
alter default privileges in schema public revoke execute on functions from public;
alter default privileges in schema public revoke all on functions from anon;
alter default privileges in schema public revoke all on sequences from anon;
