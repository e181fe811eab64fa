import { type Claims, readAsUser, sql } from "~/db/client.server";
import type { ZoneCoverage } from "./coverage";
import type { ZoneGeometry } from "./geometry";

export interface CoverageWindow {
  from: Date;
  to: Date;
}

/**
 * Staffing of every active zone over a time window, in one query: the capacity and claims of the
 * shifts that overlap the window, and the minutes of the window in which nobody is on a shift
 * there (the union of staffed shift times, clipped to the window, subtracted from its length).
 */
export async function coverageForWindow(claims: Claims, window: CoverageWindow): Promise<{ zones: ZoneCoverage[]; hasShifts: boolean }> {
  const from = window.from.toISOString();
  const to = window.to.toISOString();
  const rows = await readAsUser(claims, async (trx) => {
    const { rows } = await sql<{
      id: string;
      name: string;
      colour: string;
      priority: number;
      geometry: unknown;
      capacity: number;
      claimed: number;
      shifts: number;
      uncovered_minutes: number;
    }>`
      with win as (select tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)') as r)
      select z.id, z.name, z.colour, z.priority, z.geometry,
             coalesce(s.capacity, 0)::int as capacity,
             coalesce(s.claimed, 0)::int as claimed,
             coalesce(s.shifts, 0)::int as shifts,
             round((extract(epoch from upper(win.r) - lower(win.r)) - coalesce(s.covered_seconds, 0)) / 60)::int as uncovered_minutes
      from public.zones z
      cross join win
      left join lateral (
        select sum(x.capacity) as capacity,
               sum(x.claimed_count) as claimed,
               count(*) as shifts,
               (select sum(extract(epoch from upper(part) - lower(part)))
                  from unnest(range_agg(tstzrange(x.starts_at, x.ends_at, '[)') * win.r) filter (where x.claimed_count > 0)) as part
               ) as covered_seconds
        from public.shifts x
        where x.zone_id = z.id and x.cancelled_at is null
          and x.starts_at < upper(win.r) and x.ends_at > lower(win.r)
      ) s on true
      where z.retired_at is null
      order by z.priority, z.name`.execute(trx);
    return rows;
  });
  return {
    hasShifts: rows.some((r) => r.shifts > 0),
    zones: rows.map((r) => ({
      id: r.id,
      name: r.name,
      colour: r.colour,
      priority: r.priority,
      geometry: r.geometry as ZoneGeometry,
      capacity: r.capacity,
      claimed: r.claimed,
      uncoveredMinutes: r.uncovered_minutes,
    })),
  };
}
