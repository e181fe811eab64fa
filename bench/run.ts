/**
 * The benchmark suite: `npm run bench` (about 5–8 minutes on 2 cores, 100k reports), or
 * `npm run bench -- --quick`, a smoke run of every scenario with small sizes (2,000 reports,
 * 100 shifts, 40 storm observers, 100 + 30 submissions, 5 s load runs; about 1–2 minutes once built).
 *
 * One production build (built when missing or older than app/), one embedded PostgreSQL in
 * .data/bench-run with a throwaway database `testigo_bench_run` (never the dev database), one
 * production server (`node --import tsx server.ts`, NODE_ENV=production) on a free port, and
 * deterministic seed sizes. Scenarios, in this order:
 *   1. SSR: autocannon against GET /healthz (the bare route), /shifts as an observer with 500
 *      upcoming shifts, /review as an attorney with 100k reports, then /healthz again; req/s,
 *      p50/p95/p99 and each page's req/s ÷ the bare route's. The bare route is /healthz: the
 *      app's cheapest real route (Express middleware, the Remix handler, one pooled `select 1`
 *      transaction, a 45-byte JSON answer), with no bench-only code in the app. A static file
 *      would skip Remix and the pool, so the ratio would mix in more than the page's own cost.
 *   2. RLS overhead of the review queue (bench/lib/review-queue.ts, as bench/review-queue.ts).
 *   3. Claim storm (bench/lib/claim-storm.ts, as bench/claim-storm.ts).
 *   4. Report submission over HTTP as observers, through the app's real endpoints: POST
 *      /reports/new.data with P2 sealed as the phone seals it, without media; and with one ~200 KB
 *      medium sealed (sealMedia) and sent to POST /reports/:id/media as the phone sends it.
 *   5. Remote database (bench/lib/pg-proxy.ts): a second production server whose DATABASE_URL
 *      points at a proxy that delays every chunk by 0, 1 and 5 ms each way (one server, the delay
 *      changed between runs). Single-user sequential requests to /healthz, /shifts, /shifts/:id,
 *      /my/shifts, /reports/new, /review, /review/:id and /coordinate/live: p50/p95 per page per
 *      delay, the ms each page adds per ms of round trip (p50 at 5 ms − p50 at 0 ms, ÷ 10 ms), and
 *      the round trips, statements and transactions per request the proxy counted; /shifts and
 *      /healthz under load (CONNECTIONS) at 0 and 5 ms; the claim storm over the proxy at 0 and
 *      5 ms (the direct storm through the proxy too). Targets at 10 ms round trip are printed met
 *      or NOT MET (they do not fail the run).
 * CPU use of the bench process, the server's process and PostgreSQL (postmaster and backends,
 * from /proc) is recorded per scenario, and so is everything else on the machine (/proc/stat minus
 * those three: the noise of a shared machine). Prints one table and writes bench/results/latest.json:
 * one { name, value, unit, description } per metric. Exits non-zero when anything failed.
 *
 * Options (`--name=value` or environment variables): QUICK, BUILD (auto|always|never), SEED,
 * CONNECTIONS (autocannon, default 10), POOL (the server's and this process's pool, default 20),
 * DURATION and WARMUP (seconds per SSR run), REPORTS, SHIFTS, STORM_N, STORM_ROUNDS (storms per
 * claim-storm figure, whose median round is reported; default 3, quick 1), CAPACITY, SUBMIT_PLAIN,
 * SUBMIT_MEDIA, MEDIA_KB, RLS_ITERATIONS; ONLY (a comma list of ssr, rls, storm, submit, remote:
 * `npm run bench -- --only=remote` runs the remote-database scenario alone), REMOTE_DELAYS (ms each
 * way, default 0,1,5; 0 and 5 are needed for the slope and the targets), REMOTE_REQUESTS
 * (sequential requests per page and delay, default 40, quick 10), REMOTE_STORM (false skips the
 * storms over the proxy). A full run writes bench/results/latest.json and, with the remote
 * scenario, bench/results/remote.json; `--only=remote` writes remote.json only, any other
 * `--only` bench/results/partial.json. BENCH_DUMP=<path prefix> (environment only) writes the first
 * body of each SSR page there (e.g. /tmp/dump → /tmp/dump_shifts.html), to see what a page weighs.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import autocannon from "autocannon";
import pg from "pg";
import { runClaimStorm, stormFailed, stormSpanHours, type ClaimStormResult, type Storm } from "./lib/claim-storm";
import { startPgProxy, type PgProxy } from "./lib/pg-proxy";
import {
  CpuMeter,
  dropIdleSockets,
  ensureBuild,
  keepAlive,
  latencyStats,
  makePeople,
  options,
  ProductionServer,
  request,
  round,
  seededRandom,
  seededShuffle,
  startBenchDatabase,
  type BenchDatabase,
  type BuildMode,
  type CpuUse,
  type Person,
} from "./lib/harness";
import { measureReviewQueue, seedReviewData, type QueueMeasurement, type ReviewData } from "./lib/review-queue";

// ---- options ------------------------------------------------------------------------------

const option = options();
const QUICK = option("QUICK", "false") !== "false";
const size = (name: string, full: number, quick: number) => Number(option(name, String(QUICK ? quick : full)));
const BUILD = option("BUILD", "auto") as BuildMode;
const SEED = size("SEED", 20261126, 20261126);
const CONNECTIONS = size("CONNECTIONS", 10, 10);
const POOL = size("POOL", 20, 20);
/** Server processes (WEB_CONCURRENCY); the request pools' POOL connections are shared out over them. */
const WORKERS = size("WORKERS", 1, 1);
const DURATION = size("DURATION", 15, 5);
const WARMUP = size("WARMUP", 3, 2);
const REPORTS = size("REPORTS", 100_000, 2_000);
const SHIFTS = size("SHIFTS", 500, 100);
const STORM_N = size("STORM_N", 200, 40);
// Storms of about a second each are noisy samples: each figure is the median of this many.
const STORM_ROUNDS = size("STORM_ROUNDS", 3, 1);
const CAPACITY = size("CAPACITY", 5, 5);
const SUBMIT_PLAIN = Math.ceil(size("SUBMIT_PLAIN", 1000, 100) / CONNECTIONS) * CONNECTIONS;
const SUBMIT_MEDIA = Math.ceil(size("SUBMIT_MEDIA", 300, 30) / CONNECTIONS) * CONNECTIONS;
const MEDIA_KB = size("MEDIA_KB", 200, 200);
const RLS_ITERATIONS = size("RLS_ITERATIONS", 50, 5);
const SCENARIOS = ["ssr", "rls", "storm", "submit", "remote"] as const;
type Scenario = (typeof SCENARIOS)[number];
const ONLY = option("ONLY", SCENARIOS.join(",")).split(",").map((x) => x.trim()).filter(Boolean) as Scenario[];
const runs = (scenario: Scenario) => ONLY.includes(scenario);
const PARTIAL = !SCENARIOS.every(runs);
const REMOTE_DELAYS = option("REMOTE_DELAYS", "0,1,5").split(",").map(Number);
const REMOTE_REQUESTS = size("REMOTE_REQUESTS", 40, 10);
const REMOTE_STORM = option("REMOTE_STORM", "true") !== "false";
if (
  ![SEED, CONNECTIONS, POOL, DURATION, WARMUP, REPORTS, SHIFTS, STORM_N, STORM_ROUNDS, CAPACITY, SUBMIT_PLAIN, SUBMIT_MEDIA, MEDIA_KB, RLS_ITERATIONS].every(Number.isInteger) ||
  !["auto", "always", "never"].includes(BUILD) ||
  !ONLY.length || !ONLY.every((x) => SCENARIOS.includes(x)) || !REMOTE_DELAYS.length || !REMOTE_DELAYS.every((d) => Number.isFinite(d) && d >= 0) || REMOTE_REQUESTS < 1 ||
  REPORTS < 1000 || SHIFTS < 1 || SHIFTS > 500 || STORM_N < 1 || STORM_ROUNDS < 1 || STORM_ROUNDS > 9 || CAPACITY < 1 || CAPACITY > 100 || CONNECTIONS < 1 || DURATION < 1 || RLS_ITERATIONS < 1 || MEDIA_KB < 1
) {
  console.error(
    "Usage: bench/run.ts [--quick] [--only=ssr,rls,storm,submit,remote] [--build=auto|always|never] [--connections=10] [--workers=1 (server processes)] [--duration=15] [--reports=100000 (>= 1000)] [--shifts=500 (1-500)] [--remote-delays=0,1,5] [--remote-requests=40] …",
  );
  process.exit(2);
}

const DATA_DIR = ".data/bench-run";
const DB_NAME = "testigo_bench_run";
const SESSION_SECRET = randomBytes(32).toString("base64url");
// The bench signs cookies exactly as the production server does, and runs the app's own modules
// (claimShift, reviewQueue) in this process for the direct measurements.
Object.assign(process.env, { NODE_ENV: "production", SESSION_SECRET, SMTP_URL: "smtp://127.0.0.1:2525", DATABASE_POOL_SIZE: String(POOL) });

// ---- results ------------------------------------------------------------------------------

interface Metric {
  name: string;
  value: number;
  unit: string;
  description: string;
}

const metrics: Metric[] = [];
const failures: string[] = [];
const metric = (name: string, value: number, unit: string, description: string) => {
  metrics.push({ name, value: Number.isFinite(value) ? value : NaN, unit, description });
};
const phases: { name: string; seconds: number }[] = [];

function cpuMetrics(scenario: string, what: string, cpu: CpuUse) {
  const core = "% of one core";
  metric(`${scenario}.cpu.bench`, cpu.benchPct, core, `CPU of the bench process (load generator; also the in-process app code of direct runs) during ${what}`);
  if (cpu.serverPct !== null) metric(`${scenario}.cpu.server`, cpu.serverPct, core, `CPU of the production server process during ${what}`);
  if (cpu.postgresPct !== null) metric(`${scenario}.cpu.postgres`, cpu.postgresPct, core, `CPU of PostgreSQL (postmaster and backends) during ${what}`);
  if (cpu.otherPct !== null) metric(`${scenario}.cpu.other`, cpu.otherPct, core, `CPU of everything else on the machine (noise) during ${what}`);
}

// ---- cleanup ------------------------------------------------------------------------------

let database: BenchDatabase | undefined;
const server = new ProductionServer();
let owner: pg.Client | undefined;
let closeAppPool: (() => Promise<void>) | undefined;

async function cleanup() {
  await server.stop();
  await closeAppPool?.().catch(() => {});
  await owner?.end().catch(() => {});
  await database?.stop().catch(() => {});
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- load ---------------------------------------------------------------------------------

interface LoadSpec {
  path: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  requests?: autocannon.Request[];
  duration?: number;
  amount?: number;
}

interface Load {
  result: autocannon.Result;
  /** Every response's latency, in ms, with its status: autocannon's histogram has no p95. */
  responses: { status: number; ms: number; client: unknown }[];
  statuses: Record<string, number>;
  /**
   * From the start to the last response. Not autocannon's `duration`: it stops on a 1-second tick,
   * which would add up to a second to a run of a fixed number of requests.
   */
  seconds: number;
}

function cannon(port: number, spec: LoadSpec): Promise<Load> {
  const responses: Load["responses"] = [];
  const started = performance.now();
  let last = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${spec.path}`,
        connections: CONNECTIONS,
        method: spec.method ?? "GET",
        headers: spec.headers,
        requests: spec.requests,
        ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration ?? DURATION }),
        timeout: 60,
      },
      (error, result) => {
        if (error) return reject(error);
        const statuses: Record<string, number> = {};
        for (const r of responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (result.errors) statuses.errors = result.errors;
        resolve({ result, responses, statuses, seconds: (last - started) / 1000 });
      },
    );
    instance.on("response", (client, status, _bytes, ms) => {
      last = performance.now();
      responses.push({ status, ms, client });
    });
  });
}

const statusText = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([k, v]) => `${k}×${v}`)
    .join(", ");

// ---- scenario 1: SSR ----------------------------------------------------------------------

interface SsrRun {
  label: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  bytesPerResponse: number;
  /** The body's size before compression. */
  bodyBytes: number;
  cpu: CpuUse;
}

async function ssrRun(port: number, meter: CpuMeter, label: string, path: string, person: Person | null, check: (body: string) => string | null): Promise<SsrRun> {
  // Headers a browser sends for a page: the session, HTML, and gzip (compression is on in server.ts).
  const headers: Record<string, string> = { Accept: "text/html", "Accept-Encoding": "gzip", ...(person ? { Cookie: person.cookie } : {}) };
  const first = await request(port, "GET", path, { ...headers, "Accept-Encoding": "identity" });
  const problem = first.status !== 200 ? `status ${first.status}` : check(first.body);
  if (problem) throw new Error(`GET ${path} as ${person?.email ?? "nobody"}: ${problem}\n${first.body.slice(0, 300)}`);
  if (process.env.BENCH_DUMP) (await import("node:fs")).writeFileSync(`${process.env.BENCH_DUMP}${path.replace(/\W/g, "_")}.html`, first.body);
  await cannon(port, { path, headers, duration: WARMUP });
  const { result: load, cpu } = await meter.measure(() => cannon(port, { path, headers, duration: DURATION }));
  const ok = load.responses.filter((r) => r.status === 200);
  if (!ok.length || ok.length !== load.responses.length || load.result.errors) {
    failures.push(`SSR ${label}: ${load.responses.length ? statusText(load.statuses) : `no response in ${DURATION} s (too slow, or the machine too busy: see cpu.other)`}`);
  }
  const stats = latencyStats(load.responses.map((r) => r.ms));
  const run: SsrRun = {
    label,
    rps: round(ok.length / load.seconds, 1),
    p50: round(stats.p50),
    p95: round(stats.p95),
    p99: round(stats.p99),
    bytesPerResponse: Math.round(load.result.throughput.total / Math.max(1, load.responses.length)),
    bodyBytes: first.bytes.length,
    cpu,
  };
  console.log(
    `  ${label.padEnd(28)} ${String(run.rps).padStart(7)} req/s  p50 ${run.p50} ms  p95 ${run.p95} ms  p99 ${run.p99} ms  ` +
      `(${load.responses.length} responses: ${statusText(load.statuses)}; ${run.bytesPerResponse} B each on the wire, body ${run.bodyBytes} B; CPU bench ${cpu.benchPct}% server ${cpu.serverPct}% pg ${cpu.postgresPct}% other ${cpu.otherPct}%)`,
  );
  return run;
}

const healthy = (body: string) => (body.includes('"status":"ok"') ? null : "not healthy");
const shiftsPage = (body: string) => {
  // Whole days until at least 40 shifts; the later days are links with their counts. Together: every shift.
  const ids = new Set([...body.matchAll(/href="\/shifts\/([0-9a-f-]{36})"/g)].map((m) => m[1]));
  const laterList = body.split('class="later-days"')[1]?.split("</ul>")[0] ?? "";
  const later = [...laterList.matchAll(/(\d+) shifts?\b/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  return ids.size >= 40 && ids.size + later === SHIFTS ? null : `${ids.size} shifts listed and ${later} on later days, expected at least 40 and ${SHIFTS} in all`;
};
const reviewPage = (body: string) => ([...body.matchAll(/href="\/review\/[0-9a-f-]{36}"/g)].length >= 25 ? null : "fewer than 25 reports listed");

async function ssrScenario(port: number, meter: CpuMeter, people: { shiftObserver: Person; attorney: Person }) {
  console.log(`\n[1/5] SSR: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per run`);
  const bare1 = await ssrRun(port, meter, "GET /healthz (bare, before)", "/healthz", null, healthy);
  const shifts = await ssrRun(port, meter, `GET /shifts (${SHIFTS} upcoming; first days listed)`, "/shifts", people.shiftObserver, shiftsPage);
  const review = await ssrRun(port, meter, `GET /review (${REPORTS} reports)`, "/review", people.attorney, reviewPage);
  const bare2 = await ssrRun(port, meter, "GET /healthz (bare, after)", "/healthz", null, healthy);
  const bareRps = (bare1.rps + bare2.rps) / 2;
  const what = (r: SsrRun) => `${r.label}, ${CONNECTIONS} connections for ${DURATION} s`;
  for (const [key, r] of [["bare_before", bare1], ["shifts", shifts], ["review", review], ["bare_after", bare2]] as const) {
    metric(`ssr.${key}.rps`, r.rps, "req/s", `Throughput (200s per second) of ${what(r)}`);
    for (const p of ["p50", "p95", "p99"] as const) metric(`ssr.${key}.${p}`, r[p], "ms", `${p} latency of ${what(r)}`);
    metric(`ssr.${key}.bytes`, r.bytesPerResponse, "B", `Bytes per response on the wire (headers included; gzip where the server compresses) of ${r.label}`);
    metric(`ssr.${key}.body_bytes`, r.bodyBytes, "B", `Body size before compression of ${r.label}`);
    cpuMetrics(`ssr.${key}`, r.label, r.cpu);
  }
  metric("ssr.bare.rps", round(bareRps, 1), "req/s", "Bare route /healthz throughput, mean of the runs before and after the pages");
  metric("ssr.shifts.ratio", round(shifts.rps / bareRps, 3), "ratio", "/shifts req/s ÷ bare /healthz req/s (same server, same run)");
  metric("ssr.review.ratio", round(review.rps / bareRps, 3), "ratio", "/review req/s ÷ bare /healthz req/s (same server, same run)");
  console.log(`  ratio /shifts ÷ bare ${round(shifts.rps / bareRps, 3)}, /review ÷ bare ${round(review.rps / bareRps, 3)} (bare = mean of ${bare1.rps} and ${bare2.rps} req/s)`);
}

// ---- scenario 2: RLS overhead -------------------------------------------------------------

async function rlsScenario(meter: CpuMeter, data: ReviewData) {
  console.log(`\n[2/5] RLS overhead of the review queue: ${RLS_ITERATIONS} iterations per filter and mode (in this process, server idle)`);
  const { result: m, cpu } = await meter.measure(() =>
    measureReviewQueue({ attorney: data.attorneys[0]!, zone: data.zones[2]!, iterations: RLS_ITERATIONS, warmup: Math.min(5, RLS_ITERATIONS) }),
  );
  for (const x of m.mismatches) failures.push(`RLS: ${x}`);
  const row = (name: string) => (name === "overall" ? m.overall : m.rows.find((r) => r.name === name)!);
  for (const name of ["overall", "default", "rare_combination"]) {
    const r = row(name);
    const what = name === "overall" ? "all samples of the common filters" : `filter ${r.label}`;
    metric(`rls.${name}.ratio.p50`, round(r.ratioP50, 3), "ratio", `Review queue, RLS p50 ÷ owner p50, ${what}`);
    metric(`rls.${name}.ratio.p95`, round(r.ratioP95, 3), "ratio", `Review queue, RLS p95 ÷ owner p95, ${what}`);
    metric(`rls.${name}.rls.p50`, round(r.rls.p50, 2), "ms", `reviewQueue() as an attorney under RLS, ${what}, median`);
    metric(`rls.${name}.owner.p50`, round(r.owner.p50, 2), "ms", `The same queries as the table owner (no RLS), ${what}, median`);
  }
  cpuMetrics("rls", "the RLS overhead measurement", cpu);
  printQueue(m);
}

function printQueue(m: QueueMeasurement) {
  for (const r of [...m.rows, m.overall]) {
    console.log(
      `  ${r.label.padEnd(28)} RLS p50 ${r.rls.p50.toFixed(1).padStart(6)} ms, owner p50 ${r.owner.p50.toFixed(1).padStart(6)} ms, ×${r.ratioP50.toFixed(2)} (p95 ×${r.ratioP95.toFixed(2)})${m.slow.includes(r) ? "  SLOW" : ""}`,
    );
  }
}

// ---- scenario 3: claim storm --------------------------------------------------------------

/** Every storm of a run, named for failure messages. */
const stormsOf = (s: ClaimStormResult): [string, Storm][] => [
  ["warm-up HTTP", s.warmHttp],
  ["warm-up direct", s.warmDirect],
  ...s.httpRounds.map((storm, i): [string, Storm] => [`HTTP round ${i + 1}`, storm]),
  ...s.directRounds.map((storm, i): [string, Storm] => [`direct round ${i + 1}`, storm]),
];

async function claimStormScenario(port: number, meter: CpuMeter, zoneId: string, crowd: Person[]) {
  console.log(`\n[3/5] Claim storm: ${crowd.length} observers claim one shift of capacity ${CAPACITY} at once (HTTP, then direct; pool ${POOL})`);
  const { claimShift } = await import("../app/modules/shifts/shifts.server");
  const { result: s, cpu } = await meter.measure(
    (): Promise<ClaimStormResult> =>
      // 20 days ahead: outside the /shifts page's 14 days.
      runClaimStorm({ owner: owner!, port, zoneId, crowd, capacity: CAPACITY, mode: "data", claimShift, firstShiftInHours: 24 * 20, rounds: STORM_ROUNDS, meter }),
  );
  for (const [label, storm] of stormsOf(s)) {
    if (stormFailed(storm)) failures.push(`claim storm ${label}: ${[...storm.violations, ...(storm.errors ? [`${storm.errors} errors, e.g. ${storm.errorSamples.join(" | ")}`] : [])].join("; ")}`);
  }
  for (const [key, storm, what] of [["http", s.http, "over HTTP (POST /shifts/:id.data)"], ["direct", s.direct, "direct (claimShift() over the pool)"]] as const) {
    metric(`claim_storm.${key}.claims_per_s`, storm.claimsPerSecond, "claims/s", `${storm.n} observers claiming one shift at once ${what}, the round with the median p95 of ${STORM_ROUNDS}`);
    metric(`claim_storm.${key}.p50`, storm.p50, "ms", `Claim latency p50 ${what}, the round with the median p95 of ${STORM_ROUNDS}`);
    metric(`claim_storm.${key}.p95`, storm.p95, "ms", `Claim latency p95 ${what}, the round with the median p95 of ${STORM_ROUNDS}`);
    metric(`claim_storm.${key}.p99`, storm.p99, "ms", `Claim latency p99 ${what}, the round with the median p95 of ${STORM_ROUNDS}`);
  }
  metric("claim_storm.accepted", s.http.accepted, "claims", `Observers given a spot in the HTTP storm (capacity ${CAPACITY}); the rest waitlisted`);
  metric("claim_storm.ratio", s.ratio, "ratio", "Claim storm throughput, HTTP ÷ direct");
  if (s.cpuPerClaim?.serverMs != null) metric("claim_storm.http.server_cpu_ms_per_claim", s.cpuPerClaim.serverMs, "ms", "Server CPU per claim in the HTTP storm (what bounds its throughput on 2 cores)");
  if (s.cpuPerClaim?.postgresMs != null) metric("claim_storm.http.postgres_cpu_ms_per_claim", s.cpuPerClaim.postgresMs, "ms", "PostgreSQL CPU per claim in the HTTP storm");
  cpuMetrics("claim_storm", "the claim storm (both storms and their warm-ups)", cpu);
  console.log(
    `  HTTP ${s.http.claimsPerSecond} claims/s (p50 ${s.http.p50} ms, p95 ${s.http.p95} ms; accepted ${s.http.accepted}, waitlisted ${s.http.waitlisted}, errors ${s.http.errors}); ` +
      `direct ${s.direct.claimsPerSecond} claims/s (p50 ${s.direct.p50} ms); ratio ${s.ratio} (median of ${STORM_ROUNDS}; every round: HTTP p95 ${s.httpRounds.map((r) => r.p95).join(", ")} ms, direct p95 ${s.directRounds.map((r) => r.p95).join(", ")} ms)`,
  );
}

// ---- scenario 4: report submission --------------------------------------------------------

const REPORT_PATH = /\/reports\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;

async function submissionScenario(port: number, meter: CpuMeter, data: ReviewData, submitters: Person[]) {
  console.log(`\n[4/5] Report submission over HTTP: ${SUBMIT_PLAIN} reports without media, then ${SUBMIT_MEDIA} with one ${MEDIA_KB} KB sealed medium; ${CONNECTIONS} observers at once`);
  const { sealJson, fromB64u } = await import("../app/integrations/sealing");
  const { sealMedia } = await import("../app/modules/reports/media");
  const { localDateTimeValue } = await import("../app/modules/clock/format");
  const { rows: settings } = await owner!.query<{ time_zone: string }>("select time_zone from public.org_settings limit 1");
  const timeZone = settings[0]?.time_zone ?? "America/Chicago";
  const recipients = data.keys.map((k) => ({ keyId: k.id, publicKey: k.publicKey }));
  const origin = `http://127.0.0.1:${port}`;
  const random = seededRandom(SEED + 4);

  // What the phone sends (report-form.tsx sealFormData): P1 fields in the clear, P2 sealed to the
  // legal team's keys with the client_uuid as associated data, and only the counts beside it.
  const reportBody = () => {
    const clientUuid = randomUUID();
    const { sealed, contentKey } = sealJson(
      {
        v: 1,
        detained: [{ name: "Bench Person", dateOfBirth: "1990-01-01", countryOfBirth: "Mexico", aNumber: "", whereTaken: "Grey van, north", familyContact: "+1 312 555 0100", consentToContact: "yes", contactChannel: "phone", contactLanguage: "es" }],
        witnesses: [{ name: "Bench Witness", contact: "+1 312 555 0101", hasVideo: "yes" }],
      },
      recipients.map((r) => ({ keyId: r.keyId, publicKey: fromB64u(r.publicKey) })),
      clientUuid,
    );
    contentKey.fill(0);
    const form = new URLSearchParams([
      ["clientUuid", clientUuid],
      ["occurredAt", localDateTimeValue(new Date(Date.now() - 15 * 60_000), timeZone)],
      ["activities", "questioning"],
      ["activities", "detaining"],
      ["agencies", "ice_ero"],
      ["agentCountMin", String(2 + Math.floor(random() * 6))],
      ["vehicleCount", "2"],
      ["urgency", "high"],
      ["latitude", (41.8 + random() * 0.1).toFixed(6)],
      ["longitude", (-87.78 + random() * 0.15).toFixed(6)],
      ["accuracy", "15"],
      ["masked", "yes"],
      ["identified", "no"],
      ["warrant", "unknown"],
      ["narrative", "Two unmarked SUVs stopped near the bakery; agents questioned a man and put him in a grey van. ".repeat(3)],
      ["sealed", JSON.stringify(sealed)],
      ["sealedDetained", "1"],
      ["sealedWitnesses", "1"],
    ]);
    return form.toString();
  };
  const headersFor = (i: number) => ({ Cookie: submitters[i % submitters.length]!.cookie, Origin: origin });

  // Bodies made before the clock starts (each is one X25519 seal per recipient, as on the phone).
  const makeBodies = (n: number) => Array.from({ length: n + 2 * CONNECTIONS }, reportBody);
  // Each sequence of requests (one report, or a report and its medium) is sent as the next of the
  // submitting observers in turn, with that observer's session.
  const submitRequest = (bodies: string[], onResponse?: autocannon.Request["onResponse"]): autocannon.Request => {
    let next = 0;
    let client = 0;
    return {
      method: "POST",
      path: "/reports/new.data",
      setupRequest: (req, context) => {
        const ctx = context as { observer?: number };
        ctx.observer ??= client++;
        const body = bodies[next++] ?? reportBody();
        return { ...req, headers: { ...req.headers, ...headersFor(ctx.observer), "Content-Type": "application/x-www-form-urlencoded" }, body };
      },
      onResponse,
    };
  };

  const countReports = async () =>
    Number((await owner!.query<{ n: string }>("select count(*) n from public.reports where author_id = any($1::uuid[])", [submitters.map((s) => s.id)])).rows[0]!.n);
  const countMedia = async () =>
    Number(
      (
        await owner!.query<{ n: string }>(
          "select count(*) n from public.report_media m join public.reports r on r.id = m.report_id where r.author_id = any($1::uuid[])",
          [submitters.map((s) => s.id)],
        )
      ).rows[0]!.n,
    );

  // -- a. without media --
  const warmBodies = makeBodies(CONNECTIONS * 2);
  await cannon(port, { path: "/reports/new.data", amount: CONNECTIONS * 2, requests: [submitRequest(warmBodies)] });
  const plainBodies = makeBodies(SUBMIT_PLAIN);
  const before = await countReports();
  const { result: plain, cpu: plainCpu } = await meter.measure(() =>
    cannon(port, { path: "/reports/new.data", amount: SUBMIT_PLAIN, requests: [submitRequest(plainBodies)] }),
  );
  const stored = (await countReports()) - before;
  const plainOk = plain.responses.filter((r) => r.status >= 200 && r.status < 400).length;
  if (plainOk !== SUBMIT_PLAIN || stored !== SUBMIT_PLAIN) failures.push(`submission without media: ${plainOk} acknowledged, ${stored} stored of ${SUBMIT_PLAIN} (${statusText(plain.statuses)})`);
  const plainStats = latencyStats(plain.responses.map((r) => r.ms));
  const plainRate = round(stored / plain.seconds, 1);
  metric("submit.plain.reports_per_s", plainRate, "reports/s", `Reports submitted (POST /reports/new.data, P2 sealed, no media) and stored, per second, ${CONNECTIONS} observers at once`);
  metric("submit.plain.p50", round(plainStats.p50), "ms", "Latency p50 of POST /reports/new.data (report without media)");
  metric("submit.plain.p95", round(plainStats.p95), "ms", "Latency p95 of POST /reports/new.data (report without media)");
  metric("submit.plain.p99", round(plainStats.p99), "ms", "Latency p99 of POST /reports/new.data (report without media)");
  cpuMetrics("submit.plain", "report submission without media", plainCpu);
  console.log(
    `  without media: ${plainRate} reports/s, p50 ${round(plainStats.p50)} ms, p95 ${round(plainStats.p95)} ms (${statusText(plain.statuses)}; ${stored} stored; ` +
      `CPU bench ${plainCpu.benchPct}% server ${plainCpu.serverPct}% pg ${plainCpu.postgresPct}% other ${plainCpu.otherPct}%)`,
  );

  // -- b. with one sealed medium --
  // A JPEG's first bytes, then deterministic noise: the sealed path checks sizes and the box, not the pixels.
  const medium = new Uint8Array(MEDIA_KB * 1024);
  for (let i = 0; i < medium.length; i++) medium[i] = Math.floor(random() * 256);
  medium.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
  // What sealing costs the load generator per medium (the phone pays it too).
  const sealTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    sealMedia({ bytes: medium, reportId: randomUUID(), mediaId: randomUUID(), contentType: "image/jpeg" }, recipients);
    sealTimes.push(performance.now() - t);
  }
  const boundary = `----bench${randomBytes(8).toString("hex")}`;
  const multipart = (reportId: string) => {
    const mediaId = randomUUID();
    const { sealed, nonce, ciphertext } = sealMedia({ bytes: medium, reportId, mediaId, contentType: "image/jpeg" }, recipients);
    const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    return Buffer.concat([
      Buffer.from(
        field("mediaId", mediaId) +
          field("box", JSON.stringify(sealed)) +
          field("nonce", nonce) +
          field("contentType", "image/jpeg") +
          field("size", String(medium.length)) +
          `--${boundary}\r\nContent-Disposition: form-data; name="ciphertext"; filename="sealed.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(ciphertext),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
  };
  const mediaBodies = makeBodies(SUBMIT_MEDIA);
  const mediaBefore = await countMedia();
  const reportsBefore = await countReports();
  const submit = submitRequest(mediaBodies, (status, body, context, headers) => {
    // The single-fetch answer to a redirecting action names the report; so does a Location header.
    const match = REPORT_PATH.exec(String(headers?.location ?? "")) ?? REPORT_PATH.exec(body);
    (context as { reportId?: string }).reportId = status < 400 && match ? match[1] : undefined;
  });
  const upload: autocannon.Request = {
    method: "POST",
    path: "/reports/00000000-0000-0000-0000-000000000000/media",
    setupRequest: (req, context) => {
      const ctx = context as { observer?: number; reportId?: string };
      // No report (its submission failed): start the sequence again, as autocannon counts a reset.
      if (!ctx.reportId || ctx.observer === undefined) return null as unknown as autocannon.Request;
      return {
        ...req,
        path: `/reports/${ctx.reportId}/media`,
        headers: { ...req.headers, ...headersFor(ctx.observer), Accept: "application/json", "Content-Type": `multipart/form-data; boundary=${boundary}` },
        body: multipart(ctx.reportId),
      };
    },
  };
  const { result: media, cpu: mediaCpu } = await meter.measure(() =>
    cannon(port, { path: "/reports/new.data", amount: SUBMIT_MEDIA * 2, requests: [submit, upload] }),
  );
  // Responses come in pairs per connection: the report (a redirect) and then its medium (200).
  const submitMs: number[] = [];
  const uploadMs: number[] = [];
  const perReport: number[] = [];
  const submitted = new Map<unknown, number>();
  for (const r of media.responses) {
    const earlier = submitted.get(r.client);
    if (earlier !== undefined && r.status === 200) {
      uploadMs.push(r.ms);
      perReport.push(earlier + r.ms);
      submitted.delete(r.client);
    } else {
      submitMs.push(r.ms);
      submitted.set(r.client, r.ms);
    }
  }
  const mediaStored = (await countMedia()) - mediaBefore;
  const mediaReports = (await countReports()) - reportsBefore;
  const uploadsOk = media.responses.filter((r) => r.status === 200).length;
  if (mediaStored !== SUBMIT_MEDIA || uploadsOk !== SUBMIT_MEDIA || mediaReports !== SUBMIT_MEDIA || media.result.resets) {
    failures.push(`submission with media: ${mediaReports} reports and ${mediaStored} media stored, ${uploadsOk} uploads acknowledged, of ${SUBMIT_MEDIA} (${statusText(media.statuses)}; ${media.result.resets} resets)`);
  }
  const mediaRate = round(mediaStored / media.seconds, 1);
  const upStats = latencyStats(uploadMs);
  const subStats = latencyStats(submitMs);
  const e2e = latencyStats(perReport);
  metric("submit.media.reports_per_s", mediaRate, "reports/s", `Reports with one ${MEDIA_KB} KB sealed medium (submit, then POST /reports/:id/media) completed per second, ${CONNECTIONS} observers at once`);
  metric("submit.media.p50", round(e2e.p50), "ms", "Per report with medium, p50 of submit latency + upload latency (the load generator's sealing in between not included)");
  metric("submit.media.p95", round(e2e.p95), "ms", "Per report with medium, p95 of submit latency + upload latency");
  metric("submit.media.upload.p50", round(upStats.p50), "ms", `Latency p50 of POST /reports/:id/media with ${MEDIA_KB} KB of ciphertext`);
  metric("submit.media.upload.p95", round(upStats.p95), "ms", `Latency p95 of POST /reports/:id/media with ${MEDIA_KB} KB of ciphertext`);
  metric("submit.media.submit.p50", round(subStats.p50), "ms", "Latency p50 of POST /reports/new.data during the media run");
  metric("submit.media.seal_ms", round(latencyStats(sealTimes).p50, 2), "ms", `sealMedia() of ${MEDIA_KB} KB to ${recipients.length} keys in the load generator (median of 10; the phone pays this too)`);
  cpuMetrics("submit.media", "report submission with media", mediaCpu);
  console.log(
    `  with media: ${mediaRate} reports/s, per report p50 ${round(e2e.p50)} ms, p95 ${round(e2e.p95)} ms; upload p50 ${round(upStats.p50)} ms, p95 ${round(upStats.p95)} ms ` +
      `(${statusText(media.statuses)}; ${mediaReports} reports, ${mediaStored} media stored; sealing ${round(latencyStats(sealTimes).p50, 1)} ms each; ` +
      `CPU bench ${mediaCpu.benchPct}% server ${mediaCpu.serverPct}% pg ${mediaCpu.postgresPct}% other ${mediaCpu.otherPct}%)`,
  );
}

// ---- scenario 5: a remote database --------------------------------------------------------

interface RemotePage {
  key: string;
  path: string;
  person: Person | null;
  check: (body: string) => string | null;
}

interface PageAtDelay {
  p50: number;
  p95: number;
  /** Per request, medians (and the maximum of round trips) of what the proxy counted. */
  roundTrips: number;
  roundTripsMax: number;
  statements: number;
  transactions: number;
}

const median = (xs: number[]) => latencyStats(xs).p50;

/** REMOTE_REQUESTS sequential GETs of one page (after 3 unmeasured), the proxy reset before each. */
async function sequentialPage(port: number, proxy: PgProxy, page: RemotePage): Promise<PageAtDelay> {
  const headers: Record<string, string> = { Accept: "text/html", "Accept-Encoding": "gzip", ...(page.person ? { Cookie: page.person.cookie } : {}) };
  dropIdleSockets();
  const first = await request(port, "GET", page.path, { ...headers, "Accept-Encoding": "identity" });
  const problem = first.status !== 200 ? `status ${first.status}` : page.check(first.body);
  if (problem) throw new Error(`GET ${page.path} as ${page.person?.email ?? "nobody"}: ${problem}\n${first.body.slice(0, 300)}`);
  for (let i = 0; i < 3; i++) await request(port, "GET", page.path, headers);
  const ms: number[] = [];
  const trips: number[] = [];
  const statements: number[] = [];
  const transactions: number[] = [];
  const statuses: Record<string, number> = {};
  for (let i = 0; i < REMOTE_REQUESTS; i++) {
    proxy.reset();
    const reply = await request(port, "GET", page.path, headers);
    const c = proxy.counters();
    statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    ms.push(reply.ms);
    trips.push(c.roundTrips);
    statements.push(c.statements);
    transactions.push(c.transactions);
  }
  if (statuses["200"] !== REMOTE_REQUESTS) failures.push(`remote ${page.path} at ${proxy.delayMs} ms: ${statusText(statuses)}`);
  const stats = latencyStats(ms);
  return {
    p50: round(stats.p50),
    p95: round(stats.p95),
    roundTrips: median(trips),
    roundTripsMax: Math.max(...trips),
    statements: median(statements),
    transactions: median(transactions),
  };
}

async function remoteScenario(
  meter: CpuMeter,
  ctx: { data: ReviewData; shiftObserver: Person; coordinator: Person; crowd: Person[]; shiftId: string; reportId: string },
) {
  const delays = [...new Set(REMOTE_DELAYS)].sort((a, b) => a - b);
  console.log(
    `\n[5/5] Remote database: the production server's DATABASE_URL through bench/lib/pg-proxy.ts at ${delays.join(", ")} ms each way; ` +
      `${REMOTE_REQUESTS} sequential requests per page and delay, one user`,
  );
  const proxy = await startPgProxy({ target: database!.url, delayMs: delays[0] });
  const proxyUrl = proxy.url(database!.url);
  try {
    await server.stop();
    const port = await server.start({ databaseUrl: proxyUrl, sessionSecret: SESSION_SECRET, dataDir: DATA_DIR, poolSize: POOL, workers: WORKERS });
    console.log(`  Production server on port ${port}, pid ${server.pid}, DATABASE_URL through the proxy on port ${proxy.port}`);
    const { attorneys } = ctx.data;
    const pages: RemotePage[] = [
      { key: "healthz", path: "/healthz", person: null, check: healthy },
      { key: "shifts", path: "/shifts", person: ctx.shiftObserver, check: shiftsPage },
      { key: "shift", path: `/shifts/${ctx.shiftId}`, person: ctx.shiftObserver, check: () => null },
      { key: "my_shifts", path: "/my/shifts", person: ctx.shiftObserver, check: (b) => (b.includes(`/shifts/${ctx.shiftId}`) ? null : "the claimed shift is not listed") },
      { key: "reports_new", path: "/reports/new", person: ctx.shiftObserver, check: () => null },
      { key: "review", path: "/review", person: attorneys[0]!, check: reviewPage },
      { key: "review_detail", path: `/review/${ctx.reportId}`, person: attorneys[0]!, check: () => null },
      { key: "coordinate_live", path: "/coordinate/live", person: ctx.coordinator, check: () => null },
    ];
    const results = new Map<string, Map<number, PageAtDelay>>(pages.map((p) => [p.key, new Map()]));
    const { cpu: seqCpu } = await meter.measure(async () => {
      for (const delay of delays) {
        proxy.setDelay(delay);
        for (const page of pages) results.get(page.key)!.set(delay, await sequentialPage(port, proxy, page));
      }
    });
    cpuMetrics("remote.sequential", "the sequential requests over the proxy", seqCpu);

    // The table: p50/p95 per page per delay, the slope, and what the proxy counted per request.
    const hasSlope = delays.includes(0) && delays.includes(5);
    const slope = (key: string) => {
      const r = results.get(key)!;
      return hasSlope ? round((r.get(5)!.p50 - r.get(0)!.p50) / 10, 2) : NaN;
    };
    console.log(
      `  ${"page".padEnd(22)} ${delays.map((d) => `${`${d} ms: p50 / p95`.padStart(22)}`).join(" ")}  ${"ms per ms RT".padStart(12)}  round trips  statements  transactions  (per request, median)`,
    );
    for (const page of pages) {
      const r = results.get(page.key)!;
      const at0 = r.get(delays[0]!)!;
      const shown = page.path.replace(/[0-9a-f-]{36}/, ":id");
      console.log(
        `  ${shown.padEnd(22)} ${delays.map((d) => `${r.get(d)!.p50} / ${r.get(d)!.p95} ms`.padStart(22)).join(" ")}  ${String(slope(page.key)).padStart(12)}  ` +
          `${String(at0.roundTrips).padStart(11)}  ${String(at0.statements).padStart(10)}  ${String(at0.transactions).padStart(12)}${at0.roundTripsMax !== at0.roundTrips ? `  (round trips up to ${at0.roundTripsMax})` : ""}`,
      );
      for (const d of delays) {
        const x = r.get(d)!;
        metric(`remote.${page.key}.d${d}.p50`, x.p50, "ms", `GET ${shown} single user, sequential, database ${d} ms away each way (${2 * d} ms round trip), p50`);
        metric(`remote.${page.key}.d${d}.p95`, x.p95, "ms", `GET ${shown} single user, sequential, database ${d} ms away each way, p95`);
      }
      metric(`remote.${page.key}.ms_per_rt_ms`, slope(page.key), "ms/ms", `GET ${shown}: latency added per ms of database round trip, (p50 at 5 ms − p50 at 0 ms each way) ÷ 10 ms`);
      metric(`remote.${page.key}.round_trips`, at0.roundTrips, "round trips", `GET ${shown}: database round trips per request (median, counted by the proxy)`);
      metric(`remote.${page.key}.statements`, at0.statements, "statements", `GET ${shown}: SQL statements per request (median, counted by the proxy)`);
      metric(`remote.${page.key}.transactions`, at0.transactions, "transactions", `GET ${shown}: transactions per request (median, counted by the proxy)`);
    }

    // Under load: /healthz (the bare route) and /shifts at 0 ms and at 5 ms each way.
    const loadDelays = delays.filter((d) => d === 0 || d === 5);
    const load = new Map<number, { bare: SsrRun; shifts: SsrRun }>();
    for (const d of loadDelays) {
      proxy.setDelay(d);
      console.log(`  Under load at ${d} ms each way (${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s):`);
      const bare = await ssrRun(port, meter, `GET /healthz (bare, ${d} ms)`, "/healthz", null, healthy);
      const shifts = await ssrRun(port, meter, `GET /shifts (${d} ms)`, "/shifts", ctx.shiftObserver, shiftsPage);
      load.set(d, { bare, shifts });
      const ratio = round(shifts.rps / bare.rps, 3);
      console.log(`  ratio /shifts ÷ bare at ${d} ms: ${ratio}`);
      metric(`remote.load.d${d}.bare.rps`, bare.rps, "req/s", `GET /healthz, ${CONNECTIONS} connections, database ${d} ms away each way`);
      metric(`remote.load.d${d}.shifts.rps`, shifts.rps, "req/s", `GET /shifts as an observer, ${CONNECTIONS} connections, database ${d} ms away each way`);
      metric(`remote.load.d${d}.shifts.p95`, shifts.p95, "ms", `GET /shifts p95 under load, database ${d} ms away each way`);
      metric(`remote.load.d${d}.ratio`, ratio, "ratio", `/shifts req/s ÷ /healthz req/s, database ${d} ms away each way`);
      cpuMetrics(`remote.load.d${d}.shifts`, `/shifts under load at ${d} ms`, shifts.cpu);
    }

    // The claim storm over the proxy (HTTP, and the direct storm through the proxy as well).
    const storms = new Map<number, ClaimStormResult>();
    if (REMOTE_STORM) {
      const { claimShift } = await import("../app/modules/shifts/shifts.server");
      // The in-process pool (direct storm) through the proxy too.
      await closeAppPool?.();
      process.env.DATABASE_URL = proxyUrl;
      try {
        for (const [i, d] of loadDelays.entries()) {
          proxy.setDelay(d);
          const s = await runClaimStorm({
            owner: owner!,
            port,
            zoneId: ctx.data.zones[0]!,
            crowd: ctx.crowd,
            capacity: CAPACITY,
            mode: "data",
            claimShift,
            // after the storm scenario's shifts and each earlier delay's: no observer's shifts overlap
            firstShiftInHours: 24 * 20 + stormSpanHours(STORM_ROUNDS) * (i + 1),
            rounds: STORM_ROUNDS,
            meter,
          });
          storms.set(d, s);
          for (const [label, storm] of stormsOf(s)) {
            if (stormFailed(storm)) failures.push(`remote claim storm ${label} at ${d} ms: ${[...storm.violations, ...(storm.errors ? [`${storm.errors} errors, e.g. ${storm.errorSamples.join(" | ")}`] : [])].join("; ")}`);
          }
          console.log(
            `  Claim storm at ${d} ms each way (${ctx.crowd.length} observers, capacity ${CAPACITY}; median of ${STORM_ROUNDS}): HTTP ${s.http.claimsPerSecond} claims/s (p50 ${s.http.p50} ms, p95 ${s.http.p95} ms), ` +
              `direct ${s.direct.claimsPerSecond} claims/s (p95 ${s.direct.p95} ms); HTTP ÷ direct ${s.ratio}; CPU per claim: server ${s.cpuPerClaim?.serverMs ?? "?"} ms, PostgreSQL ${s.cpuPerClaim?.postgresMs ?? "?"} ms, this process (crowd and proxy) ${s.cpuPerClaim?.httpBenchMs ?? "?"} ms; ` +
              `every round: HTTP p95 ${s.httpRounds.map((r) => r.p95).join(", ")} ms, direct p95 ${s.directRounds.map((r) => r.p95).join(", ")} ms`,
          );
          metric(`remote.claim_storm.d${d}.http.p95`, s.http.p95, "ms", `Claim storm over HTTP, database ${d} ms away each way, claim latency p95 (the median round of ${STORM_ROUNDS})`);
          metric(`remote.claim_storm.d${d}.http.claims_per_s`, s.http.claimsPerSecond, "claims/s", `Claim storm over HTTP, database ${d} ms away each way`);
          metric(`remote.claim_storm.d${d}.direct.claims_per_s`, s.direct.claimsPerSecond, "claims/s", `Claim storm calling claimShift() in this process through the proxy, ${d} ms each way`);
          metric(`remote.claim_storm.d${d}.ratio`, s.ratio, "ratio", `Claim storm throughput HTTP ÷ direct, database ${d} ms away each way`);
          const cpu = s.cpuPerClaim;
          if (cpu?.serverMs != null) metric(`remote.claim_storm.d${d}.http.server_cpu_ms_per_claim`, cpu.serverMs, "ms", `Server CPU per claim in the HTTP storm, ${d} ms each way`);
          if (cpu?.postgresMs != null) metric(`remote.claim_storm.d${d}.http.postgres_cpu_ms_per_claim`, cpu.postgresMs, "ms", `PostgreSQL CPU per claim in the HTTP storm, ${d} ms each way`);
          if (cpu?.httpBenchMs != null) metric(`remote.claim_storm.d${d}.http.bench_cpu_ms_per_claim`, cpu.httpBenchMs, "ms", `This process's CPU per claim in the HTTP storm (the crowd's HTTP clients and the proxy), ${d} ms each way`);
          if (cpu?.directPostgresMs != null) metric(`remote.claim_storm.d${d}.direct.postgres_cpu_ms_per_claim`, cpu.directPostgresMs, "ms", `PostgreSQL CPU per claim in the direct storm, ${d} ms each way`);
          if (cpu?.directBenchMs != null) metric(`remote.claim_storm.d${d}.direct.bench_cpu_ms_per_claim`, cpu.directBenchMs, "ms", `This process's CPU per claim in the direct storm (claimShift and the proxy), ${d} ms each way`);
        }
      } finally {
        await closeAppPool?.();
        process.env.DATABASE_URL = database!.url;
      }
    }

    // The targets of issue 15, at 10 ms round trip (5 ms each way).
    console.log("  Targets at 10 ms round trip (5 ms each way):");
    const target = (name: string, what: string, value: number, ok: (v: number) => boolean, goal: string) => {
      const met = Number.isFinite(value) && ok(value);
      console.log(`    ${met ? "met    " : "NOT MET"}  ${what}: ${Number.isFinite(value) ? value : "not measured"} (target ${goal})`);
      metric(`remote.target.${name}`, met ? 1 : 0, "met", `${what} ${goal}: 1 met, 0 not met (value ${value})`);
    };
    for (const key of ["shifts", "review"]) {
      const r = results.get(key)!;
      const added = hasSlope ? round(r.get(5)!.p50 - r.get(0)!.p50) : NaN;
      target(`${key}_added_ms`, `GET /${key} p50 added over 0 ms`, added, (v) => v <= 50, "≤ 50 ms");
    }
    const l5 = load.get(5);
    target("shifts_load_ratio", "/shifts req/s ÷ bare req/s under load at 5 ms", l5 ? round(l5.shifts.rps / l5.bare.rps, 3) : NaN, (v) => v >= 0.25, "≥ 0.25");
    const l0 = load.get(0);
    if (l0) console.log(`    (at 0 ms: /shifts ${l0.shifts.rps} req/s ÷ bare ${l0.bare.rps} req/s = ${round(l0.shifts.rps / l0.bare.rps, 3)})`);
    const s5 = storms.get(5);
    target("claim_storm_p95", "claim storm HTTP p95 at 5 ms", s5 ? s5.http.p95 : NaN, (v) => v <= 600, "≤ 600 ms");
    target("claim_storm_ratio", "claim storm HTTP ÷ direct at 5 ms", s5 ? s5.ratio : NaN, (v) => v >= 0.7, "≥ 0.7");
    const s0 = storms.get(0);
    if (s0) console.log(`    (at 0 ms: claim storm HTTP p95 ${s0.http.p95} ms, HTTP ÷ direct ${s0.ratio})`);
  } finally {
    await server.stop();
    await proxy.close();
  }
}

// ---- seeding ------------------------------------------------------------------------------

/** SHIFTS upcoming shifts over the next 13 days, round-robin over the zones, 2–6 places each. */
async function seedShifts(zones: string[]) {
  const stepMinutes = Math.floor((13 * 24 * 60) / SHIFTS);
  await owner!.query(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity, needs_languages, notes)
     select ($1::uuid[])[1 + (g % cardinality($1::uuid[]))],
            date_trunc('hour', now()) + interval '2 hours' + (g - 1) * make_interval(mins => $2),
            date_trunc('hour', now()) + interval '6 hours' + (g - 1) * make_interval(mins => $2),
            2 + g % 5,
            case when g % 4 = 0 then '{es}'::text[] else '{}'::text[] end,
            'Bench shift ' || g
     from generate_series(1, $3::int) g`,
    [zones, stepMinutes, SHIFTS],
  );
  return stepMinutes;
}

// ---- main ---------------------------------------------------------------------------------

async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    phases.push({ name, seconds: round((performance.now() - started) / 1000) });
  }
}

async function main() {
  const t0 = performance.now();
  console.log(
    `Testigo benchmark suite${QUICK ? " (--quick)" : ""}: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
  );
  const build = await phase("build", async () => ensureBuild(BUILD));
  database = await phase("database", () => startBenchDatabase(DATA_DIR, DB_NAME));
  rmSync(`${DATA_DIR}/files`, { recursive: true, force: true });
  process.env.DATABASE_URL = database.url;

  const { closeDb } = await import("../app/db/client.server");
  const { sessionCookie } = await import("../app/modules/auth/cookies.server");
  closeAppPool = closeDb;
  const cookie = sessionCookie();
  const serialize = (token: string) => cookie.serialize(token);

  owner = new pg.Client({ connectionString: database.url });
  await owner.connect();

  const seeded = await phase("seed", async () => {
    const data = await seedReviewData(owner!, { rows: REPORTS, seed: SEED, serializeCookie: serialize });
    const stepMinutes = await seedShifts(data.zones);
    const [shiftObserver] = await makePeople(owner!, serialize, { prefix: "bench_shift_observer", count: 1, role: "observer", trainedDaysAgo: 30 });
    const submitters = await makePeople(owner!, serialize, { prefix: "bench_submitter", count: CONNECTIONS, role: "observer", trainedDaysAgo: 30 });
    const storm = await makePeople(owner!, serialize, { prefix: "bench_storm", count: STORM_N, role: "observer", trainedDaysAgo: 30 });
    const [coordinator] = await makePeople(owner!, serialize, { prefix: "bench_coordinator", count: 1, role: "coordinator" });
    await owner!.query("analyze");
    return { data, stepMinutes, shiftObserver: shiftObserver!, coordinator: coordinator!, submitters, crowd: seededShuffle(storm, SEED) };
  });
  const { data } = seeded;
  console.log(
    `Seeded (seed ${SEED}) in ${phases.at(-1)!.seconds} s: ${REPORTS} reports (${data.tableSize}; ${data.mix.map((x) => `${x.status} ${x.n}`).join(", ")}), ` +
      `${data.zones.length} zones, ${SHIFTS} upcoming shifts (one every ${seeded.stepMinutes} min over 13 days), 2 sealing keys, ` +
      `${data.attorneys.length} attorneys, ${data.observers.length} report authors, 1 observer for /shifts, ${CONNECTIONS} submitting observers, ${STORM_N} storm observers`,
  );
  metric("seed.reports", REPORTS, "reports", "Reports seeded for /review and the RLS measurement (deterministic)");
  metric("seed.shifts", SHIFTS, "shifts", "Upcoming shifts seeded for /shifts");
  metric("seed.seconds", round(data.seedMs / 1000), "s", "Time to seed the reports and vacuum-analyze");

  const port = await phase("server start", () => server.start({ databaseUrl: database!.url, sessionSecret: SESSION_SECRET, dataDir: DATA_DIR, poolSize: POOL, workers: WORKERS }));
  console.log(`Production server (build ${build}) on port ${port}, pid ${server.pid}, pool ${POOL}; PostgreSQL ${database.serverVersion}, postmaster pid ${database.postmasterPid}`);
  const meter = new CpuMeter({ server: () => server.pid, postgres: () => database?.postmasterPid ?? null });

  if (runs("ssr")) await phase("ssr", () => ssrScenario(port, meter, { shiftObserver: seeded.shiftObserver, attorney: data.attorneys[0]! }));
  if (runs("rls")) await phase("rls", () => rlsScenario(meter, data));
  if (runs("storm")) await phase("claim storm", () => claimStormScenario(port, meter, data.zones[0]!, seeded.crowd));
  if (runs("submit")) await phase("submission", () => submissionScenario(port, meter, data, seeded.submitters));
  if (runs("remote")) {
    // The first seeded shift, claimed by the /shifts observer so that /my/shifts lists it, and the newest report.
    const { rows: shiftRows } = await owner.query<{ id: string }>("select id from public.shifts where notes = 'Bench shift 1'");
    const { claimShift } = await import("../app/modules/shifts/shifts.server");
    await claimShift(seeded.shiftObserver.claims, shiftRows[0]!.id);
    const { rows: reportRows } = await owner.query<{ id: string }>("select id from public.reports order by created_at desc, id limit 1");
    await phase("remote", () =>
      remoteScenario(meter, { data, shiftObserver: seeded.shiftObserver, coordinator: seeded.coordinator, crowd: seeded.crowd, shiftId: shiftRows[0]!.id, reportId: reportRows[0]!.id }),
    );
  }
  await server.stop();
  // The sealed media the run uploaded (some tens of MB of ciphertext).
  rmSync(`${DATA_DIR}/files`, { recursive: true, force: true });

  const totalSeconds = round((performance.now() - t0) / 1000);
  metric("run.seconds", totalSeconds, "s", `Wall time of this run${QUICK ? " (--quick)" : ""}, including ${build === "built" ? "the build" : "no build (reused)"}`);
  metric("run.cpus", os.cpus().length, "CPUs", "CPUs shared by the server, PostgreSQL and the load generator");
  metric("run.failures", failures.length, "failures", "Checks that failed (non-200s, lost writes, broken claim invariants, RLS mismatches); 0 when all passed");

  // ---- the table ----
  const width = Math.max(...metrics.map((m) => m.name.length));
  console.log("");
  console.log(`${"metric".padEnd(width)}  ${"value".padStart(10)}  ${"unit".padEnd(13)}  description`);
  console.log(`${"-".repeat(width)}  ${"-".repeat(10)}  ${"-".repeat(13)}  ${"-".repeat(11)}`);
  for (const m of metrics) console.log(`${m.name.padEnd(width)}  ${String(m.value).padStart(10)}  ${m.unit.padEnd(13)}  ${m.description}`);
  console.log("");
  console.log(
    `Note: the server, PostgreSQL and the load generator (autocannon, in this process) share ${os.cpus().length} cores, ` +
      `so every figure is a floor for a dedicated machine, and CPU is given as % of one core (${os.cpus().length * 100}% = all cores). ` +
      `Load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (other work on the machine adds noise).`,
  );
  console.log(`Phases: ${phases.map((p) => `${p.name} ${p.seconds} s`).join(", ")}; total ${totalSeconds} s.`);
  for (const f of failures) console.log(`FAILED: ${f}`);

  mkdirSync("bench/results", { recursive: true });
  const write = (file: string, list: Metric[]) => {
    writeFileSync(`bench/results/${file}`, `${JSON.stringify(list, null, 2)}\n`);
    console.log(`Wrote bench/results/${file}.`);
  };
  const context = (m: Metric) => m.name.startsWith("seed.") || m.name.startsWith("run.");
  if (runs("remote")) write("remote.json", metrics.filter((m) => m.name.startsWith("remote.") || context(m)));
  if (!PARTIAL) write("latest.json", metrics);
  else if (ONLY.some((x) => x !== "remote")) write("partial.json", metrics);
  return failures.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (server.log.length) console.error(`Server output (last lines):\n${server.log.join("\n")}`);
} finally {
  await cleanup();
  keepAlive.destroy();
}
process.exit(code);
