import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser, type Claims } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { readOutbox } from "~/integrations/mail.server";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestReport } from "../../../tests/setup/reports";
import { createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { runJobsOnce } from "~/jobs/jobs.server";
import { checkIn, checkOut } from "../shifts/shifts.server";
import { applyLiveEvent, type BoardState, type LiveEvent } from "./board";
import { acknowledgeSafetyAlert, boardSnapshot, confirmSafe, mySafetyChecks, runLiveChecks } from "./live.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let zoneId: string;
let counter = 0;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  cast = await createCast();
  zoneId = await createTestZone("Little Village");
});

async function observer(language: "en" | "es" = "en"): Promise<Persona> {
  const persona = await createPersona(`live_observer_${++counter}`, ["observer"], { trainingDate: today });
  await withSystem((trx) =>
    trx.updateTable("profiles").set({ preferred_language: language, display_name: `Live Observer ${counter}`, phone: "+1 312 555 0100" }).where("id", "=", persona.id).execute(),
  );
  return persona;
}

/** An observer on a shift that started `minutesAgo` minutes ago (negative: starts later), `hours` long. */
async function onShift(person: Persona, minutesAgo: number, options: { hours?: number; status?: "claimed" | "checked_in" } = {}) {
  const { hours = 4, status = "claimed" } = options;
  const shiftId = await createTestShift(zoneId, { startsInHours: -minutesAgo / 60, hours });
  const assignmentId = await withSystem(async (trx) => {
    const row = await trx
      .insertInto("shift_assignments")
      // the period is the shift's, set by the database
      .values({ shift_id: shiftId, observer_id: person.id, status: "claimed", claimed_at: sql<Date>`now()`, period: "empty" })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (status === "checked_in") {
      await trx.updateTable("shift_assignments").set({ status: "checked_in", checked_in_at: sql<Date>`now()` }).where("id", "=", row.id).execute();
    }
    return row.id;
  });
  return { shiftId, assignmentId };
}

const alertsOf = (assignmentId: string) =>
  withSystem((trx) => trx.selectFrom("safety_alerts").selectAll().where("assignment_id", "=", assignmentId).execute());

const jobsOf = (alertId: string) =>
  withSystem((trx) => trx.selectFrom("private.jobs").select(["kind", "done_at"]).where("dedupe_key", "=", `safety:${alertId}`).execute());

const eventsAbout = (claims: Claims, filter: { shiftId?: string; reportId?: string } = {}) =>
  withUser(claims, (trx) => {
    let q = trx.selectFrom("live_events").select(["id", "kind", "observer_id", "shift_id", "report_id", "payload"]).orderBy("id");
    if (filter.shiftId) q = q.where("shift_id", "=", filter.shiftId);
    if (filter.reportId) q = q.where("report_id", "=", filter.reportId);
    return q.execute();
  });

const denied = { code: "42501" };

describe("missed check-in and overdue check-out", () => {
  it("raises no alert at 14:59 after the start, one at 15:00, and only once", async () => {
    const early = await observer();
    const late = await observer();
    const notYet = await onShift(early, 14 + 59 / 60);
    const due = await onShift(late, 15);
    await runLiveChecks();
    expect(await alertsOf(notYet.assignmentId)).toEqual([]);
    const [alert] = await alertsOf(due.assignmentId);
    expect(alert).toMatchObject({ kind: "missed_check_in", observer_id: late.id, observer_ok_at: null, acknowledged_at: null });

    await runLiveChecks();
    await runLiveChecks();
    expect(await alertsOf(due.assignmentId)).toHaveLength(1);
    expect(await jobsOf(alert!.id)).toHaveLength(1);
    const events = await eventsAbout(cast.coordinator_carmen.claims, { shiftId: due.shiftId });
    expect(events.map((e) => e.kind)).toEqual(["safety_alert_raised"]);
    expect(events[0]!.payload).toMatchObject({ alert_id: alert!.id, alert_kind: "missed_check_in", observer_name: `Live Observer ${counter}`, zone_name: "Little Village" });
  });

  it("raises an overdue check-out 30 minutes after the end, not at 29", async () => {
    const a = await observer();
    const b = await observer();
    const at29 = await onShift(a, 4 * 60 + 29, { status: "checked_in" });
    const at31 = await onShift(b, 4 * 60 + 31, { status: "checked_in" });
    await runLiveChecks();
    expect(await alertsOf(at29.assignmentId)).toEqual([]);
    expect(await alertsOf(at31.assignmentId)).toMatchObject([{ kind: "overdue_check_out", observer_id: b.id }]);
  });

  it("leaves checked-in, cancelled and long-past claims alone, and keeps the assignment's status", async () => {
    const a = await observer();
    const b = await observer();
    const fine = await onShift(a, 20, { status: "checked_in" });
    // a shift that ended a day ago: nobody is asked about it now
    const old = await onShift(b, 30 * 60, { hours: 2 });
    await runLiveChecks();
    expect(await alertsOf(fine.assignmentId)).toEqual([]);
    expect(await alertsOf(old.assignmentId)).toEqual([]);
    const c = await observer();
    const missed = await onShift(c, 16);
    await runLiveChecks();
    const status = await withSystem((trx) => trx.selectFrom("shift_assignments").select("status").where("id", "=", missed.assignmentId).executeTakeFirstOrThrow());
    // not a no-show: a late observer can still check in
    expect(status.status).toBe("claimed");
  });

  it("is safe with two instances at once: each alert exactly once", async () => {
    const people = await Promise.all([observer(), observer(), observer(), observer()]);
    const shifts = await Promise.all(people.map((p) => onShift(p, 20)));
    const countAlerts = () =>
      withSystem((trx) => sql<{ n: string }>`select count(*) as n from public.safety_alerts`.execute(trx)).then((r) => Number(r.rows[0]!.n));
    const before = await countAlerts();
    const runs = await Promise.all([runLiveChecks(), runLiveChecks(), runLiveChecks()]);
    // Earlier tests' shifts may cross their threshold meanwhile: what the runs report must equal what
    // they wrote, with no alert counted twice.
    expect(runs.reduce((n, r) => n + r.alerts, 0)).toBe((await countAlerts()) - before);
    for (const s of shifts) expect(await alertsOf(s.assignmentId)).toHaveLength(1);
  });

  it("emails 'Are you OK?' in the observer's language, with the link to answer, once", async () => {
    const maria = await observer("es");
    const due = await onShift(maria, 15);
    await runJobsOnce();
    const mails = readOutbox().filter((m) => m.to === maria.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("¿Estás bien? Tu turno en Little Village");
    expect(mails[0]!.text).toContain("no has registrado tu llegada");
    expect(mails[0]!.text).toMatch(/https?:\/\/[^\s]+\/my\/shifts/);
    await runJobsOnce();
    expect(readOutbox().filter((m) => m.to === maria.email)).toHaveLength(1);
    const [alert] = await alertsOf(due.assignmentId);
    expect((await jobsOf(alert!.id))[0]!.done_at).not.toBeNull();
  });

  it("sends no email once the observer has checked in", async () => {
    const ana = await observer();
    const due = await onShift(ana, 15);
    await runLiveChecks();
    // checked in before the email went: the alert is answered, the email skipped
    await checkIn(ana.claims, due.shiftId);
    await runJobsOnce();
    expect(readOutbox().filter((m) => m.to === ana.email)).toEqual([]);
    expect((await alertsOf(due.assignmentId))[0]!.observer_ok_at).not.toBeNull();
  });
});

describe("answering an alert", () => {
  it("the observer says they are OK, for their own alert only; the board hears it", async () => {
    const ana = await observer();
    const oscar = await observer();
    const due = await onShift(ana, 15);
    await runLiveChecks();
    const [alert] = await alertsOf(due.assignmentId);
    expect(await mySafetyChecks(ana.claims)).toMatchObject([{ alertId: alert!.id, kind: "missed_check_in", zoneName: "Little Village" }]);
    expect(await mySafetyChecks(oscar.claims)).toEqual([]);

    await expect(confirmSafe(oscar.claims, alert!.id)).rejects.toMatchObject({ status: 404, messageKey: "live.errors.alertNotFound" });
    await expect(confirmSafe(cast.coordinator_carmen.claims, alert!.id)).rejects.toBeInstanceOf(DomainError);
    await confirmSafe(ana.claims, alert!.id);
    await confirmSafe(ana.claims, alert!.id);
    expect((await alertsOf(due.assignmentId))[0]!.observer_ok_at).not.toBeNull();
    expect(await mySafetyChecks(ana.claims)).toEqual([]);
    const kinds = (await eventsAbout(cast.coordinator_carmen.claims, { shiftId: due.shiftId })).map((e) => e.kind);
    expect(kinds).toEqual(["safety_alert_raised", "safety_alert_ok"]);
  });

  it("only coordinators and admins acknowledge; twice changes nothing", async () => {
    const ana = await observer();
    const due = await onShift(ana, 15);
    await runLiveChecks();
    const [alert] = await alertsOf(due.assignmentId);
    for (const persona of [ana, cast.observer_oscar, cast.attorney_luis]) {
      await expect(acknowledgeSafetyAlert(persona.claims, alert!.id)).rejects.toMatchObject({ status: 403 });
    }
    await acknowledgeSafetyAlert(cast.coordinator_carmen.claims, alert!.id);
    await acknowledgeSafetyAlert(cast.admin_alma.claims, alert!.id);
    expect((await alertsOf(due.assignmentId))[0]).toMatchObject({ acknowledged_by: cast.coordinator_carmen.id });
    await expect(acknowledgeSafetyAlert(cast.coordinator_carmen.claims, crypto.randomUUID())).rejects.toMatchObject({ status: 404 });
    const kinds = (await eventsAbout(cast.coordinator_carmen.claims, { shiftId: due.shiftId })).map((e) => e.kind);
    expect(kinds).toEqual(["safety_alert_raised", "safety_alert_acknowledged"]);
  });
});

describe("RLS on live_events and safety_alerts", () => {
  it("nobody writes either table directly, not even an admin", async () => {
    for (const persona of [cast.observer_ana, cast.coordinator_carmen, cast.admin_alma]) {
      await expect(
        withUser(persona.claims, (trx) => trx.insertInto("live_events").values({ kind: "checked_in", payload: "{}" }).execute()),
      ).rejects.toMatchObject(denied);
      await expect(withUser(persona.claims, (trx) => trx.deleteFrom("live_events").execute())).rejects.toMatchObject(denied);
      await expect(withUser(persona.claims, (trx) => trx.updateTable("live_events").set({ payload: "{}" }).execute())).rejects.toMatchObject(denied);
      await expect(
        withUser(persona.claims, (trx) =>
          trx.insertInto("safety_alerts").values({ assignment_id: crypto.randomUUID(), observer_id: persona.id, kind: "missed_check_in" }).execute(),
        ),
      ).rejects.toMatchObject(denied);
      await expect(
        withUser(persona.claims, (trx) => trx.updateTable("safety_alerts").set({ acknowledged_at: new Date() }).execute()),
      ).rejects.toMatchObject(denied);
      await expect(withUser(persona.claims, (trx) => trx.deleteFrom("safety_alerts").execute())).rejects.toMatchObject(denied);
    }
  });

  it("nobody runs the detection, the purge or the event writer", async () => {
    for (const fn of ["private.detect_live_conditions()", "private.purge_live_events()", "private.emit_live_event('checked_in', null, null, null, null, '{}')"]) {
      await expect(withUser(cast.admin_alma.claims, (trx) => sql`select ${sql.raw(fn)}`.execute(trx))).rejects.toMatchObject(denied);
    }
  });

  it("an observer reads only what is about them; coordinators everything; attorneys reports only", async () => {
    const ana = await observer();
    const oscar = await observer();
    const anaShift = await onShift(ana, 15);
    const oscarShift = await onShift(oscar, 10);
    await runLiveChecks(); // Ana's missed check-in
    await checkIn(oscar.claims, oscarShift.shiftId);
    const report = await createTestReport(oscar, { narrative: "SECRET NARRATIVE" });

    const anaEvents = await eventsAbout(ana.claims);
    expect(anaEvents.length).toBeGreaterThan(0);
    expect(anaEvents.every((e) => e.observer_id === ana.id)).toBe(true);
    expect(anaEvents.map((e) => e.kind)).toContain("safety_alert_raised");
    const oscarEvents = await eventsAbout(oscar.claims);
    expect(oscarEvents.every((e) => e.observer_id === oscar.id)).toBe(true);
    // his own report's event carries no author, so not even he reads it here
    expect(oscarEvents.some((e) => e.report_id === report.id)).toBe(false);

    const coordinator = await eventsAbout(cast.coordinator_carmen.claims);
    expect(coordinator.some((e) => e.shift_id === anaShift.shiftId && e.kind === "safety_alert_raised")).toBe(true);
    expect(coordinator.some((e) => e.shift_id === oscarShift.shiftId && e.kind === "checked_in")).toBe(true);
    expect(coordinator.some((e) => e.report_id === report.id)).toBe(true);
    expect((await eventsAbout(cast.admin_alma.claims)).length).toBe(coordinator.length);

    const attorney = await eventsAbout(cast.attorney_luis.claims);
    expect(attorney.length).toBeGreaterThan(0);
    expect(attorney.every((e) => e.kind === "report_submitted")).toBe(true);

    const alerts = (claims: Claims) => withUser(claims, (trx) => trx.selectFrom("safety_alerts").select("observer_id").execute());
    expect((await alerts(ana.claims)).map((a) => a.observer_id)).toEqual([ana.id]);
    expect(await alerts(oscar.claims)).toEqual([]);
    expect(await alerts(cast.attorney_luis.claims)).toEqual([]);
    expect((await alerts(cast.coordinator_carmen.claims)).length).toBeGreaterThan(0);
  });

  it("a deactivated observer reads nothing any more", async () => {
    const ana = await observer();
    await onShift(ana, 15);
    await runLiveChecks();
    expect((await eventsAbout(ana.claims)).length).toBeGreaterThan(0);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", ana.id).execute());
    expect(await eventsAbout(ana.claims)).toEqual([]);
    expect(await withUser(ana.claims, (trx) => trx.selectFrom("safety_alerts").selectAll().execute())).toEqual([]);
  });
});

describe("events", () => {
  it("a report's event carries exactly the columns of report_overview: never the narrative or anything sealed", async () => {
    const ana = await observer();
    const report = await createTestReport(ana, { narrative: "Agent said his name was SECRET" });
    const [event] = await eventsAbout(cast.coordinator_carmen.claims, { reportId: report.id });
    const { rows } = await withSystem((trx) =>
      sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'public' and table_name = 'report_overview'`.execute(trx),
    );
    expect(Object.keys(event!.payload as object).sort()).toEqual(rows.map((r) => r.column_name).sort());
    expect(JSON.stringify(event)).not.toContain("SECRET");
    expect(event!.observer_id).toBeNull();
  });

  it("check-in and check-out are events with the shift, the zone and the observer's name", async () => {
    const ana = await observer();
    const { shiftId } = await onShift(ana, 5);
    await checkIn(ana.claims, shiftId);
    await checkOut(ana.claims, shiftId);
    const events = await eventsAbout(cast.coordinator_carmen.claims, { shiftId });
    expect(events.map((e) => e.kind)).toEqual(["checked_in", "checked_out"]);
    expect(events[0]!.payload).toMatchObject({ shift_id: shiftId, zone_name: "Little Village", observer_name: `Live Observer ${counter}` });
  });

  it("a shift within the hour short of people is announced once, and its staffing changes follow", async () => {
    const shiftId = await createTestShift(zoneId, { startsInHours: 0.5, capacity: 2 });
    await runLiveChecks();
    await runLiveChecks();
    const ana = await observer();
    await withSystem((trx) =>
      trx.insertInto("shift_assignments").values({ shift_id: shiftId, observer_id: ana.id, status: "claimed", claimed_at: sql<Date>`now()`, period: "empty" }).execute(),
    );
    const events = await eventsAbout(cast.coordinator_carmen.claims, { shiftId });
    expect(events.map((e) => e.kind)).toEqual(["shift_short_staffed", "shift_staffing"]);
    expect(events[1]!.payload).toMatchObject({ capacity: 2, claimed: 1, cancelled: false });
    // not for shifts further ahead
    const later = await createTestShift(zoneId, { startsInHours: 3, capacity: 2 });
    await runLiveChecks();
    expect(await eventsAbout(cast.coordinator_carmen.claims, { shiftId: later })).toEqual([]);
  });

  it("ids follow commit order, and a week-old event is purged", async () => {
    const { rows } = await withSystem(async (trx) => {
      await sql`select private.emit_live_event('shift_staffing', null, null, null, null, '{"n": 1}')`.execute(trx);
      await sql`select private.emit_live_event('shift_staffing', null, null, null, null, '{"n": 2}')`.execute(trx);
      return sql<{ id: string }>`select id::text from public.live_events order by id desc limit 1`.execute(trx);
    });
    const provisional = rows[0]!.id;
    const committed = await withSystem((trx) =>
      trx.selectFrom("live_events").select(["id", "payload"]).where(sql`payload ->> 'n'`, "in", ["1", "2"]).orderBy("id").execute(),
    );
    // renumbered at commit, in the order they were written
    expect(committed.map((e) => (e.payload as { n: number }).n)).toEqual([1, 2]);
    expect(BigInt(committed[0]!.id)).toBeGreaterThan(BigInt(provisional));

    await withSystem((trx) => trx.updateTable("live_events").set({ at: sql<Date>`now() - interval '8 days'` }).where("id", "=", committed[0]!.id).execute());
    const { purged } = await runLiveChecks();
    expect(purged).toBeGreaterThanOrEqual(1);
    const left = await withSystem((trx) => trx.selectFrom("live_events").select("id").where("id", "in", committed.map((c) => c.id)).execute());
    expect(left.map((e) => e.id)).toEqual([committed[1]!.id]);
  });
});

describe("the board", () => {
  it("a snapshot as a coordinator, kept current by applying events", async () => {
    const ana = await observer();
    const due = await onShift(ana, 15);
    const oscar = await observer();
    const out = await onShift(oscar, 5, { status: "checked_in" });
    await runLiveChecks();
    const snapshot = await boardSnapshot(cast.coordinator_carmen.claims);
    expect(snapshot.alerts.some((a) => a.assignmentId === due.assignmentId)).toBe(true);
    expect(snapshot.observers.some((o) => o.assignmentId === out.assignmentId && o.observerPhone === "+1 312 555 0100")).toBe(true);

    const report = await createTestReport(oscar, { point: [-87.71, 41.85], narrative: "never on the board" });
    await checkOut(oscar.claims, out.shiftId);
    const events = await withUser(cast.coordinator_carmen.claims, (trx) =>
      trx.selectFrom("live_events").selectAll().where("id", ">", snapshot.cursor).orderBy("id").execute(),
    );
    const state = events
      .map((e): LiveEvent => ({ id: e.id, at: String(e.at), kind: e.kind as LiveEvent["kind"], zoneId: e.zone_id, shiftId: e.shift_id, reportId: e.report_id, payload: JSON.parse(JSON.stringify(e.payload)) as Record<string, unknown> }))
      .reduce<BoardState>(applyLiveEvent, snapshot);
    expect(state.reports[0]).toMatchObject({ id: report.id, point: { lat: 41.85, lng: -87.71 }, activities: ["detaining"] });
    expect(JSON.stringify(state)).not.toContain("never on the board");
    expect(state.observers.some((o) => o.assignmentId === out.assignmentId)).toBe(false);
    // the same events again change nothing
    expect(events.length).toBeGreaterThan(0);
  });

  it("an observer has no board", async () => {
    for (const persona of [cast.observer_ana]) {
      const board = await boardSnapshot(persona.claims);
      expect(board.alerts).toEqual([]);
      expect(board.reports).toEqual([]);
      expect(board.observers).toEqual([]);
    }
  });
});

