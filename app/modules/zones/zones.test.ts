import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { createCast } from "../../../tests/setup/personas";
import { validateZoneGeometry, type ZoneGeometry } from "./geometry";
import {
  assignObserver,
  exportZones,
  getZone,
  importZones,
  listZones,
  myZoneIds,
  saveZone,
  setObserverZones,
  setZoneRetired,
  unassignObserver,
} from "./zones.server";

let cast: Awaited<ReturnType<typeof createCast>>;
beforeAll(async () => {
  cast = await createCast();
});

const square = (lng: number, lat: number, d = 0.01): ZoneGeometry => ({
  type: "Polygon",
  coordinates: [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]],
});
const zone = (name: string, lng = -87.7, lat = 41.85) => ({
  intent: "save" as const,
  name,
  colour: "#aa3300",
  priority: 1,
  notes: "",
  geometry: square(lng, lat),
  meetingPoint: null,
  meetingPointNote: "",
});
const denied = { code: "42501" };

describe("zones and RLS", () => {
  it("a coordinator creates and edits a zone; names are unique regardless of case and spaces", async () => {
    const id = await saveZone(cast.coordinator_carmen.claims, zone("Pilsen"));
    await saveZone(cast.coordinator_carmen.claims, { ...zone("Pilsen"), id, priority: 2, notes: "18th St corridor" });
    const { zone: saved } = await getZone(cast.coordinator_carmen.claims, id);
    expect(saved).toMatchObject({ name: "Pilsen", priority: 2, notes: "18th St corridor", retired: false });
    await expect(saveZone(cast.admin_alma.claims, zone(" pilsen "))).rejects.toMatchObject({ field: "name", messageKey: "zones.errors.nameTaken" });
  });

  it("observers and attorneys cannot create, change or retire zones", async () => {
    for (const persona of [cast.observer_ana, cast.attorney_luis]) {
      await expect(saveZone(persona.claims, zone(`Nope ${persona.email}`))).rejects.toMatchObject({ status: 403 });
    }
    const id = await saveZone(cast.coordinator_carmen.claims, zone("Brighton Park", -87.69, 41.82));
    const changed = await withUser(cast.observer_ana.claims, (trx) =>
      trx.updateTable("zones").set({ name: "Renamed" }).where("id", "=", id).executeTakeFirst(),
    );
    expect(changed.numUpdatedRows).toBe(0n);
    await expect(setZoneRetired(cast.observer_ana.claims, id, true)).rejects.toMatchObject({ status: 404 });
    await expect(
      withUser(cast.coordinator_carmen.claims, (trx) => trx.deleteFrom("zones").where("id", "=", id).execute()),
    ).rejects.toMatchObject(denied);
  });

  it("everyone signed in reads active zones; only coordinators and admins see retired ones", async () => {
    const id = await saveZone(cast.coordinator_carmen.claims, zone("Back of the Yards", -87.66, 41.81));
    expect((await listZones(cast.observer_ana.claims)).map((z) => z.id)).toContain(id);
    expect((await listZones(cast.attorney_luis.claims)).map((z) => z.id)).toContain(id);
    await setZoneRetired(cast.coordinator_carmen.claims, id, true);
    expect((await listZones(cast.observer_ana.claims)).map((z) => z.id)).not.toContain(id);
    const forCoordinator = await listZones(cast.coordinator_carmen.claims);
    expect(forCoordinator.find((z) => z.id === id)?.retired).toBe(true);
    // Retired last.
    expect(forCoordinator.at(-1)?.retired).toBe(true);
    await setZoneRetired(cast.admin_alma.claims, id, false);
    expect((await listZones(cast.observer_ana.claims)).map((z) => z.id)).toContain(id);
  });

  it("an observer keeps seeing a retired zone they were assigned to; retirement time is the database's", async () => {
    const id = await saveZone(cast.coordinator_carmen.claims, zone("History zone", -87.4, 41.6));
    await assignObserver(cast.coordinator_carmen.claims, id, cast.observer_ana.id);
    await withUser(cast.coordinator_carmen.claims, (trx) =>
      trx.updateTable("zones").set({ retired_at: new Date("2001-01-01") }).where("id", "=", id).execute(),
    );
    const stamped = await withSystem((trx) => trx.selectFrom("zones").select("retired_at").where("id", "=", id).executeTakeFirstOrThrow());
    expect(Date.now() - new Date(stamped.retired_at!).getTime()).toBeLessThan(60_000);
    expect((await listZones(cast.observer_ana.claims)).find((z) => z.id === id)?.retired).toBe(true);
    expect((await listZones(cast.observer_oscar.claims)).map((z) => z.id)).not.toContain(id);
  });

  it("a deactivated person sees no zones", async () => {
    const former = await (await import("../../../tests/setup/personas")).createPersona("former_observer", ["observer"]);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", former.id).execute());
    expect(await listZones(former.claims)).toEqual([]);
  });

  it("the database refuses a geometry that is not a polygon, whoever writes it", async () => {
    await expect(
      withUser(cast.admin_alma.claims, (trx) =>
        trx
          .insertInto("zones")
          .values({ name: "Point", geometry: JSON.stringify({ type: "Point", coordinates: [0, 0] }), created_by: cast.admin_alma.id })
          .execute(),
      ),
    ).rejects.toMatchObject({ code: "23514" });
  });
});

describe("assignments", () => {
  it("a coordinator assigns observers; each observer sees only their own assignments", async () => {
    const id = await saveZone(cast.coordinator_carmen.claims, zone("Albany Park", -87.72, 41.96));
    await assignObserver(cast.coordinator_carmen.claims, id, cast.observer_ana.id);
    await assignObserver(cast.coordinator_carmen.claims, id, cast.observer_oscar.id);
    expect(await myZoneIds(cast.observer_ana.claims)).toContain(id);
    const seenByAna = await withUser(cast.observer_ana.claims, (trx) => trx.selectFrom("zone_assignments").select("observer_id").execute());
    expect(new Set(seenByAna.map((r) => r.observer_id))).toEqual(new Set([cast.observer_ana.id]));
    const { roster } = await getZone(cast.coordinator_carmen.claims, id);
    expect(roster.map((r) => r.id).sort()).toEqual([cast.observer_ana.id, cast.observer_oscar.id].sort());
    await unassignObserver(cast.coordinator_carmen.claims, id, cast.observer_oscar.id);
    expect(await myZoneIds(cast.observer_oscar.claims)).toEqual([]);
  });

  it("observers cannot assign themselves or others, and only observers can be assigned", async () => {
    const id = await saveZone(cast.coordinator_carmen.claims, zone("Logan Square", -87.7, 41.92));
    await expect(assignObserver(cast.observer_ana.claims, id, cast.observer_ana.id)).rejects.toMatchObject({ status: 403 });
    await expect(assignObserver(cast.coordinator_carmen.claims, id, cast.attorney_luis.id)).rejects.toBeInstanceOf(DomainError);
    const removed = await withUser(cast.observer_ana.claims, (trx) =>
      trx.deleteFrom("zone_assignments").where("observer_id", "=", cast.observer_ana.id).executeTakeFirst(),
    );
    expect(removed.numDeletedRows).toBe(0n);
  });
});

describe("home zones from the observer's row", () => {
  it("replaces an observer's zones, and only coordinators and admins may", async () => {
    const a = await saveZone(cast.coordinator_carmen.claims, zone("Home A", -87.5, 41.6));
    const b = await saveZone(cast.coordinator_carmen.claims, zone("Home B", -87.45, 41.6));
    await setObserverZones(cast.coordinator_carmen.claims, cast.observer_oscar.id, [a, b]);
    expect((await myZoneIds(cast.observer_oscar.claims)).sort()).toEqual([a, b].sort());
    await setObserverZones(cast.admin_alma.claims, cast.observer_oscar.id, [b]);
    expect(await myZoneIds(cast.observer_oscar.claims)).toEqual([b]);
    await setObserverZones(cast.coordinator_carmen.claims, cast.observer_oscar.id, []);
    expect(await myZoneIds(cast.observer_oscar.claims)).toEqual([]);
    await expect(setObserverZones(cast.observer_oscar.claims, cast.observer_oscar.id, [a])).rejects.toMatchObject({ status: 403 });
    expect(await myZoneIds(cast.observer_oscar.claims)).toEqual([]);
    await expect(setObserverZones(cast.coordinator_carmen.claims, cast.attorney_luis.id, [a])).rejects.toBeInstanceOf(DomainError);
    await expect(
      setObserverZones(cast.coordinator_carmen.claims, cast.observer_oscar.id, ["00000000-0000-4000-8000-000000000000"]),
    ).rejects.toMatchObject({ messageKey: "zones.errors.zoneGone" });
    await setZoneRetired(cast.coordinator_carmen.claims, b, true);
    await expect(setObserverZones(cast.coordinator_carmen.claims, cast.observer_oscar.id, [b])).rejects.toMatchObject({
      messageKey: "zones.errors.zoneGone",
    });
    // Even straight through the API, a retired zone or a deactivated observer cannot be assigned.
    await expect(
      withUser(cast.coordinator_carmen.claims, (trx) =>
        trx.insertInto("zone_assignments").values({ zone_id: b, observer_id: cast.observer_oscar.id, assigned_by: cast.coordinator_carmen.id }).execute(),
      ),
    ).rejects.toMatchObject(denied);
  });
});

describe("import and export", () => {
  it("export then import gives the same zones, without duplicates", async () => {
    const before = await exportZones(cast.admin_alma.claims);
    expect(before.features.length).toBeGreaterThan(0);
    const result = await importZones(cast.admin_alma.claims, JSON.stringify(before));
    expect(result).toEqual({ imported: before.features.length });
    expect(await exportZones(cast.admin_alma.claims)).toEqual(before);
  });

  it("lists every broken feature and imports nothing", async () => {
    const count = (await listZones(cast.admin_alma.claims)).length;
    const collection = {
      type: "FeatureCollection",
      features: [
        { type: "Feature", properties: { name: "Good one" }, geometry: square(-87.6, 41.7) },
        { type: "Feature", properties: { name: "Bow tie" }, geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] } },
        { type: "Feature", properties: {}, geometry: square(-87.5, 41.7) },
        { type: "Feature", properties: { name: "Open" }, geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] } },
      ],
    };
    const result = await importZones(cast.admin_alma.claims, JSON.stringify(collection));
    expect(result).toEqual({
      problems: [
        { feature: 2, name: "Bow tie", key: "zones.geometry.selfIntersection", values: undefined },
        { feature: 3, name: "", key: "zones.importErrors.name", values: undefined },
        { feature: 4, name: "Open", key: "zones.geometry.notClosed", values: { polygon: 1, ring: 1 } },
      ],
    });
    expect((await listZones(cast.admin_alma.claims)).length).toBe(count);
  });

  it("an import changes only the properties it names, and refuses bad ones by feature", async () => {
    const id = await saveZone(cast.coordinator_carmen.claims, { ...zone("Keep my notes", -87.3, 41.6), notes: "Do not lose this" });
    const geometry = square(-87.3, 41.6, 0.02);
    expect(
      await importZones(cast.admin_alma.claims, JSON.stringify({ type: "FeatureCollection", features: [{ type: "Feature", properties: { name: "Keep my notes" }, geometry }] })),
    ).toEqual({ imported: 1 });
    const { zone: updated } = await getZone(cast.admin_alma.claims, id);
    const normalised = validateZoneGeometry(geometry);
    expect(updated).toMatchObject({ notes: "Do not lose this", colour: "#aa3300", geometry: normalised.ok ? normalised.geometry : null });
    const bad = await importZones(
      cast.admin_alma.claims,
      JSON.stringify({
        type: "FeatureCollection",
        features: [
          { type: "Feature", properties: { name: "Bad colour", colour: "red" }, geometry },
          { type: "Feature", properties: { name: "Bad priority", priority: 9 }, geometry: square(-87.2, 41.6) },
          { type: "Feature", properties: { name: "Bad point", meetingPoint: "north of here" }, geometry: square(-87.1, 41.6) },
        ],
      }),
    );
    expect(bad).toMatchObject({
      problems: [{ feature: 1, key: "zones.errors.colour" }, { feature: 2, key: "zones.errors.priority" }, { feature: 3, key: "zones.errors.meetingPoint" }],
    });
  });

  it("refuses what is not a FeatureCollection", async () => {
    expect(await importZones(cast.admin_alma.claims, "{")).toMatchObject({ problems: [{ key: "zones.geometry.invalidJson" }] });
    expect(await importZones(cast.admin_alma.claims, '{"type":"Polygon"}')).toMatchObject({ problems: [{ key: "zones.importErrors.notCollection" }] });
    expect(await importZones(cast.admin_alma.claims, "null")).toMatchObject({ problems: [{ key: "zones.importErrors.notCollection" }] });
  });

  it("an observer cannot import", async () => {
    const collection = { type: "FeatureCollection", features: [{ type: "Feature", properties: { name: "Sneaky" }, geometry: square(-87.6, 41.6) }] };
    await expect(importZones(cast.observer_ana.claims, JSON.stringify(collection))).rejects.toMatchObject(denied);
  });
});
