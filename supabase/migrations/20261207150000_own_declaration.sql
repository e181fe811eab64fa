-- Issue 19, item 4: an observer generates the declaration of their own report for signing, and
-- that generation is in the audit log like an attorney's export. record_report_access stays for
-- the legal team; this is the author's own door, and it answers "not found" for any report that is
-- not theirs (existence is not leaked, as RLS would not show the row either).
create or replace function private.record_own_declaration(p_report uuid, p_details jsonb) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  details jsonb := coalesce(p_details, '{}');
begin
  if not private.is_active_member() then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if not exists (select 1 from public.reports r where r.id = p_report and r.author_id = (select auth.uid())) then
    raise exception 'errors.notFound' using errcode = 'TS404';
  end if;
  -- The same small, self-describing object as an attorney's export: format and hashes, no free
  -- text (the declarant's name is on the paper, not in the log).
  if jsonb_typeof(details) <> 'object' then
    raise exception 'review.errors.invalid' using errcode = 'TS400';
  end if;
  if (select count(*) from jsonb_object_keys(details)) > 6
     or pg_catalog.octet_length(details::text) > 1024
     or exists (select 1 from jsonb_each(details) e where e.key !~ '^[a-z][a-z0-9_]{0,39}$' or jsonb_typeof(e.value) <> 'string')
  then
    raise exception 'review.errors.invalid' using errcode = 'TS400';
  end if;
  return private.audit('exported', p_report, details || '{"by":"author"}'::jsonb);
end
$$;
revoke all on function private.record_own_declaration(uuid, jsonb) from public, anon;
grant execute on function private.record_own_declaration(uuid, jsonb) to authenticated;
