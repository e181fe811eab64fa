-- Security review, finding 13 (crypto hygiene), the parts the database can hold:
-- 1. A wrapped attorney key is stored only with scrypt at least as strong as the browser makes it
--    (N = 2^17, r = 8, p 1..4) and the exact shape the browser writes: a careless or hostile
--    client cannot leave the legal team's private key behind a weak passphrase derivation. The
--    minimum lives in a table only the database owner writes; the test suite lowers it in its own
--    template database (tests/setup/global-db.ts) so that its keys wrap in milliseconds.
-- 2. record_report_access takes details only for exports, as a small flat object.

create table private.sealing_policy (
  only_row boolean primary key default true check (only_row),
  min_scrypt_n integer not null default 131072 check (min_scrypt_n >= 1024 and min_scrypt_n <= 1048576)
);
insert into private.sealing_policy default values;
revoke all on private.sealing_policy from public, anon, authenticated;

-- The shape app/integrations/sealing.ts writes (validateWrappedPrivateKey), checked field by field.
create or replace function private.wrapped_key_acceptable(p jsonb) returns boolean
language plpgsql stable
set search_path = ''
as $$
declare
  n numeric;
  r numeric;
  par numeric;
begin
  if p is null or jsonb_typeof(p) <> 'object' then return false; end if;
  if (select count(*) from jsonb_object_keys(p)) <> 8 then return false; end if;
  if p -> 'v' is distinct from '1'::jsonb or p ->> 'kdf' is distinct from 'scrypt' then return false; end if;
  if jsonb_typeof(p -> 'N') <> 'number' or jsonb_typeof(p -> 'r') <> 'number' or jsonb_typeof(p -> 'p') <> 'number' then return false; end if;
  n := (p ->> 'N')::numeric;
  r := (p ->> 'r')::numeric;
  par := (p ->> 'p')::numeric;
  if n <> trunc(n) or n < (select min_scrypt_n from private.sealing_policy) or n > 1048576 then return false; end if;
  if (n::bigint & (n::bigint - 1)) <> 0 then return false; end if;
  if r <> 8 or par <> trunc(par) or par < 1 or par > 4 then return false; end if;
  -- base64url, no padding: salt 16 bytes, nonce 24, ciphertext 32 + 16 tag
  return coalesce(p ->> 'salt' ~ '^[A-Za-z0-9_-]{22}$', false)
     and coalesce(p ->> 'nonce' ~ '^[A-Za-z0-9_-]{32}$', false)
     and coalesce(p ->> 'ciphertext' ~ '^[A-Za-z0-9_-]{64}$', false);
end
$$;
revoke all on function private.wrapped_key_acceptable(jsonb) from public, anon, authenticated;

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
  if not private.wrapped_key_acceptable(p_wrapped) then
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

create or replace function private.record_report_access(p_report uuid, p_event text, p_details jsonb default '{}') returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  details jsonb := coalesce(p_details, '{}');
begin
  if p_event not in ('viewed', 'unsealed', 'exported') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  -- Views and unsealings say nothing more than that they happened; an export describes itself in
  -- a small object (format, hashes, filters, counts): no free text grows the audit log.
  if jsonb_typeof(details) <> 'object'
     or (p_event <> 'exported' and details <> '{}'::jsonb)
     or (select count(*) from jsonb_object_keys(details)) > 12
     or pg_catalog.octet_length(details::text) > 2048
     or exists (select 1 from jsonb_each(details) e where pg_catalog.length(e.key) > 40 or e.key !~ '^[a-z][a-z0-9_]*$')
  then
    raise exception 'review.errors.invalid' using errcode = 'TS400';
  end if;
  if p_report is null then
    -- exporting the queue (CSV): attorneys and admins
    if p_event <> 'exported' or not (private.has_role('attorney') or private.has_role('admin')) then
      raise exception 'errors.forbidden' using errcode = 'TS403';
    end if;
  else
    if not private.has_role('attorney') then
      raise exception 'errors.forbidden' using errcode = 'TS403';
    end if;
    if not exists (select 1 from public.reports r where r.id = p_report) then
      raise exception 'errors.notFound' using errcode = 'TS404';
    end if;
  end if;
  return private.audit(p_event, p_report, details);
end
$$;
