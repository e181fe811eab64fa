-- The shift a report was filed on stays fixed for people signed in (finding 5), but deleting a
-- shift must still clear it through the foreign key's ON DELETE SET NULL: that update comes from
-- the foreign key's own trigger (pg_trigger_depth() > 1), not from a person.
create or replace function private.report_shift_fixed() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.shift_id is distinct from old.shift_id and (select auth.uid()) is not null
     and not (new.shift_id is null and pg_catalog.pg_trigger_depth() > 1) then
    raise exception 'reports.errors.shiftFixed' using errcode = 'TS409';
  end if;
  return new;
end
$$;
