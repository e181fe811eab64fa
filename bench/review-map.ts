/**
 * The attorneys' incident map with many reports: `npx tsx bench/review-map.ts [--n=2000] [--runs=20]`.
 * Seeds N located reports (one generate_series insert, as the owner), then measures
 *   - the loader's query, called in-process as the attorney (RLS on): p50 / p95 ms;
 *   - the points' size: JSON bytes and gzip bytes;
 *   - through the production server: GET /review/map.data (the single-fetch data a hydrated
 *     browser asks for when the filters change) and GET /review/map (the whole page), each raw
 *     and as sent with gzip, and their response times.
 *
 * Options, as `--name=value` or environment variables: N, RUNS, HTTP (`false` skips the server),
 * BUILD (`auto`: build when build/ is missing or older than app/, the default; `always`; `never`).
 * Runs in a throwaway database `testigo_bench_map` on an embedded PostgreSQL in .data/bench-map
 * (never the dev database). Writes bench/results/review-map.json. Exits non-zero on any failure.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { ensureBuild, keepAlive, options, ProductionServer, request, round, sha256, startBenchDatabase, type BenchDatabase, type BuildMode } from "./lib/harness";

const option = options();
const N = Number(option("N", "2000"));
const RUNS = Number(option("RUNS", "20"));
const HTTP = option("HTTP", "true") !== "false";
const BUILD = option("BUILD", "auto") as BuildMode;
if (!(N >= 1 && N <= 100_000 && RUNS >= 1) || !["auto", "always", "never"].includes(BUILD)) {
  console.error("Usage: bench/review-map.ts [--n=2000] [--runs=20] [--http=true|false] [--build=auto|always|never]");
  process.exit(2);
}

const DB_NAME = "testigo_bench_map";
const DATA_DIR = ".data/bench-map";
const SESSION_SECRET = randomBytes(32).toString("base64url");
Object.assign(process.env, { NODE_ENV: "production", SESSION_SECRET, SMTP_URL: "smtp://127.0.0.1:2525" });

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

const kib = (bytes: number) => `${round(bytes / 1024)} KiB`;

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const get = (port: number, urlPath: string, headers: Record<string, string>) => request(port, "GET", urlPath, headers);

/** RUNS timed requests of one URL, raw and gzipped, after a warm-up; fails on anything but a 200. */
async function measureHttp(port: number, urlPath: string, cookie: string, mustContain: string) {
  const raw = await get(port, urlPath, { Cookie: cookie, "Accept-Encoding": "identity" });
  if (raw.status !== 200 || !raw.bytes.toString("utf8").includes(mustContain)) {
    throw new Error(`GET ${urlPath}: ${raw.status} ${raw.bytes.toString("utf8").slice(0, 200)}`);
  }
  const times: number[] = [];
  let gzipBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const reply = await get(port, urlPath, { Cookie: cookie, "Accept-Encoding": "gzip" });
    if (reply.status !== 200) throw new Error(`GET ${urlPath}: ${reply.status}`);
    times.push(reply.ms);
    gzipBytes = reply.headers["content-encoding"] === "gzip" ? reply.bytes.length : gzipSync(reply.bytes).length;
  }
  return { bytes: raw.bytes.length, gzipBytes, p50: round(percentile(times, 50)), p95: round(percentile(times, 95)) };
}

async function main() {
  const t0 = performance.now();
  const build = HTTP ? ensureBuild(BUILD) : "skipped";

  database = await startBenchDatabase(DATA_DIR, DB_NAME);
  const databaseUrl = database.url;
  process.env.DATABASE_URL = databaseUrl;

  const { closeDb } = await import("../app/db/client.server");
  const { reviewMap } = await import("../app/modules/review/map.server");
  const { parseQueueFilters } = await import("../app/modules/review/filters");
  const { sessionCookie } = await import("../app/modules/auth/cookies.server");
  closeAppPool = closeDb;

  owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();

  // The attorney, as an invitation makes them, with a session as the local provider makes it.
  const email = "bench_attorney@bench.example";
  await owner.query("insert into public.invitations (email, display_name, roles) values ($1, 'Bench attorney', '{attorney}')", [email]);
  const { rows: users } = await owner.query<{ id: string }>("insert into auth.users (email, email_confirmed_at) values ($1, now()) returning id", [email]);
  const attorneyId = users[0]!.id;
  const token = randomBytes(32).toString("base64url");
  await owner.query("insert into private.sessions (token_hash, user_id, expires_at) values ($1, $2, now() + interval '1 day')", [sha256(token), attorneyId]);
  const cookie = (await sessionCookie().serialize(token)).split(";")[0]!;
  const claims = { sub: attorneyId, email, role: "authenticated" as const };

  // N reports spread over Chicago's west side in the last ~10 days, every urgency and open status,
  // in one statement; a fixed seed makes the places the same on every run.
  const seeded = performance.now();
  await owner.query("select setseed(0.42)");
  await owner.query(
    `insert into public.reports (client_uuid, occurred_at, submitted_at, location, urgency, status, agencies, warrant, cross_streets)
     select gen_random_uuid(), now() - make_interval(mins => g * 7), now() - make_interval(mins => g * 7 - 2),
       jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(
         round((-87.80 + random() * 0.20)::numeric, 6), round((41.78 + random() * 0.12)::numeric, 6))),
       (array['critical', 'high', 'medium', 'low'])[1 + g % 4]::public.report_urgency,
       (array['new', 'in_review', 'follow_up', 'referred'])[1 + (g / 4) % 4]::public.report_status,
       array[(array['ice_ero', 'cbp', 'hsi', 'unknown'])[1 + g % 4]], 'unknown', 'bench ' || g
     from generate_series(1, $1::int) g`,
    [N],
  );
  await owner.query("analyze public.reports");
  const seedMs = performance.now() - seeded;

  // ---- in-process: the loader's query as the attorney ----
  const direct = async (query: string) => {
    const filters = parseQueueFilters(new URLSearchParams(query));
    const first = await reviewMap(claims, filters);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await reviewMap(claims, filters);
      times.push(performance.now() - started);
    }
    const json = JSON.stringify(first);
    return {
      query: query || "(no filters)",
      points: first.points.length,
      located: first.located,
      jsonBytes: Buffer.byteLength(json),
      gzipBytes: gzipSync(json).length,
      p50: round(percentile(times, 50)),
      p95: round(percentile(times, 95)),
    };
  };
  const queries = [await direct(""), await direct("urgency=critical"), await direct("status=new&agency=cbp")];
  const all = queries[0]!;
  if (all.points !== N) throw new Error(`expected ${N} points, got ${all.points}`);

  // ---- through the production server ----
  let httpResults: Record<string, Awaited<ReturnType<typeof measureHttp>>> | null = null;
  if (HTTP) {
    const port = await server.start({ databaseUrl, sessionSecret: SESSION_SECRET, dataDir: DATA_DIR });
    const { rows } = await owner.query<{ id: string }>("select id from public.reports order by occurred_at desc, id desc limit 1");
    const newest = rows[0]!.id;
    httpResults = {
      "GET /review/map.data": await measureHttp(port, "/review/map.data", cookie, newest),
      "GET /review/map.data?urgency=critical": await measureHttp(port, "/review/map.data?urgency=critical", cookie, "critical"),
      "GET /review/map (page)": await measureHttp(port, "/review/map", cookie, newest),
    };
    await server.stop();
  }

  // ---- report ----
  console.log("");
  console.log(`Review map: ${N} located reports, ${RUNS} runs each, ${os.cpus().length} CPUs, Node ${process.version}; seeded in ${round(seedMs)} ms; setup ${round((performance.now() - t0) / 1000)} s`);
  console.log("");
  console.log("Loader query in-process, as the attorney (RLS on):");
  console.log(["".padEnd(24), "points".padStart(7), "JSON".padStart(11), "gzip".padStart(11), "p50 ms".padStart(8), "p95 ms".padStart(8)].join(" "));
  for (const q of queries) {
    console.log([q.query.padEnd(24), String(q.points).padStart(7), kib(q.jsonBytes).padStart(11), kib(q.gzipBytes).padStart(11), q.p50.toFixed(1).padStart(8), q.p95.toFixed(1).padStart(8)].join(" "));
  }
  if (httpResults) {
    console.log("");
    console.log(`Production server (build ${build}):`);
    console.log(["".padEnd(40), "bytes".padStart(11), "gzip".padStart(11), "p50 ms".padStart(8), "p95 ms".padStart(8)].join(" "));
    for (const [label, r] of Object.entries(httpResults)) {
      console.log([label.padEnd(40), kib(r.bytes).padStart(11), kib(r.gzipBytes).padStart(11), r.p50.toFixed(1).padStart(8), r.p95.toFixed(1).padStart(8)].join(" "));
    }
  }
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    "bench/results/review-map.json",
    `${JSON.stringify({ n: N, runs: RUNS, cpus: os.cpus().length, node: process.version, seedMs: round(seedMs), queries, http: httpResults }, null, 2)}\n`,
  );
  return 0;
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
