import { sql, type SelectQueryBuilder } from "kysely";
import { type Claims, readAsUser, type Trx } from "~/db/client.server";
import { applyFilters } from "./queue.server";
import { URGENCIES, type QueueFilters, type ReportStatus } from "./filters";
import type { MapPoint, ReviewMapData, Urgency } from "./map";

export type { MapPoint, ReviewMapData } from "./map";

/** The most points one map carries; past it the map says so and the filters narrow it down. */
export const MAP_POINT_LIMIT = 5_000;

// The filters apply to any query on `reports as r`; Kysely's alias types do not compose here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ReportQuery = SelectQueryBuilder<any, any, any>;

// Only well-formed points: the database checks the shape, the app the numbers; a bad row is left
// off the map rather than failing it.
const LOCATED = sql<boolean>`r.location is not null
  and jsonb_typeof(r.location -> 'coordinates' -> 0) = 'number'
  and jsonb_typeof(r.location -> 'coordinates' -> 1) = 'number'`;

/**
 * The map's points under the queue's filters: P0 fields and the place only (no narrative, no
 * cross streets, nothing sealed), most recent incident first, at most `limit`. Coordinates are
 * rounded to 5 decimals (about a metre), which is all a map can show and keeps the payload small.
 */
export async function queryMapPoints(trx: Trx, me: string, filters: QueueFilters, limit = MAP_POINT_LIMIT, timeZone?: string): Promise<MapPoint[]> {
  const base = trx
    .selectFrom("reports as r")
    .select([
      "r.id",
      sql<number>`round((r.location -> 'coordinates' ->> 1)::numeric, 5)::float8`.as("lat"),
      sql<number>`round((r.location -> 'coordinates' ->> 0)::numeric, 5)::float8`.as("lon"),
      "r.urgency",
      "r.status",
      sql<number>`floor(extract(epoch from r.occurred_at))::float8`.as("t"),
    ])
    .where(LOCATED) as unknown as ReportQuery;
  const rows = (await applyFilters(base, filters, me, true, timeZone)
    .orderBy("r.occurred_at", "desc")
    .orderBy("r.id", "desc")
    .limit(limit)
    .execute()) as unknown as { id: string; lat: number; lon: number; urgency: Urgency; status: ReportStatus; t: number }[];
  return rows.map((r) => [r.id, r.lat, r.lon, r.urgency, r.status, r.t]);
}

/** How many reports match the filters, with and without a place, per urgency. */
export async function countMapReports(trx: Trx, me: string, filters: QueueFilters, timeZone?: string) {
  const base = trx
    .selectFrom("reports as r")
    .select([
      "r.urgency",
      sql<number>`(count(*) filter (where ${LOCATED}))::int`.as("located"),
      sql<number>`(count(*) filter (where not (${LOCATED})))::int`.as("unlocated"),
    ]) as unknown as ReportQuery;
  const rows = (await applyFilters(base, filters, me, true, timeZone).groupBy("r.urgency").execute()) as unknown as {
    urgency: Urgency;
    located: number;
    unlocated: number;
  }[];
  const byUrgency = Object.fromEntries(URGENCIES.map((u) => [u, 0])) as Record<Urgency, number>;
  let located = 0;
  let unlocated = 0;
  for (const row of rows) {
    byUrgency[row.urgency] = row.located;
    located += row.located;
    unlocated += row.unlocated;
  }
  return { byUrgency, located, unlocated };
}

/** The map's loader data, as the signed-in attorney (RLS decides what they see). */
export function reviewMap(claims: Claims, filters: QueueFilters, limit = MAP_POINT_LIMIT): Promise<ReviewMapData> {
  return readAsUser(claims, async (trx) => {
    // The organisation's time zone as a value (for the date filters), as the queue does.
    const settings = await trx.selectFrom("org_settings").select("time_zone").executeTakeFirst();
    const points = await queryMapPoints(trx, claims.sub, filters, limit, settings?.time_zone);
    const counts = await countMapReports(trx, claims.sub, filters, settings?.time_zone);
    return { points, ...counts, limit, capped: counts.located > points.length };
  });
}
