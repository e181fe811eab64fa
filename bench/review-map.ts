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
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedHandle } from "../app/db/embedded.server";
import { migrate } from "../app/db/migrate.server";

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
const N = Number(option("N", "2000"));
const RUNS = Number(option("RUNS", "20"));
const HTTP = option("HTTP", "true") !== "false";
const BUILD = option("BUILD", "auto") as "auto" | "always" | "never";
if (!(N >= 1 && N <= 100_000 && RUNS >= 1) || !["auto", "always", "never"].includes(BUILD)) {
  console.error("Usage: bench/review-map.ts [--n=2000] [--runs=20] [--http=true|false] [--build=auto|always|never]");
  process.exit(2);
}

const DB_NAME = "testigo_bench_map";
const DATA_DIR = ".data/bench-map";
const SESSION_SECRET = randomBytes(32).toString("base64url");
Object.assign(process.env, { NODE_ENV: "production", SESSION_SECRET, SMTP_URL: "smtp://127.0.0.1:2525" });

let postgres: EmbeddedHandle | undefined;
let server: ChildProcess | undefined;
let owner: pg.Client | undefined;
let closeAppPool: (() => Promise<void>) | undefined;
const serverLog: string[] = [];

async function stopServer() {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

async function cleanup() {
  await stopServer();
  await closeAppPool?.().catch(() => {});
  await owner?.end().catch(() => {});
  await postgres?.stop().catch(() => {});
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const kib = (bytes: number) => `${round(bytes / 1024)} KiB`;

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function ensureBuild() {
  const output = path.resolve("build/server/index.js");
  const sources = Math.max(newestMtime(path.resolve("app")), ...["vite.config.ts", "package-lock.json"].map((f) => statSync(f).mtimeMs));
  const stale = !existsSync(output) || statSync(output).mtimeMs < sources;
  if (BUILD === "never" || (BUILD === "auto" && !stale)) return "reused";
  const started = performance.now();
  process.stdout.write(`Building the production bundle (build was ${existsSync(output) ? "stale" : "missing"})… `);
  const result = spawnSync(path.resolve("node_modules/.bin/remix"), ["vite:build"], { encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
  if (result.status !== 0) {
    console.log("failed");
    console.error(result.stdout, result.stderr);
    throw new Error("remix vite:build failed");
  }
  console.log(`${round((performance.now() - started) / 1000)} s`);
  return "built";
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: Buffer;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true });

function get(port: number, urlPath: string, headers: Record<string, string>): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "GET", path: urlPath, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on("error", reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error("timed out after 60 s")));
    req.on("error", reject);
    req.end();
  });
}

async function startServer(databaseUrl: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      SESSION_SECRET,
      SMTP_URL: "smtp://127.0.0.1:2525",
      DATA_DIR,
      APP_URL: `http://127.0.0.1:${port}`,
      JOBS_INTERVAL_SECONDS: "0",
    },
  });
  server = child;
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      serverLog.push(line);
      if (serverLog.length > 40) serverLog.shift();
    }
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await get(port, "/healthz", {}).then((r) => r.status === 200, () => false);
    if (ok) return port;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The production server did not become ready:\n${serverLog.join("\n")}`);
}

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
  const build = HTTP ? ensureBuild() : "skipped";

  postgres = await startEmbeddedPostgres(path.resolve(DATA_DIR));
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`drop database if exists ${DB_NAME} with (force)`);
  await admin.query(`create database ${DB_NAME}`);
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = `/${DB_NAME}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl);
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
    const port = await startServer(databaseUrl);
    const { rows } = await owner.query<{ id: string }>("select id from public.reports order by occurred_at desc, id desc limit 1");
    const newest = rows[0]!.id;
    httpResults = {
      "GET /review/map.data": await measureHttp(port, "/review/map.data", cookie, newest),
      "GET /review/map.data?urgency=critical": await measureHttp(port, "/review/map.data?urgency=critical", cookie, "critical"),
      "GET /review/map (page)": await measureHttp(port, "/review/map", cookie, newest),
    };
    await stopServer();
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
  if (serverLog.length) console.error(`Server output (last lines):\n${serverLog.join("\n")}`);
} finally {
  await cleanup();
  agent.destroy();
}
process.exit(code);
