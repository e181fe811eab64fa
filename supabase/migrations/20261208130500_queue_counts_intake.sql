-- The review queue's counts under RLS, again an index-only scan (bench/review-queue.ts).
--
-- Hotline intake (migration 20261207130500) added a select policy on reports that read source and
-- logged_by. Policies are ORed into one filter on every row an attorney counts, and the covering
-- indexes of migrations 20261126050000 and 20261206090000 held author_id but neither of those, so
-- every count fell back to a scan of the whole table: the queue as it opens took 103 ms at p50 as
-- an attorney against 14 ms as the owner (100,000 reports; x1.24 before), and GET /review under
-- load fell from 50.8 to 12 req/s.
--
-- 1. The policy no longer reads source: the check constraint reports_logged_by_intake already
--    says a row with logged_by set is a hotline call (source = 'hotline' or logged_by is null), so
--    `logged_by = me` alone admits exactly the rows it admitted before.
-- 2. The two covering indexes also hold logged_by (null on every observer's report, so it costs
--    a bit in the null bitmap there).

drop policy reports_select_intake on public.reports;
-- A hotline volunteer reads every column of the calls they logged (the sealed part only as
-- ciphertext); logged_by is set only on hotline calls (constraint reports_logged_by_intake).
create policy reports_select_intake on public.reports for select to authenticated
  using (logged_by = (select auth.uid()) and (select private.has_role('hotline')));

drop index public.reports_status_idx;
create index reports_status_idx on public.reports (status, submitted_at desc, id desc) include (author_id, logged_by);

drop index public.reports_queue_counts_idx;
create index reports_queue_counts_idx on public.reports (status)
  include (author_id, logged_by, urgency_key, verification_key, warrant_key, zone_id, assigned_to, occurred_at, agencies);
