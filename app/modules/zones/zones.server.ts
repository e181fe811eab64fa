import type { Feature, FeatureCollection, Point } from "geojson";
import { type Claims, readAsUser, sql, type Trx, withUser } from "~/db/client.server";
import { DomainError, sqlState } from "~/db/errors.server";
import { validateZoneGeometry, type GeometryProblem, type ZoneGeometry } from "./geometry";
import { parseLatLng, type ZoneInput } from "./schema";

export interface Zone {
  id: string;
  name: string;
  colour: string;
  priority: number;
  notes: string;
  geometry: ZoneGeometry;
  meetingPoint: Point | null;
  meetingPointNote: string;
  retired: boolean;
  observers: number;
}


function zoneColumns(trx: Trx) {
  return trx
    .selectFrom("zones as z")
    .select([
      "z.id",
      "z.name",
      "z.colour",
      "z.priority",
      "z.notes",
      "z.geometry",
      "z.meeting_point",
      "z.meeting_point_note",
      "z.retired_at",
      sql<number>`(select count(*) from public.zone_assignments a where a.zone_id = z.id)::int`.as("observers"),
    ]);
}

type ZoneRow = Awaited<ReturnType<ReturnType<typeof zoneColumns>["execute"]>>[number];

const toZone = (r: ZoneRow): Zone => ({
  id: r.id,
  name: r.name,
  colour: r.colour,
  priority: r.priority,
  notes: r.notes,
  geometry: r.geometry as unknown as ZoneGeometry,
  meetingPoint: (r.meeting_point as unknown as Point | null) ?? null,
  meetingPointNote: r.meeting_point_note,
  retired: r.retired_at !== null,
  observers: r.observers,
});

/** Zones the person may see, most urgent first; retired ones last (only coordinators see them). */
export function listZones(claims: Claims): Promise<Zone[]> {
  return readAsUser(claims, async (trx) => {
    const rows = await zoneColumns(trx)
      .orderBy(sql`z.retired_at is not null`)
      .orderBy("z.priority")
      .orderBy("z.name")
      .execute();
    return rows.map(toZone);
  });
}

export async function getZone(claims: Claims, id: string) {
  return readAsUser(claims, async (trx) => {
    const row = await zoneColumns(trx).where("z.id", "=", id).executeTakeFirst();
    if (!row) throw new Response("Not found", { status: 404 });
    const roster = await trx
      .selectFrom("zone_assignments as a")
      .innerJoin("profiles as p", "p.id", "a.observer_id")
      .select(["p.id", "p.display_name", "p.email", "p.languages", "p.training_date"])
      .where("a.zone_id", "=", id)
      .orderBy("p.display_name")
      .execute();
    return { zone: toZone(row), roster };
  });
}

function values(input: Omit<ZoneInput, "intent" | "id">) {
  return {
    name: input.name,
    colour: input.colour,
    priority: input.priority,
    notes: input.notes,
    geometry: JSON.stringify(input.geometry),
    meeting_point: input.meetingPoint ? JSON.stringify(input.meetingPoint) : null,
    meeting_point_note: input.meetingPointNote,
  };
}

export async function saveZone(claims: Claims, input: ZoneInput): Promise<string> {
  // Whatever the caller did, only a valid, normalised geometry is stored.
  const checked = validateZoneGeometry(input.geometry);
  if (!checked.ok) throw new DomainError(400, checked.problem.key, "geometry");
  input = { ...input, geometry: checked.geometry };
  try {
    return await withUser(claims, async (trx) => {
      if (input.id) {
        const row = await trx.updateTable("zones").set(values(input)).where("id", "=", input.id).returning("id").executeTakeFirst();
        if (!row) throw new Response("Not found", { status: 404 });
        return row.id;
      }
      const row = await trx
        .insertInto("zones")
        .values({ ...values(input), created_by: claims.sub })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    });
  } catch (error) {
    if (sqlState(error) === "23505") throw new DomainError(400, "zones.errors.nameTaken", "name");
    if (sqlState(error) === "42501") throw new Response("Forbidden", { status: 403 });
    throw error;
  }
}

export async function setZoneRetired(claims: Claims, id: string, retired: boolean) {
  const row = await withUser(claims, (trx) =>
    trx
      .updateTable("zones")
      .set({ retired_at: retired ? sql`now()` : null })
      .where("id", "=", id)
      .returning("name")
      .executeTakeFirst(),
  );
  if (!row) throw new Response("Not found", { status: 404 });
  return row.name;
}

/** Only people holding the observer role can be given zones. */
async function requireObserver(trx: Trx, observerId: string, field: string) {
  const observer = await trx
    .selectFrom("role_grants")
    .select("user_id")
    .where("user_id", "=", observerId)
    .where("role", "=", "observer")
    .executeTakeFirst();
  if (!observer) throw new DomainError(400, "zones.errors.observer", field);
}

/** Database refusals of an assignment, as the responses a person should see. */
function asAssignmentError(error: unknown) {
  if (sqlState(error) === "23503") return new Response("Not found", { status: 404 });
  if (sqlState(error) === "42501") return new Response("Forbidden", { status: 403 });
  return error;
}

export async function assignObserver(claims: Claims, zoneId: string, observerId: string) {
  try {
    await withUser(claims, async (trx) => {
      await requireObserver(trx, observerId, "observerId");
      const zone = await trx.selectFrom("zones").select("retired_at").where("id", "=", zoneId).executeTakeFirst();
      if (!zone) throw new Response("Not found", { status: 404 });
      if (zone.retired_at) throw new DomainError(400, "zones.errors.zoneGone", "observerId");
      await trx
        .insertInto("zone_assignments")
        .values({ zone_id: zoneId, observer_id: observerId, assigned_by: claims.sub })
        .onConflict((oc) => oc.doNothing())
        .execute();
    });
  } catch (error) {
    throw asAssignmentError(error);
  }
}

export async function unassignObserver(claims: Claims, zoneId: string, observerId: string) {
  await withUser(claims, (trx) =>
    trx.deleteFrom("zone_assignments").where("zone_id", "=", zoneId).where("observer_id", "=", observerId).execute(),
  );
}

/** Observers a coordinator can assign: active people holding the observer role. */
export function listAssignableObservers(claims: Claims) {
  return readAsUser(claims, (trx) =>
    trx
      .selectFrom("profiles as p")
      .innerJoin("role_grants as g", "g.user_id", "p.id")
      .select(["p.id", "p.display_name", "p.email"])
      .where("g.role", "=", "observer")
      .where("p.deactivated_at", "is", null)
      .orderBy("p.display_name")
      .execute(),
  );
}

/** The zones this person is assigned to (RLS shows an observer only their own). */
export async function myZoneIds(claims: Claims): Promise<string[]> {
  const rows = await readAsUser(claims, (trx) =>
    trx.selectFrom("zone_assignments").select("zone_id").where("observer_id", "=", claims.sub).execute(),
  );
  return rows.map((r) => r.zone_id);
}

export async function exportZones(claims: Claims): Promise<FeatureCollection> {
  const zones = await listZones(claims);
  return {
    type: "FeatureCollection",
    features: zones.map(
      (z): Feature => ({
        type: "Feature",
        geometry: z.geometry,
        properties: {
          name: z.name,
          colour: z.colour,
          priority: z.priority,
          notes: z.notes,
          meetingPoint: z.meetingPoint ? `${z.meetingPoint.coordinates[1]}, ${z.meetingPoint.coordinates[0]}` : null,
          meetingPointNote: z.meetingPointNote,
          retired: z.retired,
        },
      }),
    ),
  };
}

export interface ImportProblem {
  feature: number;
  name: string;
  key: GeometryProblem["key"] | string;
  values?: Record<string, number>;
}

const MAX_IMPORT_FEATURES = 500;

/**
 * Imports a GeoJSON FeatureCollection. Every feature is checked first; if any is wrong, nothing is
 * imported and each problem is listed by feature. Zones are matched by name, so importing an
 * export again updates rather than duplicates.
 */
export async function importZones(claims: Claims, text: string): Promise<{ imported: number } | { problems: ImportProblem[] }> {
  let collection: unknown;
  try {
    collection = JSON.parse(text);
  } catch {
    return { problems: [{ feature: 0, name: "", key: "zones.geometry.invalidJson" }] };
  }
  if (!collection || typeof collection !== "object") {
    return { problems: [{ feature: 0, name: "", key: "zones.importErrors.notCollection" }] };
  }
  const features = (collection as { type?: unknown; features?: unknown }).features;
  if ((collection as { type?: unknown }).type !== "FeatureCollection" || !Array.isArray(features)) {
    return { problems: [{ feature: 0, name: "", key: "zones.importErrors.notCollection" }] };
  }
  if (features.length > MAX_IMPORT_FEATURES) {
    return { problems: [{ feature: 0, name: "", key: "zones.importErrors.tooMany", values: { max: MAX_IMPORT_FEATURES } }] };
  }
  const problems: ImportProblem[] = [];
  // Only the properties a feature has are written, so an import never wipes what it does not mention.
  type Row = { name: string; geometry: string } & Partial<Omit<ReturnType<typeof values>, "name" | "geometry">> & { retired?: boolean };
  const rows: Row[] = [];
  const seen = new Set<string>();
  features.forEach((feature: unknown, index) => {
    const props = ((feature as { properties?: unknown })?.properties ?? {}) as Record<string, unknown>;
    const name = typeof props.name === "string" ? props.name.trim() : "";
    const problem = (key: string, vals?: Record<string, number>) => problems.push({ feature: index + 1, name, key, values: vals });
    if (!name || name.length > 80) return problem("zones.importErrors.name");
    if (seen.has(name.toLowerCase())) return problem("zones.importErrors.duplicateName");
    seen.add(name.toLowerCase());
    const geometry = validateZoneGeometry((feature as { geometry?: unknown })?.geometry);
    if (!geometry.ok) return problem(geometry.problem.key, geometry.problem.values);
    const row: Row = { name, geometry: JSON.stringify(geometry.geometry) };
    if (props.colour !== undefined) {
      if (typeof props.colour !== "string" || !/^#[0-9a-fA-F]{6}$/.test(props.colour)) return problem("zones.errors.colour");
      row.colour = props.colour.toLowerCase();
    }
    if (props.priority !== undefined) {
      if (![1, 2, 3].includes(Number(props.priority))) return problem("zones.errors.priority");
      row.priority = Number(props.priority);
    }
    if (props.notes !== undefined) {
      if (typeof props.notes !== "string" || props.notes.length > 2000) return problem("errors.tooLong");
      row.notes = props.notes;
    }
    if (props.meetingPoint !== undefined) {
      const point = typeof props.meetingPoint === "string" && props.meetingPoint ? parseLatLng(props.meetingPoint) : null;
      if (props.meetingPoint && !point) return problem("zones.errors.meetingPoint");
      row.meeting_point = point ? JSON.stringify(point) : null;
    }
    if (props.meetingPointNote !== undefined) {
      if (typeof props.meetingPointNote !== "string" || props.meetingPointNote.length > 200) return problem("errors.tooLong");
      row.meeting_point_note = props.meetingPointNote;
    }
    if (props.retired !== undefined) row.retired = props.retired === true;
    rows.push(row);
  });
  if (problems.length) return { problems };
  try {
    await withUser(claims, async (trx) => {
      for (const { retired, ...row } of rows) {
        const existing = await trx
          .selectFrom("zones")
          .select("id")
          .where(sql<string>`lower(btrim(name))`, "=", row.name.toLowerCase())
          .executeTakeFirst();
        const retiredAt = retired === undefined ? {} : { retired_at: retired ? sql<Date>`now()` : null };
        if (existing) {
          await trx.updateTable("zones").set({ ...row, ...retiredAt }).where("id", "=", existing.id).execute();
        } else {
          const created = await trx.insertInto("zones").values({ ...row, created_by: claims.sub }).returning("id").executeTakeFirstOrThrow();
          if (retired) await trx.updateTable("zones").set({ retired_at: sql`now()` }).where("id", "=", created.id).execute();
        }
      }
    });
  } catch (error) {
    // Someone created a zone of the same name meanwhile.
    if (sqlState(error) === "23505") return { problems: [{ feature: 0, name: "", key: "zones.errors.nameTaken" }] };
    throw error;
  }
  return { imported: rows.length };
}

/** Replaces an observer's home zones (from the observer's row on the people page). */
export async function setObserverZones(claims: Claims, observerId: string, zoneIds: string[]) {
  try {
    await withUser(claims, async (trx) => {
      await requireObserver(trx, observerId, "zoneIds");
      if (zoneIds.length) {
        const active = await trx.selectFrom("zones").select("id").where("id", "in", zoneIds).where("retired_at", "is", null).execute();
        if (active.length !== new Set(zoneIds).size) throw new DomainError(400, "zones.errors.zoneGone", "zoneIds");
      }
      let removal = trx.deleteFrom("zone_assignments").where("observer_id", "=", observerId);
      if (zoneIds.length) removal = removal.where("zone_id", "not in", zoneIds);
      await removal.execute();
      if (zoneIds.length) {
        await trx
          .insertInto("zone_assignments")
          .values(zoneIds.map((zone_id) => ({ zone_id, observer_id: observerId, assigned_by: claims.sub })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    });
  } catch (error) {
    throw asAssignmentError(error);
  }
}
