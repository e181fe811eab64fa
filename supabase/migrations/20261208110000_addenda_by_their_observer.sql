-- Only the report's own observer adds addenda (ADR 023; review of issues 18 and 19).
--
-- The first policy (20261126030000_reports.sql) also let any attorney insert into any report's
-- addenda, text or sealed, with counts of their choosing. No page ever offered it: attorneys write
-- internal notes (report_notes, sealed to the legal team) and follow-up tasks; an addendum is the
-- observer's own addition to their account, which their declaration swears to. An attorney's row
-- there would have been shown to the observer as part of their report, and a sealed one would have
-- raised the report's sealed counts with a box nobody can check. Reading is unchanged: the author
-- reads their report's addenda, attorneys read every addendum. A call logged by the hotline has
-- no author, so nobody adds addenda to it.
drop policy report_addenda_insert on public.report_addenda;
create policy report_addenda_insert on public.report_addenda for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and exists (select 1 from public.reports r where r.id = report_id and r.author_id = (select auth.uid()))
  );
