-- Attorney review: triage (status workflow, verification, urgency, assignment, legal hold),
-- sealed internal notes, follow-up tasks, requests for more information, access shared with
-- colleagues (extra key envelopes), a hash-chained append-only audit log, and retention.

-- Audit log ----------------------------------------------------------------------------------
-- Append-only: nobody holds UPDATE, DELETE or TRUNCATE on it, and a trigger refuses them for the
-- owner as well. Each row's hash is SHA-256 over the previous row's hash and the row's content
-- (private.audit_payload); `npm run audit:verify` recomputes the chain and names the first break.
-- No foreign keys: the log outlives people and reports, and a cascade would have to change it.

create table public.audit_events (
  seq bigint primary key check (seq > 0),
  at timestamptz not null,
  actor_id uuid,
  event text not null check (event in (
    'viewed', 'unsealed', 'status_changed', 'verification_changed', 'urgency_changed', 'assigned',
    'legal_hold', 'note_added', 'task_added', 'task_done', 'info_requested', 'access_shared', 'exported', 'purged')),
  report_id uuid,
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text not null unique check (hash ~ '^[0-9a-f]{64}$')
);
create index audit_events_report_idx on public.audit_events (report_id, seq);
create index audit_events_actor_idx on public.audit_events (actor_id, seq);

-- The head of the chain: one row, locked by each append, so appends are serial and gap-free.
create table private.audit_head (
  one boolean primary key default true check (one),
  seq bigint not null,
  hash text not null
);
insert into private.audit_head (seq, hash) values (0, repeat('0', 64));
revoke all on private.audit_head from anon, authenticated;

-- What is hashed, in one place. audit:verify builds the same text in TypeScript.
create or replace function private.audit_payload(
  p_prev text, p_seq bigint, p_at timestamptz, p_actor uuid, p_event text, p_report uuid, p_details jsonb
) returns text
language sql immutable
set search_path = ''
as $$
  select concat_ws(E'\n', p_prev, p_seq::text,
    pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    coalesce(p_actor::text, ''), p_event, coalesce(p_report::text, ''), p_details::text)
$$;

create or replace function private.audit(p_event text, p_report uuid, p_details jsonb default '{}') returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  head_seq bigint;
  head_hash text;
  v_at timestamptz;
  v_actor uuid := (select auth.uid());
  v_hash text;
begin
  select h.seq, h.hash into head_seq, head_hash from private.audit_head h for update;
  -- Read the clock once the head is ours, so times never go backwards along the chain.
  v_at := pg_catalog.clock_timestamp();
  v_hash := pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
    private.audit_payload(head_hash, head_seq + 1, v_at, v_actor, p_event, p_report, coalesce(p_details, '{}')), 'UTF8')), 'hex');
  insert into public.audit_events (seq, at, actor_id, event, report_id, details, prev_hash, hash)
    values (head_seq + 1, v_at, v_actor, p_event, p_report, coalesce(p_details, '{}'), head_hash, v_hash);
  update private.audit_head set seq = head_seq + 1, hash = v_hash;
  return head_seq + 1;
end
$$;

create or replace function private.audit_is_append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'The audit log is append-only' using errcode = '42501';
end
$$;
create trigger audit_events_no_update before update or delete on public.audit_events
  for each row execute function private.audit_is_append_only();
create trigger audit_events_no_truncate before truncate on public.audit_events
  for each statement execute function private.audit_is_append_only();

alter table public.audit_events enable row level security;
revoke all on public.audit_events from public, anon, authenticated, service_role;
grant select on public.audit_events to authenticated;
-- Attorneys read the trail of reports; admins read all of it. Nobody writes but private.audit().
create policy audit_events_select on public.audit_events for select to authenticated
  using (
    (report_id is not null and (select private.has_role('attorney')))
    or (select private.has_role('admin'))
  );
revoke all on function private.audit(text, uuid, jsonb), private.audit_payload(text, bigint, timestamptz, uuid, text, uuid, jsonb),
  private.audit_is_append_only() from public, anon, authenticated;

-- Triage -------------------------------------------------------------------------------------

alter table public.reports
  add column assigned_to uuid references public.profiles (id) on delete set null,
  add column closed_at timestamptz,
  add column legal_hold boolean not null default false,
  add column legal_hold_reason text not null default '' check (char_length(legal_hold_reason) <= 500),
  add column purged_at timestamptz,
  add constraint reports_closed_at check ((status = 'closed') = (closed_at is not null));

create index reports_assigned_idx on public.reports (assigned_to, submitted_at desc) where assigned_to is not null;
-- The queue's orders, each a keyset: newest first, most urgent first, most recent incident first.
drop index public.reports_queue_idx;
create index reports_queue_submitted_idx on public.reports (submitted_at desc, id desc);
create index reports_queue_urgency_idx on public.reports (urgency desc, submitted_at desc, id desc);
create index reports_queue_occurred_idx on public.reports (occurred_at desc, id desc);
create index reports_status_idx on public.reports (status, submitted_at desc, id desc);
create index reports_agencies_idx on public.reports using gin (agencies);
create index reports_retention_idx on public.reports (closed_at) where status = 'closed' and purged_at is null and not legal_hold;

-- new → in review → follow-up → referred → closed, with the steps back a case really takes.
create table private.report_transitions (
  from_status public.report_status not null,
  to_status public.report_status not null,
  primary key (from_status, to_status)
);
insert into private.report_transitions values
  ('new', 'in_review'), ('new', 'closed'),
  ('in_review', 'follow_up'), ('in_review', 'referred'), ('in_review', 'closed'),
  ('follow_up', 'in_review'), ('follow_up', 'referred'), ('follow_up', 'closed'),
  ('referred', 'follow_up'), ('referred', 'closed'),
  ('closed', 'in_review');
revoke all on private.report_transitions from anon, authenticated;

-- Any writer, any path: a status changes only along an allowed transition, and closing stamps the
-- time retention counts from.
create or replace function private.guard_report_status() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    if not exists (select 1 from private.report_transitions t where t.from_status = old.status and t.to_status = new.status) then
      raise exception 'review.errors.transition' using errcode = 'TS409';
    end if;
    new.closed_at := case when new.status = 'closed' then now() end;
  end if;
  return new;
end
$$;
create trigger reports_guard_status before update of status on public.reports
  for each row execute function private.guard_report_status();

-- Every triage change is in the audit log, whoever made it.
create or replace function private.audit_report_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    perform private.audit('status_changed', new.id, jsonb_build_object('from', old.status, 'to', new.status));
  end if;
  if new.verification is distinct from old.verification then
    perform private.audit('verification_changed', new.id, jsonb_build_object('from', old.verification, 'to', new.verification));
  end if;
  if new.urgency is distinct from old.urgency then
    perform private.audit('urgency_changed', new.id, jsonb_build_object('from', old.urgency, 'to', new.urgency));
  end if;
  if new.assigned_to is distinct from old.assigned_to then
    perform private.audit('assigned', new.id, jsonb_build_object('from', old.assigned_to, 'to', new.assigned_to));
  end if;
  if new.legal_hold is distinct from old.legal_hold then
    perform private.audit('legal_hold', new.id, jsonb_build_object('hold', new.legal_hold));
  end if;
  return null;
end
$$;
create trigger reports_audit_change after update on public.reports
  for each row execute function private.audit_report_change();

-- An attorney's triage of one report. Starting review freezes the author's edits (addenda only).
create or replace function private.triage_report(
  p_report uuid, p_status public.report_status, p_verification public.report_verification,
  p_urgency public.report_urgency, p_assigned_to uuid
) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.has_role('attorney') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  if p_assigned_to is not null and not exists (
    select 1 from public.role_grants g join public.profiles p on p.id = g.user_id
    where g.user_id = p_assigned_to and g.role = 'attorney' and p.deactivated_at is null
  ) then
    raise exception 'review.errors.assignee' using errcode = 'TS409';
  end if;
  update public.reports r
    set status = coalesce(p_status, r.status),
        verification = coalesce(p_verification, r.verification),
        urgency = coalesce(p_urgency, r.urgency),
        assigned_to = p_assigned_to,
        review_started_at = coalesce(r.review_started_at, now())
    where r.id = p_report;
  if not found then
    raise exception 'errors.notFound' using errcode = 'TS404';
  end if;
end
$$;

create or replace function private.set_legal_hold(p_report uuid, p_hold boolean, p_reason text) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.has_role('attorney') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  update public.reports r
    set legal_hold = p_hold, legal_hold_reason = case when p_hold then coalesce(btrim(p_reason), '') else '' end
    where r.id = p_report;
  if not found then
    raise exception 'errors.notFound' using errcode = 'TS404';
  end if;
end
$$;

-- What an attorney looked at or took out: a view of the report, an unseal, an export. Only these
-- three may be recorded from the app; everything else is recorded by the database itself.
create or replace function private.record_report_access(p_report uuid, p_event text, p_details jsonb default '{}') returns bigint
language plpgsql security definer
set search_path = ''
as $$
begin
  if p_event not in ('viewed', 'unsealed', 'exported') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
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
  return private.audit(p_event, p_report, coalesce(p_details, '{}'));
end
$$;

-- Admins export the queue's P0/P1 fields too (never sealed data): they read reports' rows, whose
-- sealed column they cannot open.
create policy reports_select_admin on public.reports for select to authenticated
  using ((select private.has_role('admin')));

-- Names on the legal team's pages (assignees, note authors, the audit trail): attorneys and admins
-- may not read each other's profiles under RLS, so this returns only an id, a name and whether
-- they are active attorneys. Deactivated people stay, so old entries keep their names.
create or replace function private.legal_team_directory()
returns table (id uuid, name text, attorney boolean, active boolean)
language sql stable security definer
set search_path = ''
as $$
  select p.id, coalesce(nullif(btrim(p.display_name), ''), p.email::text),
    bool_or(g.role = 'attorney'), p.deactivated_at is null
  from public.profiles p join public.role_grants g on g.user_id = p.id
  where g.role in ('attorney', 'admin')
    and (private.has_role('attorney') or private.has_role('admin'))
  group by p.id
  order by 2
$$;
revoke all on function private.legal_team_directory() from public, anon;
grant execute on function private.legal_team_directory() to authenticated;

-- Notes, tasks, messages ---------------------------------------------------------------------

-- Internal notes are sealed in the attorney's browser to the same keys as P2; append-only.
create table public.report_notes (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references public.reports (id) on delete cascade,
  author_id uuid references public.profiles (id) on delete set null,
  sealed jsonb not null check (jsonb_typeof(sealed) = 'object' and sealed ->> 'v' = '1' and not (sealed ? 'plaintext')),
  created_at timestamptz not null default now()
);
create index report_notes_report_idx on public.report_notes (report_id, created_at);
create index report_notes_author_idx on public.report_notes (author_id);

create table public.report_tasks (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references public.reports (id) on delete cascade,
  title text not null check (char_length(btrim(title)) between 1 and 200),
  due_on date,
  assigned_to uuid references public.profiles (id) on delete set null,
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  done_at timestamptz,
  done_by uuid references public.profiles (id) on delete set null,
  constraint report_tasks_done check ((done_at is null) = (done_by is null))
);
create index report_tasks_report_idx on public.report_tasks (report_id, created_at);
create index report_tasks_open_idx on public.report_tasks (assigned_to, due_on) where done_at is null;
create index report_tasks_created_by_idx on public.report_tasks (created_by);
create index report_tasks_done_by_idx on public.report_tasks (done_by);

-- "Request more information": shown to the author in the app; the email only says there is a
-- message, so nothing of the report travels by email.
create table public.report_messages (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references public.reports (id) on delete cascade,
  from_id uuid references public.profiles (id) on delete set null,
  body text not null check (char_length(btrim(body)) between 1 and 2000),
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index report_messages_report_idx on public.report_messages (report_id, created_at);
create index report_messages_from_idx on public.report_messages (from_id);

alter table public.report_notes enable row level security;
alter table public.report_tasks enable row level security;
alter table public.report_messages enable row level security;
revoke all on public.report_notes, public.report_tasks, public.report_messages from anon, authenticated;

grant select, insert (report_id, author_id, sealed) on public.report_notes to authenticated;
create policy report_notes_select on public.report_notes for select to authenticated
  using ((select private.has_role('attorney')));
create policy report_notes_insert on public.report_notes for insert to authenticated
  with check (author_id = (select auth.uid()) and (select private.has_role('attorney')));

grant select, insert (report_id, title, due_on, assigned_to, created_by) on public.report_tasks to authenticated;
grant update (title, due_on, assigned_to, done_at, done_by) on public.report_tasks to authenticated;
create policy report_tasks_select on public.report_tasks for select to authenticated
  using ((select private.has_role('attorney')));
create policy report_tasks_insert on public.report_tasks for insert to authenticated
  with check (created_by = (select auth.uid()) and (select private.has_role('attorney')));
create policy report_tasks_update on public.report_tasks for update to authenticated
  using ((select private.has_role('attorney')))
  with check ((select private.has_role('attorney')) and (done_by is null or done_by = (select auth.uid())));

grant select on public.report_messages to authenticated;
create policy report_messages_select on public.report_messages for select to authenticated
  using (
    (select private.has_role('attorney'))
    or exists (select 1 from public.reports r where r.id = report_id and r.author_id = (select auth.uid()) and (select private.is_active_member()))
  );

create or replace function private.audit_note_or_task() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'report_notes' then
    perform private.audit('note_added', new.report_id, jsonb_build_object('note', new.id));
  elsif tg_op = 'INSERT' then
    perform private.audit('task_added', new.report_id, jsonb_build_object('task', new.id, 'due_on', new.due_on));
  elsif new.done_at is not null and old.done_at is null then
    perform private.audit('task_done', new.report_id, jsonb_build_object('task', new.id));
  end if;
  return null;
end
$$;
create trigger report_notes_audit after insert on public.report_notes
  for each row execute function private.audit_note_or_task();
create trigger report_tasks_audit after insert or update on public.report_tasks
  for each row execute function private.audit_note_or_task();

create or replace function private.request_report_info(p_report uuid, p_body text) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_author uuid;
  v_id uuid;
begin
  if not private.has_role('attorney') then
    raise exception 'errors.forbidden' using errcode = 'TS403';
  end if;
  select r.author_id into v_author from public.reports r where r.id = p_report;
  if not found then
    raise exception 'errors.notFound' using errcode = 'TS404';
  end if;
  if v_author is null then
    raise exception 'review.errors.noAuthor' using errcode = 'TS409';
  end if;
  insert into public.report_messages (report_id, from_id, body) values (p_report, (select auth.uid()), btrim(p_body))
    returning id into v_id;
  perform private.enqueue_job('info_requested', 'info_requested:' || v_id, jsonb_build_object('message_id', v_id));
  perform private.audit('info_requested', p_report, jsonb_build_object('message', v_id));
  return v_id;
end
$$;

-- The author marks the requests on their report as read.
create or replace function private.mark_report_messages_read(p_report uuid) returns integer
language sql security definer
set search_path = ''
as $$
  with done as (
    update public.report_messages m set read_at = now()
    where m.report_id = p_report and m.read_at is null
      and exists (select 1 from public.reports r where r.id = p_report and r.author_id = (select auth.uid()))
    returning 1
  )
  select count(*)::integer from done
$$;

-- Shared access ------------------------------------------------------------------------------
-- An attorney who can open a sealed box wraps its content key again, in their browser, for a
-- colleague whose key came later. The box itself never changes; the extra envelope lives here.

create table public.key_shares (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references public.reports (id) on delete cascade,
  box text not null check (box in ('report', 'media', 'note')),
  box_id uuid not null,
  key_id uuid not null references public.sealing_keys (id) on delete cascade,
  envelope jsonb not null check (jsonb_typeof(envelope) = 'object' and envelope ->> 'keyId' = key_id::text),
  shared_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (box, box_id, key_id)
);
create index key_shares_key_idx on public.key_shares (key_id, box);
create index key_shares_report_idx on public.key_shares (report_id);
create index key_shares_shared_by_idx on public.key_shares (shared_by);

alter table public.key_shares enable row level security;
revoke all on public.key_shares from anon, authenticated;
grant select on public.key_shares to authenticated;
create policy key_shares_select on public.key_shares for select to authenticated
  using ((select private.has_role('attorney')));

-- One batch of envelopes for one colleague's key: [{box, boxId, envelope}]. The envelope's
-- cryptographic shape is checked by the app; here, that each box exists and belongs to its report.
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
    where k.id = p_key and k.kind = 'attorney' and k.revoked_at is null and p.deactivated_at is null
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

-- Boxes the given key cannot open yet (no envelope in the box, none shared), oldest first, with
-- their envelopes and those already shared, so the browser can open each with the key it holds.
-- Attorneys share with colleagues; an admin holding the legal team's recovery key restores access.
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
    (select 'note'::text, n.id, n.report_id, n.report_id::text || ':note', n.sealed from public.report_notes n, k
     where not (n.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', k.key_text)))
       and not exists (select 1 from public.key_shares s where s.box = 'note' and s.box_id = n.id and s.key_id = p_key)
     order by n.created_at, n.id limit p_limit)
  )
  select m.box, m.box_id, m.report_id, m.aad, m.sealed,
    coalesce((select jsonb_agg(s.envelope) from public.key_shares s where s.box = m.box and s.box_id = m.box_id), '[]'::jsonb)
  from missing m
$$;

-- How many boxes each active attorney key cannot open yet.
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
  where k.kind = 'attorney' and k.revoked_at is null
    and (private.has_role('attorney') or private.has_role('admin'))
  order by p.display_name, k.id
$$;

-- Retention ----------------------------------------------------------------------------------

alter table public.org_settings
  add column retention_days smallint not null default 365 check (retention_days between 30 and 3650);
grant update (retention_days) on public.org_settings to authenticated;

-- Closed cases past the retention period, without a legal hold: the exact location is coarsened
-- to about a kilometre, sealed payloads (the report's, addenda's, notes') and media records are
-- deleted. Returns one row per purged report (storage_key null) and one per deleted media file
-- (its file-store key, for the caller to delete after commit). Idempotent and safe to run from
-- several instances at once.
create or replace function private.purge_due_reports(p_limit integer)
returns table (report_id uuid, storage_key text)
language plpgsql security definer
set search_path = ''
as $$
declare
  rec record;
  v_days integer := (select s.retention_days from public.org_settings s limit 1);
  v_media integer;
  v_notes integer;
  v_addenda integer;
  v_count integer;
begin
  for rec in
    select r.id from public.reports r
    where r.status = 'closed' and r.purged_at is null and not r.legal_hold
      and r.closed_at < now() - make_interval(days => v_days)
    order by r.closed_at
    limit p_limit
    for update skip locked
  loop
    return query select rec.id, null::text
      union all select m.report_id, m.storage_key from public.report_media m where m.report_id = rec.id;
    delete from public.report_media m where m.report_id = rec.id;
    get diagnostics v_media = row_count;
    delete from public.report_notes n where n.report_id = rec.id;
    get diagnostics v_notes = row_count;
    delete from public.key_shares s where s.report_id = rec.id;
    delete from public.report_addenda a where a.report_id = rec.id and a.sealed is not null and btrim(a.body) = '';
    get diagnostics v_addenda = row_count;
    update public.report_addenda a set sealed = null where a.report_id = rec.id and a.sealed is not null;
    get diagnostics v_count = row_count;
    v_addenda := v_addenda + v_count;
    update public.reports r
      set sealed = null, sealed_detained = 0, sealed_witnesses = 0, purged_at = now(),
          location = case when r.location is null then null else jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(
                       round((r.location -> 'coordinates' ->> 0)::numeric, 2), round((r.location -> 'coordinates' ->> 1)::numeric, 2))) end,
          location_accuracy_m = case when r.location is null then r.location_accuracy_m else greatest(coalesce(r.location_accuracy_m, 0), 1000) end
      where r.id = rec.id;
    perform private.audit('purged', rec.id, jsonb_build_object('media', v_media, 'notes', v_notes, 'addenda', v_addenda, 'retention_days', v_days));
  end loop;
end
$$;

revoke all on function private.triage_report(uuid, public.report_status, public.report_verification, public.report_urgency, uuid),
  private.set_legal_hold(uuid, boolean, text), private.record_report_access(uuid, text, jsonb),
  private.request_report_info(uuid, text), private.mark_report_messages_read(uuid),
  private.share_access(uuid, jsonb), private.boxes_missing_key(uuid, integer), private.access_gaps(), private.purge_due_reports(integer),
  private.audit_report_change(), private.audit_note_or_task(), private.guard_report_status() from public, anon;
grant execute on function private.triage_report(uuid, public.report_status, public.report_verification, public.report_urgency, uuid),
  private.set_legal_hold(uuid, boolean, text), private.record_report_access(uuid, text, jsonb),
  private.request_report_info(uuid, text), private.mark_report_messages_read(uuid),
  private.share_access(uuid, jsonb), private.boxes_missing_key(uuid, integer), private.access_gaps() to authenticated;
revoke all on function private.purge_due_reports(integer) from authenticated;

-- The coordinators' view gains nothing; attorneys' triage fields stay out of it.
