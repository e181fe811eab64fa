import type { Polygon } from "geojson";
import { describe, expect, it } from "vitest";
import { neighboursOf, zoneAt, zonesNearPoint, zonesToAlert, type ZoneShape } from "./neighbours";

// Metres per degree at 41.9° N (the projection in neighbours.ts uses the same constants).
const M_PER_LAT = 110_574;
const M_PER_LNG = 111_320 * Math.cos((41.9 * Math.PI) / 180);

/** A box `w`×`h` metres whose south-west corner is `east`/`north` metres from (41.9, -87.7). */
function box(id: string, east: number, north: number, w = 1000, h = 1000, priority = 2): ZoneShape {
  const x0 = -87.7 + east / M_PER_LNG;
  const y0 = 41.9 + north / M_PER_LAT;
  const x1 = x0 + w / M_PER_LNG;
  const y1 = y0 + h / M_PER_LAT;
  const geometry: Polygon = { type: "Polygon", coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] };
  return { id, name: id, priority, geometry };
}

const ids = (zones: ZoneShape[]) => zones.map((z) => z.id).sort();

describe("neighbouring zones", () => {
  const home = box("home", 0, 0);

  it("are zones that touch, overlap or lie within 1.5 km; not beyond", () => {
    const zones = [
      home,
      box("touching", 1000, 0),
      box("overlapping", 500, 500),
      box("inside", 200, 200, 100, 100),
      box("at 1.4 km", -2400, 0),
      box("at 1.6 km", 0, 2600),
      box("diagonal 1.41 km", 2000, 2000),
      box("diagonal 1.56 km", 2100, 2100),
      box("far", 10_000, 10_000),
    ];
    expect(ids(neighboursOf(zones, home))).toEqual(["at 1.4 km", "diagonal 1.41 km", "inside", "overlapping", "touching"].sort());
  });

  it("counts the whole zone, not its corners: a long zone passing close by is a neighbour", () => {
    // Its corners are kilometres away; its middle passes 1 km south of home.
    const long = box("long", -5000, -2000, 11_000, 1000);
    expect(ids(neighboursOf([home, long], home))).toEqual(["long"]);
  });

  it("works for zones drawn in several parts and with holes", () => {
    const part = box("part", 3000, 0);
    const multi: ZoneShape = {
      id: "multi",
      name: "multi",
      priority: 2,
      geometry: { type: "MultiPolygon", coordinates: [box("x", 10_000, 0).geometry.coordinates as Polygon["coordinates"], part.geometry.coordinates as Polygon["coordinates"]] },
    };
    // 2 km away: not a neighbour; a third part 1 km away makes it one.
    expect(neighboursOf([home, multi], home)).toEqual([]);
    multi.geometry = { ...multi.geometry, coordinates: [...(multi.geometry.coordinates as Polygon["coordinates"][]), box("y", 2000, 0).geometry.coordinates as Polygon["coordinates"]] } as ZoneShape["geometry"];
    expect(ids(neighboursOf([home, multi], home))).toEqual(["multi"]);
  });

  it("stays quick for zones at the vertex limit", () => {
    // Two 2,000-corner circles, 1.2 km apart.
    const circle = (id: string, east: number): ZoneShape => {
      const ring = Array.from({ length: 2000 }, (_, i) => {
        const a = (2 * Math.PI * i) / 2000;
        return [-87.7 + (east + 1000 * Math.cos(a)) / M_PER_LNG, 41.9 + (1000 * Math.sin(a)) / M_PER_LAT];
      });
      return { id, name: id, priority: 2, geometry: { type: "Polygon", coordinates: [[...ring, ring[0]!]] } };
    };
    const a = circle("a", 0);
    const b = circle("b", 3200);
    const started = performance.now();
    expect(ids(neighboursOf([a, b], a))).toEqual(["b"]);
    // and 1.6 km apart: every pair of nearby segments is measured before the answer is no
    expect(neighboursOf([a, circle("c", 3600)], a)).toEqual([]);
    const ms = performance.now() - started;
    console.log(`Neighbours of a 2,000-corner zone among two others of 2,000 corners: ${Math.round(ms)} ms`);
    // (mostly the JIT warming up: about 10 ms once warm)
    expect(ms).toBeLessThan(1500);
  });
});

describe("the zones a dispatch alerts", () => {
  const home = box("home", 0, 0, 1000, 1000, 1);
  const next = box("next", 1000, 0);
  const away = box("away", 8000, 0);
  const zones = [home, next, away];

  it("a point in a zone: that zone first, then its neighbours", () => {
    const point = { lat: 41.9 + 500 / M_PER_LAT, lng: -87.7 + 500 / M_PER_LNG };
    expect(zoneAt(zones, point)?.id).toBe("home");
    expect(zonesToAlert(zones, { point }).zones.map((z) => z.id)).toEqual(["home", "next"]);
  });

  it("a point on two zones belongs to the higher priority one", () => {
    const overlapping = box("overlap", 0, 0, 1000, 1000, 3);
    expect(zoneAt([overlapping, home], { lat: 41.9 + 500 / M_PER_LAT, lng: -87.7 + 500 / M_PER_LNG })?.id).toBe("home");
  });

  it("a report's zone counts even without a point", () => {
    expect(zonesToAlert(zones, { zoneId: "away", point: null })).toMatchObject({ zone: { id: "away" }, zones: [{ id: "away" }] });
  });

  it("a point outside every zone: the zones within 1.5 km of it, and no zone of its own", () => {
    const point = { lat: 41.9 + 500 / M_PER_LAT, lng: -87.7 + 2800 / M_PER_LNG };
    const alerted = zonesToAlert(zones, { point });
    expect(alerted.zone).toBeNull();
    expect(alerted.zones.map((z) => z.id)).toEqual(["next"]);
    expect(zonesNearPoint(zones, { lat: 0, lng: 0 })).toEqual([]);
    expect(zonesToAlert(zones, { point: null })).toEqual({ zone: null, zones: [] });
  });
});
