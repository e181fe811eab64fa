-- Security review, finding 1: key transparency. An admin could, in one transaction, replace the
-- recovery key, grant themselves the attorney role and register a key, and every observer's
-- browser sealed to it at once, unaudited. Now:
-- * a key's fingerprint is computed here from the key (128 bits of SHA-256), never taken from the
--   caller;
-- * a new key becomes a recipient only after a waiting period (private.sealing_policy.key_wait,
--   24 h unless the database owner changes it): each key has its active_from, and a replaced key
--   stays a recipient until its successor is active (revoked_at may lie in the future: "stops
--   being a recipient then"). Only when nobody at all can open sealed data yet (a new
--   organisation's first key) is a key active at once: there is nothing to take over;
-- * replacing the recovery key needs a second admin's approval when there is more than one admin;
-- * every change of the recipient set (keys, the attorney and admin roles, deactivating an
--   attorney or admin) is an event in the hash-chained audit log and an email to every active
--   attorney and admin, queued in the same transaction as the change.

alter table private.sealing_policy
  add column key_wait interval not null default interval '24 hours'
    check (key_wait >= interval '0' and key_wait <= interval '30 days');

-- Fingerprints ---------------------------------------------------------------------------------

-- The first 16 bytes of SHA-256 over the raw 32-byte public key, in hex: what
-- publicKeyFingerprint() in app/integrations/sealing.ts shows, in groups of four.
create or replace function private.key_fingerprint(p_public_key text) returns text
language sql immutable strict parallel safe
set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.substr(pg_catalog.sha256(
    pg_catalog.decode(pg_catalog.translate(p_public_key, '-_', '+/') || '=', 'base64')), 1, 16), 'hex')
$$;
revoke all on function private.key_fingerprint(text) from public, anon;
grant execute on function private.key_fingerprint(text) to authenticated;

alter table public.sealing_keys drop column fingerprint;
alter table public.sealing_keys
  add column fingerprint text generated always as (private.key_fingerprint(public_key)) stored,
  add column active_from timestamptz,
  add column approved_at timestamptz,
  add column approved_by uuid references public.profiles (id) on delete set null;
update public.sealing_keys set active_from = created_at, approved_at = created_at;
alter table public.sealing_keys
  alter column active_from set not null,
  alter column active_from set default now(),
  add constraint sealing_keys_attorney_approved check (kind = 'recovery' or approved_at is not null);
create index sealing_keys_approved_by_idx on public.sealing_keys (approved_by);

-- A recovery key awaiting a second admin's approval and the current one are both unreplaced.
drop index public.sealing_keys_one_recovery;
create unique index sealing_keys_one_recovery on public.sealing_keys ((true))
  where kind = 'recovery' and revoked_at is null and approved_at is not null;
create unique index sealing_keys_one_recovery_proposal on public.sealing_keys ((true))
  where kind = 'recovery' and revoked_at is null and approved_at is null;

grant select (id, kind, owner_id, public_key, fingerprint, created_by, created_at, revoked_at, active_from, approved_at, approved_by)
  on public.sealing_keys to authenticated;

-- Whether a key is a recipient now: approved, its waiting period over, not (yet) replaced.
create or replace function private.key_is_current(p_active_from timestamptz, p_approved_at timestamptz, p_revoked_at timestamptz)
returns boolean
language sql stable
set search_path = ''
as $$
  select p_approved_at is not null and p_active_from <= now() and (p_revoked_at is null or p_revoked_at > now())
$$;
revoke all on function private.key_is_current(timestamptz, timestamptz, timestamptz) from public, anon;
grant execute on function private.key_is_current(timestamptz, timestamptz, timestamptz) to authenticated;

-- When a key registered now becomes a recipient.
create or replace function private.new_key_active_from() returns timestamptz
language sql stable security definer
set search_path = ''
as $$
  select case
    when exists (select 1 from public.sealing_keys k where private.key_is_current(k.active_from, k.approved_at, k.revoked_at))
      then now() + (select p.key_wait from private.sealing_policy p)
    else now()
  end
$$;
revoke all on function private.new_key_active_from() from public, anon, authenticated;

-- Audit events and emails -------------------------------------------------------------------------

alter table public.audit_events drop constraint audit_events_event_check;
alter table public.audit_events add constraint audit_events_event_check check (event in (
  'viewed', 'unsealed', 'status_changed', 'verification_changed', 'urgency_changed', 'assigned',
  'legal_hold', 'note_added', 'task_added', 'task_done', 'info_requested', 'access_shared', 'exported', 'purged',
  'key_registered', 'key_replaced', 'recovery_key_registered', 'recovery_key_proposed', 'recovery_key_replaced',
  'recovery_key_withdrawn', 'role_granted', 'role_revoked', 'member_deactivated', 'member_reactivated'));

create or replace function private.is_recipient_event(p_event text) returns boolean
language sql immutable
set search_path = ''
as $$
  select p_event in ('key_registered', 'key_replaced', 'recovery_key_registered', 'recovery_key_proposed', 'recovery_key_replaced',
    'recovery_key_withdrawn', 'role_granted', 'role_revoked', 'member_deactivated', 'member_reactivated')
$$;
revoke all on function private.is_recipient_event(text) from public, anon;
grant execute on function private.is_recipient_event(text) to authenticated;

-- Attorneys also read the changes of whom sealed data goes to (and admins, as before, all of it).
drop policy audit_events_select on public.audit_events;
create policy audit_events_select on public.audit_events for select to authenticated
  using (
    (report_id is not null and (select private.has_role('attorney')))
    or (report_id is null and private.is_recipient_event(event) and (select private.has_role('attorney')))
    or (select private.has_role('admin'))
  );
create index audit_events_recipient_idx on public.audit_events (seq) where report_id is null;

-- One change of the recipient set: an audit event, and an email to every active attorney and admin.
create or replace function private.recipient_event(p_event text, p_details jsonb) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_seq bigint := private.audit(p_event, null, p_details);
begin
  insert into private.jobs (kind, dedupe_key, payload)
  select 'recipients_changed', 'recipients-changed:' || v_seq || ':' || p.id, jsonb_build_object('person_id', p.id, 'seq', v_seq)
  from public.profiles p
  where p.deactivated_at is null
    and exists (select 1 from public.role_grants g where g.user_id = p.id and g.role in ('attorney', 'admin'))
  on conflict (dedupe_key) do nothing;
  return v_seq;
end
$$;
revoke all on function private.recipient_event(text, jsonb) from public, anon, authenticated;

-- Keys -------------------------------------------------------------------------------------

drop function private.register_attorney_key(text, text, jsonb);
drop function private.register_recovery_key(text, text);

-- An attorney registers (or replaces) their own key pair. The replaced key stays a recipient until
-- the new one is active; a key of theirs still waiting never becomes one.
create or replace function private.register_attorney_key(p_public_key text, p_wrapped jsonb) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_active timestamptz;
  v_old uuid;
  v_new uuid;
begin
  if not private.has_role('attorney') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if not private.wrapped_key_acceptable(p_wrapped) then
    raise exception 'keys.errors.wrapped' using errcode = 'TS409';
  end if;
  if p_public_key is null or p_public_key !~ '^[A-Za-z0-9_-]{43}$' then
    raise exception 'keys.errors.publicKey' using errcode = 'TS400';
  end if;
  v_active := private.new_key_active_from();
  update public.sealing_keys set revoked_at = now()
    where kind = 'attorney' and owner_id = v_me and active_from > now() and (revoked_at is null or revoked_at > now());
  update public.sealing_keys set revoked_at = v_active
    where kind = 'attorney' and owner_id = v_me and active_from <= now() and (revoked_at is null or revoked_at > now())
    returning id into v_old;
  insert into public.sealing_keys (kind, owner_id, public_key, wrapped_private_key, created_by, active_from, approved_at)
    values ('attorney', v_me, p_public_key, p_wrapped, v_me, v_active, now())
    returning id into v_new;
  perform private.recipient_event(case when v_old is null then 'key_registered' else 'key_replaced' end,
    jsonb_build_object('key', v_new, 'kind', 'attorney', 'owner', v_me, 'fingerprint', private.key_fingerprint(p_public_key),
      'active_from', v_active, 'replaces', v_old));
  return v_new;
end
$$;

-- An admin registers the legal team's recovery key. The first one needs nobody else; replacing it
-- needs a second active admin's approval (private.approve_recovery_key) when there is one, and
-- waits out the waiting period either way. A proposal not yet approved or active is withdrawn by
-- the next one.
create or replace function private.register_recovery_key(p_public_key text) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_active timestamptz;
  v_current uuid;
  v_needs_approval boolean;
  v_new uuid;
begin
  if not private.has_role('admin') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if p_public_key is null or p_public_key !~ '^[A-Za-z0-9_-]{43}$' then
    raise exception 'keys.errors.publicKey' using errcode = 'TS400';
  end if;
  perform private.withdraw_recovery_proposals('superseded');
  v_active := private.new_key_active_from();
  select k.id into v_current from public.sealing_keys k
    where k.kind = 'recovery' and k.approved_at is not null and (k.revoked_at is null or k.revoked_at > now());
  v_needs_approval := v_current is not null and (
    select count(*) from public.role_grants g join public.profiles p on p.id = g.user_id
    where g.role = 'admin' and p.deactivated_at is null) > 1;
  if v_current is not null and not v_needs_approval then
    update public.sealing_keys set revoked_at = v_active where id = v_current;
  end if;
  insert into public.sealing_keys (kind, public_key, created_by, active_from, approved_at)
    values ('recovery', p_public_key, v_me, v_active, case when v_needs_approval then null else now() end)
    returning id into v_new;
  perform private.recipient_event(
    case when v_current is null then 'recovery_key_registered' when v_needs_approval then 'recovery_key_proposed' else 'recovery_key_replaced' end,
    jsonb_build_object('key', v_new, 'kind', 'recovery', 'fingerprint', private.key_fingerprint(p_public_key),
      'active_from', v_active, 'replaces', v_current, 'approval', case when v_needs_approval then 'awaiting' else 'not_needed' end));
  return v_new;
end
$$;

-- Withdraws recovery keys not yet recipients (awaiting approval or their waiting period); the
-- current key then stays a recipient with no end. Returns how many.
create or replace function private.withdraw_recovery_proposals(p_reason text) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  rec record;
  v_count integer := 0;
begin
  for rec in
    update public.sealing_keys set revoked_at = now()
    where kind = 'recovery' and revoked_at is null and (approved_at is null or active_from > now())
    returning id, fingerprint
  loop
    v_count := v_count + 1;
    perform private.recipient_event('recovery_key_withdrawn', jsonb_build_object('key', rec.id, 'kind', 'recovery', 'fingerprint', rec.fingerprint, 'reason', p_reason));
  end loop;
  if v_count > 0 then
    update public.sealing_keys set revoked_at = null
      where kind = 'recovery' and approved_at is not null and active_from <= now() and revoked_at > now();
  end if;
  return v_count;
end
$$;

-- A second admin approves a proposed recovery key; it becomes a recipient when its waiting period
-- (counted from the proposal) is over, and the current key stops being one then.
create or replace function private.approve_recovery_key(p_key uuid) returns timestamptz
language plpgsql security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  k public.sealing_keys;
  v_active timestamptz;
  v_current uuid;
begin
  if not private.has_role('admin') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  select * into k from public.sealing_keys
    where id = p_key and kind = 'recovery' and approved_at is null and revoked_at is null for update;
  if not found then
    raise exception 'keys.errors.noProposal' using errcode = 'TS404';
  end if;
  if k.created_by is not distinct from v_me then
    raise exception 'keys.errors.secondAdmin' using errcode = 'TS409';
  end if;
  v_active := greatest(k.active_from, now());
  update public.sealing_keys set revoked_at = v_active
    where kind = 'recovery' and approved_at is not null and (revoked_at is null or revoked_at > now())
    returning id into v_current;
  update public.sealing_keys set approved_at = now(), approved_by = v_me, active_from = v_active where id = p_key;
  perform private.recipient_event('recovery_key_replaced', jsonb_build_object('key', p_key, 'kind', 'recovery',
    'fingerprint', k.fingerprint, 'active_from', v_active, 'replaces', v_current, 'approval', 'second_admin', 'proposed_by', k.created_by));
  return v_active;
end
$$;

-- Any admin may stop a recovery key that is not a recipient yet (it is audited and emailed).
create or replace function private.withdraw_recovery_key() returns integer
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.has_role('admin') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  return private.withdraw_recovery_proposals('withdrawn');
end
$$;

revoke all on function private.register_attorney_key(text, jsonb), private.register_recovery_key(text),
  private.approve_recovery_key(uuid), private.withdraw_recovery_key(), private.withdraw_recovery_proposals(text) from public, anon;
grant execute on function private.register_attorney_key(text, jsonb), private.register_recovery_key(text),
  private.approve_recovery_key(uuid), private.withdraw_recovery_key() to authenticated;
revoke all on function private.withdraw_recovery_proposals(text) from authenticated;

-- The demo seed's keys are long since active (a seed-only path: the database owner alone may run
-- it, and only inside a transaction that says it is seeding demo data, which seedDemoData refuses
-- to do with NODE_ENV=production).
create or replace function private.seed_keys_long_active() returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  if coalesce(current_setting('testigo.seeding', true), '') <> 'demo' then
    raise exception 'only the demo seed may backdate keys' using errcode = '42501';
  end if;
  update public.sealing_keys set active_from = least(active_from, now() - interval '30 days'),
    created_at = least(created_at, now() - interval '30 days')
    where revoked_at is null;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;
revoke all on function private.seed_keys_long_active() from public, anon, authenticated;

-- Whom P2 is sealed to: current keys only (see above), of attorneys who are still active attorneys,
-- and the recovery key.
drop function private.sealing_recipients();
create or replace function private.sealing_recipients()
returns table (id uuid, kind text, public_key text, fingerprint text, created_at timestamptz, active_from timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select k.id, k.kind, k.public_key, k.fingerprint, k.created_at, k.active_from
  from public.sealing_keys k
  where private.key_is_current(k.active_from, k.approved_at, k.revoked_at)
    and private.is_active_member()
    and (
      k.kind = 'recovery'
      or exists (
        select 1 from public.role_grants g join public.profiles p on p.id = g.user_id
        where g.user_id = k.owner_id and g.role = 'attorney' and p.deactivated_at is null
      )
    )
  order by k.kind, k.active_from, k.id
$$;
revoke all on function private.sealing_recipients() from public, anon;
grant execute on function private.sealing_recipients() to authenticated;

-- All of the attorney's own keys, the current one first, then one still waiting, then replaced
-- ones: reports sealed to a replaced key stay readable with that key's passphrase.
drop function private.my_wrapped_key();
create or replace function private.my_wrapped_key()
returns table (id uuid, public_key text, wrapped_private_key jsonb, created_at timestamptz, revoked_at timestamptz, active_from timestamptz, current boolean)
language sql stable security definer
set search_path = ''
as $$
  select k.id, k.public_key, k.wrapped_private_key, k.created_at, k.revoked_at, k.active_from,
    private.key_is_current(k.active_from, k.approved_at, k.revoked_at)
  from public.sealing_keys k
  where k.kind = 'attorney' and k.owner_id = (select auth.uid()) and private.has_role('attorney')
  order by private.key_is_current(k.active_from, k.approved_at, k.revoked_at) desc, (k.revoked_at is null) desc, k.created_at desc
$$;
revoke all on function private.my_wrapped_key() from public, anon;
grant execute on function private.my_wrapped_key() to authenticated;

-- Sharing access goes to current keys only: a key still waiting gets no old reports either.
create or replace function private.share_access(p_key uuid, p_shares jsonb) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v_count integer;
  v_expected integer;
  v_reports integer;
begin
  if not (private.has_role('attorney') or private.has_role('admin')) then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if jsonb_typeof(p_shares) is distinct from 'array' or jsonb_array_length(p_shares) > 200 then
    raise exception 'review.errors.shareBatch' using errcode = 'TS409';
  end if;
  if not exists (
    select 1 from public.sealing_keys k join public.role_grants g on g.user_id = k.owner_id and g.role = 'attorney'
    join public.profiles p on p.id = k.owner_id
    where k.id = p_key and k.kind = 'attorney' and private.key_is_current(k.active_from, k.approved_at, k.revoked_at)
      and p.deactivated_at is null
  ) then
    raise exception 'review.errors.shareKey' using errcode = 'TS409';
  end if;
  with wanted as (
    select s ->> 'box' as box, (s ->> 'boxId')::uuid as box_id, s -> 'envelope' as envelope
    from jsonb_array_elements(p_shares) s
  ), resolved as (
    select w.box, w.box_id, w.envelope,
      case w.box
        when 'report' then (select r.id from public.reports r where r.id = w.box_id and r.sealed is not null)
        when 'media' then (select m.report_id from public.report_media m where m.id = w.box_id)
        when 'note' then (select n.report_id from public.report_notes n where n.id = w.box_id)
      end as report_id
    from wanted w
  ), ins as (
    insert into public.key_shares (report_id, box, box_id, key_id, envelope, shared_by)
    select report_id, box, box_id, p_key, envelope, (select auth.uid()) from resolved where report_id is not null
    on conflict (box, box_id, key_id) do nothing
    returning report_id
  )
  select (select count(*) from ins), (select count(*) from resolved where report_id is null), (select count(distinct report_id) from ins)
    into v_count, v_expected, v_reports;
  if v_expected > 0 then
    raise exception 'review.errors.shareBox' using errcode = 'TS409';
  end if;
  if v_count > 0 then
    perform private.audit('access_shared', null, jsonb_build_object('key', p_key, 'envelopes', v_count, 'reports', v_reports));
  end if;
  return v_count;
end
$$;

-- Roles and people -------------------------------------------------------------------------------

-- The attorney and admin roles decide who reads sealed data and who approves a recovery key.
create or replace function private.audit_role_grant() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.role in ('attorney', 'admin') then
    perform private.recipient_event('role_granted', jsonb_build_object('person', new.user_id, 'role', new.role, 'granted_by', new.granted_by));
  elsif tg_op = 'DELETE' and old.role in ('attorney', 'admin') then
    perform private.recipient_event('role_revoked', jsonb_build_object('person', old.user_id, 'role', old.role));
  end if;
  return null;
end
$$;
create trigger role_grants_audit after insert or delete on public.role_grants
  for each row execute function private.audit_role_grant();

create or replace function private.audit_member_activation() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_roles text[] := array(select g.role::text from public.role_grants g where g.user_id = new.id and g.role in ('attorney', 'admin') order by g.role);
begin
  if cardinality(v_roles) > 0 and (old.deactivated_at is null) <> (new.deactivated_at is null) then
    perform private.recipient_event(case when new.deactivated_at is null then 'member_reactivated' else 'member_deactivated' end,
      jsonb_build_object('person', new.id, 'roles', to_jsonb(v_roles)));
  end if;
  return null;
end
$$;
create trigger profiles_activation_audit after update of deactivated_at on public.profiles
  for each row execute function private.audit_member_activation();

revoke all on function private.audit_role_grant(), private.audit_member_activation(), private.is_recipient_event(text) from public, anon;

-- The waiting period, for pages that explain it.
create or replace function private.key_wait_hours() returns numeric
language sql stable security definer
set search_path = ''
as $$
  select round(extract(epoch from p.key_wait) / 3600, 1) from private.sealing_policy p
$$;
revoke all on function private.key_wait_hours() from public, anon;
grant execute on function private.key_wait_hours() to authenticated;

-- How many boxes each attorney key in use cannot open yet (a key still waiting is not listed).
create or replace function private.access_gaps()
returns table (key_id uuid, owner_id uuid, display_name text, fingerprint text, missing bigint)
language sql stable security definer
set search_path = ''
as $$
  select k.id, k.owner_id, p.display_name, k.fingerprint,
    (select count(*) from public.reports r
      where r.sealed is not null
        and not (r.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.id::text)))
        and not exists (select 1 from public.key_shares s where s.box = 'report' and s.box_id = r.id and s.key_id = k.id))
    + (select count(*) from public.report_media m
      where not (m.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.id::text)))
        and not exists (select 1 from public.key_shares s where s.box = 'media' and s.box_id = m.id and s.key_id = k.id))
    + (select count(*) from public.report_notes n
      where not (n.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.id::text)))
        and not exists (select 1 from public.key_shares s where s.box = 'note' and s.box_id = n.id and s.key_id = k.id))
  from public.sealing_keys k
  join public.profiles p on p.id = k.owner_id and p.deactivated_at is null
  join public.role_grants g on g.user_id = k.owner_id and g.role = 'attorney'
  where k.kind = 'attorney' and private.key_is_current(k.active_from, k.approved_at, k.revoked_at)
    and (private.has_role('attorney') or private.has_role('admin'))
  order by p.display_name, k.id
$$;
