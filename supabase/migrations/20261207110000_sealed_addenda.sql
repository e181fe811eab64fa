-- Issue 18, item 5: detained people and witnesses added after a report was sent ("Add sealed
-- details"), sealed exactly as at submission, are first-class sealed boxes (ADR 023):
-- - each box is bound to its report and its own id, `addendum:<report id>:<addendum id>` (the id
--   is chosen by the sealing browser, or issued with the form when the server seals on receipt);
--   no sealed addendum was ever written by the app before, so there is no older form to keep;
-- - the row counts the people sealed in it, so the report's sealed counts include them;
-- - sharing and recovery (key_shares, boxes_missing_key, access_gaps) include them;
-- - every addendum is an audit event (hash-chained, like every other step on a report).
alter table public.report_addenda
  add column sealed_detained smallint not null default 0 check (sealed_detained between 0 and 50),
  add column sealed_witnesses smallint not null default 0 check (sealed_witnesses between 0 and 50);
grant insert (id, sealed_detained, sealed_witnesses) on public.report_addenda to authenticated;

-- Retention empties `sealed` (private.purge_due_reports): the counts go with it.
create or replace function private.addendum_counts_follow_sealed() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.sealed is null then
    new.sealed_detained := 0;
    new.sealed_witnesses := 0;
  end if;
  return new;
end
$$;
create trigger report_addenda_counts before insert or update on public.report_addenda
  for each row execute function private.addendum_counts_follow_sealed();

alter table public.audit_events drop constraint audit_events_event_check;
alter table public.audit_events add constraint audit_events_event_check check (event in (
  'viewed', 'unsealed', 'status_changed', 'verification_changed', 'urgency_changed', 'assigned',
  'legal_hold', 'note_added', 'task_added', 'task_done', 'info_requested', 'access_shared', 'exported', 'purged',
  'key_registered', 'key_replaced', 'key_withdrawn', 'key_waits_again', 'recovery_key_registered', 'recovery_key_proposed',
  'recovery_key_replaced', 'recovery_key_withdrawn', 'role_granted', 'role_revoked', 'member_deactivated', 'member_reactivated',
  'addendum_added'));

create or replace function private.audit_addendum() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.audit('addendum_added', new.report_id, jsonb_build_object(
    'addendum', new.id, 'sealed', new.sealed is not null, 'detained', new.sealed_detained, 'witnesses', new.sealed_witnesses));
  return null;
end
$$;
revoke all on function private.audit_addendum(), private.addendum_counts_follow_sealed() from public, anon, authenticated;
create trigger report_addenda_audit after insert on public.report_addenda
  for each row execute function private.audit_addendum();

alter table public.key_shares drop constraint key_shares_box_check;
alter table public.key_shares add constraint key_shares_box_check check (box in ('report', 'media', 'note', 'addendum'));

create or replace function private.boxes_missing_key(p_key uuid, p_limit integer)
returns table (box text, box_id uuid, report_id uuid, aad text, sealed jsonb, shares jsonb)
language sql stable security definer
set search_path = ''
as $$
  with k as (select p_key::text as key_text where private.has_role('attorney') or private.has_role('admin')),
  missing as (
    (select 'report'::text as box, r.id as box_id, r.id as report_id, r.client_uuid::text as aad, r.sealed from public.reports r, k
     where r.sealed is not null
       and not (r.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.key_text)))
       and not exists (select 1 from public.key_shares s where s.box = 'report' and s.box_id = r.id and s.key_id = p_key)
     order by r.submitted_at, r.id limit p_limit)
    union all
    (select 'media'::text, m.id, m.report_id,
       case m.aad_v when 2 then 'media:' || m.report_id::text || ':' || m.id::text else m.report_id::text || ':media:' || m.sha256 end,
       m.sealed from public.report_media m, k
     where not (m.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.key_text)))
       and not exists (select 1 from public.key_shares s where s.box = 'media' and s.box_id = m.id and s.key_id = p_key)
     order by m.created_at, m.id limit p_limit)
    union all
    (select 'note'::text, n.id, n.report_id, case n.aad_v when 2 then 'note:' || n.id::text else n.report_id::text || ':note' end, n.sealed from public.report_notes n, k
     where not (n.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.key_text)))
       and not exists (select 1 from public.key_shares s where s.box = 'note' and s.box_id = n.id and s.key_id = p_key)
     order by n.created_at, n.id limit p_limit)
    union all
    (select 'addendum'::text, a.id, a.report_id, 'addendum:' || a.report_id::text || ':' || a.id::text, a.sealed from public.report_addenda a, k
     where a.sealed is not null
       and not (a.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.key_text)))
       and not exists (select 1 from public.key_shares s where s.box = 'addendum' and s.box_id = a.id and s.key_id = p_key)
     order by a.created_at, a.id limit p_limit)
  )
  select m.box, m.box_id, m.report_id, m.aad, m.sealed,
    coalesce((select jsonb_agg(s.envelope) from public.key_shares s where s.box = m.box and s.box_id = m.box_id), '[]'::jsonb)
  from missing m
$$;

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
    + (select count(*) from public.report_addenda a
      where a.sealed is not null
        and not (a.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.id::text)))
        and not exists (select 1 from public.key_shares s where s.box = 'addendum' and s.box_id = a.id and s.key_id = k.id))
  from public.sealing_keys k
  join public.profiles p on p.id = k.owner_id and p.deactivated_at is null
  join public.role_grants g on g.user_id = k.owner_id and g.role = 'attorney'
  where k.kind = 'attorney' and private.key_is_current(k.active_from, k.approved_at, k.revoked_at)
    and (private.has_role('attorney') or private.has_role('admin'))
  order by p.display_name, k.id
$$;

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
        when 'addendum' then (select a.report_id from public.report_addenda a where a.id = w.box_id and a.sealed is not null)
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
