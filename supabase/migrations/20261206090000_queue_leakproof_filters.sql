-- The review queue's filters in a form RLS lets the planner use (issue 15, item 6).
--
-- Attorneys read the queue under RLS. The policies on reports are security quals, so the planner
-- may evaluate a filter of the query before them, or use it as an index condition, only if every
-- function it calls on a column is LEAKPROOF. Comparisons of enums (enum_eq) and of arrays
-- (arraycontains) are not, and only a superuser may mark a function LEAKPROOF (Supabase gives
-- none). So under RLS the queue's status, urgency, verification, warrant and agency filters were
-- checked row by row above the policy while the page walked the whole sort index: four enum
-- filters that match nothing took 245 ms as an attorney against 4 ms as the owner (100,000 reports,
-- bench/review-queue.ts). Two forms the planner does use:
--
-- 1. Each enum filtered on a text copy of its label, kept by PostgreSQL itself (a stored generated
--    column), with a btree index: text equality (texteq, and `= any` over it) is LEAKPROOF. The
--    enum's cast to text is not immutable (labels can be renamed), hence the CASE; a label added to
--    an enum without one here gives NULL, which NOT NULL refuses on the first insert using it
--    (app/modules/review/filters.test.ts checks every label).
-- 2. One partial index per agency, `where agencies @> '{…}'`: the planner proves a partial index's
--    predicate from a query's filters without running them (the predicate was computed when the row
--    was written), so a non-LEAKPROOF `@>` still picks the index under RLS. These cover every agency
--    the check constraint on reports.agencies allows, so the GIN index they replace has no use left;
--    an agency added to that constraint needs its index here too.

alter table public.reports
  add column status_key text not null generated always as (
    case status
      when 'new' then 'new' when 'in_review' then 'in_review' when 'follow_up' then 'follow_up'
      when 'referred' then 'referred' when 'closed' then 'closed'
    end) stored,
  add column urgency_key text not null generated always as (
    case urgency when 'low' then 'low' when 'medium' then 'medium' when 'high' then 'high' when 'critical' then 'critical' end) stored,
  add column verification_key text not null generated always as (
    case verification when 'unconfirmed' then 'unconfirmed' when 'confirmed' then 'confirmed' when 'false_alarm' then 'false_alarm' end) stored,
  add column warrant_key text not null generated always as (
    case warrant
      when 'none' then 'none' when 'administrative' then 'administrative' when 'judicial' then 'judicial' when 'unknown' then 'unknown'
    end) stored;

comment on column public.reports.status_key is 'status as text, for filters under RLS (text equality is LEAKPROOF, enum equality is not)';
comment on column public.reports.urgency_key is 'urgency as text, for filters under RLS (text equality is LEAKPROOF, enum equality is not)';
comment on column public.reports.verification_key is 'verification as text, for filters under RLS (text equality is LEAKPROOF, enum equality is not)';
comment on column public.reports.warrant_key is 'warrant as text, for filters under RLS (text equality is LEAKPROOF, enum equality is not)';

-- Pages of one status, newest first (as reports_status_idx does for the enum).
create index reports_status_key_idx on public.reports (status_key, submitted_at desc, id desc);
create index reports_urgency_key_idx on public.reports (urgency_key, submitted_at desc, id desc);
create index reports_verification_key_idx on public.reports (verification_key);
create index reports_warrant_key_idx on public.reports (warrant_key);

-- Counts per status under the other filters: still one narrow index-only scan, now holding the
-- keys the filters compare (migration 20261126050000 explains the rest).
drop index public.reports_queue_counts_idx;
create index reports_queue_counts_idx on public.reports (status)
  include (author_id, urgency_key, verification_key, warrant_key, zone_id, assigned_to, occurred_at, agencies);

-- Agencies: most urgent first within each, as the queue opens.
drop index public.reports_agencies_idx;
create index reports_agency_ice_ero_idx on public.reports (urgency desc, submitted_at desc, id desc) where agencies @> '{ice_ero}';
create index reports_agency_hsi_idx on public.reports (urgency desc, submitted_at desc, id desc) where agencies @> '{hsi}';
create index reports_agency_cbp_idx on public.reports (urgency desc, submitted_at desc, id desc) where agencies @> '{cbp}';
create index reports_agency_other_dhs_idx on public.reports (urgency desc, submitted_at desc, id desc) where agencies @> '{other_dhs}';
create index reports_agency_fbi_idx on public.reports (urgency desc, submitted_at desc, id desc) where agencies @> '{fbi}';
create index reports_agency_local_police_idx on public.reports (urgency desc, submitted_at desc, id desc) where agencies @> '{local_police}';
create index reports_agency_unknown_idx on public.reports (urgency desc, submitted_at desc, id desc) where agencies @> '{unknown}';
