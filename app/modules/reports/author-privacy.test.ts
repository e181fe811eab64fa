import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestShift, createTestZone } from "../../../tests/setup/shifts";

/**
 * Security review, finding 5: a coordinator reads every shift's roster, so a report's shift names
 * its author when one observer was on it. Coordinators see where and what, never which shift.
 */
let cast: Awaited<ReturnType<typeof createCast>>;
let ana: Persona;
let shiftId: string;
let otherShiftId: string;
let reportId: string;

beforeAll(async () => {
  cast = await createCast();
  ana = await createPersona(`author_priv_${Date.now().toString(36)}`, ["observer"], { trainingDate: "2026-10-01" });
  const zoneId = await createTestZone(`Author privacy ${Date.now().toString(36)}`);
  shiftId = await createTestShift(zoneId, { startsInHours: -1 });
  otherShiftId = await createTestShift(zoneId, { startsInHours: -2 });
  await withSystem((trx) =>
    trx.insertInto("shift_assignments").values({ shift_id: shiftId, observer_id: ana.id, status: "claimed", claimed_at: sql<Date>`now()`, period: "empty" }).execute(),
  );
  // Filed by Ana herself, on her shift, as the app files it.
  const row = await withUser(ana.claims, (trx) =>
    trx
      .insertInto("reports")
      .values({ client_uuid: crypto.randomUUID(), author_id: ana.id, shift_id: shiftId, zone_id: zoneId, occurred_at: sql<Date>`now()`, cross_streets: "Author & Privacy", activities: ["detaining"], agencies: ["ice_ero"] })
      .returning("id")
      .executeTakeFirstOrThrow(),
  );
  reportId = row.id;
});

describe("a report's author stays unknown to coordinators (security review, finding 5)", () => {
  it("the overview coordinators read has no shift", async () => {
    const { rows } = await withUser(cast.coordinator_carmen.claims, (trx) => sql<Record<string, unknown>>`select * from public.report_overview where id = ${reportId}::uuid`.execute(trx));
    expect(rows).toHaveLength(1);
    expect(rows[0]).not.toHaveProperty("shift_id");
    expect(rows[0]).toMatchObject({ cross_streets: "Author & Privacy" });
  });

  it("nor does the live event the report raised, in its row or its payload", async () => {
    const events = await withUser(cast.coordinator_carmen.claims, (trx) =>
      trx.selectFrom("live_events").select(["kind", "shift_id", "payload"]).where("report_id", "=", reportId).execute(),
    );
    expect(events.map((e) => e.kind)).toEqual(["report_submitted"]);
    expect(events[0]!.shift_id).toBeNull();
    expect(events[0]!.payload).not.toHaveProperty("shift_id");
  });

  it("the author cannot re-point the report at another shift, nor take it off its shift", async () => {
    for (const target of [otherShiftId, null]) {
      await expect(withUser(ana.claims, (trx) => trx.updateTable("reports").set({ shift_id: target }).where("id", "=", reportId).execute())).rejects.toThrow();
    }
    // Other corrections still go through, and the shift is unchanged.
    await withUser(ana.claims, (trx) => trx.updateTable("reports").set({ cross_streets: "Author & Corrected" }).where("id", "=", reportId).execute());
    const row = await withSystem((trx) => trx.selectFrom("reports").select(["shift_id", "cross_streets"]).where("id", "=", reportId).executeTakeFirstOrThrow());
    expect(row).toEqual({ shift_id: shiftId, cross_streets: "Author & Corrected" });
  });

  it("deleting a shift clears its reports' shift (the foreign key's SET NULL), also for someone signed in", async () => {
    const zoneId = await createTestZone(`Author privacy cascade ${Date.now().toString(36)}`);
    const doomed = await createTestShift(zoneId, { startsInHours: -30 });
    await withSystem((trx) =>
      trx.insertInto("shift_assignments").values({ shift_id: doomed, observer_id: ana.id, status: "claimed", claimed_at: sql<Date>`now()`, period: "empty" }).execute(),
    );
    const filed = await withUser(ana.claims, (trx) =>
      trx
        .insertInto("reports")
        .values({ client_uuid: crypto.randomUUID(), author_id: ana.id, shift_id: doomed, occurred_at: sql<Date>`now()`, cross_streets: "Cascade", activities: ["detaining"], agencies: [] })
        .returning("id")
        .executeTakeFirstOrThrow(),
    );
    // as a signed-in coordinator would (the app has no shift deletion yet; the database allows the owner)
    await withSystem(async (trx) => {
      await sql`select set_config('request.jwt.claims', ${JSON.stringify(cast.coordinator_carmen.claims)}, true)`.execute(trx);
      await trx.deleteFrom("shift_assignments").where("shift_id", "=", doomed).execute();
      await trx.deleteFrom("shifts").where("id", "=", doomed).execute();
    });
    const row = await withSystem((trx) => trx.selectFrom("reports").select("shift_id").where("id", "=", filed.id).executeTakeFirstOrThrow());
    expect(row.shift_id).toBeNull();
  });

  it("a report cannot be filed on a shift the author is not on", async () => {
    await expect(
      withUser(ana.claims, (trx) =>
        trx.insertInto("reports").values({ client_uuid: crypto.randomUUID(), author_id: ana.id, shift_id: otherShiftId, occurred_at: sql<Date>`now()`, activities: ["detaining"], agencies: [] }).execute(),
      ),
    ).rejects.toThrow();
  });
});
