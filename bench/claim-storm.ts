/**
 * A claim storm: N observers (default 200) claim one shift of CAPACITY (default 5) at once,
 * through the real HTTP server running the production build, then the same claim SQL is called
 * directly over a pool of the same size. `npm run bench:claim-storm [-- --n=200 --capacity=5]`.
 *
 * Options, as `--name=value` or environment variables: N, CAPACITY, POOL (the server's
 * DATABASE_POOL_SIZE and the direct pool's size, default 20), MODE (`data`: the single-fetch
 * POST /shifts/<id>.data a hydrated browser sends, the default; `document`: a plain form post to
 * /shifts/<id>, which renders the page), BUILD (`auto`: build when build/ is missing or older than
 * app/, the default; `always`; `never`).
 *
 * Everything runs in a throwaway database `testigo_bench` on an embedded PostgreSQL in
 * .data/bench (never the dev database). Observers and their sessions are made straight in the
 * database, as the local auth provider would make them, so nobody signs in through HTTP.
 * Accepted and waitlisted are counted from shift_assignments after each storm, not from responses.
 * Exits non-zero on any error or broken invariant. Writes bench/results/claim-storm.json.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
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
const N = Number(option("N", "200"));
const CAPACITY = Number(option("CAPACITY", "5"));
const POOL = Number(option("POOL", "20"));
const MODE = option("MODE", "data") as "data" | "document";
const BUILD = option("BUILD", "auto") as "auto" | "always" | "never";
const WARMUP = Math.min(20, N);
if (!(N >= 1 && CAPACITY >= 1 && CAPACITY <= 100 && POOL >= 1) || !["data", "document"].includes(MODE) || !["auto", "always", "never"].includes(BUILD)) {
  console.error("Usage: bench/claim-storm.ts [--n=200] [--capacity=5 (1-100)] [--pool=20] [--mode=data|document] [--build=auto|always|never]");
  process.exit(2);
}

const DB_NAME = "testigo_bench";
const SESSION_SECRET = randomBytes(32).toString("base64url");
// The bench signs cookies exactly as the production server does (app/modules/auth/cookies.server.ts).
Object.assign(process.env, { NODE_ENV: "production", SESSION_SECRET, SMTP_URL: "smtp://127.0.0.1:2525", DATABASE_POOL_SIZE: String(POOL) });

// ---- cleanup ------------------------------------------------------------------------------

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

// ---- helpers ------------------------------------------------------------------------------

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number) {
  if (!sorted.length) return NaN;
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

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: Infinity });

interface Reply {
  status: number;
  location: string | null;
  body: string;
  ms: number;
}

function request(port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: urlPath, agent: keepAlive, headers: body ? { ...headers, "Content-Length": Buffer.byteLength(body) } : headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            location: (res.headers.location as string | undefined) ?? null,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - started,
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("timed out after 60 s")));
    req.on("error", reject);
    req.end(body);
  });
}

async function startServer(databaseUrl: string) {
  const port = await freePort();
  // `node --import tsx server.ts` in its own process group, as scripts/smoke-production.sh starts it.
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(POOL),
      SESSION_SECRET,
      SMTP_URL: "smtp://127.0.0.1:2525",
      DATA_DIR: ".data/bench",
      APP_URL: `http://127.0.0.1:${port}`,
      // No background email runner competing with the storm (no SMTP server listens anyway).
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
    const ok = await request(port, "GET", "/healthz").then((r) => r.status === 200, () => false);
    if (ok) return port;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The production server did not become ready:\n${serverLog.join("\n")}`);
}

// ---- the storms ---------------------------------------------------------------------------

interface Observer {
  id: string;
  claims: { sub: string; email: string; role: "authenticated" };
  cookie: string;
}

interface Storm {
  n: number;
  capacity: number;
  accepted: number;
  waitlisted: number;
  errors: number;
  errorSamples: string[];
  statuses?: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  wallMs: number;
  claimsPerSecond: number;
  violations: string[];
}

async function createShift(zoneId: string, startsInHours: number) {
  const { rows } = await owner!.query<{ id: string }>(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     values ($1, now() + make_interval(hours => $2), now() + make_interval(hours => $2 + 4), $3) returning id`,
    [zoneId, startsInHours, CAPACITY],
  );
  return rows[0]!.id;
}

/** Who ended up where, from the rows, and the invariants that must hold after a storm. */
async function outcome(shiftId: string, n: number) {
  const { rows } = await owner!.query<{ observer_id: string; status: string; seq: string }>(
    "select observer_id, status, seq from public.shift_assignments where shift_id = $1 order by seq",
    [shiftId],
  );
  const { rows: counters } = await owner!.query<{ claimed_count: number; waitlist_count: number }>(
    "select claimed_count, waitlist_count from public.shifts where id = $1",
    [shiftId],
  );
  const active = rows.filter((r) => r.status !== "cancelled");
  const accepted = active.filter((r) => r.status === "claimed").length;
  const waitlisted = active.filter((r) => r.status === "waitlisted").length;
  const violations: string[] = [];
  const expectedClaimed = Math.min(CAPACITY, n);
  if (accepted !== expectedClaimed) violations.push(`claimed ${accepted}, expected ${expectedClaimed}`);
  if (accepted > CAPACITY) violations.push(`capacity ${CAPACITY} exceeded: ${accepted} claimed`);
  const duplicates = active.length - new Set(active.map((r) => r.observer_id)).size;
  if (duplicates) violations.push(`${duplicates} duplicate active assignments`);
  if (counters[0]!.claimed_count !== accepted || counters[0]!.waitlist_count !== waitlisted) {
    violations.push(`shift counters ${counters[0]!.claimed_count}/${counters[0]!.waitlist_count} disagree with rows ${accepted}/${waitlisted}`);
  }
  if (!active.slice(0, accepted).every((r) => r.status === "claimed")) violations.push("a later arrival got a spot before an earlier one (not FIFO)");
  return { accepted, waitlisted, placed: new Set(active.map((r) => r.observer_id)), violations };
}

function summarise(latencies: number[], wallMs: number, n: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
    wallMs: round(wallMs),
    claimsPerSecond: round((n / wallMs) * 1000),
  };
}

async function httpStorm(port: number, shiftId: string, crowd: Observer[]): Promise<Storm> {
  const origin = `http://127.0.0.1:${port}`;
  const target = MODE === "data" ? `/shifts/${shiftId}.data` : `/shifts/${shiftId}`;
  const started = performance.now();
  const replies = await Promise.all(
    crowd.map((o) =>
      request(
        port,
        "POST",
        target,
        { Cookie: o.cookie, Origin: origin, "Content-Type": "application/x-www-form-urlencoded", Accept: MODE === "data" ? "*/*" : "text/html" },
        "intent=claim",
      ).catch((error: Error) => ({ status: 0, location: null, body: error.message, ms: performance.now() - started })),
    ),
  );
  const wallMs = performance.now() - started;
  const result = await outcome(shiftId, crowd.length);
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  replies.forEach((r, i) => {
    statuses[r.status || "network"] = (statuses[r.status || "network"] ?? 0) + 1;
    // Success is a 2xx or a redirect that is not to the sign-in page, and a row in the database.
    const toLogin = (r.location ?? "").startsWith("/login") || (r.status === 202 && r.body.includes("/login"));
    const ok = r.status >= 200 && r.status < 400 && !toLogin && result.placed.has(crowd[i]!.id);
    if (!ok) {
      errors++;
      const sample = `${r.status || "network"}${toLogin ? " to /login" : ""}: ${r.body.replace(/\s+/g, " ").slice(0, 120)}`;
      if (errorSamples.length < 3 && !errorSamples.includes(sample)) errorSamples.push(sample);
    }
  });
  return {
    n: crowd.length,
    capacity: CAPACITY,
    accepted: result.accepted,
    waitlisted: result.waitlisted,
    errors,
    errorSamples,
    statuses,
    ...summarise(replies.map((r) => r.ms), wallMs, crowd.length),
    violations: result.violations,
  };
}

type ClaimShift = (claims: Observer["claims"], shiftId: string) => Promise<{ status: string }>;

async function directStorm(claimShift: ClaimShift, shiftId: string, crowd: Observer[]): Promise<Storm> {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    crowd.map(async (o) => {
      const t = performance.now();
      try {
        await claimShift(o.claims, shiftId);
      } catch (error) {
        errors++;
        const sample = error instanceof Error ? error.message : String(error);
        if (errorSamples.length < 3 && !errorSamples.includes(sample)) errorSamples.push(sample);
      }
      latencies.push(performance.now() - t);
    }),
  );
  const wallMs = performance.now() - started;
  const result = await outcome(shiftId, crowd.length);
  const missing = crowd.filter((o) => !result.placed.has(o.id)).length;
  return {
    n: crowd.length,
    capacity: CAPACITY,
    accepted: result.accepted,
    waitlisted: result.waitlisted,
    errors: Math.max(errors, missing),
    errorSamples,
    ...summarise(latencies, wallMs, crowd.length),
    violations: result.violations,
  };
}

// ---- main ---------------------------------------------------------------------------------

async function main() {
  const t0 = performance.now();
  const build = ensureBuild();

  postgres = await startEmbeddedPostgres(path.resolve(".data/bench"));
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

  // The app's own modules, after DATABASE_URL and DATABASE_POOL_SIZE are set for its pool.
  const { closeDb } = await import("../app/db/client.server");
  const { claimShift } = await import("../app/modules/shifts/shifts.server");
  const { sessionCookie } = await import("../app/modules/auth/cookies.server");
  closeAppPool = closeDb;

  owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();

  // N observers, as an invitation makes them (the auth.users trigger makes the profile and grants
  // the roles), trained a month ago, each with a session as the local provider's verifyCode makes it.
  const emails = Array.from({ length: N }, (_, i) => `bench_observer_${i}@bench.example`);
  await owner.query(
    `insert into public.invitations (email, display_name, roles)
     select e, 'Bench observer ' || ord, '{observer}'::public.app_role[] from unnest($1::text[]) with ordinality as t(e, ord)`,
    [emails],
  );
  const { rows: users } = await owner.query<{ id: string; email: string }>(
    "insert into auth.users (email, email_confirmed_at) select e, now() from unnest($1::text[]) as t(e) returning id, email",
    [emails],
  );
  await owner.query("update public.profiles set training_date = current_date - 30 where id = any($1::uuid[])", [users.map((u) => u.id)]);
  const tokens = users.map(() => randomBytes(32).toString("base64url"));
  await owner.query(
    `insert into private.sessions (token_hash, user_id, expires_at)
     select h, u, now() + interval '30 days' from unnest($1::text[], $2::uuid[]) as t(h, u)`,
    [tokens.map(sha256), users.map((u) => u.id)],
  );
  const cookie = sessionCookie();
  const crowd: Observer[] = await Promise.all(
    users.map(async (u, i) => ({
      id: u.id,
      claims: { sub: u.id, email: u.email, role: "authenticated" as const },
      cookie: (await cookie.serialize(tokens[i]!)).split(";")[0]!,
    })),
  );
  // Arrival order is the same for both storms, and not the order of creation.
  crowd.sort(() => Math.random() - 0.5);

  const geometry = { type: "Polygon", coordinates: [[[-87.7, 41.8], [-87.69, 41.8], [-87.69, 41.81], [-87.7, 41.81], [-87.7, 41.8]]] };
  const { rows: zones } = await owner.query<{ id: string }>("insert into public.zones (name, geometry) values ('Bench zone', $1) returning id", [
    JSON.stringify(geometry),
  ]);
  const zoneId = zones[0]!.id;
  // Four non-overlapping shifts, since one observer may hold only one of overlapping shifts.
  const shifts = {
    httpWarmup: await createShift(zoneId, 20),
    http: await createShift(zoneId, 30),
    directWarmup: await createShift(zoneId, 40),
    direct: await createShift(zoneId, 50),
  };

  const port = await startServer(databaseUrl);
  const setupMs = performance.now() - t0;

  // Warm-up: open the server's and the bench's pool connections and JIT the claim path once.
  await Promise.all(Array.from({ length: POOL * 2 }, () => request(port, "GET", "/healthz")));
  const warmHttp = await httpStorm(port, shifts.httpWarmup, crowd.slice(0, WARMUP));
  const warmDirect = await directStorm(claimShift, shifts.directWarmup, crowd.slice(0, WARMUP));

  const httpResult = await httpStorm(port, shifts.http, crowd);
  await stopServer();
  const directResult = await directStorm(claimShift, shifts.direct, crowd);
  const ratio = round(httpResult.claimsPerSecond / directResult.claimsPerSecond, 3);

  // ---- report ----
  const mark = (s: Storm) => (s.violations.length || s.errors ? "FAIL" : "ok");
  const row = (label: string, s: Storm) =>
    [label.padEnd(20), String(s.accepted).padStart(8), String(s.waitlisted).padStart(10), String(s.errors).padStart(6), ...[s.p50, s.p95, s.p99, s.max].map((v) => v.toFixed(1).padStart(8)), s.claimsPerSecond.toFixed(1).padStart(9), `  ${mark(s)}`].join(" ");
  console.log("");
  console.log(`Claim storm: N=${N} observers, capacity ${CAPACITY}, pool ${POOL} connections (server and direct), ${os.cpus().length} CPUs, Node ${process.version}`);
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
  for (const [label, s] of [["warm-up HTTP", warmHttp], ["warm-up direct", warmDirect], ["HTTP", httpResult], ["direct", directResult]] as const) {
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
    http: httpResult,
    direct: directResult,
    ratioHttpToDirect: ratio,
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/claim-storm.json", `${JSON.stringify(results, null, 2)}\n`);

  const failed = [warmHttp, warmDirect, httpResult, directResult].some((s) => s.violations.length || s.errors);
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  if (serverLog.length) console.error(`Server output (last lines):\n${serverLog.join("\n")}`);
} finally {
  await cleanup();
  keepAlive.destroy();
}
process.exit(code);
