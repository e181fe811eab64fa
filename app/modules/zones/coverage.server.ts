import { sql, withUser, type Claims } from "~/db/client.server";
import type { ZoneCoverage } from "./coverage";
import type { ZoneGeometry } from "./geometry";

export interface CoverageWindow {
  from: Date;
  to: Date;
}

/**
 * Staffing of every active zone over a time window, in one query. Shifts do not exist yet, so
 * every zone has no capacity and is uncovered for the whole window; the shifts feature joins its
 * table here and the page's "no shifts" notice then goes away on its own.
 */
export async function coverageForWindow(claims: Claims, window: CoverageWindow): Promise<{ zones: ZoneCoverage[]; hasShifts: boolean }> {
  const rows = await withUser(claims, (trx) =>
    trx
      .selectFrom("zones as z")
      .select([
        "z.id",
        "z.name",
        "z.colour",
        "z.priority",
        "z.geometry",
        sql<number>`0`.as("capacity"),
        sql<number>`0`.as("claimed"),
        sql<number>`(extract(epoch from (${window.to.toISOString()}::timestamptz - ${window.from.toISOString()}::timestamptz)) / 60)::int`.as(
          "uncovered_minutes",
        ),
      ])
      .where("z.retired_at", "is", null)
      .orderBy("z.priority")
      .orderBy("z.name")
      .execute(),
  );
  return {
    hasShifts: false,
    zones: rows.map((r) => ({
      id: r.id,
      name: r.name,
      colour: r.colour,
      priority: r.priority,
      geometry: r.geometry as unknown as ZoneGeometry,
      capacity: r.capacity,
      claimed: r.claimed,
      uncoveredMinutes: r.uncovered_minutes,
    })),
  };
}

