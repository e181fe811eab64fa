-- Security review, finding 10: rate-limit counters were keyed by an HMAC under the persisted
-- session secret, so whoever held the secret and the table could test every IPv4 address and
-- link a counter back to the client. They are now keyed with a pepper that every app instance
-- shares through this table, one per UTC day; a day's pepper is deleted once the day is over, and
-- with it the means to link that day's counters (deleted within a day anyway) to an address or an
-- email. app/modules/auth/rate-limit.server.ts.
create table private.counter_peppers (
  day date primary key,
  pepper bytea not null check (octet_length(pepper) = 32)
);
revoke all on private.counter_peppers from public, anon, authenticated;
