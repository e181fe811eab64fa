/**
 * Live events: how long from an observer's report submission (HTTP) to the event arriving on a
 * coordinator's SSE stream, and how many concurrent SSE connections one instance holds, with the
 * memory each costs. `npm run bench:live [-- --events=50 --ramp=250,500,1000,2000 --people=100]`.
 *
 * Two production servers (instances A and B) run on one throwaway database (`testigo_bench_live`
 * on an embedded PostgreSQL in .data/bench-live). Reports are posted to A, as the no-JavaScript
 * form posts them; coordinators listen on B (and, for comparison, on A). Then SSE connections to B
 * are ramped up, spread over PEOPLE coordinators; at each step B's resident memory is read from
 * /proc and one more report is sent, timing its arrival on every open stream.
 *
 * Options (`--name=value` or environment): EVENTS (50), RAMP (250,500,1000,2000), PEOPLE (100),
 * POOL (the servers' DATABASE_POOL_SIZE, 10), BUILD (auto | always | never).
 * Writes bench/results/live-events.json (metrics: name, value, unit, description).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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
const EVENTS = Number(option("EVENTS", "50"));
const RAMP = option("RAMP", "250,500,1000,2000").split(",").map(Number);
const PEOPLE = Number(option("PEOPLE", "100"));
const POOL = Number(option("POOL", "10"));
const BUILD = option("BUILD", "auto") as "auto" | "always" | "never";
if (!(EVENTS >= 1 && PEOPLE >= 1 && POOL >= 1 && RAMP.every((n) => Number.isInteger(n) && n > 0)) || !["auto", "always", "never"].includes(BUILD)) {
  console.error("Usage: bench/live-events.ts [--events=50] [--ramp=250,500,1000,2000] [--people=100] [--pool=10] [--build=auto|always|never]");
  process.exit(2);
}

const DB_NAME = "testigo_bench_live";
const DATA_DIR = ".data/bench-live";
const SESSION_SECRET = randomBytes(32).toString("base64url");
const TIME_ZONE = "America/Chicago";
Object.assign(process.env, { NODE_ENV: "production", SESSION_SECRET, SMTP_URL: "smtp://127.0.0.1:2525" });

// ---- processes ----------------------------------------------------------------------------

let postgres: EmbeddedHandle | undefined;
let owner: pg.Client | undefined;
const servers: ChildProcess[] = [];
const serverLog: string[] = [];
const streams = new Set<http.ClientRequest>();

async function stopServers() {
  await Promise.all(
    servers.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
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
          /* gone */
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function cleanup() {
  for (const s of streams) s.destroy();
  await stopServers();
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
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  process.stdout.write(`Building the production bundle (build was ${existsSync(output) ? "stale" : "missing"})… `);
  const result = spawnSync(path.resolve("node_modules/.bin/remix"), ["vite:build"], { encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error("remix vite:build failed");
  }
  console.log("done");
  return "built";
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: urlPath, agent, headers: body ? { ...headers, "Content-Length": Buffer.byteLength(body) } : headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

async function startServer(name: string, databaseUrl: string) {
  const port = await freePort();
  // The memory probe (bench/live-gc-probe.mjs) collects garbage and reports memory on SIGUSR2.
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "--import", "./bench/live-gc-probe.mjs", "server.ts"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATABASE_APP_URL: undefined,
      DATABASE_POOL_SIZE: String(POOL),
      SESSION_SECRET,
      SMTP_URL: "smtp://127.0.0.1:2525",
      DATA_DIR,
      APP_URL: `http://127.0.0.1:${port}`,
      JOBS_INTERVAL_SECONDS: "0",
    },
  });
  servers.push(child);
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.startsWith("LIVE-BENCH-MEMORY ")) {
        memoryReplies.get(child.pid!)?.(JSON.parse(line.slice(18)) as Memory);
        continue;
      }
      if (!line || /^(GET|POST) /.test(line)) continue;
      serverLog.push(`[${name}] ${line}`);
      if (serverLog.length > 40) serverLog.shift();
    }
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await request(port, "GET", "/healthz").then((r) => r.status === 200, () => false)) return { port, pid: child.pid! };
    await sleep(200);
  }
  throw new Error(`Server ${name} did not become ready:\n${serverLog.join("\n")}`);
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
const memoryReplies = new Map<number, (m: Memory) => void>();

/** A server's memory after a full garbage collection (bytes), as its probe reports it. */
async function memoryOf(pid: number): Promise<Memory> {
  const reply = new Promise<Memory>((resolve, reject) => {
    memoryReplies.set(pid, resolve);
    setTimeout(() => reject(new Error("no memory reply")), 10_000);
  });
  process.kill(pid, "SIGUSR2");
  const memory = await reply;
  // and the kernel's own view of the resident set, a moment later
  await sleep(300);
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { ...memory, rss: match ? Number(match[1]) * 1024 : memory.rss };
}

// ---- SSE clients --------------------------------------------------------------------------

interface Stream {
  /** When each marker (a report's cross streets) first arrived. */
  arrivals: Map<string, number>;
  opened: Promise<void>;
}

/** An SSE client that notes when each `bench-…` marker arrives, and keeps nothing else. */
function openStream(port: number, cookie: string, markers: RegExp): Stream {
  const arrivals = new Map<string, number>();
  let resolveOpened!: () => void;
  let rejectOpened!: (e: Error) => void;
  const opened = new Promise<void>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  const req = http.get(
    // A socket of its own for every stream, as browsers' tabs have.
    { host: "127.0.0.1", port, path: "/live/events", agent: false, headers: { Cookie: cookie, Accept: "text/event-stream", "Accept-Encoding": "gzip" } },
    (res) => {
      if (res.statusCode !== 200 || !String(res.headers["content-type"]).startsWith("text/event-stream") || res.headers["content-encoding"]) {
        rejectOpened(new Error(`stream refused: ${res.statusCode} ${res.headers["content-type"]} ${res.headers["content-encoding"] ?? ""}`));
        return;
      }
      let tail = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const now = performance.now();
        if (tail === "") resolveOpened();
        const text = tail + chunk;
        for (const m of text.matchAll(markers)) if (!arrivals.has(m[0])) arrivals.set(m[0], now);
        tail = text.slice(-64) || " ";
      });
    },
  );
  req.on("error", (e) => rejectOpened(e));
  streams.add(req);
  return { arrivals, opened };
}

// ---- main ---------------------------------------------------------------------------------

async function main() {
  const build = ensureBuild();
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
  const { sessionCookie } = await import("../app/modules/auth/cookies.server");
  const { localDateTimeValue } = await import("../app/modules/clock/format");

  owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();
  await owner.query("update public.org_settings set time_zone = $1", [TIME_ZONE]);

  // People as invitations make them, each with a session as the local sign-in makes it.
  async function people(kind: "observer" | "coordinator", n: number) {
    const emails = Array.from({ length: n }, (_, i) => `bench_${kind}_${i}@bench.example`);
    await owner!.query(
      `insert into public.invitations (email, display_name, roles) select e, 'Bench ' || e, $2::public.app_role[] from unnest($1::text[]) as t(e)`,
      [emails, `{${kind}}`],
    );
    // Bench people have joined already: no invitation emails for the runner to send.
    await owner!.query("delete from private.jobs where kind = 'invitation'");
    const { rows: users } = await owner!.query<{ id: string }>("insert into auth.users (email, email_confirmed_at) select e, now() from unnest($1::text[]) as t(e) returning id", [emails]);
    const tokens = users.map(() => randomBytes(32).toString("base64url"));
    await owner!.query(
      "insert into private.sessions (token_hash, user_id, expires_at) select h, u, now() + interval '1 day' from unnest($1::text[], $2::uuid[]) as t(h, u)",
      [tokens.map(sha256), users.map((u) => u.id)],
    );
    return Promise.all(tokens.map(async (t) => (await sessionCookie().serialize(t)).split(";")[0]!));
  }
  const [observer] = await people("observer", 1);
  const coordinators = await people("coordinator", PEOPLE);

  const a = await startServer("A", databaseUrl);
  const b = await startServer("B", databaseUrl);
  const origin = (port: number) => `http://127.0.0.1:${port}`;

  let sent = 0;
  /** Posts one report to instance A as the form does; returns its marker and timings. */
  async function submit(prefix: string) {
    const marker = `bench-${prefix}-${++sent}-${randomBytes(3).toString("hex")}`;
    const form = new URLSearchParams({
      clientUuid: randomUUID(),
      occurredAt: localDateTimeValue(new Date(Date.now() - 60_000), TIME_ZONE),
      crossStreets: marker,
      agentCountMin: "3",
      urgency: "high",
    });
    form.append("activities", "detaining");
    form.append("agencies", "ice_ero");
    const started = performance.now();
    const reply = await request(a.port, "POST", "/reports/new", {
      Cookie: observer!,
      Origin: origin(a.port),
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "text/html",
    }, form.toString());
    const httpMs = performance.now() - started;
    if (reply.status !== 303) throw new Error(`report refused: ${reply.status} ${reply.body.slice(0, 200)}`);
    return { marker, started, httpMs };
  }

  // ---- 1. delay from submit to board, over EVENTS reports ----
  const markers = /bench-[a-z]+-\d+-[0-9a-f]{6}/g;
  const onB = openStream(b.port, coordinators[0]!, markers);
  const onA = openStream(a.port, coordinators[1 % coordinators.length]!, markers);
  await Promise.all([onB.opened, onA.opened]);
  for (let i = 0; i < 5; i++) await submit("warmup"); // JIT, pools
  await sleep(500);
  const delays: { cross: number; same: number; http: number }[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const { marker, started, httpMs } = await submit("delay");
    const deadline = performance.now() + 10_000;
    while (!(onB.arrivals.has(marker) && onA.arrivals.has(marker)) && performance.now() < deadline) await sleep(2);
    if (!onB.arrivals.has(marker) || !onA.arrivals.has(marker)) throw new Error(`event ${marker} did not arrive within 10 s`);
    delays.push({ cross: onB.arrivals.get(marker)! - started, same: onA.arrivals.get(marker)! - started, http: httpMs });
    await sleep(50 + Math.random() * 100);
  }
  const stat = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted.at(-1) ?? NaN) };
  };
  const cross = stat(delays.map((d) => d.cross));
  const same = stat(delays.map((d) => d.same));
  const httpOnly = stat(delays.map((d) => d.http));

  // ---- 2. concurrent connections on one instance ----
  for (const s of streams) s.destroy();
  streams.clear();
  await sleep(1500);
  const baseline = await memoryOf(b.pid);
  const ramp: { connections: number; rssMb: number; perConnKb: number; heapPerConnKb: number; fanoutP50: number; fanoutP95: number; fanoutMax: number; openMs: number }[] = [];
  const open: Stream[] = [];
  for (const target of RAMP) {
    const t0 = performance.now();
    const batch: Stream[] = [];
    while (open.length + batch.length < target) batch.push(openStream(b.port, coordinators[(open.length + batch.length) % coordinators.length]!, markers));
    // opened in waves of 100, as a crowd of browsers would arrive
    for (let i = 0; i < batch.length; i += 100) await Promise.all(batch.slice(i, i + 100).map((s) => s.opened));
    open.push(...batch);
    const openMs = performance.now() - t0;
    await sleep(2000);
    const memory = await memoryOf(b.pid);
    const { marker, started } = await submit("fanout");
    const deadline = performance.now() + 30_000;
    while (open.some((s) => !s.arrivals.has(marker)) && performance.now() < deadline) await sleep(5);
    const missing = open.filter((s) => !s.arrivals.has(marker)).length;
    if (missing) throw new Error(`${missing} of ${open.length} streams did not get the event within 30 s`);
    const arrivals = open.map((s) => s.arrivals.get(marker)! - started).sort((x, y) => x - y);
    ramp.push({
      connections: open.length,
      rssMb: round(memory.rss / 2 ** 20),
      perConnKb: round((memory.rss - baseline.rss) / open.length / 1024),
      heapPerConnKb: round((memory.heapUsed + memory.external - baseline.heapUsed - baseline.external) / open.length / 1024),
      fanoutP50: round(percentile(arrivals, 50)),
      fanoutP95: round(percentile(arrivals, 95)),
      fanoutMax: round(arrivals.at(-1)!),
      openMs: round(openMs),
    });
  }

  // ---- report ----
  console.log("");
  console.log(`Live events: ${os.cpus().length} CPUs, Node ${process.version}, pool ${POOL} per instance, production build (${build})`);
  console.log(`Report submitted by HTTP to instance A (POST /reports/new, 303) → event on a coordinator's SSE stream, ${EVENTS} reports one at a time`);
  console.log("");
  console.log(["".padEnd(34), "p50 ms".padStart(8), "p95 ms".padStart(8), "max ms".padStart(8)].join(" "));
  const line = (label: string, s: { p50: number; p95: number; max: number }) => console.log([label.padEnd(34), ...[s.p50, s.p95, s.max].map((v) => v.toFixed(1).padStart(8))].join(" "));
  line("submit → event, other instance (B)", cross);
  line("submit → event, same instance (A)", same);
  line("HTTP response of the submission", httpOnly);
  console.log("");
  console.log(`SSE connections held by instance B (spread over ${PEOPLE} coordinators); baseline RSS ${round(baseline.rss / 2 ** 20)} MB, heap ${round(baseline.heapUsed / 2 ** 20)} MB (after a full GC)`);
  console.log(["connections".padStart(11), "RSS MB".padStart(8), "RSS KB/conn".padStart(12), "heap KB/conn".padStart(13), "open ms".padStart(8), "fan-out p50".padStart(12), "p95".padStart(8), "max ms".padStart(8)].join(" "));
  for (const r of ramp) {
    console.log([String(r.connections).padStart(11), r.rssMb.toFixed(1).padStart(8), r.perConnKb.toFixed(1).padStart(12), r.heapPerConnKb.toFixed(1).padStart(13), r.openMs.toFixed(0).padStart(8), r.fanoutP50.toFixed(1).padStart(12), r.fanoutP95.toFixed(1).padStart(8), r.fanoutMax.toFixed(1).padStart(8)].join(" "));
  }

  const metrics: { name: string; value: number; unit: string; description: string }[] = [
    { name: "live.delay.cross_instance.p50", value: cross.p50, unit: "ms", description: `Report POST to instance A → event on a coordinator's SSE stream on instance B, median of ${EVENTS}` },
    { name: "live.delay.cross_instance.p95", value: cross.p95, unit: "ms", description: `Same, 95th percentile of ${EVENTS}` },
    { name: "live.delay.cross_instance.max", value: cross.max, unit: "ms", description: `Same, slowest of ${EVENTS}` },
    { name: "live.delay.same_instance.p50", value: same.p50, unit: "ms", description: `Report POST to instance A → event on a stream on A, median of ${EVENTS}` },
    { name: "live.delay.same_instance.p95", value: same.p95, unit: "ms", description: `Same, 95th percentile of ${EVENTS}` },
    { name: "live.submit_http.p50", value: httpOnly.p50, unit: "ms", description: "The submission's own HTTP response time (part of the delays above), median" },
    { name: "live.sse.baseline_rss", value: round(baseline.rss / 2 ** 20), unit: "MB", description: "Instance B's resident memory with no stream open, after a full GC" },
  ];
  for (const r of ramp) {
    metrics.push(
      { name: `live.sse.${r.connections}.rss`, value: r.rssMb, unit: "MB", description: `Instance B's resident memory with ${r.connections} SSE connections open` },
      { name: `live.sse.${r.connections}.per_connection`, value: r.perConnKb, unit: "KB", description: `(RSS − baseline RSS) / ${r.connections} connections, both after a full GC` },
      { name: `live.sse.${r.connections}.heap_per_connection`, value: r.heapPerConnKb, unit: "KB", description: `(JS heap + external − baseline) / ${r.connections} connections, after a full GC` },
      { name: `live.sse.${r.connections}.fanout_p50`, value: r.fanoutP50, unit: "ms", description: `Report POST to A → event on each of ${r.connections} streams on B (${PEOPLE} people), median` },
      { name: `live.sse.${r.connections}.fanout_p95`, value: r.fanoutP95, unit: "ms", description: "Same, 95th percentile" },
      { name: `live.sse.${r.connections}.fanout_max`, value: r.fanoutMax, unit: "ms", description: "Same, last stream to receive it" },
    );
  }
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/live-events.json", `${JSON.stringify(metrics, null, 2)}\n`);
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
