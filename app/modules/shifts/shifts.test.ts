import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { brokenShiftInvariants, createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { dateMessage, fieldMessage, tooLargeMessage } from "~/utils/field-messages";
import { CreateShiftSchema } from "./schema";
import {
  assignToShift,
  cancelShift,
  checkIn,
  checkOut,
  claimShift,
  createShifts,
  getShift,
  leaveShift,
  myShifts,
  roster,
  unassignFromShift,
  updateShift,
  upcomingShiftsByDay,
} from "./shifts.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let zoneId: string;
let trained: Persona[];
beforeAll(async () => {
  cast = await createCast();
  zoneId = await createTestZone("Little Village");
  trained = [];
  for (let i = 0; i < 6; i++) trained.push(await createPersona(`trained_${i}`, ["observer"], { trainingDate: "2026-09-01" }));
});

const statusOf = async (shiftId: string, persona: Persona) => (await getShift(persona.claims, shiftId)).myStatus;

describe("claiming, leaving and the waitlist", () => {
  it("claims a spot; a second tap returns the same claim; the count is visible, the names are not", async () => {
    const shift = await createTestShift(zoneId, { capacity: 2 });
    const first = await claimShift(trained[0]!.claims, shift);
    const again = await claimShift(trained[0]!.claims, shift);
    expect(first.status).toBe("claimed");
    expect(again.id).toBe(first.id);
    const seen = await getShift(trained[1]!.claims, shift);
    expect(seen).toMatchObject({ claimed: 1, capacity: 2, myStatus: null });
    const visible = await withUser(trained[1]!.claims, (trx) =>
      trx.selectFrom("shift_assignments").select("observer_id").where("shift_id", "=", shift).execute(),
    );
    expect(visible).toEqual([]);
    expect(await roster(trained[1]!.claims, shift)).toEqual([]);
    const coordinatorView = await roster(cast.coordinator_carmen.claims, shift);
    expect(coordinatorView.map((r) => r.email)).toEqual([trained[0]!.email]);
  });

  it("a full shift puts claimers on the waitlist in order, and every freed spot goes to its head", async () => {
    const shift = await createTestShift(zoneId, { capacity: 1, startsInHours: 48 });
    await claimShift(trained[0]!.claims, shift);
    const second = await claimShift(trained[1]!.claims, shift);
    const third = await claimShift(trained[2]!.claims, shift);
    const fourth = await claimShift(trained[3]!.claims, shift);
    expect([second.status, third.status, fourth.status]).toEqual(["waitlisted", "waitlisted", "waitlisted"]);
    expect([second.position, third.position, fourth.position]).toEqual([1, 2, 3]);
    expect((await getShift(trained[2]!.claims, shift)).myWaitlistPosition).toBe(2);
    // everyone sees how many wait, though RLS shows each only their own row
    expect((await getShift(trained[3]!.claims, shift)).waitlisted).toBe(3);
    expect((await getShift(trained[5]!.claims, shift)).waitlisted).toBe(3);

    // a cancellation promotes the head
    await leaveShift(trained[0]!.claims, shift);
    expect(await statusOf(shift, trained[1]!)).toBe("claimed");
    expect((await getShift(trained[2]!.claims, shift)).myWaitlistPosition).toBe(1);
    expect((await getShift(trained[5]!.claims, shift)).waitlisted).toBe(2);

    // raising capacity promotes the next
    await updateShift(cast.coordinator_carmen.claims, shift, { capacity: 2, notes: "" });
    expect(await statusOf(shift, trained[2]!)).toBe("claimed");

    // an unassign promotes the next
    const entry = (await roster(cast.coordinator_carmen.claims, shift)).find((r) => r.observerId === trained[1]!.id)!;
    await unassignFromShift(cast.coordinator_carmen.claims, shift, entry.id);
    expect(await statusOf(shift, trained[3]!)).toBe("claimed");

    // someone new now waits rather than jumping in
    expect((await claimShift(trained[4]!.claims, shift)).status).toBe("waitlisted");
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  it("a freed spot is not taken by a newcomer while someone waits", async () => {
    const shift = await createTestShift(zoneId, { capacity: 1, startsInHours: 72 });
    await claimShift(trained[0]!.claims, shift);
    await claimShift(trained[1]!.claims, shift);
    await leaveShift(trained[0]!.claims, shift);
    expect(await statusOf(shift, trained[1]!)).toBe("claimed");
    expect((await claimShift(trained[0]!.claims, shift)).status).toBe("waitlisted");
  });

  it("each conflict has its own message and status", async () => {
    const shift = await createTestShift(zoneId, { capacity: 1, startsInHours: 100 });
    await claimShift(trained[0]!.claims, shift);
    await expect(claimShift(trained[1]!.claims, shift, false)).rejects.toMatchObject({ status: 409, messageKey: "shifts.errors.full" });

    const overlapping = await createTestShift(await createTestZone(), { capacity: 3, startsInHours: 102 });
    await expect(claimShift(trained[0]!.claims, overlapping)).rejects.toMatchObject({ status: 409, messageKey: "shifts.errors.overlap" });

    await expect(claimShift(cast.observer_oscar.claims, shift)).rejects.toMatchObject({ status: 409, messageKey: "shifts.errors.training_missing" });
    const expired = await createPersona("expired_eve", ["observer"], { trainingDate: "2025-01-10" });
    await expect(claimShift(expired.claims, overlapping)).rejects.toMatchObject({ status: 409, messageKey: "shifts.errors.training_expired" });
    await expect(claimShift(cast.attorney_luis.claims, overlapping)).rejects.toMatchObject({ status: 403 });

    await cancelShift(cast.coordinator_carmen.claims, overlapping, "Storm warning");
    await expect(claimShift(trained[2]!.claims, overlapping)).rejects.toMatchObject({ status: 409, messageKey: "shifts.errors.cancelled" });

    const over = await createTestShift(zoneId, { startsInHours: -5, hours: 2 });
    await expect(claimShift(trained[2]!.claims, over)).rejects.toMatchObject({ status: 409, messageKey: "shifts.errors.over" });
    await expect(claimShift(trained[2]!.claims, "00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({ status: 404 });

    await expect(assignToShift(cast.coordinator_carmen.claims, shift, trained[3]!.id)).rejects.toMatchObject({ messageKey: "shifts.errors.full" });
    await expect(updateShift(cast.coordinator_carmen.claims, shift, { capacity: 0, notes: "" })).rejects.toBeTruthy();
  });

  it("training expires after the organisation's validity period, judged on the shift's day", async () => {
    const soon = await createTestShift(zoneId, { startsInHours: 200 });
    // trained 11 months before the shift: fine with 12 months, refused with 6
    const date = await withSystem(async (trx) => {
      const { rows } = await sql<{ d: string }>`select (now() + interval '200 hours' - interval '11 months')::date::text as d`.execute(trx);
      return rows[0]!.d;
    });
    const person = await createPersona("eleven_months", ["observer"], { trainingDate: date });
    await withSystem((trx) => trx.updateTable("org_settings").set({ training_valid_months: 6 }).execute());
    await expect(claimShift(person.claims, soon)).rejects.toMatchObject({ messageKey: "shifts.errors.training_expired" });
    await withSystem((trx) => trx.updateTable("org_settings").set({ training_valid_months: 12 }).execute());
    expect((await claimShift(person.claims, soon)).status).toBe("claimed");
  });

  it("capacity cannot drop below the people already on the shift", async () => {
    const shift = await createTestShift(zoneId, { capacity: 3, startsInHours: 300 });
    await claimShift(trained[0]!.claims, shift);
    await claimShift(trained[1]!.claims, shift);
    await expect(updateShift(cast.coordinator_carmen.claims, shift, { capacity: 1, notes: "" })).rejects.toMatchObject({
      status: 409,
      messageKey: "shifts.errors.capacityBelowClaimed",
      field: "capacity",
    });
  });
});

describe("check-in and check-out", () => {
  it("opens 30 minutes before the start, records the times, and closes at the end", async () => {
    const later = await createTestShift(zoneId, { startsInHours: 1, hours: 2 });
    await claimShift(trained[5]!.claims, later);
    await expect(checkIn(trained[5]!.claims, later)).rejects.toMatchObject({ messageKey: "shifts.errors.checkInTooEarly" });

    const soon = await createTestShift(zoneId, { startsInHours: 0.25, hours: 2 });
    const soonObserver = await createPersona("soon_sam", ["observer"], { trainingDate: "2026-09-01" });
    await claimShift(soonObserver.claims, soon);
    await expect(checkOut(soonObserver.claims, soon)).rejects.toMatchObject({ messageKey: "shifts.errors.notCheckedIn" });
    const inRow = await checkIn(soonObserver.claims, soon);
    expect(inRow.status).toBe("checked_in");
    const out = await checkOut(soonObserver.claims, soon);
    expect(out.status).toBe("checked_out");
    const detail = await getShift(soonObserver.claims, soon);
    expect(detail.checkedInAt).not.toBeNull();
    expect(detail.checkedOutAt).not.toBeNull();
    // checking out does not give the spot back to someone else
    expect(detail.claimed).toBe(1);
    await expect(checkIn(cast.observer_ana.claims, soon)).rejects.toMatchObject({ messageKey: "shifts.errors.notOnShift" });
  });

  it("my shifts lists upcoming ones and a shift cancelled under me", async () => {
    const person = await createPersona("mine_mia", ["observer"], { trainingDate: "2026-09-01" });
    const a = await createTestShift(zoneId, { startsInHours: 500 });
    const b = await createTestShift(zoneId, { startsInHours: 510 });
    const c = await createTestShift(zoneId, { startsInHours: 520 });
    await claimShift(person.claims, a);
    await claimShift(person.claims, b);
    await claimShift(person.claims, c);
    await leaveShift(person.claims, c);
    await cancelShift(cast.coordinator_carmen.claims, b, "");
    const mine = await myShifts(person.claims);
    expect(mine.upcoming.map((s) => [s.id, s.cancelled])).toEqual([
      [a, false],
      [b, true],
    ]);
  });
});

describe("RLS: who may do what", () => {
  it("nobody writes assignments directly, not even a coordinator", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 600 });
    for (const persona of [trained[0]!, cast.coordinator_carmen, cast.admin_alma]) {
      await expect(
        withUser(persona.claims, (trx) =>
          trx
            .insertInto("shift_assignments")
            .values({ shift_id: shift, observer_id: persona.id, status: "claimed", period: "[2026-01-01,2026-01-02)" })
            .execute(),
        ),
      ).rejects.toMatchObject({ code: "42501" });
    }
  });

  it("only coordinators and admins create, edit, cancel shifts and assign people", async () => {
    const input = CreateShiftSchema.parse({
      intent: "create",
      zoneId,
      date: "2027-02-02",
      startTime: "18:00",
      endTime: "22:00",
      capacity: "4",
    });
    for (const persona of [cast.observer_ana, cast.attorney_luis]) {
      await expect(createShifts(persona.claims, input)).rejects.toMatchObject({ status: 403 });
    }
    const created = await createShifts(cast.coordinator_carmen.claims, input);
    await createShifts(cast.admin_alma.claims, { ...input, date: "2027-02-03" });
    for (const persona of [cast.observer_ana, cast.attorney_luis]) {
      await expect(updateShift(persona.claims, created.id, { capacity: 9, notes: "" })).rejects.toMatchObject({ status: 404 });
      await expect(cancelShift(persona.claims, created.id, "")).rejects.toMatchObject({ status: 403 });
      await expect(assignToShift(persona.claims, created.id, trained[0]!.id)).rejects.toMatchObject({ status: 403 });
    }
    const assigned = await assignToShift(cast.coordinator_carmen.claims, created.id, trained[0]!.id);
    expect(assigned.status).toBe("claimed");
    await expect(unassignFromShift(trained[0]!.claims, created.id, assigned.id)).rejects.toMatchObject({ status: 403 });
    // an assignment id from another shift is refused
    const elsewhere = await createTestShift(zoneId, { startsInHours: 900 });
    await expect(unassignFromShift(cast.coordinator_carmen.claims, elsewhere, assigned.id)).rejects.toMatchObject({ messageKey: "shifts.errors.notOnShift" });
    await expect(assignToShift(cast.coordinator_carmen.claims, created.id, cast.observer_oscar.id)).rejects.toMatchObject({
      messageKey: "shifts.errors.training_missingOther",
    });
  });

  it("observers see shifts and their own assignments only; attorneys see no rosters; deactivated people see nothing", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 700 });
    await claimShift(trained[0]!.claims, shift);
    const attorneyRows = await withUser(cast.attorney_luis.claims, (trx) => trx.selectFrom("shift_assignments").select("id").execute());
    expect(attorneyRows).toEqual([]);
    const own = await withUser(trained[0]!.claims, (trx) => trx.selectFrom("shift_assignments").select("observer_id").distinct().execute());
    expect(own).toEqual([{ observer_id: trained[0]!.id }]);
    const seriesRows = await withUser(trained[0]!.claims, (trx) => trx.selectFrom("shift_series").select("id").execute());
    expect(seriesRows).toEqual([]);

    const gone = await createPersona("gone_gil", ["observer"], { trainingDate: "2026-09-01" });
    const waiting = await createTestShift(zoneId, { startsInHours: 800, capacity: 1 });
    await claimShift(gone.claims, waiting);
    await claimShift(trained[1]!.claims, waiting);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", gone.id).execute());
    // deactivation frees the spot for the waitlist and hides everything from the person
    expect(await statusOf(waiting, trained[1]!)).toBe("claimed");
    const hidden = await withUser(gone.claims, (trx) => trx.selectFrom("shifts").select("id").execute());
    expect(hidden).toEqual([]);
  });
});

describe("weekly series across daylight-saving time", () => {
  const localHour = (iso: string) =>
    new Intl.DateTimeFormat("en-US", { timeZone: "America/Chicago", hour: "numeric", minute: "2-digit", hour12: false, weekday: "short" }).format(
      new Date(iso),
    );

  it.each([
    ["March (clocks go forward on 14 March 2027)", "2027-03-08", "2027-03-21", ["2027-03-13T00:00:00.000Z", "2027-03-14T23:00:00.000Z"]],
    ["November (clocks go back on 7 November 2027)", "2027-11-01", "2027-11-14", ["2027-11-05T23:00:00.000Z", "2027-11-08T00:00:00.000Z"]],
  ])("a 6 pm shift stays 6 pm local in %s", async (_label, date, until, expectedUtc) => {
    const input = CreateShiftSchema.parse({
      intent: "create",
      zoneId,
      repeat: "weekly",
      date,
      until,
      weekdays: ["5", "7"], // Fridays and Sundays
      startTime: "18:00",
      endTime: "21:30",
      capacity: "3",
    });
    const made = await createShifts(cast.coordinator_carmen.claims, input);
    expect(made).toMatchObject({ kind: "series", count: 4 });
    const shifts = await withUser(cast.coordinator_carmen.claims, (trx) =>
      trx.selectFrom("shifts").select(["starts_at", "ends_at"]).where("series_id", "=", made.id).orderBy("starts_at").execute(),
    );
    const starts = shifts.map((s) => new Date(s.starts_at).toISOString());
    for (const s of shifts) {
      expect(localHour(new Date(s.starts_at).toISOString())).toMatch(/ 18:00$/);
      expect(localHour(new Date(s.ends_at).toISOString())).toMatch(/ 21:30$/);
    }
    // the UTC time moves by an hour across the change, the local time does not
    expect(starts).toEqual(expect.arrayContaining(expectedUtc));
  });

  it("an overnight shift ends at its local end time even when the clocks change that night; an empty series is refused", async () => {
    const overnight = CreateShiftSchema.parse({
      intent: "create",
      zoneId,
      repeat: "weekly",
      date: "2027-03-06",
      until: "2027-03-13",
      weekdays: ["6"], // Saturdays: the second one is the night of the March change
      startTime: "22:00",
      endTime: "06:00",
      capacity: "2",
    });
    expect(overnight.overnight).toBe(true);
    const made = await createShifts(cast.coordinator_carmen.claims, overnight);
    const rows = await withUser(cast.coordinator_carmen.claims, (trx) =>
      trx.selectFrom("shifts").select(["starts_at", "ends_at"]).where("series_id", "=", made.id).orderBy("starts_at").execute(),
    );
    expect(rows.map((r) => [localHour(new Date(r.starts_at).toISOString()), localHour(new Date(r.ends_at).toISOString())])).toEqual([
      ["Sat 22:00", "Sun 06:00"],
      ["Sat 22:00", "Sun 06:00"],
    ]);
    // 8 hours, then 7 hours: the night the clocks go forward is an hour shorter
    expect(rows.map((r) => (new Date(r.ends_at).getTime() - new Date(r.starts_at).getTime()) / 3_600_000)).toEqual([8, 7]);
    const empty = CreateShiftSchema.parse({
      intent: "create",
      zoneId,
      repeat: "weekly",
      date: "2027-04-05", // a Monday
      until: "2027-04-06",
      weekdays: ["5"],
      startTime: "08:00",
      endTime: "10:00",
      capacity: "2",
    });
    await expect(createShifts(cast.coordinator_carmen.claims, empty)).rejects.toMatchObject({ messageKey: "shifts.errors.seriesEmpty" });
  });

  it("rejects bad input field by field", () => {
    const result = CreateShiftSchema.safeParse({
      intent: "create",
      zoneId,
      repeat: "weekly",
      date: "0000-01-01",
      startTime: "25:00",
      endTime: "10:00",
      capacity: "101",
      until: "",
    });
    expect(result.success).toBe(false);
    const fields = Object.fromEntries((result.error?.issues ?? []).map((i) => [i.path.join("."), i.message]));
    expect(fields).toMatchObject({
      date: dateMessage("schedule.date"),
      startTime: fieldMessage("formErrors.time", { field: "schedule.startTime" }),
      capacity: tooLargeMessage("schedule.capacity", 100),
    });
  });
});

describe("review findings", () => {
  it("nobody but a coordinator learns another person's training status", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 1000 });
    await expect(
      withUser(trained[0]!.claims, (trx) => sql`select private.claim_eligibility(${cast.observer_oscar.id}::uuid, now())`.execute(trx)),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      withUser(trained[0]!.claims, (trx) => sql`select * from private.assignable_observers(${shift}::uuid)`.execute(trx)),
    ).rejects.toMatchObject({ code: "TS403" });
    const rows = await withUser(cast.coordinator_carmen.claims, (trx) => sql<{ email: string; eligibility: string }>`select * from private.assignable_observers(${shift}::uuid)`.execute(trx));
    expect(rows.rows.find((r) => r.email === cast.observer_oscar.email)?.eligibility).toBe("training_missing");
  });

  it("cancelling a shift under way leaves checked-in people checked in, so they can check out", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: -0.5, hours: 3, capacity: 3 });
    const here = await createPersona("here_hal", ["observer"], { trainingDate: "2026-09-01" });
    const late = await createPersona("late_lu", ["observer"], { trainingDate: "2026-09-01" });
    await claimShift(here.claims, shift);
    await claimShift(late.claims, shift);
    await checkIn(here.claims, shift);
    await cancelShift(cast.coordinator_carmen.claims, shift, "Raid over");
    expect(await statusOf(shift, here)).toBe("checked_in");
    expect((await myShifts(late.claims)).upcoming.find((s) => s.id === shift)).toMatchObject({ cancelled: true });
    expect((await checkOut(here.claims, shift)).status).toBe("checked_out");
  });

  it("a deactivated person can no longer check in or out, and their spot under way goes to the waitlist", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: -0.25, hours: 3, capacity: 1 });
    const leaving = await createPersona("leaving_lia", ["observer"], { trainingDate: "2026-09-01" });
    const waiting = await createPersona("waiting_wes", ["observer"], { trainingDate: "2026-09-01" });
    await claimShift(leaving.claims, shift);
    await claimShift(waiting.claims, shift);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", leaving.id).execute());
    await expect(checkIn(leaving.claims, shift)).rejects.toMatchObject({ status: 403 });
    expect(await statusOf(shift, waiting)).toBe("claimed");
  });

  it("deactivation and a coordinator's unassignment at the same moment do not deadlock", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await createTestShift(zoneId, { startsInHours: 1100 + round * 10, capacity: 2 });
      const b = await createTestShift(zoneId, { startsInHours: 1105 + round * 10, capacity: 2 });
      const person = await createPersona(`race_${round}`, ["observer"], { trainingDate: "2026-09-01" });
      const other = await createPersona(`race_other_${round}`, ["observer"], { trainingDate: "2026-09-01" });
      await claimShift(person.claims, a);
      await claimShift(person.claims, b);
      await claimShift(other.claims, b);
      const entry = (await roster(cast.coordinator_carmen.claims, b)).find((r) => r.observerId === other.id)!;
      const results = await Promise.allSettled([
        withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", person.id).execute()),
        unassignFromShift(cast.coordinator_carmen.claims, b, entry.id),
        leaveShift(person.claims, a).catch(() => null),
      ]);
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    }
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  it("a shift left and claimed again, then cancelled, appears once in my shifts", async () => {
    const person = await createPersona("again_ada", ["observer"], { trainingDate: "2026-09-01" });
    const shift = await createTestShift(zoneId, { startsInHours: 1300 });
    await claimShift(person.claims, shift);
    await leaveShift(person.claims, shift);
    await claimShift(person.claims, shift);
    await cancelShift(cast.coordinator_carmen.claims, shift, "");
    expect((await myShifts(person.claims)).upcoming.filter((s) => s.id === shift)).toHaveLength(1);
  });

  it("refuses impossible shifts from direct callers with a message, not a constraint error", async () => {
    const call = (capacity: number, start: string, end: string) =>
      withUser(cast.coordinator_carmen.claims, (trx) =>
        sql`select private.create_shift(${zoneId}::uuid, '2027-06-01'::date, ${start}::time, ${end}::time, ${capacity}::smallint, '{}'::text[], false, '')`.execute(trx),
      ).catch((e: unknown) => e);
    expect(await call(0, "10:00", "12:00")).toMatchObject({ code: "TS409", message: "shifts.errors.capacity" });
    expect(await call(3, "10:00", "10:00")).toMatchObject({ code: "TS409", message: "shifts.errors.endTime" });
  });
});

describe("the list of whole days (GET /shifts without a day picked)", () => {
  it("lists whole days until at least N shifts, and the days after as links with their counts, in one round trip", async () => {
    const zone = await createTestZone("Whole days");
    // Four UTC days from the day after tomorrow: 3, 2, 4 and 1 shifts.
    const now = new Date();
    const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 2);
    const perDay = [3, 2, 4, 1];
    await withSystem((trx) =>
      trx
        .insertInto("shifts")
        .values(
          perDay.flatMap((n, d) =>
            Array.from({ length: n }, (_, i) => ({
              zone_id: zone,
              starts_at: new Date(first + d * 86_400_000 + (1 + i * 5) * 3_600_000),
              ends_at: new Date(first + d * 86_400_000 + (4 + i * 5) * 3_600_000),
              capacity: 2,
            })),
          ),
        )
        .execute(),
    );
    const day = (d: number) => new Date(first + d * 86_400_000).toISOString().slice(0, 10);
    const filters = { zone, from: now, to: new Date(now.getTime() + 14 * 86_400_000) };
    const observer = trained[0]!.claims;

    // At least 4: the first two days (3 + 2 = 5 shifts), never half of the third.
    const four = await upcomingShiftsByDay(observer, filters, "UTC", 4);
    expect(four.shifts.map((s) => s.startsAt.slice(0, 10))).toEqual([day(0), day(0), day(0), day(1), day(1)]);
    expect(four.later).toEqual([
      { day: day(2), shifts: 4, withSpots: 4 },
      { day: day(3), shifts: 1, withSpots: 1 },
    ]);
    // At least 3: the first day is enough.
    const three = await upcomingShiftsByDay(observer, filters, "UTC", 3);
    expect(three.shifts).toHaveLength(3);
    expect(three.later.map((d) => d.day)).toEqual([day(1), day(2), day(3)]);
    // More than there are: everything, no links.
    const all = await upcomingShiftsByDay(observer, filters, "UTC", 100);
    expect(all.shifts).toHaveLength(10);
    expect(all.later).toEqual([]);
    // Days are the organisation's: 01:00 UTC is the evening before in Chicago, so the first shift is a
    // day of its own there, and the next local day holds the first day's other two and the second's 01:00.
    const chicago = await upcomingShiftsByDay(observer, filters, "America/Chicago", 1);
    expect(chicago.shifts.map((s) => s.startsAt)).toEqual([new Date(first + 3_600_000).toISOString()]);
    expect(chicago.later[0]).toEqual({ day: day(0), shifts: 3, withSpots: 3 });
  });

  it("never lists the first hour of the next day where midnight happens twice (Havana, clocks back at 01:00 CDT)", async () => {
    const zone = await createTestZone("Twice midnight");
    // America/Havana, 2026-11-01: 00:00-00:59 happens twice (04:00Z in CDT, then 05:00Z in CST).
    const at = (iso: string) => new Date(iso);
    await withSystem((trx) =>
      trx
        .insertInto("shifts")
        .values([
          { zone_id: zone, starts_at: at("2026-10-31T14:00:00Z"), ends_at: at("2026-10-31T18:00:00Z"), capacity: 2 },
          { zone_id: zone, starts_at: at("2026-10-31T20:00:00Z"), ends_at: at("2026-10-31T23:00:00Z"), capacity: 2 },
          // Sunday 00:30 local, in the first of the two midnights' hours
          { zone_id: zone, starts_at: at("2026-11-01T04:30:00Z"), ends_at: at("2026-11-01T08:00:00Z"), capacity: 2 },
          { zone_id: zone, starts_at: at("2026-11-01T15:00:00Z"), ends_at: at("2026-11-01T19:00:00Z"), capacity: 2 },
        ])
        .execute(),
    );
    const filters = { zone, from: at("2026-10-31T00:00:00Z"), to: at("2026-11-10T00:00:00Z") };
    const list = await upcomingShiftsByDay(trained[0]!.claims, filters, "America/Havana", 2);
    expect(list.shifts.map((s) => s.startsAt)).toEqual(["2026-10-31T14:00:00.000Z", "2026-10-31T20:00:00.000Z"]);
    expect(list.later).toEqual([{ day: "2026-11-01", shifts: 2, withSpots: 2 }]);
  });
});
