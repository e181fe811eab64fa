#!/usr/bin/env bash
# Starts the production build against DATABASE_URL and checks what production promises:
# migrations on start, no demo data, /healthz, requests logged in as testigo_app rather than the
# owner, no dev outbox, HSTS, no stack traces.
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must point at an empty database}"
PORT=${SMOKE_PORT:-3300}
export NODE_ENV=production PORT SESSION_SECRET=smoke-secret-smoke-secret-smoke-secret-42 SMTP_URL=smtp://127.0.0.1:2525
log=$(mktemp)
# Its own process group, so the whole tree (npx, tsx, node) is stopped at the end and nothing
# outlives CI holding its output open.
setsid npx tsx server.ts >"$log" 2>&1 </dev/null &
pid=$!
trap 'kill -TERM -- -$pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs "http://localhost:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
fail() { echo "production smoke: $1"; cat "$log"; exit 1; }
curl -fs "http://localhost:$PORT/healthz" | grep -q '"database":"ok"' || fail "/healthz is not ok"
# /healthz asked both pools: the requests' connection is testigo_app's (docs/decisions/017-request-login.md).
logins=$(psql "$DATABASE_URL" -Atc "select count(*) from pg_stat_activity where datname = current_database() and usename = 'testigo_app'")
[ "$logins" -gt 0 ] || fail "requests do not log in as testigo_app"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$PORT/dev/outbox")" = 404 ] || fail "/dev/outbox is not 404"
curl -sI "http://localhost:$PORT/login" | grep -qi '^strict-transport-security' || fail "no HSTS header"
curl -sI "http://localhost:$PORT/login" | grep -qi "^content-security-policy: .*frame-ancestors 'none'" || fail "no CSP"
body=$(curl -s "http://localhost:$PORT/nowhere")
echo "$body" | grep -Eq 'at .*\.(ts|js):[0-9]+' && fail "a stack trace reached the browser"
users=$(psql "$DATABASE_URL" -Atc 'select count(*) from auth.users')
[ "$users" = 0 ] || fail "demo data was seeded in production ($users users)"
grep -Eq '([0-9]{1,3}\.){3}[0-9]{1,3}|::1|::ffff' "$log" && fail "the request log holds an IP address"
echo "production smoke: ok"
