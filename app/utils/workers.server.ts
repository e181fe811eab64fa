import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { POOL_DEFAULTS } from "../db/pool-sizes";

/**
 * Server processes on one machine (WEB_CONCURRENCY, docs/decisions/012-request-pipeline.md). One
 * Node process renders on one core; a page of /shifts costs it some 14 ms of CPU, so one process
 * tops out near 70 pages a second however many cores the machine has. Each worker is an instance
 * as ARCHITECTURE.md means it (sessions, rate limits, jobs and live events already live in
 * PostgreSQL); the primary only starts the database, forks the workers, replaces one that dies and
 * stops them all.
 */

/**
 * "auto": one per CPU this process may run on (a container's CPU quota is not counted: set a number
 * there); a number: that many; unset: 1 (this process serves).
 */
export function workerCount(value: string | number | undefined): number {
  if (value === undefined || value === "") return 1;
  if (value === "auto") return availableParallelism();
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`Invalid environment: WEB_CONCURRENCY must be "auto" or a whole number from 1 to 64`);
  return n;
}

/**
 * Pool sizes not set in the environment, divided among `count` workers (at least 2 each), so that
 * more processes do not multiply the connections: PostgreSQL's max_connections is often 100 or
 * less. A size that is set stays as given, for each process.
 */
export function shareOutPools(count: number, environment: NodeJS.ProcessEnv = process.env) {
  for (const [name, size] of Object.entries(POOL_DEFAULTS)) {
    if (!environment[name]) environment[name] = String(Math.max(2, Math.ceil(size / count)));
  }
}

export interface Supervision {
  count: number;
  /** Said once, when every worker first listens. */
  ready: () => void;
  /** After the workers have stopped: the database the primary started. */
  stop: () => Promise<void>;
  /** A worker that does not stop by then is killed. */
  stopTimeoutMs?: number;
}

/** Workers that die this soon after starting, this many times in a row, stop the server: a crash loop is not served. */
const EARLY_MS = 10_000;
const EARLY_DEATHS = 5;

/**
 * Runs in the primary: forks the workers and keeps them running until SIGINT or SIGTERM. Never
 * resolves; the process exits when the workers and the database have stopped.
 */
export function superviseWorkers({ count, ready, stop, stopTimeoutMs = 10_000 }: Supervision): Promise<never> {
  return new Promise<never>(() => {
    const startedAt = new WeakMap<Worker, number>();
    let listening = 0;
    let announced = false;
    let earlyDeaths = 0;
    let stopping = false;
    let exitCode = 0;

    const fork = () => startedAt.set(cluster.fork(), Date.now());
    const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w && !w.isDead()));

    const finish = async () => {
      try {
        await stop();
      } catch (error) {
        console.error(error instanceof Error ? error.message : error);
        exitCode ||= 1;
      }
      process.exit(exitCode);
    };

    const shutdown = (signal: string, code = 0) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      console.log(`${signal}: stopping ${alive().length} server processes`);
      const workers = alive();
      if (!workers.length) return void finish();
      for (const worker of workers) worker.process.kill("SIGTERM");
      setTimeout(() => {
        for (const worker of alive()) worker.process.kill("SIGKILL");
      }, stopTimeoutMs).unref();
    };

    cluster.on("listening", () => {
      listening += 1;
      if (!announced && listening >= count) {
        announced = true;
        ready();
      } else if (announced) {
        console.log("A new server process is serving");
      }
    });
    cluster.on("exit", (worker, code, signal) => {
      if (stopping) {
        if (!alive().length) void finish();
        return;
      }
      const early = Date.now() - (startedAt.get(worker) ?? 0) < EARLY_MS;
      earlyDeaths = early ? earlyDeaths + 1 : 0;
      console.error(`A server process stopped (${signal ?? `exit code ${code}`}); ${earlyDeaths >= EARLY_DEATHS ? "they keep stopping as they start: stopping the server" : "starting another"}`);
      if (earlyDeaths >= EARLY_DEATHS) shutdown("crash loop", 1);
      else fork();
    });
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    for (let i = 0; i < count; i++) fork();
  });
}
