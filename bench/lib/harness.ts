/**
 * What the benchmarks share: options, statistics, the production build, a throwaway database on
 * an embedded PostgreSQL, the production server in its own process, people with sessions made
 * straight in the database (as the local auth provider makes them), and CPU accounting from /proc.
 * Used by bench/run.ts, bench/claim-storm.ts, bench/review-queue.ts and bench/review-map.ts.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedHandle } from "../../app/db/embedded.server";
import { migrate } from "../../app/db/migrate.server";

// ---- options ------------------------------------------------------------------------------

/** `--name=value` arguments (upper-cased names), falling back to environment variables. */
export function options(args = process.argv.slice(2)) {
  const argv = new Map(
    args
      .filter((a) => a.startsWith("--"))
      .map((a) => {
        const [k, ...v] = a.slice(2).split("=");
        return [k!.toUpperCase().replace(/-/g, "_"), v.join("=") || "true"] as const;
      }),
  );
  return (name: string, fallback: string) => argv.get(name) ?? process.env[name] ?? fallback;
}

// ---- numbers ------------------------------------------------------------------------------

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function latencyStats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** A small seeded PRNG (mulberry32), so shuffles and choices are the same on every run. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededShuffle<T>(items: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

// ---- the production build -----------------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export type BuildMode = "auto" | "always" | "never";

/** Builds (`remix vite:build`) when asked, or in `auto` when build/ is missing or older than app/. */
export function ensureBuild(mode: BuildMode): "reused" | "built" {
  const output = path.resolve("build/server/index.js");
  const sources = Math.max(newestMtime(path.resolve("app")), ...["vite.config.ts", "package-lock.json"].map((f) => statSync(f).mtimeMs));
  const stale = !existsSync(output) || statSync(output).mtimeMs < sources;
  if (mode === "never" || (mode === "auto" && !stale)) return "reused";
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

// ---- the database -------------------------------------------------------------------------

export interface BenchDatabase {
  /** The throwaway database's URL. */
  url: string;
  /** The postmaster's process id, for CPU accounting. */
  postmasterPid: number | null;
  serverVersion: string;
  stop: () => Promise<void>;
}

/**
 * The embedded PostgreSQL kept in `dataDir` (never the dev database), with a fresh database
 * `name` in it (dropped first), migrated to the latest schema.
 */
export async function startBenchDatabase(dataDir: string, name: string): Promise<BenchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const handle: EmbeddedHandle = await startEmbeddedPostgres(path.resolve(dataDir));
  try {
    const admin = new pg.Client({ connectionString: handle.url });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    const { rows } = await admin.query<{ server_version: string }>("show server_version");
    await admin.end();
    const url = new URL(handle.url);
    url.pathname = `/${name}`;
    await migrate(url.toString());
    const lock = path.resolve(dataDir, "postgres", "postmaster.pid");
    const pid = existsSync(lock) ? Number.parseInt(readFileSync(lock, "utf8").split("\n")[0] ?? "", 10) : NaN;
    return { url: url.toString(), postmasterPid: Number.isInteger(pid) ? pid : null, serverVersion: rows[0]!.server_version, stop: handle.stop };
  } catch (error) {
    await handle.stop().catch(() => {});
    throw error;
  }
}

// ---- HTTP ---------------------------------------------------------------------------------

export const keepAlive = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * Closes the keep-alive sockets that sit idle. The server closes an idle connection after 5 s
 * (Node's keepAliveTimeout); a request sent on one just then fails with ECONNRESET. Call before a
 * burst that follows a pause (a storm after its warm-up).
 */
export function dropIdleSockets() {
  for (const sockets of Object.values(keepAlive.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  location: string | null;
  bytes: Buffer;
  body: string;
  ms: number;
}

export function request(port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: urlPath,
        agent: keepAlive,
        headers: body !== undefined ? { ...headers, "Content-Length": Buffer.byteLength(body) } : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            location: (res.headers.location as string | undefined) ?? null,
            bytes,
            body: bytes.toString("utf8"),
            ms: performance.now() - started,
          });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("timed out after 60 s")));
    req.on("error", reject);
    req.end(body);
  });
}

// ---- the production server ----------------------------------------------------------------

export interface ServerOptions {
  databaseUrl: string;
  sessionSecret: string;
  /** DATA_DIR of the server (uploaded media land in its files/ folder). */
  dataDir: string;
  /** Connections for the requests' writes, shared out over the server processes (at least 2 each). */
  poolSize?: number;
  /** Server processes (WEB_CONCURRENCY, app/utils/workers.server.ts); 1 when unset. */
  workers?: number;
  env?: Record<string, string>;
}

/** `node --import tsx server.ts` with NODE_ENV=production in its own process group, as scripts/smoke-production.sh starts it. */
export class ProductionServer {
  port = 0;
  private child: ChildProcess | undefined;
  /** The last 40 lines the server printed. */
  readonly log: string[] = [];
  /** Called with every line the server prints. */
  onLine?: (line: string) => void;

  get pid() {
    return this.child?.pid ?? null;
  }

  async start(options: ServerOptions) {
    const port = await freePort();
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": node flags for the server only.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "server.ts"], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: options.databaseUrl,
        // The server derives its requests' login from the owner's URL (docs/decisions/017-request-login.md).
        DATABASE_APP_URL: undefined,
        ...(options.poolSize ? { DATABASE_POOL_SIZE: String(Math.max(2, Math.ceil(options.poolSize / (options.workers ?? 1)))) } : {}),
        ...(options.workers && options.workers > 1 ? { WEB_CONCURRENCY: String(options.workers) } : {}),
        SESSION_SECRET: options.sessionSecret,
        SMTP_URL: "smtp://127.0.0.1:2525",
        DATA_DIR: options.dataDir,
        APP_URL: `http://127.0.0.1:${port}`,
        // No background email runner competing with the load (no SMTP server listens anyway).
        JOBS_INTERVAL_SECONDS: "0",
        ...options.env,
      },
    });
    this.child = child;
    let ready = false;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        if (line.startsWith("Testigo is ready")) ready = true;
        this.onLine?.(line);
        this.log.push(line);
        if (this.log.length > 40) this.log.shift();
      }
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ok = await request(port, "GET", "/healthz").then((r) => r.status === 200, () => false);
      // With workers, the first answers before the others listen: their primary says when all do.
      if (ok && ready) {
        this.port = port;
        return port;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`The production server did not become ready:\n${this.log.join("\n")}`);
  }

  async stop() {
    const child = this.child;
    this.child = undefined;
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
}

// ---- people -------------------------------------------------------------------------------

export interface Person {
  id: string;
  email: string;
  claims: { sub: string; email: string; role: "authenticated" };
  /** `name=value` of the signed session cookie, for a Cookie header. */
  cookie: string;
}

/** Signs a session token as the server does; null makes people without sessions (cookie ""). */
type SerializeCookie = ((token: string) => Promise<string>) | null;

/**
 * People as invitations make them (the auth.users trigger makes the profiles and grants the roles),
 * each with a 30-day session as the local provider's verifyCode makes it. `trainedDaysAgo` sets
 * their training date (observers need a current training to claim shifts).
 */
export async function makePeople(
  owner: pg.Client,
  serializeCookie: SerializeCookie,
  spec: { prefix: string; count: number; role: "observer" | "attorney" | "coordinator" | "admin"; trainedDaysAgo?: number },
): Promise<Person[]> {
  const emails = Array.from({ length: spec.count }, (_, i) => `${spec.prefix}_${i}@bench.example`);
  const label = spec.prefix.replace(/_/g, " ");
  await owner.query(
    `insert into public.invitations (email, display_name, roles)
     select e, $2 || ' ' || ord, array[$3]::public.app_role[] from unnest($1::text[]) with ordinality as t(e, ord)`,
    [emails, label, spec.role],
  );
  // Bench people have joined already: no invitation emails for the runner to send.
  await owner.query("delete from private.jobs where kind = 'invitation'");
  const { rows } = await owner.query<{ id: string; email: string }>(
    "insert into auth.users (email, email_confirmed_at) select e, now() from unnest($1::text[]) with ordinality as t(e, ord) order by ord returning id, email",
    [emails],
  );
  const byEmail = new Map(rows.map((r) => [r.email, r.id]));
  const ids = emails.map((e) => byEmail.get(e)!);
  if (spec.trainedDaysAgo !== undefined) {
    await owner.query("update public.profiles set training_date = current_date - $2::int where id = any($1::uuid[])", [ids, spec.trainedDaysAgo]);
  }
  const tokens = ids.map(() => randomBytes(32).toString("base64url"));
  if (serializeCookie) await owner.query(
    `insert into private.sessions (token_hash, user_id, expires_at)
     select h, u, now() + interval '30 days' from unnest($1::text[], $2::uuid[]) as t(h, u)`,
    [tokens.map(sha256), ids],
  );
  return Promise.all(
    emails.map(async (email, i) => ({
      id: ids[i]!,
      email,
      claims: { sub: ids[i]!, email, role: "authenticated" as const },
      cookie: serializeCookie ? (await serializeCookie(tokens[i]!)).split(";")[0]! : "",
    })),
  );
}

// ---- CPU ----------------------------------------------------------------------------------

const TICKS_PER_SECOND = (() => {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number.parseInt(result.stdout ?? "", 10);
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in ms */
  own: number;
  /** cutime + cstime (children that have exited and been waited for), in ms */
  reaped: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces; fields after it are fixed.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ms = (i: number) => (Number(fields[i]) * 1000) / TICKS_PER_SECOND;
    // fields[0] is state (field 3 of stat); ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    return { pid, ppid: Number(fields[1]), own: ms(11) + ms(12), reaped: ms(13) + ms(14) };
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) of a process and all its descendants, living or exited: PostgreSQL's backends are
 * children of the postmaster, and those that exit are counted in its cutime/cstime.
 */
export function treeCpuMs(rootPid: number | null): number | null {
  if (rootPid === null || !existsSync("/proc")) return null;
  const all: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (s) all.push(s);
  }
  const byParent = new Map<number, ProcStat[]>();
  for (const s of all) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const root = all.find((s) => s.pid === rootPid);
  if (!root) return null;
  let total = 0;
  const visit = (s: ProcStat) => {
    total += s.own + s.reaped;
    for (const child of byParent.get(s.pid) ?? []) visit(child);
  };
  visit(root);
  return total;
}

/** Busy CPU time of the whole machine (all processes, all cores), in ms, from /proc/stat. */
export function machineBusyMs(): number | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const [, ...values] = line.trim().split(/\s+/);
    const ticks = values.map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return ((total - idle) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface CpuSample {
  wallMs: number;
  machineMs: number | null;
  /** This process (the load generator, and the in-process app code of direct measurements). */
  benchMs: number;
  serverMs: number | null;
  postgresMs: number | null;
}

export interface CpuUse {
  wallMs: number;
  /** CPU time as a share of one core over the wall time, in percent (200 = both of 2 cores). */
  benchPct: number;
  serverPct: number | null;
  postgresPct: number | null;
  /** Everything else on the machine (other people's tests, too): the noise in these figures. */
  otherPct: number | null;
}

/** Samples CPU time of this process, the server's process tree and the postmaster's tree. */
export class CpuMeter {
  constructor(private readonly pids: { server: () => number | null; postgres: () => number | null }) {}

  sample(): CpuSample {
    const usage = process.cpuUsage();
    return {
      wallMs: performance.now(),
      machineMs: machineBusyMs(),
      benchMs: (usage.user + usage.system) / 1000,
      serverMs: treeCpuMs(this.pids.server()),
      postgresMs: treeCpuMs(this.pids.postgres()),
    };
  }

  static since(before: CpuSample, after: CpuSample): CpuUse {
    const wallMs = after.wallMs - before.wallMs;
    const pct = (a: number | null, b: number | null) => (a === null || b === null || wallMs <= 0 ? null : round(((b - a) / wallMs) * 100));
    const benchPct = pct(before.benchMs, after.benchMs)!;
    const serverPct = pct(before.serverMs, after.serverMs);
    const postgresPct = pct(before.postgresMs, after.postgresMs);
    const machinePct = pct(before.machineMs, after.machineMs);
    const otherPct = machinePct === null ? null : round(Math.max(0, machinePct - benchPct - (serverPct ?? 0) - (postgresPct ?? 0)));
    return { wallMs, benchPct, serverPct, postgresPct, otherPct };
  }

  async measure<T>(fn: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
    const before = this.sample();
    const result = await fn();
    return { result, cpu: CpuMeter.since(before, this.sample()) };
  }
}
