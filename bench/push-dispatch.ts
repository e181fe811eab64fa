/**
 * Push alerts: time from a coordinator's dispatch (createDispatch returning, its transaction
 * committed) to a test push service having received every recipient's notification, for DEVICES
 * subscribed observers (200), over ROUNDS dispatches (20). `npm run bench:push --
 * [--devices=200 --rounds=20]`.
 *
 * One process: a throwaway database (`testigo_bench_push` on the embedded PostgreSQL in
 * .data/bench-push), the app's job runner as the server runs it (woken by NOTIFY jobs_due, its
 * 30-second tick otherwise), and an HTTPS push service with a throwaway certificate
 * (tests/setup/push-service.ts) that decrypts each message, so what is timed is the real path:
 * queue → runner → web-push (VAPID, RFC 8291 encryption) → HTTPS POST. Each dispatch also emails
 * every recipient (the development outbox), as in production, through the same runner.
 * Writes bench/results/push-dispatch.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { latencyStats, options, startBenchDatabase } from "./lib/harness";

const option = options();
const DEVICES = Number(option("DEVICES", "200"));
const ROUNDS = Number(option("ROUNDS", "20"));
const DB_NAME = "testigo_bench_push";
const DATA_DIR = ".data/bench-push";
Object.assign(process.env, { NODE_ENV: "development", DATA_DIR, JOBS_INTERVAL_SECONDS: "30" });

async function main() {
  const database = await startBenchDatabase(DATA_DIR, DB_NAME);
  process.env.DATABASE_URL = database.url;

  const { sql, withSystem, closeDb } = await import("../app/db/client.server");
  const { trustPushAgent } = await import("../app/integrations/push.server");
  const { startJobRunner } = await import("../app/jobs/jobs.server");
  const { createDispatch } = await import("../app/modules/dispatch/dispatch.server");
  const { saveSubscription } = await import("../app/modules/push/subscriptions.server");
  const { createPersona } = await import("../tests/setup/personas");
  const { startTestPushService } = await import("../tests/setup/push-service");

  const service = await startTestPushService();
  trustPushAgent(service.agent);
  const today = new Date().toISOString().slice(0, 10);
  const coordinator = await createPersona("bench_coordinator", ["coordinator"]);
  const geometry = { type: "Polygon", coordinates: [[[-87.7, 41.9], [-87.69, 41.9], [-87.69, 41.91], [-87.7, 41.91], [-87.7, 41.9]]] };
  const zoneId = (await withSystem((trx) => trx.insertInto("zones").values({ name: "Bench zone", geometry: JSON.stringify(geometry) }).returning("id").executeTakeFirstOrThrow())).id;

  // DEVICES observers, each checked in on a shift in the zone (10 a shift), each with one device.
  let shiftId = "";
  for (let i = 0; i < DEVICES; i++) {
    const person = await createPersona(`bench_observer_${i}`, ["observer"], { trainingDate: today });
    await withSystem(async (trx) => {
      if (i % 10 === 0) {
        shiftId = (
          await trx
            .insertInto("shifts")
            .values({ zone_id: zoneId, starts_at: sql<Date>`now() - interval '30 minutes'`, ends_at: sql<Date>`now() + interval '6 hours'`, capacity: 10 })
            .returning("id")
            .executeTakeFirstOrThrow()
        ).id;
      }
      await trx
        .insertInto("shift_assignments")
        .values({ shift_id: shiftId, observer_id: person.id, status: "checked_in", claimed_at: sql<Date>`now() - interval '1 day'`, checked_in_at: sql<Date>`now() - interval '20 minutes'`, period: "empty" })
        .execute();
    });
    await saveSubscription(person.claims, i.toString(16).padStart(64, "0"), service.device());
  }

  const stop = startJobRunner();
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the runner's LISTEN is up
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = service.total();
    const started = performance.now();
    const { recipients } = await createDispatch(coordinator.claims, { target: { kind: "point", lat: 41.9045, lng: -87.6955 }, note: "", clientKey: null });
    if (recipients !== DEVICES) throw new Error(`dispatch reached ${recipients} of ${DEVICES}`);
    await service.waitFor(before + DEVICES, 60_000);
    times.push(performance.now() - started);
    // The emails of this dispatch go out before the next one is timed: rounds do not overlap.
    for (;;) {
      const left = await withSystem((trx) => trx.selectFrom("private.jobs").select((eb) => eb.fn.countAll<string>().as("n")).where("done_at", "is", null).executeTakeFirstOrThrow());
      if (Number(left.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  stop();
  // The emails still queued go out before the database stops.
  const { sendDueJobs } = await import("../app/jobs/runner.server");
  while ((await sendDueJobs({ limit: 100 })).sent > 0);
  const stats = latencyStats(times);
  const [p50, p95] = [Math.round(stats.p50), Math.round(stats.p95)];
  console.log(`Push: dispatch to ${DEVICES} subscribed devices, all received by the test push service: p50 ${p50} ms, p95 ${p95} ms (${ROUNDS} dispatches; max ${Math.round(stats.max)} ms)`);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    "bench/results/push-dispatch.json",
    `${JSON.stringify(
      [
        { name: "push_dispatch_all_received_p50", value: p50, unit: "ms", description: `dispatch to ${DEVICES} devices, until the push service received all` },
        { name: "push_dispatch_all_received_p95", value: p95, unit: "ms", description: `dispatch to ${DEVICES} devices, until the push service received all` },
      ],
      null,
      2,
    )}\n`,
  );
  trustPushAgent(undefined);
  await service.close();
  await closeDb();
  await database.stop();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
