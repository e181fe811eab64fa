import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sql, withSystem, withUser, type Claims } from "~/db/client.server";
import { readOutbox } from "~/integrations/mail.server";
import { trustPushAgent } from "~/integrations/push.server";
import { runJobsOnce, sendDueJobs, startJobRunner } from "~/jobs/runner.server";
import "~/jobs/jobs.server";
import { createDispatch } from "~/modules/dispatch/dispatch.server";
import { claimShift, leaveShift } from "~/modules/shifts/shifts.server";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { startTestPushService, type TestDevice, type TestPushService } from "../../../tests/setup/push-service";
import { createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { parseSubscription } from "./schema";
import { deleteSessionSubscriptions, deleteSubscription, saveSubscription, subscribedDeviceHashes, endpointHash } from "./subscriptions.server";

// Push alerts against a real push service of the test's own (tests/setup/push-service.ts): what
// web-push sends is decrypted with the device keys the test made, and checked.

let service: TestPushService;
let cast: Awaited<ReturnType<typeof createCast>>;
let zoneId: string;
let counter = 0;
const today = new Date().toISOString().slice(0, 10);
const sessionKey = (n: number) => n.toString(16).padStart(64, "0");

async function observer(language: "en" | "es" = "en") {
  const persona = await createPersona(`push_observer_${++counter}`, ["observer"], { trainingDate: today });
  await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: language }).where("id", "=", persona.id).execute());
  return persona;
}

async function subscribe(person: Persona, key = sessionKey(1)): Promise<TestDevice> {
  const device = service.device();
  await saveSubscription(person.claims, key, device);
  return device;
}

/** `person` checked in, now, on a shift in the test zone: what makes them a dispatch recipient. */
async function checkedIn(person: Persona) {
  await withSystem(async (trx) => {
    const shift = await trx
      .insertInto("shifts")
      .values({ zone_id: zoneId, starts_at: sql<Date>`now() - interval '30 minutes'`, ends_at: sql<Date>`now() + interval '3 hours'`, capacity: 10 })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("shift_assignments")
      .values({ shift_id: shift.id, observer_id: person.id, status: "checked_in", claimed_at: sql<Date>`now() - interval '1 day'`, checked_in_at: sql<Date>`now() - interval '20 minutes'`, period: "empty" })
      .execute();
  });
}

const dispatchToZone = (claims: Claims) => createDispatch(claims, { target: { kind: "point", lat: 41.9045, lng: -87.6955 }, note: "Kedzie & Armitage", clientKey: null });
const pushJobs = () =>
  withSystem((trx) => trx.selectFrom("private.jobs").select(["dedupe_key", "done_at", "attempts"]).where("kind", "=", "push").execute());

beforeAll(async () => {
  service = await startTestPushService();
  trustPushAgent(service.agent);
  cast = await createCast();
  zoneId = await createTestZone("Logan Square");
  // a square around (41.9, -87.7) to (41.91, -87.69)
  const geometry = { type: "Polygon", coordinates: [[[-87.7, 41.9], [-87.69, 41.9], [-87.69, 41.91], [-87.7, 41.91], [-87.7, 41.9]]] };
  await withSystem((trx) => trx.updateTable("zones").set({ geometry: JSON.stringify(geometry) }).where("id", "=", zoneId).execute());
});

afterEach(async () => {
  await runJobsOnce();
});

afterAll(async () => {
  trustPushAgent(undefined);
  await service.close();
});

describe("subscriptions under RLS", () => {
  it("the owner reads and deletes their own; nobody else reads, writes or deletes them", async () => {
    const ana = await observer();
    const ben = await observer();
    const device = await subscribe(ana);
    const own = await withUser(ana.claims, (trx) => trx.selectFrom("push_subscriptions").select(["endpoint", "person_id"]).execute());
    expect(own).toEqual([{ endpoint: device.endpoint, person_id: ana.id }]);
    for (const other of [ben, cast.coordinator_carmen, cast.admin_alma, cast.attorney_luis]) {
      expect(await withUser(other.claims, (trx) => trx.selectFrom("push_subscriptions").select("id").execute())).toEqual([]);
      await withUser(other.claims, (trx) => trx.deleteFrom("push_subscriptions").execute());
    }
    expect(await subscribedDeviceHashes(ana.claims)).toEqual([endpointHash(device.endpoint)]);
    // Writing a row for someone else is refused by the policy.
    await expect(
      withUser(ben.claims, (trx) =>
        trx.insertInto("push_subscriptions").values({ person_id: ana.id, endpoint: `${service.origin}/push/x`, p256dh: device.p256dh, auth: device.auth, session_key: sessionKey(2) }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    await deleteSubscription(ben.claims, device.endpoint);
    expect(await subscribedDeviceHashes(ana.claims)).toHaveLength(1);
    await deleteSubscription(ana.claims, device.endpoint);
    expect(await subscribedDeviceHashes(ana.claims)).toEqual([]);
  });

  it("anon has no access at all", async () => {
    await expect(
      withSystem(async (trx) => {
        await sql`set local role anon`.execute(trx);
        return trx.selectFrom("push_subscriptions").select("id").execute();
      }),
    ).rejects.toThrow(/permission denied/);
  });

  it("signing out deletes that sign-in's devices only; deactivating deletes them all", async () => {
    const ana = await observer();
    await subscribe(ana, sessionKey(10));
    const phone = await subscribe(ana, sessionKey(11));
    await deleteSessionSubscriptions(ana.claims, sessionKey(10));
    expect(await subscribedDeviceHashes(ana.claims)).toEqual([endpointHash(phone.endpoint)]);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql<Date>`now()` }).where("id", "=", ana.id).execute());
    const left = await withSystem((trx) => trx.selectFrom("push_subscriptions").select("id").where("person_id", "=", ana.id).execute());
    expect(left).toEqual([]);
  });

  it("the same device subscribed by someone else is theirs now", async () => {
    const ana = await observer();
    const ben = await observer();
    const device = await subscribe(ana);
    await saveSubscription(ben.claims, sessionKey(3), device);
    expect(await subscribedDeviceHashes(ana.claims)).toEqual([]);
    expect(await subscribedDeviceHashes(ben.claims)).toEqual([endpointHash(device.endpoint)]);
  });
});

describe("payload validation", () => {
  const valid = () => {
    const d = service.device();
    return { endpoint: d.endpoint.replace("127.0.0.1", "push.example.com"), p256dh: d.p256dh, auth: d.auth };
  };
  const parse = (fields: Record<string, string>, production = true) => parseSubscription(new Map(Object.entries(fields)), { production });
  it("accepts a browser's subscription; refuses http, local hosts in production, and wrong key lengths", () => {
    expect(parse(valid()).ok).toBe(true);
    expect(parse({ ...valid(), endpoint: "http://push.example.com/x" })).toEqual({ ok: false, errors: { endpoint: "push.errors.endpoint" } });
    expect(parse({ ...valid(), endpoint: "https://127.0.0.1/x" })).toEqual({ ok: false, errors: { endpoint: "push.errors.endpoint" } });
    expect(parse({ ...valid(), endpoint: "https://127.0.0.1/x" }, false).ok).toBe(true);
    expect(parse({ ...valid(), p256dh: valid().p256dh.slice(0, 80) })).toEqual({ ok: false, errors: { keys: "push.errors.keys" } });
    expect(parse({ ...valid(), auth: "AAAA" })).toEqual({ ok: false, errors: { keys: "push.errors.keys" } });
    expect(parse({ endpoint: "", p256dh: "", auth: "" })).toEqual({ ok: false, errors: { endpoint: "push.errors.endpoint", keys: "push.errors.keys" } });
  });
});

describe("sending", () => {
  it("a dispatch: push to each device (in the person's language, no personal data) and email too", async () => {
    const ana = await observer("es");
    await checkedIn(ana);
    const phone = await subscribe(ana);
    const laptop = await subscribe(ana, sessionKey(4));
    const before = service.total();
    const { id } = await dispatchToZone(cast.coordinator_carmen.claims);
    await runJobsOnce();
    await service.waitFor(before + 2);
    for (const device of [phone, laptop]) {
      expect(device.received).toHaveLength(1);
      const { payload, headers } = device.received[0]!;
      expect(payload).toEqual({
        title: "Un coordinador te pide que vayas",
        body: "Abre Testigo para ver adónde ir.",
        tag: `dispatch:${id}:${ana.id}`,
        url: `/dispatch/${id}`,
        answer: { url: `/dispatch/${id}/answer`, onMyWay: "Voy en camino", cant: "No puedo" },
        urgent: true,
      });
      expect(headers.urgency).toBe("high");
      expect(String(headers.authorization)).toMatch(/^vapid t=/);
      expect(JSON.stringify(payload)).not.toMatch(/Kedzie|Logan|push_observer/);
    }
    expect(readOutbox().filter((m) => m.to === ana.email && /despach|Logan/i.test(m.subject))).toHaveLength(1);
  });

  it("exactly once per device across two concurrent runners and a restart", async () => {
    const people = await Promise.all([observer(), observer(), observer()]);
    const devices: TestDevice[] = [];
    for (const person of people) {
      await checkedIn(person);
      devices.push(await subscribe(person), await subscribe(person, sessionKey(5)));
    }
    const before = service.total();
    await dispatchToZone(cast.coordinator_carmen.claims);
    await Promise.all([sendDueJobs({ concurrency: 3 }), sendDueJobs({ concurrency: 3 })]);
    // "Restart": a runner that starts afresh finds nothing left to send.
    expect(await sendDueJobs()).toEqual({ sent: 0, skipped: 0, failed: 0 });
    await service.waitFor(before + 6);
    for (const device of devices) expect(device.received).toHaveLength(1);
  });

  it("the same event queued again (a crash before the commit) carries the same tag; the queue sends it once", async () => {
    const ana = await observer();
    await checkedIn(ana);
    const device = await subscribe(ana);
    await dispatchToZone(cast.coordinator_carmen.claims);
    await runJobsOnce();
    const jobs = await pushJobs();
    // Re-queuing the same event changes nothing: one job per (event, device).
    await withSystem((trx) =>
      sql`select private.enqueue_job('dispatch_alert', ${(device.received[0]!.payload as { tag: string }).tag}, '{}'::jsonb)`.execute(trx),
    );
    expect((await pushJobs()).length).toBe(jobs.length);
    expect(device.received).toHaveLength(1);
  });

  it("410 Gone deletes the subscription", async () => {
    const ana = await observer();
    await checkedIn(ana);
    const device = await subscribe(ana);
    service.gone(device);
    await dispatchToZone(cast.coordinator_carmen.claims);
    await runJobsOnce();
    expect(await subscribedDeviceHashes(ana.claims)).toEqual([]);
    const failed = await withSystem((trx) =>
      trx.selectFrom("private.jobs").select("id").where("kind", "=", "push").where("last_error", "is not", null).where("done_at", "is", null).execute(),
    );
    expect(failed).toEqual([]);
  });

  it("a waitlist promotion: by push alone to a subscribed person, by email to one without; email after all when the device is gone", async () => {
    const shiftZone = await createTestZone("Pilsen push");
    const shift = await createTestShift(shiftZone, { startsInHours: 48, capacity: 1 });
    const [first, pushed, mailed] = [await observer(), await observer(), await observer()];
    const device = await subscribe(pushed);
    await claimShift(first.claims, shift);
    await claimShift(pushed.claims, shift);
    await claimShift(mailed.claims, shift);
    await leaveShift(first.claims, shift); // `pushed` moves up
    await runJobsOnce();
    expect(device.received.map((r) => (r.payload as { title: string }).title)).toEqual(["You have a spot on a shift"]);
    expect((device.received[0]!.payload as { url: string }).url).toBe(`/shifts/${shift}`);
    expect(readOutbox().filter((m) => m.to === pushed.email)).toEqual([]);

    const gone = await subscribe(mailed);
    service.gone(gone);
    await leaveShift(pushed.claims, shift); // `mailed` moves up; their only device is gone
    await runJobsOnce();
    await runJobsOnce();
    expect(readOutbox().filter((m) => m.to === mailed.email)).toHaveLength(1);
  });

  it("a push service failing (500) for a promotion: the email goes at once, and the push is retried", async () => {
    const shiftZone = await createTestZone("Pilsen push outage");
    const shift = await createTestShift(shiftZone, { startsInHours: 48, capacity: 1 });
    const [first, waiting] = [await observer(), await observer()];
    const device = await subscribe(waiting);
    service.failing(device);
    await claimShift(first.claims, shift);
    await claimShift(waiting.claims, shift);
    await leaveShift(first.claims, shift); // `waiting` moves up; their device's push service is down
    await runJobsOnce();
    await runJobsOnce();
    expect(device.received).toEqual([]);
    expect(readOutbox().filter((m) => m.to === waiting.email)).toHaveLength(1);
    const retried = await withSystem(
      async (trx) =>
        (
          await sql<{ attempts: number; last_error: string | null; done_at: Date | null }>`
            select j.attempts, j.last_error, j.done_at from private.jobs j
            join public.push_subscriptions s on s.id = (j.payload ->> 'subscription_id')::uuid
            where j.kind = 'push' and s.person_id = ${waiting.id}::uuid`.execute(trx)
        ).rows,
    );
    expect(retried).toEqual([{ attempts: 1, last_error: "PushFailed: 500", done_at: null }]);
  });

  it("a shift that moves: everyone on it is told by push and by email, with no time or place in the notification", async () => {
    const shiftZone = await createTestZone("Moving push zone");
    const shift = await createTestShift(shiftZone, { startsInHours: 72, capacity: 2 });
    const person = await observer("es");
    const device = await subscribe(person);
    await claimShift(person.claims, shift);
    const coordinator = await createPersona(`push_coordinator_${++counter}`, ["coordinator"]);
    const { rescheduleShift } = await import("~/modules/shifts/changes.server");
    const starts = new Date(Date.now() + 96 * 3_600_000);
    const { time_zone: timeZone } = await withSystem((trx) => trx.selectFrom("org_settings").select("time_zone").executeTakeFirstOrThrow());
    const local = Object.fromEntries(
      new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(starts)
        .map((x) => [x.type, x.value]),
    );
    await rescheduleShift(coordinator.claims, shift, { date: `${local.year}-${local.month}-${local.day}`, startTime: "08:00", endTime: "10:00", takeOff: [] });
    await runJobsOnce();
    await runJobsOnce();
    expect(device.received.map((r) => (r.payload as { title: string }).title)).toEqual(["Cambió la hora de tu turno"]);
    expect(JSON.stringify(device.received[0]!.payload)).not.toMatch(/08:00|8:00|Moving push zone/);
    expect((device.received[0]!.payload as { url: string }).url).toBe(`/shifts/${shift}`);
    expect(readOutbox().filter((m) => m.to === person.email)).toHaveLength(1);
  });

  it("a series edit: one notification per person and edit, however many of their shifts moved, sent once across two runs", async () => {
    const shiftZone = await createTestZone("Series push zone");
    const coordinator = await createPersona(`push_coordinator_${++counter}`, ["coordinator"]);
    const { createShifts } = await import("~/modules/shifts/shifts.server");
    const { editShiftSeries } = await import("~/modules/shifts/changes.server");
    const { CreateShiftSchema } = await import("~/modules/shifts/schema");
    const { time_zone: timeZone } = await withSystem((trx) => trx.selectFrom("org_settings").select("time_zone").executeTakeFirstOrThrow());
    const day = (days: number) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(Date.now() + days * 86_400_000));
    const weekday = new Date(`${day(2)}T12:00:00Z`).getUTCDay() || 7;
    const made = await createShifts(
      coordinator.claims,
      CreateShiftSchema.parse({ intent: "create", zoneId: shiftZone, repeat: "weekly", date: day(2), until: day(2 + 7 * 11), weekdays: [String(weekday)], startTime: "18:00", endTime: "21:00", capacity: "3" }),
    );
    expect(made.count).toBe(12);
    const person = await observer("es");
    const [phone, laptop] = [await subscribe(person), await subscribe(person, sessionKey(2))];
    const shifts = await withSystem((trx) => trx.selectFrom("shifts").select("id").where("series_id", "=", made.id).execute());
    for (const s of shifts) await claimShift(person.claims, s.id);
    await runJobsOnce();

    await editShiftSeries(coordinator.claims, made.id, { from: day(2), startTime: "17:00", endTime: "20:00", capacity: 3, needsLanguages: [], needsTeamLead: false, takeOff: [] });
    await Promise.all([runJobsOnce(), runJobsOnce()]);
    await runJobsOnce();
    for (const device of [phone, laptop]) {
      expect(device.received.map((r) => r.payload)).toEqual([
        expect.objectContaining({ title: "Cambiaron tus turnos", body: "Un coordinador cambió 12 de tus turnos. Abre Testigo para verlos.", url: "/my/shifts", tag: expect.stringMatching(/^series_changed:/) }),
      ]);
      expect(JSON.stringify(device.received[0]!.payload)).not.toMatch(/17:00|Series push zone/);
    }
    expect(readOutbox().filter((m) => m.to === person.email).map((m) => m.subject)).toEqual(["Un coordinador cambió 12 de tus turnos"]);
  });

  it("the runner wakes on NOTIFY: a dispatch reaches the push service in seconds, not at the 30-second tick", async () => {
    const people = await Promise.all([observer(), observer()]);
    const devices: TestDevice[] = [];
    for (const person of people) {
      await checkedIn(person);
      devices.push(await subscribe(person));
    }
    await runJobsOnce();
    const stop = startJobRunner();
    try {
      // The runner's LISTEN connection is up once its first (empty) pass has run.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      await dispatchToZone(cast.coordinator_carmen.claims);
      await vi.waitFor(() => expect(devices.map((d) => d.received.length)).toEqual([1, 1]), { timeout: 10_000, interval: 20 });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      stop();
    }
  });

  it("private.notify_person: a kind with a push text goes by push alone; one without, by email", async () => {
    const shiftZone = await createTestZone("Notify zone");
    const shift = await createTestShift(shiftZone, { startsInHours: 30, capacity: 2 });
    const ana = await observer();
    const device = await subscribe(ana);
    await claimShift(ana.claims, shift);
    const { id: assignmentId } = await withSystem((trx) =>
      trx.selectFrom("shift_assignments").select("id").where("shift_id", "=", shift).where("observer_id", "=", ana.id).executeTakeFirstOrThrow(),
    );
    await runJobsOnce();
    const mails = () => readOutbox().filter((m) => m.to === ana.email).length;
    const mailsBefore = mails();
    const notify = (kind: string, key: string) =>
      withSystem((trx) => sql`select private.notify_person(${ana.id}::uuid, ${kind}, ${key}, ${JSON.stringify({ assignment_id: assignmentId })}::jsonb)`.execute(trx));
    await notify("shift_reminder", `notify-test:reminder:${assignmentId}`);
    await notify("shift_assigned", `notify-test:assigned:${assignmentId}`);
    await runJobsOnce();
    await runJobsOnce();
    expect(device.received.map((r) => (r.payload as { title: string }).title)).toEqual(["Your shift is tomorrow"]);
    expect(mails()).toBe(mailsBefore + 1);
  });
});
