/**
 * Chaos: PostgreSQL is restarted in immediate mode (a crash, as far as the app can tell) while
 * observers are submitting reports. The production server must stay up, say so on /healthz, show
 * people a plain error page (not a hang, not a stack trace), take writes again within 5 s of the
 * database accepting connections, and have lost none of the reports it acknowledged.
 *
 * It runs its own embedded PostgreSQL (so that it may crash it) and its own production server
 * (`NODE_ENV=production tsx server.ts`, on the build in build/; built here if there is none).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedHandle } from "~/db/embedded.server";
import { ensureFreshBuild } from "../setup/build";

const OBSERVERS = 6;
const HEALTHY_MS = 2_500;
const OUTAGE_MS = 3_000;
const AFTER_MS = 6_000;
/** A request that takes longer than this counts as a hang. */
const HANG_MS = 15_000;
const SECRET = randomBytes(32).toString("base64url");

const root = mkdtempSync(path.join(tmpdir(), "testigo-chaos-"));
// PostgreSQL runs as its own user when the tests run as root (CI): it must be able to enter.
chmodSync(root, 0o755);
let database: EmbeddedHandle | undefined;
let app: ChildProcess | undefined;
let appExit: { code: number | null; signal: string | null } | null = null;
let appLog = "";
let baseUrl = "";
let databaseUrl = "";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The postmaster's PID, from its lock file. */
const postmasterPid = () => Number.parseInt(readFileSync(path.join(root, "postgres", "postmaster.pid"), "utf8").split("\n")[0]!, 10);

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}\n${appLog.slice(-3000)}`);
}

/** An observer made the way an invitation makes one, with a session cookie as sign-in would set. */
async function observer(n: number) {
  const email = `chaos_observer_${n}@test.example`;
  await query(`insert into public.invitations (email, display_name, roles) values ($1, $2, '{observer}')`, [email, `Observer ${n}`]);
  const [user] = await query<{ id: string }>(`insert into auth.users (email) values ($1) returning id`, [email]);
  const token = randomBytes(32).toString("base64url");
  await query(`insert into private.sessions (token_hash, user_id, expires_at) values ($1, $2, now() + interval '1 day')`, [
    createHash("sha256").update(token).digest("hex"),
    user!.id,
  ]);
  // The production session cookie (app/modules/auth/cookies.server.ts), signed with the server's secret.
  const cookie = createCookie("__Host-testigo_session", { path: "/", httpOnly: true, sameSite: "lax", secure: true, secrets: [SECRET] });
  return { id: user!.id, cookie: (await cookie.serialize(token)).split(";")[0]! };
}

beforeAll(async () => {
  ensureFreshBuild();
  database = await startEmbeddedPostgres(root);
  databaseUrl = database.url;
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  app = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      // Derived from the owner's URL by the server, never the test worker's.
      DATABASE_APP_URL: undefined,
      DATA_DIR: path.join(root, "app"),
      SESSION_SECRET: SECRET,
      // Nothing here sends mail; production only insists that a way to send it is configured.
      SMTP_URL: "smtp://127.0.0.1:9",
      JOBS_INTERVAL_SECONDS: "1",
      DATABASE_POOL_SIZE: "10",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  app.stdout!.on("data", (chunk: Buffer) => (appLog += chunk.toString()));
  app.stderr!.on("data", (chunk: Buffer) => (appLog += chunk.toString()));
  app.on("exit", (code, signal) => (appExit = { code, signal }));
  await waitFor("the app to start", async () => {
    if (appExit) throw new Error(`The app exited during start (${JSON.stringify(appExit)}):\n${appLog}`);
    return fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
  }, 120_000);
}, 300_000);

afterAll(async () => {
  if (app && !appExit) {
    app.kill("SIGTERM");
    await waitFor("the app to stop", () => appExit !== null, 15_000).catch(() => app?.kill("SIGKILL"));
  }
  // A handle whose server was crashed and not restarted would wait for an exit that already happened.
  await Promise.race([database?.stop(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

interface Outcome {
  startedAt: number;
  endedAt: number;
  status: number | "network" | "timeout";
  reportId?: string;
  clientUuid: string;
  body?: string;
  contentType?: string;
}

it("survives an immediate PostgreSQL restart under write load without losing an acknowledged write", { timeout: 240_000 }, async () => {
  const observers = await Promise.all(Array.from({ length: OBSERVERS }, (_, i) => observer(i + 1)));
  const outcomes: Outcome[] = [];
  const health: { at: number; endedAt: number; status: number | "network"; database?: string }[] = [];
  let running = true;

  async function submit(cookie: string): Promise<Outcome> {
    const clientUuid = randomUUID();
    // 20 hours back: in the past in the organisation's time zone, whatever it is, and within 90 days.
    const occurredAt = new Date(Date.now() - 20 * 3600_000).toISOString().slice(0, 16);
    const body = new URLSearchParams({ clientUuid, occurredAt, crossStreets: "26th & Pulaski", narrative: "Two unmarked SUVs.", urgency: "high" });
    const startedAt = performance.now();
    try {
      const response = await fetch(`${baseUrl}/reports/new`, {
        method: "POST",
        body,
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", Origin: baseUrl },
        redirect: "manual",
        signal: AbortSignal.timeout(HANG_MS),
      });
      const text = await response.text();
      const location = response.headers.get("Location") ?? "";
      const reportId = response.status === 303 ? /^\/reports\/([0-9a-f-]{36})\?sent=1$/.exec(location)?.[1] : undefined;
      return {
        startedAt,
        endedAt: performance.now(),
        status: response.status,
        reportId,
        clientUuid,
        body: text,
        contentType: response.headers.get("Content-Type") ?? "",
      };
    } catch (error) {
      const timeout = (error as Error).name === "TimeoutError";
      return { startedAt, endedAt: performance.now(), status: timeout ? "timeout" : "network", clientUuid };
    }
  }

  const writers = observers.map(async ({ cookie }) => {
    while (running) {
      outcomes.push(await submit(cookie));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  // Someone reading a page meanwhile: the observer's own reports.
  const pageViews: Outcome[] = [];
  const reader = (async () => {
    while (running) {
      const startedAt = performance.now();
      try {
        const response = await fetch(`${baseUrl}/reports`, { headers: { Cookie: observers[0]!.cookie }, signal: AbortSignal.timeout(HANG_MS) });
        const body = await response.text();
        pageViews.push({ startedAt, endedAt: performance.now(), status: response.status, clientUuid: "", body, contentType: response.headers.get("Content-Type") ?? "" });
      } catch (error) {
        pageViews.push({ startedAt, endedAt: performance.now(), status: (error as Error).name === "TimeoutError" ? "timeout" : "network", clientUuid: "" });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const poller = (async () => {
    while (running) {
      const at = performance.now();
      try {
        const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(HANG_MS) });
        const json = (await response.json()) as { database?: string };
        health.push({ at, endedAt: performance.now(), status: response.status, database: json.database });
      } catch {
        health.push({ at, endedAt: performance.now(), status: "network" });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  await new Promise((resolve) => setTimeout(resolve, HEALTHY_MS));
  // What `pg_ctl stop -m immediate` does: SIGQUIT to the postmaster, which kills every backend
  // at once with no checkpoint. (pg_ctl itself refuses to run as root, as CI does.)
  const crashedAt = performance.now();
  const oldDatabase = database!;
  const pid = postmasterPid();
  process.kill(pid, "SIGQUIT");
  // Gone for good (its port free again), not merely refusing connections while it winds down.
  await waitFor("PostgreSQL to exit", () => !alive(pid), 10_000);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  // Started again on the same data and port; it recovers from the WAL first.
  database = await startEmbeddedPostgres(root);
  expect(database.url, "PostgreSQL came back on the same port").toBe(oldDatabase.url);
  await waitFor("PostgreSQL to accept connections", () => query("select 1").then(() => true, () => false), 30_000);
  const backAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
  running = false;
  await Promise.all([...writers, reader, poller]);

  // --- The process stayed up.
  expect(appExit, `the app exited:\n${appLog.slice(-3000)}`).toBeNull();

  // --- /healthz said so: healthy, then down (503, database unreachable), then healthy again.
  const before = health.filter((h) => h.endedAt < crashedAt);
  const during = health.filter((h) => h.at > crashedAt + 200 && h.endedAt < backAt);
  const after = health.filter((h) => h.at > backAt);
  const healthyAgain = after.find((h) => h.status === 200);

  // --- Writes resumed within 5 s of PostgreSQL accepting connections.
  const acked = outcomes.filter((o) => o.reportId);
  const firstAckAfter = acked.filter((o) => o.endedAt > backAt).sort((a, b) => a.endedAt - b.endedAt)[0];
  const resumeMs = firstAckAfter ? firstAckAfter.endedAt - backAt : Infinity;
  const writeFailures = outcomes.filter((o) => !o.reportId);
  const failures = [...writeFailures, ...pageViews.filter((o) => o.status !== 200)];
  const lastFailure = failures.sort((a, b) => b.endedAt - a.endedAt)[0];
  const lastFailureAfterMs = lastFailure ? Math.max(0, lastFailure.endedAt - backAt) : 0;

  // --- What people saw while it was down: a plain error page, soon, never a stack trace or a hang.
  const hangs = failures.filter((o) => o.status === "timeout" || o.status === "network");
  const other = failures.filter((o) => typeof o.status === "number" && ![500, 503].includes(o.status));
  const withStack = failures.filter((o) => /\bat .+\.(ts|js|tsx):\d+|node_modules|ECONNREFUSED|terminating connection/i.test(o.body ?? ""));
  const notHtml = failures.filter((o) => typeof o.status === "number" && !/text\/html|text\/plain/.test(o.contentType ?? ""));
  const slowest = Math.max(...failures.map((o) => o.endedAt - o.startedAt), 0);

  // --- Every acknowledged report is in the database.
  const ids = acked.map((o) => o.reportId!);
  const stored = await query<{ id: string }>(`select id from public.reports where id = any($1::uuid[])`, [ids]);
  const lost = ids.filter((id) => !stored.some((row) => row.id === id));
  // Sent, not acknowledged, yet stored (committed just before the connection died): the browser's
  // outbox sends it again with the same client_uuid and gets this report back, not a second one.
  const unacked = await query<{ count: string }>(`select count(*) from public.reports where client_uuid = any($1::uuid[])`, [
    writeFailures.map((o) => o.clientUuid),
  ]);

  const tally = (list: Outcome[]) => {
    const counts = new Map<string, number>();
    for (const o of list) counts.set(String(o.status), (counts.get(String(o.status)) ?? 0) + 1);
    return [...counts].map(([s, n]) => `${s}×${n}`).join(" ");
  };
  console.log(
    [
      `chaos: ${outcomes.length} report submissions by ${OBSERVERS} observers; PostgreSQL down ${Math.round(backAt - crashedAt)} ms (immediate)`,
      `  submissions: ${tally(outcomes)}; page views of /reports meanwhile: ${tally(pageViews)}`,
      `  acknowledged ${acked.length}, failed with an error page ${writeFailures.filter((o) => typeof o.status === "number").length}, hung/dropped ${hangs.length} (of all requests), lost ${lost.length}`,
      `  stored though not acknowledged: ${unacked[0]!.count}`,
      `  /healthz: ${before.length} ok before, ${during.length} × 503 during, healthy again ${healthyAgain ? Math.round(healthyAgain.endedAt - backAt) : "never"} ms after PostgreSQL accepted connections`,
      `  first acknowledged write ${Math.round(resumeMs)} ms after PostgreSQL accepted connections; last failure ${Math.round(lastFailureAfterMs)} ms after`,
      `  slowest failed request ${Math.round(slowest)} ms`,
    ].join("\n"),
  );

  if (process.env.CHAOS_DEBUG) console.log(failures.find((o) => o.body)?.body);
  expect(before.every((h) => h.status === 200 && h.database === "ok"), JSON.stringify(before)).toBe(true);
  expect(during.length).toBeGreaterThan(0);
  expect(during.every((h) => h.status === 503 && h.database === "unreachable"), JSON.stringify(during)).toBe(true);
  expect(healthyAgain, "healthz healthy again").toBeDefined();
  expect(after.at(-1)?.status).toBe(200);
  expect(lost, "acknowledged reports missing from the database").toEqual([]);
  expect(acked.filter((o) => o.endedAt < crashedAt).length, "writes before the crash").toBeGreaterThan(0);
  expect(writeFailures.length, "submissions refused during the outage").toBeGreaterThan(0);
  expect(resumeMs).toBeLessThanOrEqual(5_000);
  expect(lastFailureAfterMs).toBeLessThanOrEqual(5_000);
  expect(hangs.map((o) => o.status)).toEqual([]);
  expect(other.map((o) => o.status)).toEqual([]);
  expect(withStack.map((o) => o.body?.slice(0, 500))).toEqual([]);
  expect(notHtml.map((o) => o.contentType)).toEqual([]);
  expect(slowest).toBeLessThan(HANG_MS);
});
