-- Indexes for the review queue's counts per status (bench/review-queue.ts: 100,000 reports).
--
-- Every queue page also counts the matching reports per status. Attorneys read the queue under
-- RLS, and the policy on reports reads author_id for every row, so an index can answer a count
-- without visiting the table only if it holds author_id. Under RLS, comparisons of enums
-- (status, urgency, verification, warrant) and of arrays (agencies) are not LEAKPROOF, so they are
-- never index conditions either; they are checked row by row. Without these indexes each count
-- was a full scan of the table (about 200 MB for 100,000 reports with their narratives and sealed
-- boxes): about 100 ms per page as an attorney.

-- Counts without filters (the queue as it opens, the status tabs, paging): the status index with
-- author_id, so it stays an index-only scan under RLS. Same keys as before.
drop index public.reports_status_idx;
create index reports_status_idx on public.reports (status, submitted_at desc, id desc) include (author_id);

-- Counts with filters: an index-only scan of one narrow index (about 12 MB per 100,000 reports)
-- holding every column the queue filters on, checked row by row.
create index reports_queue_counts_idx on public.reports (status)
  include (author_id, urgency, verification, warrant, zone_id, assigned_to, occurred_at, agencies);
