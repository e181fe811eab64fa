/**
 * A claim storm: N observers (default 200) claim one shift of CAPACITY (default 5) at once,
 * through the real HTTP server running the production build, then the same claim SQL is called
 * directly over a pool of the same size. `npm run bench:claim-storm [-- --n=200 --capacity=5]`.
 *
 * Options, as `--name=value` or environment variables: N, CAPACITY, POOL (the server's
 * DATABASE_POOL_SIZE and the direct pool's size, default 20), MODE (`data`: the single-fetch
 * POST /shifts/<id>.data a hydrated browser sends, the default; `document`: a plain form post to
 * /shifts/<id>, which renders the page), BUILD (`auto`: build when build/ is missing or older than
 * app/, the default; `always`; `never`), ROUNDS (storms each way, default 3: one storm lasts about
 * a second, a noisy sample on a shared machine, so the table shows the round with the median p95
 * and every round's p95 is printed).
 *
 * Everything runs in a throwaway database `testigo_bench` on an embedded PostgreSQL in
 * .data/bench (never the dev database). Observers and their sessions are made straight in the
 * database, as the local auth provider would make them, so nobody signs in through HTTP.
 * Accepted and waitlisted are counted from shift_assignments after each storm, not from responses.
 * Exits non-zero on any error or broken invariant. Writes bench/results/claim-storm.json.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";
import { runClaimStorm, stormFailed, type ClaimMode, type Storm } from "./lib/claim-storm";
import { CpuMeter, ensureBuild, keepAlive, makePeople, options, ProductionServer, request, round, seededShuffle, startBenchDatabase, type BenchDatabase, type BuildMode } from "./lib/harness";

// ---- options ------------------------------------------------------------------------------

const option = options();
const N = Number(option("N", "200"));
const CAPACITY = Number(option("CAPACITY", "5"));
const POOL = Number(option("POOL", "20"));
const MODE = option("MODE", "data") as ClaimMode;
const BUILD = option("BUILD", "auto") as BuildMode;
const ROUNDS = Number(option("ROUNDS", "3"));
const WORKERS = Number(option("WORKERS", "1"));
if (!(N >= 1 && CAPACITY >= 1 && CAPACITY <= 100 && POOL >= 1 && Number.isInteger(ROUNDS) && ROUNDS >= 1 && ROUNDS <= 9 && Number.isInteger(WORKERS) && WORKERS >= 1 && WORKERS <= 16) || !["data", "document"].includes(MODE) || !["auto", "always", "never"].includes(BUILD)) {
  console.error("Usage: bench/claim-storm.ts [--n=200] [--capacity=5 (1-100)] [--pool=20] [--rounds=3 (1-9)] [--workers=1 (server processes)] [--mode=data|document] [--build=auto|always|never]");
  process.exit(2);
}

const DB_NAME = "testigo_bench";
const DATA_DIR = ".data/bench";
const SESSION_SECRET = randomBytes(32).toString("base64url");
// The bench signs cookies exactly as the production server does (app/modules/auth/cookies.server.ts).
Object.assign(process.env, { NODE_ENV: "production", SESSION_SECRET, SMTP_URL: "smtp://127.0.0.1:2525", DATABASE_POOL_SIZE: String(POOL) });

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

// ---- main ---------------------------------------------------------------------------------

async function main() {
  const t0 = performance.now();
  const build = ensureBuild(BUILD);

  database = await startBenchDatabase(DATA_DIR, DB_NAME);
  const databaseUrl = database.url;
  process.env.DATABASE_URL = databaseUrl;

  // The app's own modules, after DATABASE_URL and DATABASE_POOL_SIZE are set for its pool.
  const { closeDb } = await import("../app/db/client.server");
  const { claimShift } = await import("../app/modules/shifts/shifts.server");
  const { sessionCookie } = await import("../app/modules/auth/cookies.server");
  closeAppPool = closeDb;

  owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();

  // N observers, trained a month ago, each with a session as the local provider's verifyCode makes it.
  const cookie = sessionCookie();
  const observers = await makePeople(owner, (token) => cookie.serialize(token), { prefix: "bench_observer", count: N, role: "observer", trainedDaysAgo: 30 });
  // Arrival order is the same for both storms and on every run, and not the order of creation.
  const crowd = seededShuffle(observers, 20261126);

  const geometry = { type: "Polygon", coordinates: [[[-87.7, 41.8], [-87.69, 41.8], [-87.69, 41.81], [-87.7, 41.81], [-87.7, 41.8]]] };
  const { rows: zones } = await owner.query<{ id: string }>("insert into public.zones (name, geometry) values ('Bench zone', $1) returning id", [
    JSON.stringify(geometry),
  ]);

  const port = await server.start({ databaseUrl, sessionSecret: SESSION_SECRET, dataDir: DATA_DIR, poolSize: POOL, workers: WORKERS });
  const setupMs = performance.now() - t0;

  // Warm-up: open the server's pool connections (the storms warm up the claim path themselves).
  await Promise.all(Array.from({ length: POOL * 2 }, () => request(port, "GET", "/healthz")));
  const meter = new CpuMeter({ server: () => server.pid, postgres: () => database?.postmasterPid ?? null });
  const { warmHttp, warmDirect, http: httpResult, direct: directResult, httpRounds, directRounds, ratio, cpuPerClaim } = await runClaimStorm({
    owner,
    port,
    zoneId: zones[0]!.id,
    crowd,
    capacity: CAPACITY,
    mode: MODE,
    claimShift,
    rounds: ROUNDS,
    betweenStorms: () => server.stop(),
    meter,
  });

  // ---- report ----
  const mark = (s: Storm) => (stormFailed(s) ? "FAIL" : "ok");
  const row = (label: string, s: Storm) =>
    [label.padEnd(20), String(s.accepted).padStart(8), String(s.waitlisted).padStart(10), String(s.errors).padStart(6), ...[s.p50, s.p95, s.p99, s.max].map((v) => v.toFixed(1).padStart(8)), s.claimsPerSecond.toFixed(1).padStart(9), `  ${mark(s)}`].join(" ");
  console.log("");
  console.log(`Claim storm: N=${N} observers, capacity ${CAPACITY}, pool ${POOL} connections (server and direct)${WORKERS > 1 ? `, ${WORKERS} server processes` : ""}, ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log(`HTTP: POST ${MODE === "data" ? "/shifts/:id.data (single fetch)" : "/shifts/:id (document)"} intent=claim, production build (${build}); setup ${round(setupMs / 1000)} s`);
  console.log("");
  console.log([
    "".padEnd(20), "accepted".padStart(8), "waitlisted".padStart(10), "errors".padStart(6),
    "p50 ms".padStart(8), "p95 ms".padStart(8), "p99 ms".padStart(8), "max ms".padStart(8), "claims/s".padStart(9),
  ].join(" "));
  console.log(row("HTTP (server)", httpResult));
  console.log(row("direct (pool)", directResult));
  console.log("");
  console.log(`HTTP statuses: ${Object.entries(httpResult.statuses!).map(([k, v]) => `${k}×${v}`).join(", ")}`);
  console.log(`Throughput ratio HTTP / direct: ${ratio.toFixed(3)} (${httpResult.claimsPerSecond} / ${directResult.claimsPerSecond} claims/s)`);
  console.log(
    `CPU per claim: HTTP storm server ${cpuPerClaim?.serverMs ?? "?"} ms, PostgreSQL ${cpuPerClaim?.postgresMs ?? "?"} ms, this process (the crowd's HTTP clients) ${cpuPerClaim?.httpBenchMs ?? "?"} ms; ` +
      `direct storm PostgreSQL ${cpuPerClaim?.directPostgresMs ?? "?"} ms, this process (claimShift) ${cpuPerClaim?.directBenchMs ?? "?"} ms`,
  );
  console.log(`Every round (the table shows the one with the median p95): HTTP p95 ${httpRounds.map((r) => r.p95).join(", ")} ms; direct p95 ${directRounds.map((r) => r.p95).join(", ")} ms`);
  const all: [string, Storm][] = [
    ["warm-up HTTP", warmHttp],
    ["warm-up direct", warmDirect],
    ...httpRounds.map((s, i): [string, Storm] => [`HTTP round ${i + 1}`, s]),
    ...directRounds.map((s, i): [string, Storm] => [`direct round ${i + 1}`, s]),
  ];
  for (const [label, s] of all) {
    for (const v of s.violations) console.log(`INVARIANT BROKEN (${label}): ${v}`);
    if (s.errors) console.log(`ERRORS (${label}): ${s.errors}; e.g. ${s.errorSamples.join(" | ")}`);
  }

  const results = {
    n: N,
    capacity: CAPACITY,
    poolSize: POOL,
    mode: MODE,
    cpus: os.cpus().length,
    node: process.version,
    rounds: ROUNDS,
    http: httpResult,
    direct: directResult,
    httpRounds,
    directRounds,
    ratioHttpToDirect: ratio,
    cpuPerClaim,
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/claim-storm.json", `${JSON.stringify(results, null, 2)}\n`);

  return all.some(([, s]) => stormFailed(s)) ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  if (server.log.length) console.error(`Server output (last lines):\n${server.log.join("\n")}`);
} finally {
  await cleanup();
  keepAlive.destroy();
}
process.exit(code);
