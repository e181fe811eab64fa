/**
 * WEB_CONCURRENCY (app/utils/workers.server.ts): the production server with two server processes.
 * Both serve; a worker that dies is replaced while the other keeps answering; SIGTERM to the
 * primary stops every process. Runs its own production server on the build in build/.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { dropIdleSockets, ProductionServer, request } from "../../bench/lib/harness";
import { shareOutPools } from "~/utils/workers.server";
import { ensureFreshBuild } from "../setup/build";
import { recreateDatabase, TEST_DB_PREFIX, urlFor } from "../setup/test-database";

const database = `${TEST_DB_PREFIX}testigo_workers_${process.env.VITEST_POOL_ID ?? "0"}`;
const server = new ProductionServer();

/** The primary's workers: its children that run server.ts (tsx may also keep an esbuild service). */
const workersOf = (pid: number) =>
  execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(pid)], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("server.ts"))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((n) => n > 0);
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until(check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

beforeAll(async () => {
  ensureFreshBuild();
  const serverUrl = inject("testServerUrl");
  await recreateDatabase(serverUrl, database);
  await server.start({
    databaseUrl: urlFor(serverUrl, database),
    sessionSecret: randomBytes(32).toString("base64url"),
    dataDir: mkdtempSync(path.join(tmpdir(), "testigo-workers-")),
    workers: 2,
    env: { NODE_ENV: "test", JOBS_INTERVAL_SECONDS: "0" },
  });
}, 120_000);

afterAll(async () => {
  await server.stop();
});

/** What the primary said (request log lines aside). */
const said: string[] = [];
server.onLine = (line) => {
  if (!/^(GET|POST|HEAD) /.test(line)) said.push(line);
};
const stoppedLines = () => said.filter((line) => line === "A server process stopped (SIGKILL); starting another").length;

it("two processes serve; one that dies is replaced while the other answers; SIGTERM to the primary stops them all", async () => {
  const primary = server.pid!;
  expect(said.find((line) => line.startsWith("Testigo is ready"))).toMatch(/2 processes/);
  const first = workersOf(primary);
  expect(first).toHaveLength(2);
  expect((await request(server.port, "GET", "/login")).status).toBe(200);

  process.kill(first[0]!, "SIGKILL");
  // Once the primary knows (a connection it handed to the worker as it died is lost: Node's cluster
  // does not hand it to another), the other one answers meanwhile, every time.
  expect(await until(() => stoppedLines() === 1, 10_000)).toBe(true);
  dropIdleSockets();
  const statuses = [];
  for (let i = 0; i < 20; i++) statuses.push((await request(server.port, "GET", "/healthz")).status);
  expect(statuses.every((status) => status === 200)).toBe(true);
  expect(await until(() => workersOf(primary).length === 2 && !workersOf(primary).includes(first[0]!), 30_000)).toBe(true);
  // Listening, not only started (were both gone at once, connections would be refused until one is back).
  expect(await until(() => said.includes("A new server process is serving"), 30_000)).toBe(true);
  dropIdleSockets();
  expect((await request(server.port, "GET", "/login")).status).toBe(200);

  // The other first worker goes too: the replacement alone answers, so it serves.
  const second = workersOf(primary);
  process.kill(first[1]!, "SIGKILL");
  expect(await until(() => stoppedLines() === 2, 10_000)).toBe(true);
  dropIdleSockets();
  for (let i = 0; i < 10; i++) expect((await request(server.port, "GET", "/healthz")).status).toBe(200);
  expect(await until(() => workersOf(primary).length === 2 && !workersOf(primary).includes(first[1]!), 30_000)).toBe(true);

  // SIGTERM to the primary alone: every process has stopped well before the 10 s after which it would kill them.
  const last = workersOf(primary);
  const stopping = Date.now();
  process.kill(primary, "SIGTERM");
  expect(await until(() => ![primary, ...second, ...last].some(isAlive), 8_000)).toBe(true);
  expect(Date.now() - stopping).toBeLessThan(8_000);
  expect(said).toContain("SIGTERM: stopping 2 server processes");
}, 90_000);

it("pool sizes left unset are shared out over the workers; one that is set stays as given", () => {
  const environment = { DATABASE_READ_POOL_SIZE: "7" } as unknown as NodeJS.ProcessEnv;
  shareOutPools(4, environment);
  expect(environment).toEqual({ DATABASE_POOL_SIZE: "3", DATABASE_READ_POOL_SIZE: "7", DATABASE_SYSTEM_POOL_SIZE: "2" });
});
