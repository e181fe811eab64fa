import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { readOutbox } from "~/integrations/mail.server";
import { runJobsOnce } from "~/jobs/jobs.server";
import { createPersona, type Persona } from "../../../tests/setup/personas";
import { brokenShiftInvariants, createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { calendarFeed, createCalendarToken } from "./calendar.server";
import { conflictsOfReschedule, conflictsOfSeriesEdit, editShiftSeries, myClaimStanding, rescheduleShift } from "./changes.server";
import { CreateShiftSchema } from "./schema";
import { checkIn, checkOut, claimShift, createShifts, getShift, listUpcomingShifts } from "./shifts.server";

let zoneId: string;
let otherZone: string;
let coordinator: Persona;
let timeZone: string;
let counter = 0;
const today = new Date().toISOString().slice(0, 10);

async function observer(options: { trainingDate?: string | null } = {}) {
  const n = ++counter;
  const persona = await createPersona(`change_obs_${n}`, ["observer"], options.trainingDate === null ? {} : { trainingDate: options.trainingDate ?? today });
  await withSystem((trx) => trx.updateTable("profiles").set({ display_name: `Changer ${n}` }).where("id", "=", persona.id).execute());
  return persona;
}
const nameOf = (p: Persona) => `Changer ${/_(\d+)@/.exec(p.email)![1]}`;

/** The local date n days from now in the organisation's zone. */
function dayIn(days: number) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(Date.now() + days * 86_400_000));
  return parts;
}
/** Local date and HH:MM of an instant in the organisation's zone. */
function localOf(instant: Date) {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

async function shiftOn(date: string, startTime: string, endTime: string, capacity = 3, zone = zoneId) {
  const input = CreateShiftSchema.parse({ intent: "create", zoneId: zone, date, startTime, endTime, capacity: String(capacity) });
  return (await createShifts(coordinator.claims, input)).id;
}

const statusOn = async (shiftId: string, p: Persona) => (await getShift(p.claims, shiftId)).myStatus;
const jobsFor = async (shiftId: string) =>
  (
    await withSystem((trx) =>
      sql<{ kind: string; observer_id: string; payload: Record<string, string> }>`
        select j.kind, a.observer_id, j.payload from private.jobs j
        join public.shift_assignments a on a.id = (j.payload ->> 'assignment_id')::uuid
        where a.shift_id = ${shiftId}::uuid order by j.id`.execute(trx),
    )
  ).rows;

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

beforeAll(async () => {
  zoneId = await createTestZone("Moving zone");
  otherZone = await createTestZone("Other zone");
  coordinator = await createPersona("change_coordinator", ["coordinator"]);
  timeZone = (await withSystem((trx) => trx.selectFrom("org_settings").select("time_zone").executeTakeFirstOrThrow())).time_zone;
});

describe("changing a shift's time", () => {
  it("refuses a time that double-books someone, names them, and changes nothing", async () => {
    const date = dayIn(4);
    const moving = await shiftOn(date, "18:00", "22:00");
    const morning = await shiftOn(date, "10:00", "14:00", 3, otherZone);
    const [ana, eve] = [await observer(), await observer()];
    await claimShift(ana.claims, moving);
    await claimShift(ana.claims, morning);
    await claimShift(eve.claims, moving);
    const before = await getShift(coordinator.claims, moving);

    const error = await refusal(rescheduleShift(coordinator.claims, moving, { date, startTime: "12:00", endTime: "16:00", takeOff: [] }));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 409, messageKey: "shiftChange.errors.timeConflict", field: "startTime" });
    const conflicts = await conflictsOfReschedule(coordinator.claims, moving, { date, startTime: "12:00", endTime: "16:00" });
    expect(conflicts.map((c) => [c.name, c.otherShiftId, c.otherZone])).toEqual([[nameOf(ana), morning, "Other zone"]]);

    const after = await getShift(coordinator.claims, moving);
    expect([after.startsAt, after.endsAt]).toEqual([before.startsAt, before.endsAt]);
    expect(await jobsFor(moving)).toEqual([]);
    expect(await statusOn(moving, ana)).toBe("claimed");
  });

  it("confirmed: the double-booked person is taken off and told, the waitlist fills the place, everyone is told once", async () => {
    const date = dayIn(5);
    const moving = await shiftOn(date, "18:00", "22:00", 2);
    const morning = await shiftOn(date, "10:00", "14:00", 3, otherZone);
    const [ana, eve, zed] = [await observer(), await observer(), await observer()];
    await claimShift(ana.claims, moving);
    await claimShift(ana.claims, morning);
    await claimShift(eve.claims, moving);
    expect((await claimShift(zed.claims, moving)).status).toBe("waitlisted");

    await rescheduleShift(coordinator.claims, moving, { date, startTime: "12:00", endTime: "16:00", takeOff: [ana.id] });
    const shift = await getShift(coordinator.claims, moving);
    expect(localOf(new Date(shift.startsAt))).toEqual({ date, time: "12:00" });
    expect(localOf(new Date(shift.endsAt))).toEqual({ date, time: "16:00" });
    expect([await statusOn(moving, ana), await statusOn(moving, eve), await statusOn(moving, zed)]).toEqual([null, "claimed", "claimed"]);
    expect(await statusOn(morning, ana)).toBe("claimed");

    const jobs = await jobsFor(moving);
    const kindsOf = (p: Persona) => jobs.filter((j) => j.observer_id === p.id).map((j) => j.kind);
    expect(kindsOf(ana)).toEqual(["shift_taken_off"]);
    expect(kindsOf(eve)).toEqual(["shift_time_changed"]);
    expect(kindsOf(zed)).toEqual(["waitlist_promoted"]);

    await runJobsOnce();
    const mails = (p: Persona) => readOutbox().filter((m) => m.to === p.email);
    expect(mails(ana).map((m) => m.subject)).toEqual([expect.stringMatching(/taken off a shift in Moving zone/)]);
    expect(mails(eve).map((m) => m.subject)).toEqual([expect.stringMatching(/New time for your shift in Moving zone/)]);
    expect(mails(eve)[0]!.text).toMatch(/12:00|12 PM/);
    expect(mails(zed)).toHaveLength(1);
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  it("re-checks training: someone whose training will have expired by the new date is named, and only taken off when confirmed", async () => {
    const months = (await withSystem((trx) => trx.selectFrom("org_settings").select("training_valid_months").executeTakeFirstOrThrow())).training_valid_months;
    // Trained so that the training stops being valid ten days from now.
    const trained = new Date(`${dayIn(10)}T12:00:00Z`);
    trained.setUTCMonth(trained.getUTCMonth() - months);
    const lapsing = await observer({ trainingDate: trained.toISOString().slice(0, 10) });
    const fresh = await observer();
    const date = dayIn(5);
    const moving = await shiftOn(date, "18:00", "22:00");
    await claimShift(lapsing.claims, moving);
    await claimShift(fresh.claims, moving);

    const later = { date: dayIn(20), startTime: "18:00", endTime: "22:00" };
    const conflicts = await conflictsOfReschedule(coordinator.claims, moving, later);
    expect(conflicts.map((c) => [c.name, c.otherShiftId, c.trainingValidUntil])).toEqual([[nameOf(lapsing), null, dayIn(10)]]);
    expect(await refusal(rescheduleShift(coordinator.claims, moving, { ...later, takeOff: [] }))).toMatchObject({ messageKey: "shiftChange.errors.timeConflict" });
    expect(await statusOn(moving, lapsing)).toBe("claimed");
    // An earlier date, within the training, needs nothing.
    expect(await conflictsOfReschedule(coordinator.claims, moving, { ...later, date: dayIn(6) })).toEqual([]);

    await rescheduleShift(coordinator.claims, moving, { ...later, takeOff: [lapsing.id] });
    expect([await statusOn(moving, lapsing), await statusOn(moving, fresh)]).toEqual([null, "claimed"]);
    const jobs = await jobsFor(moving);
    expect(jobs.filter((j) => j.observer_id === lapsing.id).map((j) => [j.kind, j.payload.reason])).toEqual([["shift_taken_off", "training"]]);
    await runJobsOnce();
    expect(readOutbox().filter((m) => m.to === lapsing.email).map((m) => m.text)).toEqual([expect.stringMatching(/training stops being valid/)]);
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  it("the same time again changes nothing and tells nobody; a shift already started cannot move", async () => {
    const date = dayIn(6);
    const shift = await shiftOn(date, "09:00", "11:00");
    const ana = await observer();
    await claimShift(ana.claims, shift);
    await rescheduleShift(coordinator.claims, shift, { date, startTime: "09:00", endTime: "11:00", takeOff: [] });
    expect(await jobsFor(shift)).toEqual([]);

    const started = await withSystem((trx) =>
      trx
        .insertInto("shifts")
        .values({ zone_id: zoneId, starts_at: sql`now() - interval '1 hour'`, ends_at: sql`now() + interval '1 hour'`, capacity: 2 })
        .returning("id")
        .executeTakeFirstOrThrow(),
    );
    expect(await refusal(rescheduleShift(coordinator.claims, started.id, { date, startTime: "09:00", endTime: "11:00", takeOff: [] }))).toMatchObject({
      messageKey: "shiftChange.errors.started",
    });
    expect(await refusal(rescheduleShift(coordinator.claims, shift, { date: dayIn(-2), startTime: "09:00", endTime: "11:00", takeOff: [] }))).toMatchObject({
      messageKey: "shifts.errors.inPast",
      field: "date",
    });
  });

  it("reminders follow the new time: the old one is skipped, the new start gets its own", async () => {
    const start = new Date(Date.now() + 20 * 3_600_000);
    const end = new Date(start.getTime() + 3 * 3_600_000);
    const from = localOf(start);
    const shift = await shiftOn(from.date, from.time, localOf(end).time);
    const ana = await observer();
    await claimShift(ana.claims, shift);
    await withSystem((trx) => sql`select private.enqueue_due_reminders()`.execute(trx));
    expect((await jobsFor(shift)).map((j) => j.kind)).toEqual(["shift_reminder"]);

    // Moved an hour later, still within the day-before window: a new reminder for the new start.
    const later = localOf(new Date(start.getTime() + 3_600_000));
    await rescheduleShift(coordinator.claims, shift, { date: later.date, startTime: later.time, endTime: localOf(new Date(end.getTime() + 3_600_000)).time, takeOff: [] });
    await withSystem((trx) => sql`select private.enqueue_due_reminders()`.execute(trx));
    const jobs = await jobsFor(shift);
    expect(jobs.map((j) => j.kind)).toEqual(["shift_reminder", "shift_time_changed", "shift_reminder"]);
    expect(new Date(jobs[2]!.payload.starts_at!).getTime()).toBe(new Date((await getShift(ana.claims, shift)).startsAt).getTime());

    const counts = await runJobsOnce();
    expect(counts.failed).toBe(0);
    const reminders = readOutbox().filter((m) => m.to === ana.email && m.subject.startsWith("Reminder:"));
    expect(reminders).toHaveLength(1);
    expect(readOutbox().filter((m) => m.to === ana.email)).toHaveLength(2);
  });

  it("the calendar feed shows the new time with a higher SEQUENCE and a new DTSTAMP", async () => {
    const date = dayIn(7);
    const shift = await shiftOn(date, "18:00", "20:00");
    const ana = await observer();
    await claimShift(ana.claims, shift);
    const token = await createCalendarToken(ana.claims);
    const words = () => ({ calendarName: "Shifts", summary: (z: string) => z, cancelled: "C", waitlisted: "W", meetingPoint: "M" });
    const before = (await calendarFeed(token, "https://t.example", words))!;
    const field = (ics: string, name: string) => new RegExp(`^${name}[:;](.*)$`, "m").exec(ics)![1]!;
    // a feed read twice without a change is the same
    expect((await calendarFeed(token, "https://t.example", words))!).toBe(before);
    await new Promise((r) => setTimeout(r, 1100));
    await rescheduleShift(coordinator.claims, shift, { date, startTime: "19:00", endTime: "21:00", takeOff: [] });
    const after = (await calendarFeed(token, "https://t.example", words))!;
    expect(field(after, "DTSTART")).not.toBe(field(before, "DTSTART"));
    expect(Number(field(after, "SEQUENCE"))).toBeGreaterThan(Number(field(before, "SEQUENCE")));
    expect(field(after, "DTSTAMP")).not.toBe(field(before, "DTSTAMP"));
  });

  it("a claim racing the change stays consistent: one of them is refused, never a double-booking", async () => {
    for (let round = 0; round < 8; round++) {
      const date = dayIn(10 + round);
      const moving = await shiftOn(date, "18:00", "22:00");
      const target = await shiftOn(date, "10:00", "14:00", 3, otherZone);
      const ana = await observer();
      await claimShift(ana.claims, moving);
      const [claim, change] = await Promise.allSettled([
        claimShift(ana.claims, target),
        rescheduleShift(coordinator.claims, moving, { date, startTime: "12:00", endTime: "16:00", takeOff: [] }),
      ]);
      const outcomes = [claim, change].map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as DomainError).messageKey));
      expect([["ok", "shiftChange.errors.timeConflict"], ["shifts.errors.overlap", "ok"]]).toContainEqual(outcomes);
      const { rows } = await withSystem((trx) =>
        sql<{ n: number }>`select count(*)::int as n from public.shift_assignments a join public.shift_assignments b
          on a.observer_id = b.observer_id and a.id < b.id and a.period && b.period
          where a.observer_id = ${ana.id}::uuid and a.status in ('claimed','waitlisted','checked_in') and b.status in ('claimed','waitlisted','checked_in')`.execute(trx),
      );
      expect(rows[0]!.n).toBe(0);
    }
    expect(await brokenShiftInvariants()).toEqual([]);
  });
});

describe("a weekly series edited from a date on", () => {
  it("changes times, capacity and needs of the shifts from that date, leaves earlier ones, refuses double-bookings unless confirmed", async () => {
    const first = dayIn(3);
    const weekday = new Date(`${first}T12:00:00Z`).getUTCDay() || 7;
    const input = CreateShiftSchema.parse({
      intent: "create", zoneId, repeat: "weekly", date: first, until: dayIn(3 + 21), weekdays: [String(weekday)],
      startTime: "18:00", endTime: "21:00", capacity: "2",
    });
    const made = await createShifts(coordinator.claims, input);
    expect(made).toMatchObject({ kind: "series", count: 4 });
    const shifts = await withSystem((trx) => trx.selectFrom("shifts").select(["id", "starts_at"]).where("series_id", "=", made.id).orderBy("starts_at").execute());
    const ana = await observer();
    await claimShift(ana.claims, shifts[2]!.id);
    const clash = await shiftOn(dayIn(3 + 14), "07:00", "09:00", 2, otherZone);
    await claimShift(ana.claims, clash);

    const from = dayIn(3 + 7);
    const edit = { from, startTime: "08:00", endTime: "12:00", capacity: 4, needsLanguages: ["es"], needsTeamLead: true, takeOff: [] as string[] };
    expect(await refusal(editShiftSeries(coordinator.claims, made.id, edit))).toMatchObject({ messageKey: "shiftChange.errors.timeConflict" });
    expect((await conflictsOfSeriesEdit(coordinator.claims, made.id, edit)).map((c) => [c.name, c.shiftId])).toEqual([[nameOf(ana), shifts[2]!.id]]);

    expect(await editShiftSeries(coordinator.claims, made.id, { ...edit, takeOff: [ana.id] })).toBe(3);
    const after = await withSystem((trx) =>
      trx.selectFrom("shifts").select(["id", "starts_at", "ends_at", "capacity", "needs_languages", "needs_team_lead"]).where("series_id", "=", made.id).orderBy("starts_at").execute(),
    );
    expect(localOf(after[0]!.starts_at)).toEqual({ date: first, time: "18:00" });
    expect(after[0]!.capacity).toBe(2);
    for (const s of after.slice(1)) {
      expect(localOf(s.starts_at).time).toBe("08:00");
      expect(localOf(s.ends_at).time).toBe("12:00");
      expect(s).toMatchObject({ capacity: 4, needs_languages: ["es"], needs_team_lead: true });
    }
    expect(await statusOn(shifts[2]!.id, ana)).toBeNull();
    const series = await withSystem((trx) => trx.selectFrom("shift_series").select(["start_time", "end_time"]).where("id", "=", made.id).executeTakeFirstOrThrow());
    expect(series).toEqual({ start_time: "08:00:00", end_time: "12:00:00" });
    expect(await refusal(editShiftSeries(coordinator.claims, made.id, { ...edit, from: dayIn(60) }))).toMatchObject({ messageKey: "shiftChange.errors.seriesNothingFrom", field: "from" });
    expect(await brokenShiftInvariants()).toEqual([]);
  });
});

describe("a series edit that makes overnight shifts", () => {
  it("is not refused for the person on consecutive days, whose old and new times overlap only on the way", async () => {
    const first = dayIn(4);
    const input = CreateShiftSchema.parse({
      intent: "create", zoneId, repeat: "weekly", date: first, until: dayIn(6), weekdays: ["1", "2", "3", "4", "5", "6", "7"],
      startTime: "10:00", endTime: "14:00", capacity: "2",
    });
    const made = await createShifts(coordinator.claims, input);
    expect(made).toMatchObject({ kind: "series", count: 3 });
    const shifts = await withSystem((trx) => trx.selectFrom("shifts").select("id").where("series_id", "=", made.id).orderBy("starts_at").execute());
    const ana = await observer();
    for (const s of shifts) await claimShift(ana.claims, s.id);

    // 22:00 to 12:00 the next day: each new shift overlaps the next day's old one (10:00-14:00), but
    // no two new ones overlap. Moved in the wrong order, the edit refused Ana as double-booked.
    const edit = { from: first, startTime: "22:00", endTime: "12:00", capacity: 2, needsLanguages: [], needsTeamLead: false, takeOff: [] as string[] };
    expect(await conflictsOfSeriesEdit(coordinator.claims, made.id, edit)).toEqual([]);
    expect(await editShiftSeries(coordinator.claims, made.id, edit)).toBe(3);
    for (const s of shifts) expect(await statusOn(s.id, ana)).toBe("claimed");
    const after = await withSystem((trx) => trx.selectFrom("shifts").select(["starts_at", "ends_at"]).where("series_id", "=", made.id).orderBy("starts_at").execute());
    expect(after.map((s) => [localOf(s.starts_at).time, localOf(s.ends_at).time])).toEqual([["22:00", "12:00"], ["22:00", "12:00"], ["22:00", "12:00"]]);

    // And back the other way (earlier): the old overnight shifts overlap the new ones the day after.
    expect(await editShiftSeries(coordinator.claims, made.id, { ...edit, startTime: "08:00", endTime: "23:00" })).toBe(3);
    for (const s of shifts) expect(await statusOn(s.id, ana)).toBe("claimed");
    expect(await brokenShiftInvariants()).toEqual([]);
  });
});

describe("who may change shifts (RLS and grants)", () => {
  it("observers, attorneys and visitors are refused every change function; a coordinator and an admin may", async () => {
    const date = dayIn(8);
    const shift = await shiftOn(date, "18:00", "20:00");
    const ana = await observer();
    const luis = await createPersona("change_attorney", ["attorney"]);
    const alma = await createPersona("change_admin", ["admin"]);
    for (const p of [ana, luis]) {
      expect(await refusal(rescheduleShift(p.claims, shift, { date, startTime: "19:00", endTime: "21:00", takeOff: [] }))).toMatchObject({ status: 403 });
      expect(await refusal(conflictsOfReschedule(p.claims, shift, { date, startTime: "19:00", endTime: "21:00" }))).toMatchObject({ status: 403 });
      expect(await refusal(conflictsOfSeriesEdit(p.claims, shift, { from: date, startTime: "19:00", endTime: "21:00" }))).toMatchObject({ status: 403 });
      expect(
        await refusal(editShiftSeries(p.claims, shift, { from: date, startTime: "19:00", endTime: "21:00", capacity: 2, needsLanguages: [], needsTeamLead: false, takeOff: [] })),
      ).toMatchObject({ status: 403 });
    }
    // The internal mover is not callable at all by a signed-in person.
    const direct = await refusal(withUser(ana.claims, (trx) => sql`select private.move_shift(${shift}::uuid, tstzrange(now() + interval '2 days', now() + interval '3 days'), '{}')`.execute(trx)));
    expect((direct as { code?: string }).code).toBe("42501");
    // anon has no execute on any of them
    const anon = await refusal(
      withSystem(async (trx) => {
        await sql`set local role anon`.execute(trx);
        await sql`select private.change_shift_time(${shift}::uuid, ${date}::date, '19:00', '21:00', '{}')`.execute(trx);
      }),
    );
    expect((anon as { code?: string }).code).toBe("42501");
    await rescheduleShift(alma.claims, shift, { date, startTime: "19:00", endTime: "21:00", takeOff: [] });
    await rescheduleShift(coordinator.claims, shift, { date, startTime: "20:00", endTime: "22:00", takeOff: [] });
    expect(localOf(new Date((await getShift(ana.claims, shift)).startsAt)).time).toBe("20:00");
  });
});

describe("why someone cannot claim, known before they tap", () => {
  it("names the reason the database would refuse the claim with, for each reason", async () => {
    const date = dayIn(9);
    const shift = await shiftOn(date, "18:00", "22:00");
    const sameTime = await shiftOn(date, "19:00", "21:00", 3, otherZone);
    const farAway = await shiftOn(dayIn(40), "18:00", "22:00");
    const untrained = await observer({ trainingDate: null });
    const expired = await observer({ trainingDate: "2020-01-01" });
    // valid for a few more weeks only (12 months by default)
    const soon = new Date(Date.now() - 365 * 86_400_000 + 20 * 86_400_000).toISOString().slice(0, 10);
    const expiring = await observer({ trainingDate: soon });
    const busy = await observer();
    await claimShift(busy.claims, sameTime);
    const notObserver = await createPersona("change_only_coord", ["coordinator"]);
    const fine = await observer();

    const cases: [Persona, string, string, string][] = [
      [untrained, shift, "training_missing", "shifts.errors.training_missing"],
      [expired, shift, "training_expired", "shifts.errors.training_expired"],
      [expiring, farAway, "training_expired", "shifts.errors.training_expired"],
      [busy, shift, "overlap", "shifts.errors.overlap"],
      [notObserver, shift, "not_observer", "shifts.errors.not_observer"],
    ];
    /** The same reason in the list of upcoming shifts (one look-up of the person per list). */
    const inList = async (person: Persona, shiftId: string) => {
      const starts = new Date((await getShift(person.claims, shiftId)).startsAt);
      const list = await listUpcomingShifts(person.claims, { from: new Date(starts.getTime() - 1), to: new Date(starts.getTime() + 1) });
      return list.find((s) => s.id === shiftId)?.claimBlocker;
    };
    for (const [person, shiftId, blocker, refusedWith] of cases) {
      expect((await getShift(person.claims, shiftId)).claimBlocker).toBe(blocker);
      expect(await inList(person, shiftId)).toBe(blocker);
      expect(await refusal(claimShift(person.claims, shiftId))).toMatchObject({ messageKey: refusedWith });
    }
    expect((await getShift(expiring.claims, shift)).claimBlocker).toBe("ok");
    expect((await getShift(fine.claims, shift)).claimBlocker).toBe("ok");
    expect(await inList(expiring, shift)).toBe("ok");
    expect(await inList(fine, shift)).toBe("ok");
    // the busy observer's own shift does not clash with itself
    expect(await inList(busy, sameTime)).toBe("ok");

    // A place on a waitlist is held too: an overlapping shift is refused, in the list as by the claim.
    const full = await shiftOn(dayIn(11), "18:00", "22:00", 1);
    const beside = await shiftOn(dayIn(11), "20:00", "23:00", 3, otherZone);
    await claimShift((await observer()).claims, full);
    const waiting = await observer();
    expect((await claimShift(waiting.claims, full)).status).toBe("waitlisted");
    expect(await inList(waiting, beside)).toBe("overlap");
    expect(await refusal(claimShift(waiting.claims, beside))).toMatchObject({ messageKey: "shifts.errors.overlap" });

    // Training valid until the shift's own local day is expired on that day, not the day before.
    let offset = 50;
    while (dayIn(offset).endsWith("-02-29")) offset++;
    const lastDay = dayIn(offset);
    const until = await observer({ trainingDate: `${Number(lastDay.slice(0, 4)) - 1}${lastDay.slice(4)}` });
    const onTheDay = await shiftOn(lastDay, "18:00", "22:00");
    const dayBefore = await shiftOn(dayIn(offset - 1), "18:00", "22:00");
    expect(await inList(until, onTheDay)).toBe("training_expired");
    expect(await inList(until, dayBefore)).toBe("ok");
    expect(await refusal(claimShift(until.claims, onTheDay))).toMatchObject({ messageKey: "shifts.errors.training_expired" });
    expect((await claimShift(fine.claims, shift)).status).toBe("claimed");

    expect(await myClaimStanding(untrained.claims)).toEqual({ eligibility: "training_missing", trainingDate: null, validUntil: null });
    expect(await myClaimStanding(expired.claims)).toEqual({ eligibility: "training_expired", trainingDate: "2020-01-01", validUntil: "2021-01-01" });
    expect((await myClaimStanding(expiring.claims)).eligibility).toBe("ok");
    expect((await myClaimStanding(notObserver.claims)).eligibility).toBe("not_observer");
  });
});

describe("a series edit tells each person once (ADR 030)", () => {
  /** A weekly series of `weeks` shifts from `days` days from now, 18:00-21:00, and its shifts in order. */
  async function weekly(days: number, weeks: number) {
    const first = dayIn(days);
    const weekday = new Date(`${first}T12:00:00Z`).getUTCDay() || 7;
    const input = CreateShiftSchema.parse({
      intent: "create", zoneId, repeat: "weekly", date: first, until: dayIn(days + 7 * (weeks - 1)), weekdays: [String(weekday)],
      startTime: "18:00", endTime: "21:00", capacity: "3",
    });
    const made = await createShifts(coordinator.claims, input);
    const shifts = await withSystem((trx) => trx.selectFrom("shifts").select("id").where("series_id", "=", made.id).orderBy("starts_at").execute());
    return { seriesId: made.id, shifts: shifts.map((s) => s.id) };
  }
  const jobsOf = async (p: Persona) =>
    (
      await withSystem((trx) =>
        sql<{ kind: string; dedupe_key: string; payload: { shifts?: { outcome: string }[] } }>`
          select kind, dedupe_key, payload from private.jobs
          where payload ->> 'observer_id' = ${p.id}
             or (payload ->> 'assignment_id')::uuid in (select id from public.shift_assignments where observer_id = ${p.id}::uuid)
          order by id`.execute(trx),
      )
    ).rows;

  it("one email per person listing their changed shifts (new and old times, their language), not one per shift; taken-off shifts in the same email", async () => {
    const first = dayIn(2);
    const { seriesId, shifts } = await weekly(2, 6);
    expect(shifts).toHaveLength(6);
    const [ana, eve] = [await observer(), await observer()];
    await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: "es" }).where("id", "=", ana.id).execute());
    for (const s of shifts.slice(0, 5)) await claimShift(ana.claims, s);
    await claimShift(eve.claims, shifts[1]!);
    await claimShift(eve.claims, shifts[3]!);
    // Eve is on another shift the evening of shifts[3]'s new time: she is taken off that one.
    const eveDay = localOf((await withSystem((trx) => trx.selectFrom("shifts").select("starts_at").where("id", "=", shifts[3]!).executeTakeFirstOrThrow())).starts_at).date;
    await claimShift(eve.claims, await shiftOn(eveDay, "09:00", "11:00", 3, otherZone));

    const edit = { from: first, startTime: "10:00", endTime: "13:00", capacity: 3, needsLanguages: [], needsTeamLead: false, takeOff: [eve.id] };
    expect(await editShiftSeries(coordinator.claims, seriesId, edit)).toBe(6);

    const anaJobs = await jobsOf(ana);
    expect(anaJobs.map((j) => j.kind)).toEqual(["series_changed"]);
    expect(anaJobs[0]!.payload.shifts!.map((s) => s.outcome)).toEqual(["moved", "moved", "moved", "moved", "moved"]);
    expect(anaJobs[0]!.dedupe_key).toMatch(new RegExp(`^series_changed:${seriesId}:${ana.id}:\\d+$`));
    const eveJobs = await jobsOf(eve);
    expect(eveJobs.map((j) => j.kind)).toEqual(["series_changed"]);
    expect(eveJobs[0]!.payload.shifts!.map((s) => s.outcome)).toEqual(["moved", "taken_off"]);

    await runJobsOnce();
    const anaMail = readOutbox().filter((m) => m.to === ana.email);
    expect(anaMail).toHaveLength(1);
    expect(anaMail[0]!.subject).toBe("Un coordinador cambió 5 de tus turnos");
    // Each shift on its own line, in the organisation's zone: now 10:00-13:00, before 18:00-21:00.
    const lines = anaMail[0]!.text.split("\n").filter((l) => l.startsWith("• "));
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/· 10:00 – 13:00 en Moving zone \(antes: .* · 18:00 – 21:00\)$/);
    const eveMail = readOutbox().filter((m) => m.to === eve.email);
    expect(eveMail).toHaveLength(1);
    expect(eveMail[0]!.subject).toBe("A coordinator changed 2 of your shifts");
    expect(eveMail[0]!.text).toMatch(/New times:\n• .*10:00 AM – 1:00 PM in Moving zone \(was .*6:00 PM – 9:00 PM\)/);
    expect(eveMail[0]!.text).toMatch(/You were taken off these shifts:\n• .*6:00 PM – 9:00 PM in Moving zone\nThe new time overlaps another shift/);

    // A one-shift change afterwards keeps its own notice.
    await rescheduleShift(coordinator.claims, shifts[0]!, { date: first, startTime: "11:00", endTime: "13:00", takeOff: [] });
    expect((await jobsOf(ana)).map((j) => j.kind)).toEqual(["series_changed", "shift_time_changed"]);
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  it("a shift moved again before the notice goes out drops from it (its own notice tells the newer time)", async () => {
    const first = dayIn(3);
    const { seriesId, shifts } = await weekly(3, 2);
    const ana = await observer();
    await claimShift(ana.claims, shifts[0]!);
    await claimShift(ana.claims, shifts[1]!);
    await editShiftSeries(coordinator.claims, seriesId, { from: first, startTime: "17:00", endTime: "20:00", capacity: 3, needsLanguages: [], needsTeamLead: false, takeOff: [] });
    await rescheduleShift(coordinator.claims, shifts[1]!, { date: dayIn(10), startTime: "12:00", endTime: "14:00", takeOff: [] });
    await runJobsOnce();
    const mails = readOutbox().filter((m) => m.to === ana.email);
    // The two are sent side by side, in either order.
    expect(mails.map((m) => m.subject).sort()).toEqual(["A coordinator changed 1 of your shifts", expect.stringMatching(/^New time for your shift/)]);
    const series = mails.find((m) => m.subject.startsWith("A coordinator changed"))!;
    expect(series.text.split("\n").filter((l) => l.startsWith("• "))).toHaveLength(1);
  });
});

describe("someone already checked in on a shift that moves (ADR 030)", () => {
  /** The local day and times of a period `fromHours`..`toHours` from now. */
  function hoursFromNow(fromHours: number, toHours: number) {
    const start = localOf(new Date(Date.now() + fromHours * 3_600_000));
    return { date: start.date, startTime: start.time, endTime: localOf(new Date(Date.now() + toHours * 3_600_000)).time };
  }
  const assignmentOf = (shiftId: string, p: Persona) =>
    withSystem((trx) =>
      trx.selectFrom("shift_assignments").select(["status", sql<string>`period::text`.as("period")]).where("shift_id", "=", shiftId).where("observer_id", "=", p.id)
        .where("status", "<>", "cancelled").executeTakeFirstOrThrow(),
    );
  const periodOf = async (shiftId: string) =>
    (await withSystem((trx) => sql<{ p: string }>`select tstzrange(starts_at, ends_at, '[)')::text as p from public.shifts where id = ${shiftId}::uuid`.execute(trx))).rows[0]!.p;

  it("is never taken off, even when ticked: a time that double-books them is refused and names them as staying", async () => {
    // Starts in 20 minutes: check-in is open.
    const moving = await createTestShift(zoneId, { startsInHours: 1 / 3, hours: 2, capacity: 3 });
    const later = await createTestShift(otherZone, { startsInHours: 4, hours: 2, capacity: 3 });
    const [ana, eve] = [await observer(), await observer()];
    await claimShift(ana.claims, moving);
    await checkIn(ana.claims, moving);
    await claimShift(ana.claims, later);
    await claimShift(eve.claims, moving);
    const before = await periodOf(moving);

    const target = hoursFromNow(3, 5);
    const conflicts = await conflictsOfReschedule(coordinator.claims, moving, target);
    expect(conflicts.map((c) => [c.name, c.status, c.otherShiftId])).toEqual([[nameOf(ana), "checked_in", later]]);
    // Ticked or not, the person on the ground stays and the change is refused.
    for (const takeOff of [[], [ana.id]]) {
      expect(await refusal(rescheduleShift(coordinator.claims, moving, { ...target, takeOff }))).toMatchObject({ messageKey: "shiftChange.errors.timeConflict" });
    }
    expect(await assignmentOf(moving, ana)).toMatchObject({ status: "checked_in" });
    expect(await periodOf(moving)).toBe(before);
    expect(await jobsFor(moving)).toEqual([]);
  });

  it("stays on the moved shift with everyone checked in or out, whose times follow it; the coordinator is told how many stayed", async () => {
    const moving = await createTestShift(zoneId, { startsInHours: 1 / 3, hours: 2, capacity: 4 });
    const [ana, oscar, eve] = [await observer(), await observer(), await observer()];
    for (const p of [ana, oscar, eve]) await claimShift(p.claims, moving);
    await checkIn(ana.claims, moving);
    await checkIn(oscar.claims, moving);
    await checkOut(oscar.claims, moving);

    const stayed = await rescheduleShift(coordinator.claims, moving, { ...hoursFromNow(1, 3), takeOff: [ana.id, oscar.id] });
    expect(stayed).toBe(2);
    const period = await periodOf(moving);
    expect(await assignmentOf(moving, ana)).toEqual({ status: "checked_in", period });
    // Before, a checked-out person kept the shift's old time.
    expect(await assignmentOf(moving, oscar)).toEqual({ status: "checked_out", period });
    expect(await assignmentOf(moving, eve)).toEqual({ status: "claimed", period });
    // Told: those still to come and the one on the ground; not the one who already left.
    const told = (await jobsFor(moving)).filter((j) => j.kind === "shift_time_changed").map((j) => j.observer_id);
    expect(told.sort()).toEqual([ana.id, eve.id].sort());
    expect(await brokenShiftInvariants()).toEqual([]);
  });
});
