import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { claimShift } from "~/modules/shifts/shifts.server";
import { createCast, createPersona } from "../../../tests/setup/personas";
import { gapsOf, staffingOf, type ZoneCoverage } from "./coverage";
import { coverageForWindow } from "./coverage.server";
import { saveZone, setZoneRetired } from "./zones.server";

let cast: Awaited<ReturnType<typeof createCast>>;
beforeAll(async () => {
  cast = await createCast();
});

const square = (lng: number) => ({
  type: "Polygon" as const,
  coordinates: [[[lng, 41.8], [lng + 0.01, 41.8], [lng + 0.01, 41.81], [lng, 41.81], [lng, 41.8]]],
});
const base = { intent: "save" as const, colour: "#123456", notes: "", meetingPoint: null, meetingPointNote: "" };

describe("coverageForWindow", () => {
  it("lists active zones as uncovered for the whole window while no shifts exist, and says so", async () => {
    const low = await saveZone(cast.coordinator_carmen.claims, { ...base, name: "Low", priority: 3, geometry: square(-87.9) });
    const high = await saveZone(cast.coordinator_carmen.claims, { ...base, name: "High", priority: 1, geometry: square(-87.8) });
    const gone = await saveZone(cast.coordinator_carmen.claims, { ...base, name: "Gone", priority: 1, geometry: square(-87.7) });
    await setZoneRetired(cast.coordinator_carmen.claims, gone, true);
    const from = new Date("2026-11-26T12:00:00Z");
    const { zones, hasShifts } = await coverageForWindow(cast.coordinator_carmen.claims, { from, to: new Date("2026-11-27T00:00:00Z") });
    expect(hasShifts).toBe(false);
    expect(zones.map((z) => z.id)).toEqual([high, low]);
    expect(zones.every((z) => z.uncoveredMinutes === 720 && z.capacity === 0 && staffingOf(z) === "uncovered")).toBe(true);
  });

  it("counts the capacity and claims of overlapping shifts and the minutes nobody is on duty", async () => {
    const zone = await saveZone(cast.coordinator_carmen.claims, { ...base, name: "Staffed", priority: 1, geometry: square(-87.6) });
    const at = (h: number) => new Date(Date.UTC(2027, 0, 10, h)).toISOString();
    const shift = async (from: number, to: number, capacity: number) =>
      (await withSystem((trx) => trx.insertInto("shifts").values({ zone_id: zone, starts_at: at(from), ends_at: at(to), capacity }).returning("id").executeTakeFirstOrThrow())).id;
    const a = await shift(10, 14, 2); // staffed, overlaps b
    const b = await shift(12, 16, 3); // staffed
    await shift(18, 20, 2); // nobody on it: uncovered
    const cancelled = await shift(20, 22, 5);
    await withSystem((trx) => trx.updateTable("shifts").set({ cancelled_at: sql`now()` }).where("id", "=", cancelled).execute());
    const observer = await createPersona("cov_obs", ["observer"], { trainingDate: "2026-11-01" });
    const other = await createPersona("cov_obs2", ["observer"], { trainingDate: "2026-11-01" });
    await claimShift(observer.claims, a);
    await claimShift(other.claims, b);
    const { zones, hasShifts } = await coverageForWindow(cast.coordinator_carmen.claims, { from: new Date(at(8)), to: new Date(at(24)) });
    expect(hasShifts).toBe(true);
    const staffed = zones.find((z) => z.id === zone)!;
    // 16 h window; staffed 10:00–16:00 = 6 h; the unstaffed and cancelled shifts do not cover anything
    expect(staffed).toMatchObject({ capacity: 7, claimed: 2, uncoveredMinutes: 600 });
    expect(staffingOf(staffed)).toBe("partly");
  });

  it("shows an observer nothing they may not see", async () => {
    const { zones } = await coverageForWindow(cast.observer_ana.claims, { from: new Date(), to: new Date(Date.now() + 3_600_000) });
    expect(zones.map((z) => z.name)).not.toContain("Gone");
  });
});

describe("gaps", () => {
  const zone = (name: string, priority: number, capacity: number, claimed: number, uncoveredMinutes: number): ZoneCoverage => ({
    id: name,
    name,
    colour: "#000000",
    priority,
    geometry: square(0),
    capacity,
    claimed,
    uncoveredMinutes,
  });

  it("lists short-staffed zones by priority, then by how long they are uncovered", () => {
    const gaps = gapsOf([zone("Full", 1, 2, 2, 0), zone("B", 2, 2, 1, 60), zone("A", 1, 0, 0, 30), zone("C", 1, 4, 1, 90)]);
    expect(gaps.map((g) => g.name)).toEqual(["C", "A", "B"]);
    expect(gaps.map(staffingOf)).toEqual(["partly", "uncovered", "partly"]);
    expect(staffingOf(zone("Full", 1, 2, 2, 0))).toBe("full");
  });
});
