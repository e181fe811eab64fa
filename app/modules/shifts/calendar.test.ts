import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { calendarFeed, calendarTokenCreatedAt, createCalendarToken, revokeCalendarToken } from "./calendar.server";
import { cancelShift, claimShift } from "./shifts.server";

const words = () => ({
  calendarName: "Testigo shifts",
  summary: (zone: string) => `Observer shift: ${zone}`,
  cancelled: "CANCELLED",
  waitlisted: "WAITLISTED",
  meetingPoint: "Meeting point",
});
const feed = (token: string) => calendarFeed(token, "https://testigo.example", words);

let me: Persona;
let other: Persona;
let coordinator: Persona;
let zoneId: string;
beforeAll(async () => {
  me = await createPersona("cal_carla", ["observer"], { trainingDate: "2026-10-01" });
  other = await createPersona("cal_other", ["observer"], { trainingDate: "2026-10-01" });
  coordinator = await createPersona("cal_coord", ["coordinator"]);
  zoneId = await createTestZone("Calendar zone");
});

describe("calendar feed", () => {
  it("lists my shifts as UTC instants with the organisation's zone named, and nothing about anyone else", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 30, capacity: 1 });
    const full = await createTestShift(zoneId, { startsInHours: 60, capacity: 1 });
    await claimShift(me.claims, shift);
    await claimShift(other.claims, full);
    await claimShift(me.claims, full); // waitlisted behind the other observer
    const token = await createCalendarToken(me.claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await calendarTokenCreatedAt(me.claims)).not.toBeNull();
    const ics = (await feed(token))!;
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toContain("X-WR-TIMEZONE:America/Chicago\r\n");
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(ics).toMatch(/DTSTART:\d{8}T\d{6}Z/);
    expect(ics).toContain("SUMMARY:Observer shift: Calendar zone");
    expect(ics).toContain("STATUS:TENTATIVE");
    expect(ics).toContain(`https://testigo.example/shifts/${shift}`);
    expect(ics).not.toContain(other.email);
    expect(ics).not.toContain("cal_other");
  });

  it("a cancelled shift stays as a CANCELLED event so calendars remove it", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 90 });
    await claimShift(me.claims, shift);
    await cancelShift(coordinator.claims, shift, "");
    const token = await createCalendarToken(me.claims);
    const ics = (await feed(token))!;
    expect(ics).toContain("STATUS:CANCELLED");
  });

  it("an old token stops working when a new one is made, when it is turned off, and when the person is deactivated", async () => {
    const first = await createCalendarToken(me.claims);
    const second = await createCalendarToken(me.claims);
    expect(await feed(first)).toBeNull();
    expect(await feed(second)).not.toBeNull();
    await revokeCalendarToken(me.claims);
    expect(await feed(second)).toBeNull();
    expect(await calendarTokenCreatedAt(me.claims)).toBeNull();

    const third = await createCalendarToken(other.claims);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", other.id).execute());
    expect(await feed(third)).toBeNull();
    const { rows } = await withSystem((trx) => sql`select 1 from private.calendar_tokens where user_id = ${other.id}::uuid`.execute(trx));
    expect(rows).toEqual([]);
  });

  it("stores only a hash of the token and refuses malformed ones", async () => {
    const token = await createCalendarToken(me.claims);
    const { rows } = await withSystem((trx) => sql<{ token_hash: string }>`select token_hash from private.calendar_tokens where user_id = ${me.id}::uuid`.execute(trx));
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(await feed("")).toBeNull();
    expect(await feed("x".repeat(43))).toBeNull();
    expect(await feed("'; drop table shifts; --")).toBeNull();
  });
});
