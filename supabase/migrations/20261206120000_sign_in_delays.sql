-- Security review, finding 6: six code requests by a stranger locked a member out of sign-in for
-- 15 minutes. Counters per email now slow requests down (a wait that doubles, up to 5 minutes)
-- instead of refusing them for the whole window; hard limits count per (email, client) and per
-- client (app/modules/auth/rate-limit.server.ts). The wait needs the time of the last request let
-- through.
alter table private.rate_limits add column last_at timestamptz;
