import { createHash, randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sql, withSystem, type Claims } from "~/db/client.server";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestReport } from "../../../tests/setup/reports";
import { createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { SseReader } from "../../../tests/setup/sse";
import { signInKey } from "../auth/still-signed-in.server";
import { checkIn } from "../shifts/shifts.server";
import { LiveHub, REPLAY_LIMIT } from "./hub.server";
import { runLiveChecks } from "./live.server";

// Two hubs in one process stand for two app instances: each has its own LISTEN connection and
// its own subscribers; they share only the database.

let cast: Awaited<ReturnType<typeof createCast>>;
let zoneId: string;
let counter = 0;
const hubs: LiveHub[] = [];
const open: AbortController[] = [];
const today = new Date().toISOString().slice(0, 10);

const newHub = () => {
  const hub = new LiveHub({ log: () => {}, heartbeatMs: 60_000 });
  hub.start();
  hubs.push(hub);
  return hub;
};

async function subscribe(hub: LiveHub, claims: Claims, after: bigint | null = null) {
  const controller = new AbortController();
  open.push(controller);
  const response = await hub.stream(claims, after, controller.signal);
  return { response, reader: response.ok ? new SseReader(response.body!) : null, close: () => controller.abort() };
}

const until = async (condition: () => boolean | Promise<boolean>, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function observer(): Promise<Persona> {
  return createPersona(`hub_observer_${++counter}`, ["observer"], { trainingDate: today });
}

/** An observer checked in to a shift under way: one `checked_in` event, committed like any request's. */
async function checkedIn(person: Persona) {
  const shiftId = await createTestShift(zoneId, { startsInHours: -0.1, hours: 3 });
  await withSystem((trx) =>
    trx.insertInto("shift_assignments").values({ shift_id: shiftId, observer_id: person.id, status: "claimed", claimed_at: sql<Date>`now()`, period: "empty" }).execute(),
  );
  await checkIn(person.claims, shiftId);
  return shiftId;
}

const listeners = () =>
  withSystem((trx) =>
    sql<{ pid: number }>`select pid from pg_stat_activity where application_name = 'testigo_live_listener' and datname = current_database()`.execute(trx),
  ).then((r) => r.rows.map((row) => row.pid));

beforeAll(async () => {
  cast = await createCast();
  zoneId = await createTestZone("Back of the Yards");
});

afterEach(() => {
  for (const c of open.splice(0)) c.abort();
});

afterAll(async () => {
  await Promise.all(hubs.map((h) => h.stop()));
});

describe("two instances on one database", () => {
  it("an event committed through one instance reaches subscribers of both", async () => {
    const a = newHub();
    const b = newHub();
    await until(() => a.listening && b.listening);
    expect((await listeners()).length).toBeGreaterThanOrEqual(2);

    const onB = await subscribe(b, cast.coordinator_carmen.claims);
    const onA = await subscribe(a, cast.admin_alma.claims);
    expect(onB.response.headers.get("Content-Type")).toBe("text/event-stream; charset=utf-8");
    expect(onB.response.headers.get("Cache-Control")).toContain("no-store");

    const ana = await observer();
    const started = performance.now();
    const shiftId = await checkedIn(ana);
    const arrived = (r: SseReader | null) => r!.events().some((e) => e.kind === "checked_in" && e.payload.shift_id === shiftId);
    await onB.reader!.until(arrived);
    const ms = performance.now() - started;
    await onA.reader!.until(arrived);
    expect(ms).toBeLessThan(2000);
    // the SSE id is the event id
    const message = onB.reader!.messages.find((m) => m.data.includes(shiftId))!;
    expect(JSON.parse(message.data)).toMatchObject({ id: message.id, kind: "checked_in" });
  });

  it("a subscriber that goes away is removed", async () => {
    const hub = newHub();
    const s = await subscribe(hub, cast.coordinator_carmen.claims);
    expect(hub.subscriberCount).toBe(1);
    s.close();
    await until(() => hub.subscriberCount === 0);
  });
});

describe("reconnecting", () => {
  it("with Last-Event-ID replays exactly what was missed, in order", async () => {
    const hub = newHub();
    const first = await subscribe(hub, cast.coordinator_carmen.claims);
    const ana = await observer();
    await checkedIn(ana);
    await first.reader!.until((r) => r.events().length >= 1);
    const seen = first.reader!.events().at(-1)!;
    first.close();

    // while disconnected
    const missed = [await observer(), await observer(), await observer()];
    const shifts: string[] = [];
    for (const person of missed) shifts.push(await checkedIn(person));

    const again = await subscribe(hub, cast.coordinator_carmen.claims, BigInt(seen.id));
    await again.reader!.until((r) => r.events().filter((e) => e.kind === "checked_in").length >= 3);
    const replayed = again.reader!.events();
    expect(replayed.some((e) => e.id === seen.id)).toBe(false);
    expect(replayed.filter((e) => e.kind === "checked_in").map((e) => e.payload.shift_id)).toEqual(shifts);
    const ids = replayed.map((e) => BigInt(e.id));
    expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);

    // and then carries on live
    const later = await checkedIn(await observer());
    await again.reader!.until((r) => r.events().some((e) => e.payload.shift_id === later));
  });

  it("too far behind to replay: told to reload", async () => {
    const hub = newHub();
    const { rows } = await withSystem((trx) => sql<{ head: string }>`select coalesce(max(id), 0)::text as head from public.live_events`.execute(trx));
    await withSystem((trx) =>
      sql`select private.emit_live_event('shift_staffing', null, null, null, null, '{}') from generate_series(1, ${REPLAY_LIMIT + 1})`.execute(trx),
    );
    const s = await subscribe(hub, cast.coordinator_carmen.claims, BigInt(rows[0]!.head));
    await s.reader!.until((r) => r.messages.some((m) => m.event === "reset"));
    expect(s.reader!.events()).toEqual([]);
  });

  it("the LISTEN connection comes back after the database drops it, and nothing committed meanwhile is lost", async () => {
    const hub = newHub();
    await until(() => hub.listening);
    const s = await subscribe(hub, cast.coordinator_carmen.claims);
    const before = hub.connections;
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await withSystem((trx) =>
      sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'testigo_live_listener' and datname = current_database()`.execute(trx),
    );
    // committed while no instance is listening
    const shiftId = await checkedIn(await observer());
    await until(() => hub.connections > before, 10_000);
    await s.reader!.until((r) => r.events().some((e) => e.payload.shift_id === shiftId), 10_000);
    log.mockRestore();
    // the other hubs of this file reconnected too
    await until(() => hubs.every((h) => h.listening), 10_000);
  });
});

describe("what each person receives (RLS on the read-back)", () => {
  it("an observer's stream never carries other observers' events; coordinators get all; attorneys reports only", async () => {
    const hub = newHub();
    const ana = await observer();
    const oscar = await observer();
    // Ana is late for a shift: her own safety check is addressed to her
    const anaShift = await createTestShift(zoneId, { startsInHours: -0.5, hours: 3 });
    await withSystem((trx) =>
      trx.insertInto("shift_assignments").values({ shift_id: anaShift, observer_id: ana.id, status: "claimed", claimed_at: sql<Date>`now()`, period: "empty" }).execute(),
    );
    const anaStream = await subscribe(hub, ana.claims);
    const oscarStream = await subscribe(hub, oscar.claims);
    const coordinator = await subscribe(hub, cast.coordinator_carmen.claims);
    const attorney = await subscribe(hub, cast.attorney_luis.claims);

    const oscarShift = await checkedIn(oscar);
    const report = await createTestReport(oscar, { narrative: "NOT FOR THE STREAM" });
    await runLiveChecks();

    await coordinator.reader!.until((r) => {
      const kinds = r.events().map((e) => e.kind);
      return kinds.includes("checked_in") && kinds.includes("report_submitted") && kinds.includes("safety_alert_raised");
    });
    await anaStream.reader!.until((r) => r.events().some((e) => e.kind === "safety_alert_raised"));
    await attorney.reader!.until((r) => r.events().some((e) => e.kind === "report_submitted"));
    await oscarStream.reader!.until((r) => r.events().some((e) => e.kind === "checked_in"));
    // give any stray delivery time to arrive
    await new Promise((r) => setTimeout(r, 300));

    const anaEvents = anaStream.reader!.events();
    expect(anaEvents.map((e) => e.kind)).toEqual(["safety_alert_raised"]);
    expect(anaEvents[0]!.payload.shift_id).toBe(anaShift);
    const oscarEvents = oscarStream.reader!.events();
    expect(oscarEvents.map((e) => e.kind)).toEqual(["checked_in"]);
    expect(oscarEvents[0]!.payload.shift_id).toBe(oscarShift);
    expect(attorney.reader!.events().map((e) => e.kind)).toEqual(["report_submitted"]);
    expect(attorney.reader!.events()[0]!.payload.id).toBe(report.id);
    for (const s of [anaStream, oscarStream, coordinator, attorney]) expect(JSON.stringify(s.reader!.messages)).not.toContain("NOT FOR THE STREAM");
  });

  it("a deactivated person is refused, and an open stream closes", async () => {
    const hub = newHub();
    const ana = await observer();
    const s = await subscribe(hub, ana.claims);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", ana.id).execute());
    // the next event anyone gets makes the hub read for her too, and find her gone
    await checkedIn(await observer());
    await s.reader!.until((r) => r.ended);
    const again = await subscribe(hub, ana.claims);
    expect(again.response.status).toBe(403);
    expect(hub.subscriberCount).toBe(0);
  });
});

describe("sign-out (security review, finding 9)", () => {
  it("an open stream ends within seconds of its session ending, and the others stay", async () => {
    const hub = new LiveHub({ log: () => {}, heartbeatMs: 60_000, signInCheckMs: 200 });
    hub.start();
    hubs.push(hub);
    const [ana, ben] = [await observer(), await observer()];
    const sessionOf = async (userId: string) => {
      const hash = createHash("sha256").update(randomBytes(32)).digest("hex");
      await withSystem((trx) => trx.insertInto("private.sessions").values({ token_hash: hash, user_id: userId, expires_at: sql`now() + interval '1 day'` }).execute());
      return hash;
    };
    const [anaHash, benHash] = [await sessionOf(ana.id), await sessionOf(ben.id)];
    const controllers = [new AbortController(), new AbortController()];
    open.push(...controllers);
    const anaStream = new SseReader((await hub.stream(ana.claims, null, controllers[0]!.signal, signInKey({ kind: "session", tokenHash: anaHash }))).body!);
    const benStream = new SseReader((await hub.stream(ben.claims, null, controllers[1]!.signal, signInKey({ kind: "session", tokenHash: benHash }))).body!);
    expect(hub.subscriberCount).toBe(2);
    // Ana signs out (her session is revoked, as sign-out does); nothing else happens meanwhile.
    await withSystem((trx) => trx.updateTable("private.sessions").set({ revoked_at: sql`now()` }).where("token_hash", "=", anaHash).execute());
    const started = Date.now();
    await anaStream.until((r) => r.ended, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(benStream.ended).toBe(false);
    expect(hub.subscriberCount).toBe(1);
  });
});

describe("ordering", () => {
  it("concurrent writers that commit out of order: every event arrives once, ids always increasing", async () => {
    const hub = newHub();
    const s = await subscribe(hub, cast.coordinator_carmen.claims);
    const { rows } = await withSystem((trx) => sql<{ head: string }>`select coalesce(max(id), 0)::text as head from public.live_events`.execute(trx));
    // 30 transactions write an event, then wait a random while before committing
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        withSystem(async (trx) => {
          await sql`select private.emit_live_event('shift_staffing', null, null, null, null, ${JSON.stringify({ n: i })}::jsonb)`.execute(trx);
          await sql`select pg_sleep(${Math.random() * 0.2})`.execute(trx);
        }),
      ),
    );
    await s.reader!.until((r) => r.events().length >= 30);
    await new Promise((r) => setTimeout(r, 200));
    const ids = s.reader!.events().map((e) => BigInt(e.id));
    expect(ids).toHaveLength(30);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    const committed = await withSystem((trx) =>
      trx.selectFrom("live_events").select("id").where("id", ">", rows[0]!.head).orderBy("id").execute(),
    );
    expect(ids.map(String)).toEqual(committed.map((c) => c.id));
  });
});
