-- Key transparency, mends from a review of 20261207010000_key_transparency.sql:
-- 1. Giving someone the attorney role, or reactivating an attorney, made a key they already held a
--    recipient at once. Now their keys wait again (active_from pushed to the end of a new waiting
--    period), so a key parked by removing the role cannot come back unnoticed.
-- 2. The emails about a change went only to people active with a role at that moment: a
--    compromised admin could deactivate the others first. Now they also go to attorneys and admins
--    deactivated in the last 7 days, and to the person the change is about.
-- 3. A second admin's approval is given only by an admin who held the role for a whole waiting
--    period before the proposal (an alias invited for the purpose cannot approve), and approval is
--    needed while any other admin is active or was deactivated within the waiting period.
-- 4. Any admin, or the key's owner, can stop an attorney key that is still waiting; withdrawing a
--    waiting key (also by registering another) is its own audit event.
-- 5. Registrations, approvals and withdrawals take one lock, so two at once cannot race.
-- 6. /review/key and /admin/settings list keys through private.key_overview(), which says whether
--    each is a recipient exactly as private.sealing_recipients() decides.
-- 7. The seed-only backdating path backdates only the key it is given.

alter table public.audit_events drop constraint audit_events_event_check;
alter table public.audit_events add constraint audit_events_event_check check (event in (
  'viewed', 'unsealed', 'status_changed', 'verification_changed', 'urgency_changed', 'assigned',
  'legal_hold', 'note_added', 'task_added', 'task_done', 'info_requested', 'access_shared', 'exported', 'purged',
  'key_registered', 'key_replaced', 'key_withdrawn', 'key_waits_again', 'recovery_key_registered', 'recovery_key_proposed',
  'recovery_key_replaced', 'recovery_key_withdrawn', 'role_granted', 'role_revoked', 'member_deactivated', 'member_reactivated'));

create or replace function private.is_recipient_event(p_event text) returns boolean
language sql immutable
set search_path = ''
as $$
  select p_event in ('key_registered', 'key_replaced', 'key_withdrawn', 'key_waits_again', 'recovery_key_registered', 'recovery_key_proposed',
    'recovery_key_replaced', 'recovery_key_withdrawn', 'role_granted', 'role_revoked', 'member_deactivated', 'member_reactivated')
$$;

-- One lock for every change of keys: two registrations, approvals or withdrawals never interleave.
create or replace function private.lock_keys() returns void
language sql
set search_path = ''
as $$
  select pg_catalog.pg_advisory_xact_lock(74002028)
$$;
revoke all on function private.lock_keys() from public, anon, authenticated;

create or replace function private.recipient_event(p_event text, p_details jsonb) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_seq bigint := private.audit(p_event, null, p_details);
  v_about uuid[] := array_remove(array[
    case when p_details ->> 'person' ~ '^[0-9a-f-]{36}$' then (p_details ->> 'person')::uuid end,
    case when p_details ->> 'owner' ~ '^[0-9a-f-]{36}$' then (p_details ->> 'owner')::uuid end], null);
begin
  insert into private.jobs (kind, dedupe_key, payload)
  select 'recipients_changed', 'recipients-changed:' || v_seq || ':' || p.id, jsonb_build_object('person_id', p.id, 'seq', v_seq)
  from public.profiles p
  where p.id = any (v_about)
     or (exists (select 1 from public.role_grants g where g.user_id = p.id and g.role in ('attorney', 'admin'))
         and (p.deactivated_at is null or p.deactivated_at > now() - interval '7 days'))
  on conflict (dedupe_key) do nothing;
  return v_seq;
end
$$;
revoke all on function private.recipient_event(text, jsonb) from public, anon, authenticated;

-- The person's attorney keys (in use or waiting) wait again, a full waiting period from now.
create or replace function private.keys_wait_again(p_person uuid, p_reason text) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  rec record;
  v_active timestamptz := now() + (select p.key_wait from private.sealing_policy p);
begin
  if (select p.key_wait from private.sealing_policy p) = interval '0' then return; end if;
  for rec in
    update public.sealing_keys k set active_from = greatest(k.active_from, v_active)
    where k.kind = 'attorney' and k.owner_id = p_person and (k.revoked_at is null or k.revoked_at > now())
    returning k.id, k.fingerprint, k.active_from
  loop
    perform private.recipient_event('key_waits_again', jsonb_build_object('key', rec.id, 'kind', 'attorney', 'owner', p_person,
      'fingerprint', rec.fingerprint, 'active_from', rec.active_from, 'reason', p_reason));
  end loop;
end
$$;
revoke all on function private.keys_wait_again(uuid, text) from public, anon, authenticated;

create or replace function private.audit_role_grant() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op in ('DELETE', 'UPDATE') and old.role in ('attorney', 'admin') then
    perform private.recipient_event('role_revoked', jsonb_build_object('person', old.user_id, 'role', old.role));
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.role in ('attorney', 'admin') then
    perform private.recipient_event('role_granted', jsonb_build_object('person', new.user_id, 'role', new.role, 'granted_by', new.granted_by));
    if new.role = 'attorney' then perform private.keys_wait_again(new.user_id, 'role_granted'); end if;
  end if;
  return null;
end
$$;
drop trigger role_grants_audit on public.role_grants;
create trigger role_grants_audit after insert or update or delete on public.role_grants
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
    if new.deactivated_at is null and 'attorney' = any (v_roles) then perform private.keys_wait_again(new.id, 'member_reactivated'); end if;
  end if;
  return null;
end
$$;

-- Stops waiting attorney keys of `p_owner` (all, or only `p_key`), each an audit event; the key
-- they would have replaced stays a recipient with no end. Returns how many.
create or replace function private.stop_waiting_attorney_keys(p_owner uuid, p_key uuid, p_reason text) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  rec record;
  v_count integer := 0;
begin
  for rec in
    update public.sealing_keys k set revoked_at = now()
    where k.kind = 'attorney' and k.owner_id = p_owner and (p_key is null or k.id = p_key)
      and k.active_from > now() and (k.revoked_at is null or k.revoked_at > now())
    returning k.id, k.fingerprint
  loop
    v_count := v_count + 1;
    perform private.recipient_event('key_withdrawn', jsonb_build_object('key', rec.id, 'kind', 'attorney', 'owner', p_owner,
      'fingerprint', rec.fingerprint, 'reason', p_reason));
  end loop;
  if v_count > 0 then
    update public.sealing_keys k set revoked_at = null
      where k.kind = 'attorney' and k.owner_id = p_owner and k.active_from <= now() and k.revoked_at > now()
        and not exists (select 1 from public.sealing_keys n where n.kind = 'attorney' and n.owner_id = p_owner and n.revoked_at is null);
  end if;
  return v_count;
end
$$;
revoke all on function private.stop_waiting_attorney_keys(uuid, uuid, text) from public, anon, authenticated;

-- Any admin, or the key's owner, stops an attorney key that is still waiting.
create or replace function private.withdraw_attorney_key(p_key uuid) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v_owner uuid;
begin
  perform private.lock_keys();
  select k.owner_id into v_owner from public.sealing_keys k where k.id = p_key and k.kind = 'attorney';
  if v_owner is null or not (private.has_role('admin') or (v_owner = (select auth.uid()) and private.is_active_member())) then
    raise exception 'keys.errors.noWaitingKey' using errcode = 'TS404';
  end if;
  if private.stop_waiting_attorney_keys(v_owner, p_key, 'withdrawn') = 0 then
    raise exception 'keys.errors.noWaitingKey' using errcode = 'TS404';
  end if;
  return 1;
end
$$;
revoke all on function private.withdraw_attorney_key(uuid) from public, anon;
grant execute on function private.withdraw_attorney_key(uuid) to authenticated;

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
  perform private.lock_keys();
  perform private.stop_waiting_attorney_keys(v_me, null, 'superseded');
  v_active := private.new_key_active_from();
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

-- An admin who may approve a recovery key proposed at `p_proposed`: active, and admin for a whole
-- waiting period before it.
create or replace function private.seasoned_admin(p_person uuid, p_proposed timestamptz) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.role_grants g join public.profiles p on p.id = g.user_id
    where g.user_id = p_person and g.role = 'admin' and p.deactivated_at is null
      and g.granted_at <= p_proposed - (select s.key_wait from private.sealing_policy s))
$$;
revoke all on function private.seasoned_admin(uuid, timestamptz) from public, anon, authenticated;

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
  perform private.lock_keys();
  perform private.withdraw_recovery_proposals('superseded');
  v_active := private.new_key_active_from();
  select k.id into v_current from public.sealing_keys k
    where k.kind = 'recovery' and k.approved_at is not null and (k.revoked_at is null or k.revoked_at > now());
  -- Another admin must approve while any other admin is active, or was deactivated within the
  -- waiting period (deactivating the others first does not skip the approval).
  v_needs_approval := v_current is not null and exists (
    select 1 from public.role_grants g join public.profiles p on p.id = g.user_id
    where g.role = 'admin' and g.user_id <> v_me
      and (p.deactivated_at is null or p.deactivated_at > now() - (select s.key_wait from private.sealing_policy s)));
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
  perform private.lock_keys();
  select * into k from public.sealing_keys
    where id = p_key and kind = 'recovery' and approved_at is null and revoked_at is null for update;
  if not found then
    raise exception 'keys.errors.noProposal' using errcode = 'TS404';
  end if;
  if k.created_by is not distinct from v_me then
    raise exception 'keys.errors.secondAdmin' using errcode = 'TS409';
  end if;
  if not private.seasoned_admin(v_me, k.created_at) then
    raise exception 'keys.errors.newAdmin' using errcode = 'TS409';
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

create or replace function private.withdraw_recovery_key() returns integer
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.has_role('admin') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  perform private.lock_keys();
  return private.withdraw_recovery_proposals('withdrawn');
end
$$;

-- The seed backdates only its own key.
drop function private.seed_keys_long_active();
create or replace function private.seed_key_long_active(p_key uuid) returns integer
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
    where id = p_key;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;
revoke all on function private.seed_key_long_active(uuid) from public, anon, authenticated;

-- Every key in use or waiting, for attorneys and admins: `recipient` exactly as
-- private.sealing_recipients() decides, `parked` when its holder is not an active attorney now.
create or replace function private.key_overview()
returns table (id uuid, kind text, owner_id uuid, display_name text, fingerprint text, created_at timestamptz, created_by uuid,
  active_from timestamptz, approved_at timestamptz, revoked_at timestamptz, recipient boolean, parked boolean)
language sql stable security definer
set search_path = ''
as $$
  select k.id, k.kind, k.owner_id, p.display_name, k.fingerprint, k.created_at, k.created_by, k.active_from, k.approved_at, k.revoked_at,
    private.key_is_current(k.active_from, k.approved_at, k.revoked_at) and not h.parked,
    h.parked
  from public.sealing_keys k
  left join public.profiles p on p.id = k.owner_id
  cross join lateral (select k.kind = 'attorney' and not exists (
      select 1 from public.role_grants g join public.profiles o on o.id = g.user_id
      where g.user_id = k.owner_id and g.role = 'attorney' and o.deactivated_at is null) as parked) h
  where (k.revoked_at is null or k.revoked_at > now())
    and (private.has_role('attorney') or private.has_role('admin'))
  order by k.kind desc, k.active_from, k.id
$$;
revoke all on function private.key_overview() from public, anon;
grant execute on function private.key_overview() to authenticated;
