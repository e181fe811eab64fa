-- Mends found by a review of the crypto-hygiene migration (20261206110000):
-- wrapped_key_acceptable let a key with N, r or p missing through (a missing field's type is null,
-- and `null <> 'number'` is not true), and record_report_access could answer a non-object's
-- details with an error of jsonb_object_keys instead of TS400.

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
  -- coalesce: a missing field's type is null, and null <> 'number' would not be true.
  if coalesce(jsonb_typeof(p -> 'N'), '') <> 'number' or coalesce(jsonb_typeof(p -> 'r'), '') <> 'number' or coalesce(jsonb_typeof(p -> 'p'), '') <> 'number' then return false; end if;
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
  -- The type first, on its own: SQL may evaluate the other tests in any order, and
  -- jsonb_object_keys raises on an array.
  if jsonb_typeof(details) <> 'object' then
    raise exception 'review.errors.invalid' using errcode = 'TS400';
  end if;
  if (p_event <> 'exported' and details <> '{}'::jsonb)
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
