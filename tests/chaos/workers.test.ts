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
import { ensureFreshBuild } from "../setup/build";
import { recreateDatabase, TEST_DB_PREFIX, urlFor } from "../setup/test-database";

const database = `${TEST_DB_PREFIX}testigo_workers_${process.env.VITEST_POOL_ID ?? "0"}`;
const server = new ProductionServer();

/** The primary's children: its workers. */
const workersOf = (pid: number) =>
  execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .split("\n")
    .map((line) => Number(line.trim()))
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

it("two processes serve; one that dies is replaced while the other answers; SIGTERM to the primary stops them all", async () => {
  const primary = server.pid!;
  expect(server.log.find((line) => line.startsWith("Testigo is ready"))).toMatch(/2 processes/);
  const first = workersOf(primary);
  expect(first).toHaveLength(2);
  expect((await request(server.port, "GET", "/login")).status).toBe(200);

  process.kill(first[0]!, "SIGKILL");
  dropIdleSockets();
  // The other one answers meanwhile, every time.
  const statuses = [];
  for (let i = 0; i < 20; i++) statuses.push((await request(server.port, "GET", "/healthz")).status);
  expect(statuses.every((status) => status === 200)).toBe(true);
  expect(await until(() => workersOf(primary).length === 2 && !workersOf(primary).includes(first[0]!), 30_000)).toBe(true);
  expect(server.log.some((line) => line.includes("A server process stopped (SIGKILL); starting another"))).toBe(true);
  dropIdleSockets();
  expect((await request(server.port, "GET", "/login")).status).toBe(200);

  const second = workersOf(primary);
  process.kill(primary, "SIGTERM");
  expect(await until(() => ![primary, ...second].some(isAlive), 20_000)).toBe(true);
}, 90_000);
