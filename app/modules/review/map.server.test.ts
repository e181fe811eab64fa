import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { createCast } from "../../../tests/setup/personas";
import { createTestZone } from "../../../tests/setup/shifts";
import { parseQueueFilters } from "./filters";
import { reviewMap } from "./map.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let zoneId: string;
const ids: Record<string, string> = {};

const filters = (query = "") => parseQueueFilters(new URLSearchParams(query));

/** One report straight into the database; `location` is [lon, lat] as GeoJSON has it. */
async function insertReport(
  name: string,
  values: { location?: unknown; urgency?: string; status?: string; hoursAgo?: number; author?: string; zone?: string; assigned?: string; agencies?: string[] },
) {
  const { rows } = await withSystem((trx) =>
    sql<{ id: string }>`insert into public.reports
        (client_uuid, author_id, zone_id, occurred_at, location, urgency, status, closed_at, assigned_to, agencies, cross_streets, narrative)
      values (gen_random_uuid(), ${values.author ?? null}, ${values.zone ?? null},
        now() - make_interval(hours => ${values.hoursAgo ?? 1}),
        ${values.location === undefined ? null : JSON.stringify(values.location)}::jsonb,
        ${values.urgency ?? "high"}::public.report_urgency, ${values.status ?? "new"}::public.report_status,
        ${values.status === "closed" ? sql`now()` : null}, ${values.assigned ?? null}, ${values.agencies ?? []}::text[],
        ${`map test ${name}`}, 'narrative that must not reach the map')
      returning id`.execute(trx),
  );
  ids[name] = rows[0]!.id;
}

const point = (lon: number, lat: number) => ({ type: "Point", coordinates: [lon, lat] });

beforeAll(async () => {
  cast = await createCast();
  zoneId = await createTestZone("Map zone");
  await insertReport("critical-new", { location: point(-87.6954321, 41.8051234), urgency: "critical", hoursAgo: 1, author: cast.observer_ana.id, zone: zoneId });
  await insertReport("high-review", { location: point(-87.7, 41.81), urgency: "high", status: "in_review", hoursAgo: 2, assigned: cast.attorney_luis.id, agencies: ["cbp"] });
  await insertReport("low-closed", { location: point(-87.71, 41.82), urgency: "low", status: "closed", hoursAgo: 3 });
  await insertReport("medium-old", { location: point(-87.72, 41.83), urgency: "medium", hoursAgo: 24 * 40 });
  await insertReport("no-place", { urgency: "critical", hoursAgo: 4 });
  // The database checks the shape only; a point whose numbers are text is left off, never a 500.
  await insertReport("bad-place", { location: { type: "Point", coordinates: ["x", "y"] }, urgency: "low", hoursAgo: 5 });
});

describe("the review map's points", () => {
  it("are compact arrays of P0 fields and the place, most recent first, for reports with a place", async () => {
    const map = await reviewMap(cast.attorney_luis.claims, filters());
    expect(map.points.map((p) => p[0])).toEqual([ids["critical-new"], ids["high-review"], ids["low-closed"], ids["medium-old"]]);
    const [id, lat, lon, urgency, status, seconds] = map.points[0]!;
    expect(map.points[0]).toHaveLength(6);
    expect({ id, lat, lon, urgency, status }).toEqual({ id: ids["critical-new"], lat: 41.80512, lon: -87.69543, urgency: "critical", status: "new" });
    expect(Math.abs(seconds - (Date.now() / 1000 - 3600))).toBeLessThan(120);
    // Nothing but the six fields travels: no narrative, no cross streets.
    expect(JSON.stringify(map)).not.toMatch(/narrative|map test/);
    expect(map).toMatchObject({ located: 4, unlocated: 2, capped: false, byUrgency: { critical: 1, high: 1, medium: 1, low: 1 } });
  });

  it("apply the queue's filters", async () => {
    const of = async (query: string) => (await reviewMap(cast.attorney_luis.claims, filters(query))).points.map((p) => p[0]);
    expect(await of("urgency=critical&urgency=low")).toEqual([ids["critical-new"], ids["low-closed"]]);
    expect(await of("status=in_review&status=closed")).toEqual([ids["high-review"], ids["low-closed"]]);
    expect(await of(`zone=${zoneId}`)).toEqual([ids["critical-new"]]);
    expect(await of("agency=cbp")).toEqual([ids["high-review"]]);
    expect(await of("assigned=me")).toEqual([ids["high-review"]]);
    expect(await of("assigned=none")).not.toContain(ids["high-review"]);
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    expect(await of(`from=${weekAgo}`)).not.toContain(ids["medium-old"]);
    expect(await of(`to=${weekAgo}`)).toEqual([ids["medium-old"]]);
    expect(await of(`from=${today}&urgency=medium`)).toEqual([]);
    // Counts follow the filters too.
    expect(await reviewMap(cast.attorney_luis.claims, filters("urgency=critical"))).toMatchObject({ located: 1, unlocated: 1 });
  });

  it("stop at the limit and say so", async () => {
    const map = await reviewMap(cast.attorney_luis.claims, filters(), 2);
    expect(map.points.map((p) => p[0])).toEqual([ids["critical-new"], ids["high-review"]]);
    expect(map).toMatchObject({ located: 4, capped: true, limit: 2 });
  });

  it("are read through RLS: an observer sees only their own, a coordinator none", async () => {
    expect((await reviewMap(cast.observer_ana.claims, filters())).points.map((p) => p[0])).toEqual([ids["critical-new"]]);
    expect((await reviewMap(cast.observer_oscar.claims, filters())).points).toEqual([]);
    expect(await reviewMap(cast.coordinator_carmen.claims, filters())).toMatchObject({ points: [], located: 0, unlocated: 0 });
  });
});
