-- Security review, finding 13: the audit chain's head, anchored outside the database. Whoever
-- holds the owner's password could rewrite the whole log and recompute every hash; a head printed
-- on a declaration PDF (and later in the attorneys' digest) shows it, with
-- `npm run audit:verify -- --head <hash>`. The legal team may read the head (not the events).
create or replace function private.audit_anchor() returns table (seq bigint, hash text)
language sql stable security definer
set search_path = ''
as $$
  select h.seq, h.hash from private.audit_head h
  where private.has_role('attorney') or private.has_role('admin')
$$;
revoke all on function private.audit_anchor() from public, anon;
grant execute on function private.audit_anchor() to authenticated;
