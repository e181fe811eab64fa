-- Invitations that are sent (issue 17): the invitation email goes out through our own job queue,
-- in the invitee's language, and an invitation carries what is known of the person before they
-- have signed in (phone, spoken languages, training date), copied into their profile when their
-- account is made. See docs/decisions/020-invitations-carry-the-volunteer.md.

alter table public.org_settings
  add column default_language text not null default 'en' check (default_language in ('en', 'es'));
grant update (default_language) on public.org_settings to authenticated;

alter table public.invitations
  add column language text not null default 'en' check (language in ('en', 'es')),
  add column phone text check (char_length(phone) <= 40),
  add column languages text[] not null default '{}' check (cardinality(languages) <= 20),
  add column training_date date,
  -- How many times the invitation email was queued, and when last: "Send again" adds one.
  add column sent_count integer not null default 0,
  add column last_sent_at timestamptz;
grant insert (language, phone, languages, training_date) on public.invitations to authenticated;

-- Every new invitation queues its email in the inserting transaction: an import that fails sends
-- nothing, and one statement inserting a thousand invitations queues a thousand jobs set-based.
create or replace function private.invitation_sent_stamp() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.sent_count := 1;
  new.last_sent_at := now();
  return new;
end
$$;

create trigger invitations_sent_stamp before insert on public.invitations
  for each row execute function private.invitation_sent_stamp();

create or replace function private.queue_invitation_mails() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into private.jobs (kind, dedupe_key, payload)
  select 'invitation', 'invitation:' || i.id || ':' || i.sent_count, jsonb_build_object('invitation_id', i.id)
  from inserted i
  on conflict (dedupe_key) do nothing;
  return null;
end
$$;

create trigger invitations_queue_mail after insert on public.invitations
  referencing new table as inserted
  for each statement execute function private.queue_invitation_mails();

-- "Send again": a new job (the counter is in its dedupe key), allowed to whoever could have made
-- this invitation: admins any, coordinators invitations for observers only.
create or replace function private.resend_invitation(p_invitation uuid) returns timestamptz
language plpgsql security definer
set search_path = ''
as $$
declare
  sent public.invitations;
begin
  update public.invitations i
  set sent_count = i.sent_count + 1, last_sent_at = now()
  where i.id = p_invitation
    and i.accepted_at is null
    and (
      (select private.has_role('admin'))
      or ((select private.has_role('coordinator')) and i.roles <@ array['observer']::public.app_role[])
    )
  returning * into sent;
  if sent.id is null then
    raise 'observers.errors.cannotResend' using errcode = 'TS404';
  end if;
  insert into private.jobs (kind, dedupe_key, payload)
  values ('invitation', 'invitation:' || sent.id || ':' || sent.sent_count, jsonb_build_object('invitation_id', sent.id));
  return sent.last_sent_at;
end
$$;
revoke all on function private.resend_invitation(uuid) from public, anon;
grant execute on function private.resend_invitation(uuid) to authenticated;
revoke all on function private.invitation_sent_stamp(), private.queue_invitation_mails() from public, anon, authenticated;

-- A new auth user gets a profile (with what the invitation knew of them) and its roles.
create or replace function private.handle_new_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  invitation public.invitations;
begin
  select * into invitation
  from public.invitations i
  where i.email = lower(new.email)
  order by i.created_at desc
  limit 1;

  -- Sign-up is by invitation only: an account nobody invited exists but is deactivated.
  insert into public.profiles (id, email, display_name, phone, languages, training_date, preferred_language, deactivated_at)
  values (
    new.id,
    lower(new.email),
    coalesce(nullif(invitation.display_name, ''), left(coalesce(new.raw_user_meta_data ->> 'display_name', ''), 120)),
    invitation.phone,
    coalesce(invitation.languages, '{}'),
    invitation.training_date,
    coalesce(invitation.language, 'en'),
    case when invitation.id is null then now() end
  );

  if invitation.id is not null then
    insert into public.role_grants (user_id, role, granted_by)
    select new.id, r, invitation.invited_by from unnest(invitation.roles) as r
    on conflict do nothing;
  end if;
  return new;
end
$$;
