-- Incident reports. Tiers (PRODUCT.md): P0 aggregate-safe fields, P1 internal details (location,
-- narrative, officers, vehicles), P2 sealed in the browser (detained people, witnesses, original
-- media): the database holds P2 only as ciphertext with one key envelope per recipient.
-- Never a field for anyone's immigration status.

create type public.tri_state as enum ('yes', 'no', 'unknown');
create type public.warrant_type as enum ('none', 'administrative', 'judicial', 'unknown');
create type public.report_urgency as enum ('low', 'medium', 'high', 'critical');
create type public.report_verification as enum ('unconfirmed', 'confirmed', 'false_alarm');
create type public.report_status as enum ('new', 'in_review', 'follow_up', 'referred', 'closed');

-- Public keys P2 is sealed to: each attorney's, and the organisation's legal-team recovery key.
create table public.sealing_keys (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('attorney', 'recovery')),
  owner_id uuid references public.profiles (id) on delete cascade,
  public_key text not null check (public_key ~ '^[A-Za-z0-9_-]{43}$'),
  fingerprint text not null check (char_length(fingerprint) <= 40),
  -- An attorney's private key, wrapped by a key derived from their passphrase (never the recovery key).
  wrapped_private_key jsonb check (wrapped_private_key is null or jsonb_typeof(wrapped_private_key) = 'object'),
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  constraint sealing_keys_owner check ((kind = 'attorney') = (owner_id is not null)),
  constraint sealing_keys_recovery_has_no_private check (kind = 'attorney' or wrapped_private_key is null)
);
create unique index sealing_keys_one_per_attorney on public.sealing_keys (owner_id) where kind = 'attorney' and revoked_at is null;
create unique index sealing_keys_one_recovery on public.sealing_keys ((true)) where kind = 'recovery' and revoked_at is null;
create index sealing_keys_created_by_idx on public.sealing_keys (created_by);

create table public.reports (
  id uuid primary key default gen_random_uuid(),
  -- Issued with the form; a repeated submission lands on the same report.
  client_uuid uuid not null unique,
  author_id uuid references public.profiles (id) on delete set null,
  shift_id uuid references public.shifts (id) on delete set null,
  zone_id uuid references public.zones (id) on delete set null,
  occurred_at timestamptz not null,
  submitted_at timestamptz not null default now(),
  -- P1: where
  location jsonb check (
    location is null
    or (location ->> 'type' = 'Point' and jsonb_array_length(location -> 'coordinates') = 2)
  ),
  location_accuracy_m integer check (location_accuracy_m between 0 and 100000),
  cross_streets text not null default '' check (char_length(cross_streets) <= 200),
  -- P0: SALUTE
  agent_count_min smallint check (agent_count_min between 0 and 500),
  agents_possibly_more boolean not null default false,
  vehicle_count smallint check (vehicle_count between 0 and 200),
  activities text[] not null default '{}' check (
    activities <@ array['surveilling', 'at_home', 'questioning', 'detaining', 'loading', 'checkpoint', 'workplace', 'traffic_stop']
  ),
  agencies text[] not null default '{}' check (
    agencies <@ array['ice_ero', 'hsi', 'cbp', 'other_dhs', 'fbi', 'local_police', 'unknown']
  ),
  masked public.tri_state not null default 'unknown',
  vest_text text not null default '' check (char_length(vest_text) <= 200),
  equipment text not null default '' check (char_length(equipment) <= 500),
  -- P1: legal
  identified public.tri_state not null default 'unknown',
  warrant public.warrant_type not null default 'unknown',
  home_entry public.tri_state not null default 'unknown',
  consent_asked public.tri_state not null default 'unknown',
  consent_given public.tri_state not null default 'unknown',
  use_of_force public.tri_state not null default 'unknown',
  injuries public.tri_state not null default 'unknown',
  local_police_assisting public.tri_state not null default 'unknown',
  officers jsonb not null default '[]' check (jsonb_typeof(officers) = 'array' and jsonb_array_length(officers) <= 20),
  vehicles jsonb not null default '[]' check (jsonb_typeof(vehicles) = 'array' and jsonb_array_length(vehicles) <= 20),
  narrative text not null default '' check (char_length(narrative) <= 10000),
  urgency public.report_urgency not null default 'high',
  verification public.report_verification not null default 'unconfirmed',
  status public.report_status not null default 'new',
  -- P2: ciphertext and key envelopes only (validated by the app; the database checks the shape)
  sealed jsonb check (
    sealed is null
    or (jsonb_typeof(sealed) = 'object' and sealed ->> 'v' = '1' and jsonb_typeof(sealed -> 'envelopes') = 'array'
        and not (sealed ? 'plaintext'))
  ),
  sealed_detained smallint not null default 0 check (sealed_detained between 0 and 50),
  sealed_witnesses smallint not null default 0 check (sealed_witnesses between 0 and 50),
  review_started_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint reports_sealed_counts check (sealed is not null or (sealed_detained = 0 and sealed_witnesses = 0))
);
create index reports_author_idx on public.reports (author_id, submitted_at desc);
create index reports_zone_idx on public.reports (zone_id, occurred_at desc);
create index reports_shift_idx on public.reports (shift_id);
create index reports_queue_idx on public.reports (status, urgency, submitted_at desc);

create trigger reports_touch before update on public.reports
  for each row execute function private.touch_updated_at();

-- After review starts nothing is changed silently: only addenda, which are append-only.
create table public.report_addenda (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references public.reports (id) on delete cascade,
  author_id uuid references public.profiles (id) on delete set null,
  body text not null default '' check (char_length(body) <= 10000),
  sealed jsonb check (sealed is null or (jsonb_typeof(sealed) = 'object' and sealed ->> 'v' = '1')),
  created_at timestamptz not null default now(),
  constraint report_addenda_not_empty check (char_length(btrim(body)) > 0 or sealed is not null)
);
create index report_addenda_report_idx on public.report_addenda (report_id, created_at);
create index report_addenda_author_idx on public.report_addenda (author_id);

-- The author's edits: only the author, only before review, and never the triage fields.
create or replace function private.guard_report_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (select auth.uid()) is not null and old.author_id = (select auth.uid()) and not private.has_role('attorney') then
    if old.review_started_at is not null then
      raise exception 'reports.errors.underReview' using errcode = 'TS409';
    end if;
    if new.client_uuid is distinct from old.client_uuid or new.author_id is distinct from old.author_id
       or new.submitted_at is distinct from old.submitted_at or new.status is distinct from old.status
       or new.verification is distinct from old.verification or new.review_started_at is distinct from old.review_started_at then
      raise exception 'errors.forbidden' using errcode = '42501';
    end if;
  end if;
  return new;
end
$$;
create trigger reports_guard_update before update on public.reports
  for each row execute function private.guard_report_update();

-- Row-level security -------------------------------------------------------------------------

alter table public.sealing_keys enable row level security;
alter table public.reports enable row level security;
alter table public.report_addenda enable row level security;
revoke all on public.sealing_keys, public.reports, public.report_addenda from anon, authenticated;

-- Everyone active may read public keys (they seal to them); the wrapped private key column is not
-- granted at all: its owner reads it through private.my_wrapped_key().
grant select (id, kind, owner_id, public_key, fingerprint, created_at, revoked_at) on public.sealing_keys to authenticated;
create policy sealing_keys_select on public.sealing_keys for select to authenticated
  using ((select private.is_active_member()));

grant select on public.reports to authenticated;
grant insert (
  client_uuid, author_id, shift_id, zone_id, occurred_at, location, location_accuracy_m, cross_streets,
  agent_count_min, agents_possibly_more, vehicle_count, activities, agencies, masked, vest_text, equipment,
  identified, warrant, home_entry, consent_asked, consent_given, use_of_force, injuries, local_police_assisting,
  officers, vehicles, narrative, urgency, sealed, sealed_detained, sealed_witnesses
) on public.reports to authenticated;
-- The sealed part is never updated: what was sealed stays; more comes as addenda.
grant update (
  shift_id, zone_id, occurred_at, location, location_accuracy_m, cross_streets,
  agent_count_min, agents_possibly_more, vehicle_count, activities, agencies, masked, vest_text, equipment,
  identified, warrant, home_entry, consent_asked, consent_given, use_of_force, injuries, local_police_assisting,
  officers, vehicles, narrative, urgency
) on public.reports to authenticated;

-- Observers read their own reports; attorneys read every report (P2 stays ciphertext). Coordinators
-- read no row here: they get P0 fields and the location through public.report_overview.
create policy reports_select on public.reports for select to authenticated
  using (
    (author_id = (select auth.uid()) and (select private.is_active_member()))
    or (select private.has_role('attorney'))
  );
create policy reports_insert on public.reports for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and (select private.has_role('observer'))
    and (shift_id is null or exists (
      select 1 from public.shift_assignments a
      where a.shift_id = reports.shift_id and a.observer_id = (select auth.uid()) and a.status <> 'cancelled'))
  );
create policy reports_update_author on public.reports for update to authenticated
  using (author_id = (select auth.uid()) and review_started_at is null and (select private.has_role('observer')))
  with check (author_id = (select auth.uid()));

grant select on public.report_addenda to authenticated;
grant insert (report_id, author_id, body, sealed) on public.report_addenda to authenticated;
create policy report_addenda_select on public.report_addenda for select to authenticated
  using (
    exists (select 1 from public.reports r where r.id = report_id and r.author_id = (select auth.uid()))
    or (select private.has_role('attorney'))
  );
create policy report_addenda_insert on public.report_addenda for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and (
      exists (select 1 from public.reports r where r.id = report_id and r.author_id = (select auth.uid()))
      or (select private.has_role('attorney'))
    )
  );

-- What coordinators may see of reports: P0 fields and the location, never the narrative, the
-- officers, the vehicles or anything sealed. Runs as its owner, so it filters by role itself.
create view public.report_overview with (security_barrier = true) as
  select r.id, r.zone_id, r.shift_id, r.occurred_at, r.submitted_at, r.location, r.location_accuracy_m, r.cross_streets,
         r.agent_count_min, r.agents_possibly_more, r.vehicle_count, r.activities, r.agencies,
         r.urgency, r.verification, r.status, r.sealed_detained, r.sealed_witnesses
  from public.reports r
  where (select private.is_coordinating()) or (select private.has_role('attorney'));
revoke all on public.report_overview from anon, authenticated;
grant select on public.report_overview to authenticated;

-- Keys ---------------------------------------------------------------------------------------

-- An attorney registers (or replaces) their own key pair: the public half, and the private half
-- wrapped by their passphrase in their browser.
create or replace function private.register_attorney_key(p_public_key text, p_fingerprint text, p_wrapped jsonb) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  new_key uuid;
begin
  if not private.has_role('attorney') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if p_wrapped is null or p_wrapped ->> 'kdf' is distinct from 'scrypt' then
    raise exception 'keys.errors.wrapped' using errcode = 'TS409';
  end if;
  update public.sealing_keys set revoked_at = now()
    where kind = 'attorney' and owner_id = (select auth.uid()) and revoked_at is null;
  insert into public.sealing_keys (kind, owner_id, public_key, fingerprint, wrapped_private_key, created_by)
    values ('attorney', (select auth.uid()), p_public_key, p_fingerprint, p_wrapped, (select auth.uid()))
    returning id into new_key;
  return new_key;
end
$$;

-- An admin registers (or replaces) the legal team's recovery key. Only its public half ever
-- reaches the server; the private half was downloaded once in the admin's browser.
create or replace function private.register_recovery_key(p_public_key text, p_fingerprint text) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  new_key uuid;
begin
  if not private.has_role('admin') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  update public.sealing_keys set revoked_at = now() where kind = 'recovery' and revoked_at is null;
  insert into public.sealing_keys (kind, public_key, fingerprint, created_by)
    values ('recovery', p_public_key, p_fingerprint, (select auth.uid()))
    returning id into new_key;
  return new_key;
end
$$;

-- All of the attorney's own keys, the active one first: reports sealed to a replaced key stay
-- readable with that key's passphrase.
create or replace function private.my_wrapped_key()
returns table (id uuid, public_key text, wrapped_private_key jsonb, created_at timestamptz, revoked_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select k.id, k.public_key, k.wrapped_private_key, k.created_at, k.revoked_at from public.sealing_keys k
  where k.kind = 'attorney' and k.owner_id = (select auth.uid()) and private.has_role('attorney')
  order by k.revoked_at nulls first, k.created_at desc
$$;

revoke all on function private.register_attorney_key(text, text, jsonb), private.register_recovery_key(text, text),
  private.my_wrapped_key(), private.guard_report_update() from public, anon;
grant execute on function private.register_attorney_key(text, text, jsonb), private.register_recovery_key(text, text),
  private.my_wrapped_key() to authenticated;

-- Media ---------------------------------------------------------------------------------------
-- Photos and videos are P2: each file is sealed (its own content key, wrapped to the same
-- recipients) before it is stored; the database keeps the SHA-256 of the unedited original, the
-- key envelopes and where the ciphertext is, never the picture.

alter table public.org_settings
  add column media_max_mb smallint not null default 100 check (media_max_mb between 1 and 1024);
grant update (media_max_mb) on public.org_settings to authenticated;

create table public.report_media (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references public.reports (id) on delete cascade,
  uploaded_by uuid references public.profiles (id) on delete set null,
  -- of the original bytes, computed before sealing: what a declaration cites
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text not null check (content_type in (
    'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'video/mp4', 'video/quicktime', 'video/webm', 'video/3gpp')),
  size_bytes bigint not null check (size_bytes > 0),
  -- the sealed box: key envelopes, and the file's metadata sealed with the same key
  sealed jsonb not null check (jsonb_typeof(sealed) = 'object' and sealed ->> 'v' = '1'),
  -- where the ciphertext is in the file store, and the nonce it was sealed with
  storage_key text not null check (storage_key ~ '^[0-9a-f]{64}$'),
  nonce text not null check (nonce ~ '^[A-Za-z0-9_-]{32}$'),
  created_at timestamptz not null default now(),
  unique (report_id, sha256)
);
create index report_media_report_idx on public.report_media (report_id, created_at);
create index report_media_uploaded_by_idx on public.report_media (uploaded_by);

alter table public.report_media enable row level security;
revoke all on public.report_media from anon, authenticated;
grant select on public.report_media to authenticated;
grant insert (report_id, uploaded_by, sha256, content_type, size_bytes, sealed, storage_key, nonce) on public.report_media to authenticated;
create policy report_media_select on public.report_media for select to authenticated
  using (
    exists (select 1 from public.reports r where r.id = report_id and r.author_id = (select auth.uid()))
    or (select private.has_role('attorney'))
  );
-- Media are evidence: the author adds them (also after review starts), nobody edits or deletes them.
create policy report_media_insert on public.report_media for insert to authenticated
  with check (
    uploaded_by = (select auth.uid())
    and exists (select 1 from public.reports r where r.id = report_id and r.author_id = (select auth.uid()))
    and (select private.is_active_member())
  );

-- Whom P2 is sealed to: the recovery key and the keys of attorneys who are still active attorneys.
-- (Observers cannot read others' roles under RLS, so this is a security-definer function.)
create or replace function private.sealing_recipients()
returns table (id uuid, kind text, public_key text, fingerprint text, created_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select k.id, k.kind, k.public_key, k.fingerprint, k.created_at
  from public.sealing_keys k
  where k.revoked_at is null
    and private.is_active_member()
    and (
      k.kind = 'recovery'
      or exists (
        select 1 from public.role_grants g join public.profiles p on p.id = g.user_id
        where g.user_id = k.owner_id and g.role = 'attorney' and p.deactivated_at is null
      )
    )
  order by k.kind, k.created_at
$$;
revoke all on function private.sealing_recipients() from public, anon;
grant execute on function private.sealing_recipients() to authenticated;
