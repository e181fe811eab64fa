/**
 * The attorneys' review queue on many reports: the data (deterministic, from a seeded hash of the
 * row number), and the queue's loader query (`reviewQueue`: the legal team, one page and the counts
 * per status, in one transaction) as a signed-in attorney under RLS against the very same Kysely
 * queries (`legalTeam` + `queryQueue` + `countQueue`) in a plain owner transaction without RLS
 * (claims set, role not). Used by bench/review-queue.ts and bench/run.ts.
 *
 * The app's modules are imported when first used, after the caller has set DATABASE_URL.
 */
import { createHash } from "node:crypto";
import { Kysely, PostgresDialect, sql, type CompiledQuery } from "kysely";
import pg from "pg";
import type { DB } from "../../app/db/types";
import { publicKeyOf, toB64u } from "../../app/integrations/sealing";
import { latencyStats, makePeople, type Person } from "./harness";

export const ZONES = 10;
export const ATTORNEYS = 5;
export const OBSERVERS = 60;
/** Slower than this at p95, or this much slower under RLS, and the plans are worth a look. */
export const SLOW_P95_MS = 100;
export const SLOW_RATIO = 1.5;

const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);

// ---- the data -----------------------------------------------------------------------------

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

export interface SealingKey {
  id: string;
  publicKey: string;
  privateKey: Uint8Array;
}

/**
 * Sealing keys the boxes name in their envelopes: the first attorney's and a recovery key. Real
 * X25519 keys (derived from the seed), so reports and media can be sealed to them.
 */
async function makeKeys(client: pg.Client, attorney: string, seed: number): Promise<SealingKey[]> {
  const pairs = [1, 2].map((k) => {
    const privateKey = new Uint8Array(createHash("sha256").update(`bench key ${seed}:${k}`).digest());
    const publicKey = publicKeyOf(privateKey);
    return { privateKey, publicKey: toB64u(publicKey) };
  });
  // The fingerprint is the database's own (a generated column, docs/decisions/018-key-transparency.md);
  // both keys are approved and current from a day ago, so they are recipients at once.
  const { rows } = await client.query<{ id: string }>(
    `insert into public.sealing_keys (kind, owner_id, public_key, created_by, active_from, approved_at) values
       ('attorney', $1, $2, $1, now() - interval '1 day', now() - interval '1 day'),
       ('recovery', null, $3, null, now() - interval '1 day', now() - interval '1 day')
     returning id`,
    [attorney, pairs[0]!.publicKey, pairs[1]!.publicKey],
  );
  return rows.map((r, i) => ({ id: r.id, publicKey: pairs[i]!.publicKey, privateKey: pairs[i]!.privateKey }));
}

/**
 * `rows` reports in one statement. u(n, k) is the k-th uniform draw for row n: a seeded hash, so the
 * rows do not depend on the plan or on how often random() was called before.
 * Over the last 12 months; 10 zones, skewed (4% outside any zone); status 5% new, 10% in review,
 * 10% follow-up, 5% referred, 70% closed; urgency 5% critical, 25% high, 40% medium, 30% low;
 * ~30% assigned to one of 5 attorneys; ~80% with a sealed box of 0–3 detained and 0–2 witnesses.
 */
async function makeReports(client: pg.Client, rows: number, seed: number, people: { attorneys: string[]; observers: string[] }, zones: string[], keys: string[]) {
  await client.query(`
    create function pg_temp.u(n bigint, k integer) returns double precision
    language sql immutable parallel safe
    as $$ select (hashint8extended(n, ${seed}::bigint * 64 + k) & 2147483647)::double precision / 2147483648 $$`);
  await client.query(`
    create function pg_temp.b64(n bigint, k integer, len integer) returns text
    language sql immutable parallel safe
    as $$ select left(rtrim(translate(encode(sha256(convert_to(${seed}::text || ':' || n || ':' || k, 'UTF8')), 'base64'), '+/', '-_'), '='), len) $$`);
  await client.query(
    `insert into public.reports (
       id, client_uuid, author_id, zone_id, occurred_at, submitted_at, location, location_accuracy_m, cross_streets,
       agent_count_min, agents_possibly_more, vehicle_count, activities, agencies, masked, identified, warrant,
       home_entry, use_of_force, narrative, urgency, verification, status, sealed, sealed_detained, sealed_witnesses,
       review_started_at, closed_at, assigned_to, legal_hold, created_at, updated_at)
     select
       md5('report:${seed}:' || s.n)::uuid,
       md5('client:${seed}:' || s.n)::uuid,
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
    [people.observers, zones, people.attorneys, keys[0], keys[1], rows],
  );
  // Fresh statistics and visibility map, as autovacuum would leave a table this size.
  await client.query("vacuum (analyze) public.reports");
}

export interface ReviewData {
  attorneys: Person[];
  observers: Person[];
  zones: string[];
  keys: SealingKey[];
  seedMs: number;
  mix: { status: string; n: string }[];
  tableSize: string;
}

/**
 * 5 attorneys and 60 observers (with sessions when `serializeCookie` is given), 10 zones, two
 * sealing keys and `rows` reports, then vacuum-analyze.
 */
export async function seedReviewData(
  owner: pg.Client,
  spec: { rows: number; seed: number; serializeCookie: ((token: string) => Promise<string>) | null },
): Promise<ReviewData> {
  const started = performance.now();
  const attorneys = await makePeople(owner, spec.serializeCookie, { prefix: "bench_attorney", count: ATTORNEYS, role: "attorney" });
  const observers = await makePeople(owner, spec.serializeCookie, { prefix: "bench_observer", count: OBSERVERS, role: "observer", trainedDaysAgo: 400 });
  const zones = await makeZones(owner);
  const keys = await makeKeys(owner, attorneys[0]!.id, spec.seed);
  await makeReports(owner, spec.rows, spec.seed, { attorneys: attorneys.map((p) => p.id), observers: observers.map((p) => p.id) }, zones, keys.map((k) => k.id));
  const seedMs = performance.now() - started;
  const { rows: mix } = await owner.query<{ status: string; n: string }>("select status, count(*) n from public.reports group by status order by status");
  const { rows: size } = await owner.query<{ size: string }>("select pg_size_pretty(pg_total_relation_size('public.reports')) as size");
  return { attorneys, observers, zones, keys, seedMs, mix, tableSize: size[0]!.size };
}

// ---- the filters --------------------------------------------------------------------------

export interface Case {
  name: string;
  label: string;
  params: URLSearchParams;
  /** Not one of the common filters: shown, but left out of "overall". */
  extra?: boolean;
}

export function cases(zone: string, newestNext: string | null): Case[] {
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
    // A rare combination (about 1 report in 80,000; none in the seeded rows). Enum comparisons are
    // not LEAKPROOF, so under RLS they could not be index conditions and the page walked the whole
    // sort index; the queue now filters on the enums' text keys (migration 20261206090000).
    {
      name: "rare_combination",
      label: "rare: 4 enum filters",
      params: p([["status", "referred"], ["urgency", "critical"], ["warrant", "judicial"], ["verification", "false_alarm"]]),
      extra: true,
    },
    // An agency no seeded report names: `@>` is not LEAKPROOF either; it finds its partial index.
    { name: "rare_agency", label: "rare: agency=fbi", params: p([["agency", "fbi"]]), extra: true },
  ];
}

// ---- the measurement ----------------------------------------------------------------------

interface Timing {
  rls: number[];
  owner: number[];
}

export type Stats = ReturnType<typeof latencyStats>;

export interface QueueRow {
  name: string;
  label: string;
  rls: Stats;
  owner: Stats;
  ratioP50: number;
  ratioP95: number;
}

export interface QueueMeasurement {
  cases: Case[];
  rows: QueueRow[];
  overall: QueueRow;
  slow: QueueRow[];
  shapes: Record<string, { rows: number; total: number }>;
  mismatches: string[];
  measureMs: number;
}

async function modules() {
  const { withSystem } = await import("../../app/db/client.server");
  const queue = await import("../../app/modules/review/queue.server");
  const { legalTeam } = await import("../../app/modules/review/review.server");
  return { withSystem, legalTeam, ...queue };
}

/**
 * Each filter, `iterations` times after `warmup`, under RLS and as the owner, alternately (and
 * which goes first), so drift on a busy machine hits both. Checks both see the same page and counts.
 */
export async function measureReviewQueue(spec: { attorney: Person; zone: string; iterations: number; warmup: number }): Promise<QueueMeasurement> {
  const { withSystem, legalTeam, reviewQueue, queryQueue, countQueue, parseQueueFilters, QUEUE_PAGE_SIZE } = await modules();
  const { claims } = spec.attorney;
  const me = spec.attorney.id;

  // Page 1 of "newest", for the cursor of page 2.
  const first = await reviewQueue(claims, parseQueueFilters(new URLSearchParams([["sort", "newest"]])));
  const all = cases(spec.zone, first.next);

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

  const timings = new Map<string, Timing>(all.map((c) => [c.name, { rls: [], owner: [] }]));
  const parsed = new Map(all.map((c) => [c.name, parseQueueFilters(c.params)]));
  const measureStarted = performance.now();
  for (let i = 0; i < spec.warmup + spec.iterations; i++) {
    for (const c of all) {
      const filters = parsed.get(c.name)!;
      const order: ("rls" | "owner")[] = i % 2 ? ["owner", "rls"] : ["rls", "owner"];
      for (const mode of order) {
        const started = performance.now();
        await (mode === "rls" ? runRls(filters) : runOwner(filters));
        if (i >= spec.warmup) timings.get(c.name)![mode].push(performance.now() - started);
      }
    }
  }
  const measureMs = performance.now() - measureStarted;

  const rowOf = (name: string, label: string, t: Timing): QueueRow => {
    const rls = latencyStats(t.rls);
    const own = latencyStats(t.owner);
    return { name, label, rls, owner: own, ratioP50: rls.p50 / own.p50, ratioP95: rls.p95 / own.p95 };
  };
  const rows = all.map((c) => rowOf(c.name, c.label, timings.get(c.name)!));
  const common = all.filter((c) => !c.extra).map((c) => timings.get(c.name)!);
  const overall = rowOf("overall", "overall (common filters)", {
    rls: common.flatMap((t) => t.rls),
    owner: common.flatMap((t) => t.owner),
  });
  const slow = rows.filter((r) => r.rls.p95 > SLOW_P95_MS || r.owner.p95 > SLOW_P95_MS || r.ratioP50 > SLOW_RATIO || r.ratioP95 > SLOW_RATIO);
  return { cases: all, rows, overall, slow, shapes, mismatches, measureMs };
}

export type Plans = Record<string, Record<string, { sql: string; planning: number | null; execution: number | null; text: string[] }>>;

/** EXPLAIN (ANALYZE, BUFFERS) of the page and counts queries of the given filters, as owner and under RLS. */
export async function explainQueue(spec: { databaseUrl: string; owner: pg.Client; attorney: Person; measurement: QueueMeasurement; names: string[] }): Promise<Plans> {
  const { queryQueue, countQueue, parseQueueFilters } = await modules();
  const { owner, attorney } = spec;
  const plans: Plans = {};
  // The SQL Kysely sends, captured from a second instance that logs every query.
  const captured: CompiledQuery[] = [];
  const capture = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: spec.databaseUrl, max: 1 }) }),
    log: (event) => {
      if (event.level === "query") captured.push(event.query);
    },
  });
  try {
    for (const name of spec.names) {
      const c = spec.measurement.cases.find((x) => x.name === name)!;
      const filters = parseQueueFilters(c.params);
      captured.length = 0;
      await capture.transaction().execute(async (trx) => {
        await queryQueue(trx, attorney.id, filters);
        await countQueue(trx, attorney.id, filters);
      });
      const queries = captured.filter((q) => /^\s*select/i.test(q.sql));
      plans[name] = {};
      for (const [kind, q] of [["page", queries[0]!], ["counts", queries[1]!]] as const) {
        for (const mode of ["owner", "rls"] as const) {
          await owner.query("begin");
          try {
            if (mode === "rls") {
              await owner.query("select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [JSON.stringify(attorney.claims)]);
            }
            const { rows: plan } = await owner.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${q.sql}`, [...q.parameters]);
            const text = plan.map((p) => p["QUERY PLAN"]);
            const ms = (label: string) => {
              const hit = text.find((t) => t.startsWith(label));
              return hit ? Number(/([\d.]+) ms/.exec(hit)?.[1]) : null;
            };
            plans[name]![`${kind}.${mode}`] = { sql: q.sql, planning: ms("Planning Time"), execution: ms("Execution Time"), text };
          } finally {
            await owner.query("rollback");
          }
        }
      }
    }
  } finally {
    await capture.destroy();
  }
  return plans;
}
