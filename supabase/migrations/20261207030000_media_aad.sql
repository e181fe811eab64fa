-- Security review, finding 4: `report_media.sha256` was the SHA-256 of the original photo or
-- video, and the ciphertext's associated data was bound to it, so anyone holding a copy of the
-- photo could find its report, and so its author. Media sealed from now on (aad_v 2) keep the
-- original's hash only inside their sealed box; the row holds no hash of the original, and the
-- associated data is the medium's own id, `media:<report id>:<media id>` (the id is chosen by the
-- sealing browser, or on receipt without JavaScript). Media sealed before (aad_v 1) keep their
-- hash and open as before, with `<report id>:media:<sha256>`.
alter table public.report_media add column aad_v smallint not null default 1 check (aad_v in (1, 2));
alter table public.report_media alter column aad_v set default 2;
alter table public.report_media alter column sha256 drop not null;
alter table public.report_media add constraint report_media_sha256_only_v1 check ((aad_v = 1) = (sha256 is not null));
comment on column public.report_media.sha256 is
  'aad_v 1 only: the SHA-256 of the original, as media sealed before security review finding 4 recorded it. Null since: the hash is sealed in the box.';

-- Members write only the new kind: they choose the id, and cannot write an original's hash.
revoke insert (sha256) on public.report_media from authenticated;
grant insert (id, aad_v) on public.report_media to authenticated;

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
  )
  select m.box, m.box_id, m.report_id, m.aad, m.sealed,
    coalesce((select jsonb_agg(s.envelope) from public.key_shares s where s.box = m.box and s.box_id = m.box_id), '[]'::jsonb)
  from missing m
$$;
