-- Security review, finding 13: every sealed note had the same associated data, `<report id>:note`,
-- so one note's box could be moved onto another note of the same report and still open. Notes
-- sealed from now on are bound to their own id (`note:<note id>`, the id chosen by the sealing
-- browser and stored as the row's id); older notes keep opening with the old form (aad_v 1).
alter table public.report_notes add column aad_v smallint not null default 1 check (aad_v in (1, 2));
grant insert (id, aad_v) on public.report_notes to authenticated;

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
    (select 'media'::text, m.id, m.report_id, m.report_id::text || ':media:' || m.sha256, m.sealed from public.report_media m, k
     where not (m.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.key_text)))
       and not exists (select 1 from public.key_shares s where s.box = 'media' and s.box_id = m.id and s.key_id = p_key)
     order by m.created_at, m.id limit p_limit)
    union all
    (select 'note'::text, n.id, n.report_id, case n.aad_v when 2 then 'note:' || n.id::text else n.report_id::text || ':note' end, n.sealed from public.report_notes n, k
     where not (n.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.key_text)))
       and not exists (select 1 from public.key_shares s where s.box = 'note' and s.box_id = n.id and s.key_id = p_key)
     order by n.created_at, n.id limit p_limit)
  )
  select m.box, m.box_id, m.report_id, m.aad, m.sealed,
    coalesce((select jsonb_agg(s.envelope) from public.key_shares s where s.box = m.box and s.box_id = m.box_id), '[]'::jsonb)
  from missing m
$$;
