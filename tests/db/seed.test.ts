import { expect, inject, it } from "vitest";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { DB } from "../../app/db/types";
import { DEMO_PEOPLE } from "../../supabase/seed/people";
import { seedDemoData, seedIfEmpty } from "../../supabase/seed/index";
import { recreateDatabase, TEMPLATE_DB, urlFor } from "../setup/test-database";

it("seeds the five demo accounts with their roles once, and seeding again changes nothing", async () => {
  const name = `testigo_seed_${process.env.VITEST_POOL_ID}`;
  const serverUrl = inject("testServerUrl");
  await recreateDatabase(serverUrl, name, TEMPLATE_DB);
  const url = urlFor(serverUrl, name);

  expect(await seedIfEmpty(url)).toBe(true);
  expect(await seedIfEmpty(url)).toBe(false);
  await seedDemoData(url);

  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
  try {
    const rows = await db
      .selectFrom("profiles as p")
      .innerJoin("role_grants as g", "g.user_id", "p.id")
      .select(["p.email", "g.role", "p.deactivated_at"])
      .orderBy("p.email")
      .execute();
    expect(rows.map((r) => `${r.email}:${r.role}`).sort()).toEqual(DEMO_PEOPLE.map((p) => `${p.email}:${p.roles[0]}`).sort());
    expect(rows.every((r) => r.deactivated_at === null)).toBe(true);

    // two weeks of future shifts, some claimed by the demo observers, within capacity
    const shifts = await db.selectFrom("shifts").select(["starts_at", "capacity", "claimed_count"]).execute();
    expect(shifts.length).toBeGreaterThan(40);
    expect(shifts.every((s) => new Date(s.starts_at) > new Date() && new Date(s.starts_at) < new Date(Date.now() + 15 * 86_400_000))).toBe(true);
    expect(shifts.reduce((n, s) => n + s.claimed_count, 0)).toBeGreaterThanOrEqual(2);
    expect(shifts.every((s) => s.claimed_count <= s.capacity)).toBe(true);
  } finally {
    await db.destroy();
  }
});

it("refuses to seed in production", async () => {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await expect(seedDemoData("postgresql://unused")).rejects.toThrow(/never seeded/);
  } finally {
    process.env.NODE_ENV = previous;
  }
});

it("every demo zone outline is valid", async () => {
  const { DEMO_ZONES } = await import("../../supabase/seed/zones");
  const { validateZoneGeometry } = await import("../../app/modules/zones/geometry");
  for (const zone of DEMO_ZONES) {
    const result = validateZoneGeometry({ type: "Polygon", coordinates: [[...zone.ring, zone.ring[0]]] });
    expect(result.ok, zone.name).toBe(true);
  }
});
