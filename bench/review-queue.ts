/**
 * The attorneys' review queue on 100,000 reports: the queue's loader query (`reviewQueue`: the legal
 * team, one page and the counts per status, in one transaction) as a signed-in attorney under RLS,
 * and the very same Kysely queries (`legalTeam` + `queryQueue` + `countQueue`) in a plain owner
 * transaction without RLS (claims set, role not), for the filters people use most, and one rare
 * combination. `npm run bench:review-queue [-- --rows=100000 --iterations=50]`.
 *
 * Options, as `--name=value` or environment variables: ROWS (default 100000), ITERATIONS per filter
 * and mode (default 50), WARMUP (default 5), SEED (default 20261126), EXPLAIN (`default`: plans of the
 * default filter, and of any filter that is slow or much slower under RLS, the default; `all`; `none`).
 *
 * Everything runs in a throwaway database `testigo_bench_review` on an embedded PostgreSQL in
 * .data/bench-review (never the dev database). The reports are made in one `insert … select … from
 * generate_series` from a seeded hash of the row number, so every run has the same rows (their
 * times are relative to now). RLS and owner runs alternate, so drift on a busy machine hits both.
 * Checks that both see the same rows and counts (an attorney reads every report). Exits non-zero on
 * a mismatch or an error. Writes bench/results/review-queue.json: one object per metric.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kysely, PostgresDialect, sql, type CompiledQuery } from "kysely";
import pg from "pg";
import type { DB } from "../app/db/types";
import { startEmbeddedPostgres, type EmbeddedHandle } from "../app/db/embedded.server";
import { migrate } from "../app/db/migrate.server";

// ---- options ------------------------------------------------------------------------------

const argv = new Map(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith("--"))
    .map((a) => {
      const [k, ...v] = a.slice(2).split("=");
      return [k!.toUpperCase(), v.join("=") || "true"] as const;
    }),
);
const option = (name: string, fallback: string) => argv.get(name) ?? process.env[name] ?? fallback;
const ROWS = Number(option("ROWS", "100000"));
const ITERATIONS = Number(option("ITERATIONS", "50"));
const WARMUP = Number(option("WARMUP", "5"));
const SEED = Number(option("SEED", "20261126"));
const EXPLAIN = option("EXPLAIN", "default") as "default" | "all" | "none";
if (
  !(Number.isInteger(ROWS) && ROWS >= 1000 && ROWS <= 5_000_000) ||
  !(Number.isInteger(ITERATIONS) && ITERATIONS >= 1) ||
  !(Number.isInteger(WARMUP) && WARMUP >= 0) ||
  !Number.isInteger(SEED) ||
  !["default", "all", "none"].includes(EXPLAIN)
) {
  console.error(
    "Usage: bench/review-queue.ts [--rows=100000 (1000-5000000)] [--iterations=50] [--warmup=5] [--seed=20261126] [--explain=default|all|none]",
  );
  process.exit(2);
}

const DB_NAME = "testigo_bench_review";
const ZONES = 10;
const ATTORNEYS = 5;
const OBSERVERS = 60;
/** Slower than this at p95, or this much slower under RLS, and the plans are printed. */
const SLOW_P95_MS = 100;
const SLOW_RATIO = 1.5;

// ---- cleanup ------------------------------------------------------------------------------

let postgres: EmbeddedHandle | undefined;
let owner: pg.Client | undefined;
let capture: Kysely<DB> | undefined;
let closeAppPool: (() => Promise<void>) | undefined;

async function cleanup() {
  await closeAppPool?.().catch(() => {});
  await capture?.destroy().catch(() => {});
  await owner?.end().catch(() => {});
  await postgres?.stop().catch(() => {});
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- helpers ------------------------------------------------------------------------------

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] ?? NaN };
}

const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);

// ---- the data -----------------------------------------------------------------------------

async function makePeople(client: pg.Client) {
  const attorneys = Array.from({ length: ATTORNEYS }, (_, i) => `bench_attorney_${i}@bench.example`);
  const observers = Array.from({ length: OBSERVERS }, (_, i) => `bench_observer_${i}@bench.example`);
  await client.query(
    `insert into public.invitations (email, display_name, roles)
     select e, 'Bench attorney ' || ord, '{attorney}'::public.app_role[] from unnest($1::text[]) with ordinality as t(e, ord)
     union all
     select e, 'Bench observer ' || ord, '{observer}'::public.app_role[] from unnest($2::text[]) with ordinality as t(e, ord)`,
    [attorneys, observers],
  );
  const { rows } = await client.query<{ id: string; email: string }>(
    "insert into auth.users (email, email_confirmed_at) select e, now() from unnest($1::text[]) as t(e) returning id, email",
    [[...attorneys, ...observers]],
  );
  const idOf = (email: string) => rows.find((r) => r.email === email)!.id;
  await client.query("update public.profiles set training_date = current_date - 400 where id = any($1::uuid[])", [observers.map(idOf)]);
  return { attorneys: attorneys.map(idOf), observers: observers.map(idOf) };
}

async function makeZones(client: pg.Client) {
  const ids: string[] = [];
  for (let i = 0; i < ZONES; i++) {
    const [x, y] = [-87.78 + (i % 5) * 0.03, 41.8 + Math.floor(i / 5) * 0.08];
    const ring = [[x, y], [x + 0.03, y], [x + 0.03, y + 0.03], [x, y + 0.03], [x, y]];
    const { rows } = await client.query<{ id: string }>(
      "insert into public.zones (name, priority, geometry) values ($1, $2, $3) returning id",
      [`Bench zone ${i + 1}`, 1 + (i % 3), JSON.stringify({ type: "Polygon", coordinates: [ring] })],
    );
    ids.push(rows[0]!.id);
  }
  return ids;
}

/** Sealing keys the boxes name in their envelopes: the first attorney's and a recovery key. */
async function makeKeys(client: pg.Client, attorney: string) {
  const { rows } = await client.query<{ id: string }>(
    `insert into public.sealing_keys (kind, owner_id, public_key, fingerprint, created_by) values
       ('attorney', $1, repeat('A', 42) || 'E', 'bench 0000 0000 0001', $1),
       ('recovery', null, repeat('B', 42) || 'E', 'bench 0000 0000 0002', null)
     returning id`,
    [attorney],
  );
  return rows.map((r) => r.id);
}

/**
 * ROWS reports in one statement. u(n, k) is the k-th uniform draw for row n: a seeded hash, so the
 * rows do not depend on the plan or on how often random() was called before.
 * Over the last 12 months; 10 zones, skewed (4% outside any zone); status 5% new, 10% in review,
 * 10% follow-up, 5% referred, 70% closed; urgency 5% critical, 25% high, 40% medium, 30% low;
 * ~30% assigned to one of 5 attorneys; ~80% with a sealed box of 0–3 detained and 0–2 witnesses.
 */
async function makeReports(client: pg.Client, people: { attorneys: string[]; observers: string[] }, zones: string[], keys: string[]) {
  await client.query(`
    create function pg_temp.u(n bigint, k integer) returns double precision
    language sql immutable parallel safe
    as $$ select (hashint8extended(n, ${SEED}::bigint * 64 + k) & 2147483647)::double precision / 2147483648 $$`);
  await client.query(`
    create function pg_temp.b64(n bigint, k integer, len integer) returns text
    language sql immutable parallel safe
    as $$ select left(rtrim(translate(encode(sha256(convert_to(${SEED}::text || ':' || n || ':' || k, 'UTF8')), 'base64'), '+/', '-_'), '='), len) $$`);
  await client.query(
    `insert into public.reports (
       id, client_uuid, author_id, zone_id, occurred_at, submitted_at, location, location_accuracy_m, cross_streets,
       agent_count_min, agents_possibly_more, vehicle_count, activities, agencies, masked, identified, warrant,
       home_entry, use_of_force, narrative, urgency, verification, status, sealed, sealed_detained, sealed_witnesses,
       review_started_at, closed_at, assigned_to, legal_hold, created_at, updated_at)
     select
       md5('report:${SEED}:' || s.n)::uuid,
       md5('client:${SEED}:' || s.n)::uuid,
       ($1::uuid[])[1 + floor(pg_temp.u(s.n, 1) * cardinality($1::uuid[]))::int],
       case when pg_temp.u(s.n, 2) < 0.04 then null
            else ($2::uuid[])[1 + floor(power(pg_temp.u(s.n, 3), 1.6) * cardinality($2::uuid[]))::int] end,
       t.submitted_at - pg_temp.u(s.n, 4) * interval '3 hours',
       t.submitted_at,
       case when pg_temp.u(s.n, 5) < 0.7 then jsonb_build_object('type', 'Point', 'coordinates',
         jsonb_build_array(round((-87.8 + pg_temp.u(s.n, 6) * 0.2)::numeric, 6), round((41.75 + pg_temp.u(s.n, 7) * 0.25)::numeric, 6))) end,
       case when pg_temp.u(s.n, 5) < 0.7 then 5 + floor(pg_temp.u(s.n, 8) * 60)::int end,
       case when pg_temp.u(s.n, 5) < 0.7 then '' else (array['26th St & Albany Ave', 'Cermak Rd & Damen Ave', 'Archer Ave & Kedzie Ave',
         'Lawrence Ave & Kimball Ave', 'Grand Ave & Central Ave', '47th St & Ashland Ave'])[1 + floor(pg_temp.u(s.n, 9) * 6)::int] end,
       1 + floor(pg_temp.u(s.n, 10) * 12)::int,
       pg_temp.u(s.n, 11) < 0.3,
       floor(pg_temp.u(s.n, 12) * 5)::int,
       array_remove(array[
         case when pg_temp.u(s.n, 13) < 0.35 then 'surveilling' end, case when pg_temp.u(s.n, 14) < 0.25 then 'questioning' end,
         case when pg_temp.u(s.n, 15) < 0.3 then 'detaining' end, case when pg_temp.u(s.n, 16) < 0.1 then 'at_home' end,
         case when pg_temp.u(s.n, 17) < 0.1 then 'traffic_stop' end, case when pg_temp.u(s.n, 18) < 0.05 then 'workplace' end], null),
       array_remove(array[
         case when pg_temp.u(s.n, 19) < 0.6 then 'ice_ero' end, case when pg_temp.u(s.n, 20) < 0.15 then 'cbp' end,
         case when pg_temp.u(s.n, 21) < 0.1 then 'hsi' end, case when pg_temp.u(s.n, 22) < 0.1 then 'local_police' end,
         case when pg_temp.u(s.n, 23) < 0.1 then 'unknown' end], null),
       (array['yes', 'no', 'unknown'])[1 + floor(pg_temp.u(s.n, 24) * 3)::int]::public.tri_state,
       (array['yes', 'no', 'unknown'])[1 + floor(pg_temp.u(s.n, 25) * 3)::int]::public.tri_state,
       case when pg_temp.u(s.n, 26) < 0.5 then 'unknown' when pg_temp.u(s.n, 26) < 0.75 then 'none'
            when pg_temp.u(s.n, 26) < 0.95 then 'administrative' else 'judicial' end::public.warrant_type,
       (array['yes', 'no', 'unknown'])[1 + floor(pg_temp.u(s.n, 27) * 3)::int]::public.tri_state,
       (array['no', 'no', 'unknown', 'yes'])[1 + floor(pg_temp.u(s.n, 28) * 4)::int]::public.tri_state,
       left(repeat((array[
         'Two unmarked SUVs parked near the bus stop; agents in plain clothes approached people waiting. ',
         'Officers knocked at a side door before dawn and asked for a man by name; nobody opened. ',
         'A man was stopped leaving the bakery, asked for identification and put in a grey van. ',
         'Agents waited outside the car wash and questioned workers arriving for the morning shift. ',
         'Neighbours filmed from across the street; the agents left after twenty minutes. '])[1 + floor(pg_temp.u(s.n, 29) * 5)::int],
         1 + floor(pg_temp.u(s.n, 30) * 12)::int), 10000),
       case when pg_temp.u(s.n, 31) < 0.05 then 'critical' when pg_temp.u(s.n, 31) < 0.3 then 'high'
            when pg_temp.u(s.n, 31) < 0.7 then 'medium' else 'low' end::public.report_urgency,
       case when pg_temp.u(s.n, 32) < 0.5 then 'unconfirmed' when pg_temp.u(s.n, 32) < 0.9 then 'confirmed'
            else 'false_alarm' end::public.report_verification,
       st.status,
       case when t.sealed then jsonb_build_object(
         'v', 1, 'alg', 'x25519-hkdf-sha256+xchacha20poly1305', 'nonce', pg_temp.b64(s.n, 1, 32),
         'ciphertext', repeat(pg_temp.b64(s.n, 2, 43), 4 + 6 * t.detained + 3 * t.witnesses),
         'envelopes', jsonb_build_array(
           jsonb_build_object('keyId', $4::text, 'epk', pg_temp.b64(s.n, 3, 43), 'nonce', pg_temp.b64(s.n, 4, 32), 'wrapped', pg_temp.b64(s.n, 5, 43) || pg_temp.b64(s.n, 6, 21)),
           jsonb_build_object('keyId', $5::text, 'epk', pg_temp.b64(s.n, 7, 43), 'nonce', pg_temp.b64(s.n, 8, 32), 'wrapped', pg_temp.b64(s.n, 9, 43) || pg_temp.b64(s.n, 10, 21)))) end,
       case when t.sealed then t.detained else 0 end,
       case when t.sealed then t.witnesses else 0 end,
       case when st.status <> 'new' then t.submitted_at + pg_temp.u(s.n, 33) * interval '2 days' end,
       case when st.status = 'closed' then least(now(), t.submitted_at + (1 + pg_temp.u(s.n, 34) * 40) * interval '1 day') end,
       case when pg_temp.u(s.n, 35) < 0.3 then ($3::uuid[])[1 + floor(pg_temp.u(s.n, 36) * cardinality($3::uuid[]))::int] end,
       st.status = 'closed' and pg_temp.u(s.n, 37) < 0.01,
       t.submitted_at,
       t.submitted_at
     from generate_series(1, $6::integer) as s(n)
     cross join lateral (
       select now() - pg_temp.u(s.n, 0) * interval '365 days' as submitted_at,
              pg_temp.u(s.n, 38) < 0.8 as sealed,
              floor(pg_temp.u(s.n, 39) * 4)::int as detained,
              floor(pg_temp.u(s.n, 40) * 3)::int as witnesses
     ) t
     cross join lateral (
       select case when pg_temp.u(s.n, 41) < 0.05 then 'new' when pg_temp.u(s.n, 41) < 0.15 then 'in_review'
                   when pg_temp.u(s.n, 41) < 0.25 then 'follow_up' when pg_temp.u(s.n, 41) < 0.3 then 'referred'
                   else 'closed' end::public.report_status as status
     ) st`,
    [people.observers, zones, people.attorneys, keys[0], keys[1], ROWS],
  );
  // Fresh statistics and visibility map, as autovacuum would leave a table this size.
  await client.query("vacuum (analyze) public.reports");
}

// ---- the filters --------------------------------------------------------------------------

interface Case {
  name: string;
  label: string;
  params: URLSearchParams;
  /** Not one of the common filters: shown, but left out of "overall". */
  extra?: boolean;
}

function cases(zone: string, newestNext: string | null): Case[] {
  const p = (entries: [string, string][]) => new URLSearchParams(entries);
  return [
    { name: "default", label: "default (urgency)", params: p([]) },
    { name: "status_new", label: "status=new", params: p([["status", "new"]]) },
    { name: "status_open", label: "status=new,in_review", params: p([["status", "new"], ["status", "in_review"]]) },
    { name: "assigned_me", label: "assigned=me", params: p([["assigned", "me"]]) },
    { name: "unassigned", label: "assigned=none", params: p([["assigned", "none"]]) },
    { name: "zone", label: "zone=<zone 3>", params: p([["zone", zone]]) },
    { name: "agency", label: "agency=ice_ero", params: p([["agency", "ice_ero"]]) },
    { name: "critical", label: "urgency=critical", params: p([["urgency", "critical"]]) },
    { name: "last_30_days", label: "from..to (30 days)", params: p([["from", day(30 * 86_400_000)], ["to", day(0)]]) },
    { name: "judicial_in_review", label: "warrant=judicial+in_review", params: p([["warrant", "judicial"], ["status", "in_review"]]) },
    { name: "newest_page2", label: "sort=newest, page 2", params: p([["sort", "newest"], ...(newestNext ? [["after", newestNext] as [string, string]] : [])]) },
    // A rare combination (about 1 report in 80,000): under RLS the enum comparisons are not
    // LEAKPROOF, so they cannot be index conditions, and the page walks the whole sort index.
    {
      name: "rare_combination",
      label: "rare: 4 enum filters",
      params: p([["status", "referred"], ["urgency", "critical"], ["warrant", "judicial"], ["verification", "false_alarm"]]),
      extra: true,
    },
  ];
}

// ---- main ---------------------------------------------------------------------------------

interface Timing {
  rls: number[];
  owner: number[];
}

async function main() {
  const t0 = performance.now();
  postgres = await startEmbeddedPostgres(path.resolve(".data/bench-review"));
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`drop database if exists ${DB_NAME} with (force)`);
  await admin.query(`create database ${DB_NAME}`);
  const { rows: version } = await admin.query<{ server_version: string }>("show server_version");
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = `/${DB_NAME}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl);
  process.env.DATABASE_URL = databaseUrl;
  process.env.DATABASE_POOL_SIZE = "4";

  // The app's own modules, after DATABASE_URL is set for its pool.
  const { closeDb, withSystem } = await import("../app/db/client.server");
  const { reviewQueue, queryQueue, countQueue, parseQueueFilters, QUEUE_PAGE_SIZE } = await import("../app/modules/review/queue.server");
  const { legalTeam } = await import("../app/modules/review/review.server");
  closeAppPool = closeDb;

  owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();

  const seedStarted = performance.now();
  const people = await makePeople(owner);
  const zones = await makeZones(owner);
  const keys = await makeKeys(owner, people.attorneys[0]!);
  await makeReports(owner, people, zones, keys);
  const seedMs = performance.now() - seedStarted;
  const { rows: mix } = await owner.query<{ status: string; n: string }>(
    "select status, count(*) n from public.reports group by status order by status",
  );
  const { rows: size } = await owner.query<{ size: string }>("select pg_size_pretty(pg_total_relation_size('public.reports')) as size");

  const me = people.attorneys[0]!;
  const claims = { sub: me, email: "bench_attorney_0@bench.example", role: "authenticated" as const };
  const zone = zones[2]!;

  // Page 1 of "newest", for the cursor of page 2.
  const first = await reviewQueue(claims, parseQueueFilters(new URLSearchParams([["sort", "newest"]])));
  const all = cases(zone, first.next);

  // The two ways to run the loader's queries. The owner's transaction makes the same round trips
  // as reviewQueue(): the claims are set (so the legal team's directory answers), the role is not.
  type Filters = ReturnType<typeof parseQueueFilters>;
  const runRls = (filters: Filters) => reviewQueue(claims, filters);
  const runOwner = (filters: Filters) =>
    withSystem(async (trx) => {
      await sql`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`.execute(trx);
      const team = await legalTeam(trx);
      const [page, counts] = await Promise.all([queryQueue(trx, me, filters, QUEUE_PAGE_SIZE, team), countQueue(trx, me, filters)]);
      return { ...page, ...counts };
    });

  // The same page and counts both ways: an attorney reads every report.
  const mismatches: string[] = [];
  const shapes: Record<string, { rows: number; total: number }> = {};
  for (const c of all) {
    const filters = parseQueueFilters(c.params);
    const [a, b] = [await runRls(filters), await runOwner(filters)];
    if (JSON.stringify(a.rows) !== JSON.stringify(b.rows) || a.next !== b.next) mismatches.push(`${c.name}: rows differ`);
    if (JSON.stringify(a.counts) !== JSON.stringify(b.counts) || a.total !== b.total) mismatches.push(`${c.name}: counts differ`);
    if (!a.rows.length && !c.extra) mismatches.push(`${c.name}: no rows`);
    shapes[c.name] = { rows: a.rows.length, total: a.total };
  }

  // Warm up, then alternate RLS and owner (and which goes first) so drift hits both alike.
  const timings = new Map<string, Timing>(all.map((c) => [c.name, { rls: [], owner: [] }]));
  const parsed = new Map(all.map((c) => [c.name, parseQueueFilters(c.params)]));
  const measureStarted = performance.now();
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    for (const c of all) {
      const filters = parsed.get(c.name)!;
      const order: ("rls" | "owner")[] = i % 2 ? ["owner", "rls"] : ["rls", "owner"];
      for (const mode of order) {
        const started = performance.now();
        await (mode === "rls" ? runRls(filters) : runOwner(filters));
        if (i >= WARMUP) timings.get(c.name)![mode].push(performance.now() - started);
      }
    }
  }
  const measureMs = performance.now() - measureStarted;

  // ---- report ----
  interface Row {
    name: string;
    label: string;
    rls: ReturnType<typeof stats>;
    owner: ReturnType<typeof stats>;
    ratioP50: number;
    ratioP95: number;
  }
  const rowOf = (name: string, label: string, t: Timing): Row => {
    const rls = stats(t.rls);
    const own = stats(t.owner);
    return { name, label, rls, owner: own, ratioP50: rls.p50 / own.p50, ratioP95: rls.p95 / own.p95 };
  };
  const rows = all.map((c) => rowOf(c.name, c.label, timings.get(c.name)!));
  const common = all.filter((c) => !c.extra).map((c) => timings.get(c.name)!);
  const overall = rowOf("overall", "overall (common filters)", {
    rls: common.flatMap((t) => t.rls),
    owner: common.flatMap((t) => t.owner),
  });
  const slow = rows.filter((r) => r.rls.p95 > SLOW_P95_MS || r.owner.p95 > SLOW_P95_MS || r.ratioP50 > SLOW_RATIO || r.ratioP95 > SLOW_RATIO);

  const f = (n: number) => n.toFixed(1).padStart(8);
  const line = (r: Row, shape?: { rows: number; total: number }) =>
    [
      r.label.padEnd(28),
      (shape ? String(shape.rows) : "").padStart(4),
      (shape ? String(shape.total) : "").padStart(7),
      f(r.rls.p50),
      f(r.rls.p95),
      f(r.owner.p50),
      f(r.owner.p95),
      r.ratioP50.toFixed(2).padStart(7),
      r.ratioP95.toFixed(2).padStart(7),
      slow.includes(r) ? "  SLOW" : "",
    ].join(" ");
  console.log("");
  console.log(
    `Review queue: ${ROWS} reports (${size[0]!.size}, seeded in ${round(seedMs / 1000)} s; ${mix.map((m) => `${m.status} ${m.n}`).join(", ")})`,
  );
  console.log(
    `PostgreSQL ${version[0]!.server_version}, ${os.cpus().length} CPUs, Node ${process.version}; ${ITERATIONS} iterations per filter and mode after ${WARMUP} warm-up; ` +
      `one sample = legal team + page of 50 + counts per status, in one transaction`,
  );
  console.log("");
  console.log(
    [
      "filter".padEnd(28), "rows".padStart(4), "total".padStart(7),
      "RLS p50".padStart(8), "RLS p95".padStart(8), "own p50".padStart(8), "own p95".padStart(8), "x p50".padStart(7), "x p95".padStart(7),
    ].join(" "),
  );
  for (const r of rows) console.log(line(r, shapes[r.name]));
  console.log(line(overall));
  console.log("(ms; RLS = reviewQueue() as the signed-in attorney; own = the same queries as the table owner; x = RLS / owner)");
  for (const m of mismatches) console.log(`MISMATCH: ${m}`);

  // ---- plans ----
  const toExplain = EXPLAIN === "none" ? [] : EXPLAIN === "all" ? rows : rows.filter((r) => r.name === "default" || slow.includes(r));
  const plans: Record<string, Record<string, { sql: string; planning: number | null; execution: number | null }>> = {};
  if (toExplain.length) {
    // The SQL Kysely sends, captured from a second instance that logs every query.
    const captured: CompiledQuery[] = [];
    capture = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }),
      log: (event) => {
        if (event.level === "query") captured.push(event.query);
      },
    });
    for (const r of toExplain) {
      captured.length = 0;
      await capture.transaction().execute(async (trx) => {
        await queryQueue(trx, me, parsed.get(r.name)!);
        await countQueue(trx, me, parsed.get(r.name)!);
      });
      const queries = captured.filter((q) => /^\s*select/i.test(q.sql));
      plans[r.name] = {};
      for (const [kind, q] of [["page", queries[0]!], ["counts", queries[1]!]] as const) {
        for (const mode of ["owner", "rls"] as const) {
          await owner.query("begin");
          try {
            if (mode === "rls") {
              await owner.query("select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [JSON.stringify(claims)]);
            }
            const { rows: plan } = await owner.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${q.sql}`, [...q.parameters]);
            const text = plan.map((p) => p["QUERY PLAN"]);
            const ms = (label: string) => {
              const hit = text.find((t) => t.startsWith(label));
              return hit ? Number(/([\d.]+) ms/.exec(hit)?.[1]) : null;
            };
            plans[r.name]![`${kind}.${mode}`] = { sql: q.sql, planning: ms("Planning Time"), execution: ms("Execution Time") };
            console.log("");
            console.log(`EXPLAIN (ANALYZE, BUFFERS) ${r.label}: ${kind} query, ${mode === "rls" ? "as the attorney (RLS)" : "as the owner (no RLS)"}`);
            console.log(text.map((t) => `  ${t}`).join("\n"));
          } finally {
            await owner.query("rollback");
          }
        }
      }
    }
    if (toExplain.some((r) => r.name === "default")) {
      console.log("");
      console.log(`SQL of the default filter's page query:\n  ${plans.default!["page.owner"]!.sql}`);
      console.log(`SQL of the default filter's counts query:\n  ${plans.default!["counts.owner"]!.sql}`);
    }
  }

  // ---- results ----
  const metrics: { name: string; value: number; unit: string; description: string }[] = [
    { name: "rows", value: ROWS, unit: "reports", description: "Reports in the table (seeded deterministically)" },
    { name: "seed_seconds", value: round(seedMs / 1000), unit: "s", description: "Time to seed the reports and vacuum-analyze" },
    { name: "iterations", value: ITERATIONS, unit: "samples", description: "Samples per filter and mode, after warm-up" },
  ];
  for (const r of [...rows, overall]) {
    const what = r.name === "overall" ? "all samples of the common filters together" : `filter ${r.label}`;
    metrics.push(
      { name: `${r.name}.rls.p50`, value: round(r.rls.p50, 2), unit: "ms", description: `reviewQueue() as an attorney under RLS, ${what}, median` },
      { name: `${r.name}.rls.p95`, value: round(r.rls.p95, 2), unit: "ms", description: `reviewQueue() as an attorney under RLS, ${what}, 95th percentile` },
      { name: `${r.name}.owner.p50`, value: round(r.owner.p50, 2), unit: "ms", description: `The same queries as the table owner (no RLS), ${what}, median` },
      { name: `${r.name}.owner.p95`, value: round(r.owner.p95, 2), unit: "ms", description: `The same queries as the table owner (no RLS), ${what}, 95th percentile` },
      { name: `${r.name}.ratio.p50`, value: round(r.ratioP50, 3), unit: "ratio", description: `RLS p50 / owner p50, ${what}` },
      { name: `${r.name}.ratio.p95`, value: round(r.ratioP95, 3), unit: "ratio", description: `RLS p95 / owner p95, ${what}` },
    );
  }
  for (const [name, byQuery] of Object.entries(plans)) {
    for (const [which, p] of Object.entries(byQuery)) {
      if (p.execution !== null) {
        metrics.push({ name: `${name}.explain.${which}.execution`, value: p.execution, unit: "ms", description: `EXPLAIN ANALYZE execution time, ${which.replace(".", " query, ")}` });
      }
    }
  }
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/review-queue.json", `${JSON.stringify(metrics, null, 2)}\n`);
  console.log("");
  console.log(`Total ${round((performance.now() - t0) / 1000)} s (measuring ${round(measureMs / 1000)} s). Wrote bench/results/review-queue.json.`);
  return mismatches.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
} finally {
  await cleanup();
}
process.exit(code);
