import type { z } from "zod";
import { sql, withSystem, type Trx } from "~/db/client.server";
import { watchChannel } from "~/db/watch.server";
import { sendMail, type Mail } from "~/integrations/mail.server";
import { env } from "~/utils/env.server";

// The background runner for every module's jobs (emails today). It knows no module: each one
// registers its kinds of job and the work to do before sending (app/jobs/registered.server.ts
// lists them). Jobs live in `private.jobs` (see the shifts migration); each is claimed with
// FOR UPDATE SKIP LOCKED and marked done in the transaction that sends it, so any number of app
// instances may run this and no two send the same job. One window remains: if the process dies
// after the mail server accepted a message and before the commit, that message goes out again on
// the next run (at-least-once there, exactly-once otherwise).

const MAX_ATTEMPTS = 5;
/** Minutes to wait after the first, second, … failed attempt. */
const BACKOFF_MINUTES = [1, 5, 30, 30];

export interface JobCounts {
  sent: number;
  skipped: number;
  failed: number;
}
type Outcome = keyof JobCounts;

/** One kind of job in `private.jobs`, as the module that enqueues it registers it. */
export interface JobKind<P, M> {
  /** `private.jobs.kind` */
  kind: string;
  /** A job whose payload does not parse is given up at once. */
  payload: z.ZodType<P>;
  /**
   * What to deliver, read in the transaction that holds the job; null when it no longer means
   * anything (the job is marked done as skipped). A throw counts as a failed attempt.
   */
  build: (trx: Trx, payload: P) => Promise<M | null>;
  /** Delivers it; a throw is retried later (BACKOFF_MINUTES), MAX_ATTEMPTS times in all. */
  send: (message: M) => Promise<void>;
  /**
   * A failure that is an answer, not an accident (a push service saying the device is gone): does
   * what it means in the job's transaction and returns true, and the job is done (skipped).
   */
  settle?: (trx: Trx, message: M, error: unknown) => Promise<boolean>;
}

/** Work done at the start of every run, before jobs are sent (enqueuing reminders, retention, …). */
export interface RunTask {
  /** Names the task in the log: "Retention: run failed (…)". */
  name: string;
  run: () => Promise<void>;
  /** "logged" (default): a failure is logged and the run goes on. "ends-run": it ends the run. */
  onFailure?: "logged" | "ends-run";
}

interface Job {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
}

const kinds = new Map<string, JobKind<unknown, unknown>>();
const tasks: RunTask[] = [];

/** Registers a kind of job; a kind belongs to one module only. */
export function registerJobKind<P, M>(jobKind: JobKind<P, M>) {
  if (kinds.has(jobKind.kind)) throw new Error(`Job kind registered twice: ${jobKind.kind}`);
  kinds.set(jobKind.kind, jobKind as JobKind<unknown, unknown>);
}

/** A kind of job that sends one email built by its module (one way to send an email: sendMail). */
export function registerMailJob<P>(kind: string, payload: z.ZodType<P>, build: (trx: Trx, payload: P) => Promise<Mail | null>) {
  registerJobKind<P, Mail>({ kind, payload, build, send: (mail) => sendMail(mail) });
}

/** Adds work to the start of every run; tasks run in the order they are registered. */
export function registerRunTask(task: RunTask) {
  if (tasks.some((t) => t.name === task.name)) throw new Error(`Run task registered twice: ${task.name}`);
  tasks.push(task);
}

/** Not worth retrying: the job itself is malformed (or of a kind no module registered). */
class InvalidJob extends Error {
  name = "InvalidJob";
}

/** A short, personal-data-free description of a failure: its class and code, never its message. */
export function errorName(error: unknown) {
  const name = error instanceof Error ? error.name : "UnknownError";
  const code = (error as { code?: unknown } | null)?.code;
  const safeCode = typeof code === "string" && /^[A-Za-z0-9_]{1,40}$/.test(code) ? `: ${code}` : "";
  return `${name.slice(0, 60)}${safeCode}`;
}

async function recordFailure(trx: Trx, job: Job, error: unknown) {
  const attempts = job.attempts + 1;
  const giveUp = attempts >= MAX_ATTEMPTS || error instanceof InvalidJob;
  const backoff = BACKOFF_MINUTES[Math.min(attempts, BACKOFF_MINUTES.length) - 1]!;
  await trx
    .updateTable("private.jobs")
    .set({
      attempts,
      last_error: errorName(error),
      run_at: sql`now() + make_interval(mins => ${backoff})`,
      done_at: giveUp ? sql`now()` : null,
    })
    .where("id", "=", job.id)
    .where("done_at", "is", null)
    .execute();
}

async function markDone(trx: Trx, job: Job) {
  await trx
    .updateTable("private.jobs")
    .set({ done_at: sql`now()`, attempts: job.attempts + 1 })
    .where("id", "=", job.id)
    .execute();
}

/**
 * One job of a registered kind: an invalid payload (or an unknown kind) fails for good, a message
 * that is no longer due (null) is skipped, a sending error is retried.
 */
async function runJob(trx: Trx, job: Job): Promise<Outcome> {
  const jobKind = kinds.get(job.kind);
  const payload = jobKind?.payload.safeParse(job.payload);
  if (!jobKind || !payload?.success) {
    await recordFailure(trx, job, new InvalidJob());
    return "failed";
  }
  const message = (await jobKind.build(trx, payload.data)) ?? null;
  try {
    if (message !== null) await jobKind.send(message);
  } catch (error) {
    if (message !== null && (await jobKind.settle?.(trx, message, error))) {
      await markDone(trx, job);
      return "skipped";
    }
    await recordFailure(trx, job, error);
    return "failed";
  }
  await markDone(trx, job);
  return message !== null ? "sent" : "skipped";
}

/** Claims the next due job, sends it and marks it done, all in one transaction. */
async function runNextJob(): Promise<Outcome | null> {
  let claimed: Job | undefined;
  try {
    return await withSystem(async (trx) => {
      const job = await trx
        .selectFrom("private.jobs")
        .select(["id", "kind", "payload", "attempts"])
        .where("done_at", "is", null)
        .where("run_at", "<=", sql<Date>`now()`)
        .orderBy("priority", "desc")
        .orderBy("run_at")
        .orderBy("id")
        .forUpdate()
        .skipLocked()
        .limit(1)
        .executeTakeFirst();
      if (!job) return null;
      claimed = job;
      return runJob(trx, job);
    });
  } catch (error) {
    // The transaction itself failed (a database error while the job was held): count the attempt
    // separately, unless the database is out of reach, in which case the next tick tries again.
    if (!claimed) throw error;
    const job = claimed;
    await withSystem((trx) => recordFailure(trx, job, error));
    return "failed";
  }
}

/**
 * Jobs sent at once by one instance: a dispatch to many people must not wait on each push service
 * in turn, and each job holds a pool connection while it sends (the pool has 10 by default).
 */
const CONCURRENCY = 4;
/** Jobs per pass of the background runner, between log lines. */
const RUN_LIMIT = 100;

/** Sends due jobs, CONCURRENCY at a time, until none is left or `limit` have been handled. */
export async function sendDueJobs(options: { limit?: number; concurrency?: number } = {}): Promise<JobCounts> {
  const { limit = 100, concurrency = CONCURRENCY } = options;
  const counts: JobCounts = { sent: 0, skipped: 0, failed: 0 };
  let handled = 0;
  let drained = false;
  const worker = async () => {
    while (!drained && handled < limit) {
      handled += 1;
      const outcome = await runNextJob();
      if (!outcome) {
        drained = true;
        break;
      }
      counts[outcome] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, limit)) }, worker));
  return counts;
}

/** Runs the registered tasks, then sends due jobs until none is left or `limit` have been handled. */
export async function runJobsOnce(options: { limit?: number; concurrency?: number } = {}): Promise<JobCounts> {
  for (const task of tasks) {
    try {
      await task.run();
    } catch (error) {
      if (task.onFailure === "ends-run") throw error;
      console.error(`${task.name}: run failed (${errorName(error)})`);
    }
  }
  return sendDueJobs(options);
}

/**
 * Runs the jobs every JOBS_INTERVAL_SECONDS (0: never), and sends at once whatever a transaction
 * queued with NOTIFY jobs_due (a dispatch, an "are you OK?", a push): urgent alerts do not wait for
 * the tick. Returns a function that stops it.
 */
export function startJobRunner(): () => void {
  const seconds = env().JOBS_INTERVAL_SECONDS;
  if (seconds === 0) return () => {};
  let running = false;
  let wokenWhileRunning = false;
  const log = ({ sent, skipped, failed }: JobCounts) => {
    if (sent || skipped || failed) console.log(`Jobs: ${sent} sent, ${skipped} skipped, ${failed} failed`);
  };
  const run = async (tasksToo: boolean) => {
    // A slow run (SMTP timing out) must not overlap the next one in the same instance; a wake-up
    // during a run makes it go round once more, so nothing queued meanwhile waits for the tick.
    if (running) {
      wokenWhileRunning = true;
      return;
    }
    running = true;
    const full = ({ sent, skipped, failed }: JobCounts) => sent + skipped + failed >= RUN_LIMIT;
    try {
      let counts = await (tasksToo ? runJobsOnce({ limit: RUN_LIMIT }) : sendDueJobs({ limit: RUN_LIMIT }));
      log(counts);
      // A run that hit its limit (a dispatch to hundreds) goes on; so does one woken meanwhile.
      while (wokenWhileRunning || full(counts)) {
        wokenWhileRunning = false;
        counts = await sendDueJobs({ limit: RUN_LIMIT });
        log(counts);
      }
    } catch (error) {
      console.error(`Jobs: run failed (${errorName(error)})`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(true), seconds * 1000);
  // The runner never keeps the process alive on its own.
  timer.unref();
  const watch = watchChannel("jobs_due", () => void run(false));
  return () => {
    clearInterval(timer);
    void watch.stop();
  };
}
