import fc from "fast-check";
import type { Position } from "geojson";
import { describe, expect, it } from "vitest";
import { MAX_VERTICES, validateZoneGeometry } from "./geometry";

/** A strictly convex ring (points on an ellipse at increasing angles): always a simple polygon. */
const convexRing = fc
  .record({
    lon: fc.double({ min: -170, max: 170, noNaN: true }),
    lat: fc.double({ min: -80, max: 80, noNaN: true }),
    rx: fc.double({ min: 0.001, max: 5, noNaN: true }),
    ry: fc.double({ min: 0.001, max: 5, noNaN: true }),
    n: fc.integer({ min: 3, max: 60 }),
  })
  .map(({ lon, lat, rx, ry, n }) => {
    const ring: Position[] = [];
    for (let i = 0; i < n; i++) {
      const angle = (2 * Math.PI * i) / n;
      // `|| 0` turns -0 into 0, as the validator does.
      ring.push([Number((lon + rx * Math.cos(angle)).toFixed(6)) || 0, Number((lat + ry * Math.sin(angle)).toFixed(6)) || 0]);
    }
    ring.push([...ring[0]!]);
    return ring;
  });

const polygonOf = (ring: Position[]) => ({ type: "Polygon" as const, coordinates: [ring] });

describe("validateZoneGeometry", () => {
  it("accepts valid polygons and gives them back unchanged, also through JSON text", () => {
    fc.assert(
      fc.property(convexRing, (ring) => {
        const geometry = polygonOf(ring);
        const direct = validateZoneGeometry(geometry);
        expect(direct).toEqual({ ok: true, geometry });
        expect(validateZoneGeometry(JSON.stringify(geometry))).toEqual(direct);
        // Valid once, valid again: storing and reloading is stable.
        expect(validateZoneGeometry(JSON.parse(JSON.stringify(direct.ok && direct.geometry)))).toEqual(direct);
      }),
    );
  });

  it("accepts MultiPolygons and Features of valid polygons", () => {
    fc.assert(
      fc.property(convexRing, convexRing, (ring, other) => {
        const box = (r: Position[]) => [Math.min(...r.map((p) => p[0]!)), Math.max(...r.map((p) => p[0]!))];
        const [aMin, aMax] = box(ring);
        const [bMin, bMax] = box(other);
        fc.pre(aMax! < bMin! || bMax! < aMin!);
        const multi = { type: "MultiPolygon" as const, coordinates: [[ring], [other]] };
        expect(validateZoneGeometry(multi)).toEqual({ ok: true, geometry: multi });
        expect(validateZoneGeometry({ type: "Feature", properties: {}, geometry: polygonOf(ring) }).ok).toBe(true);
      }),
    );
  });

  it("refuses a ring that is not closed", () => {
    fc.assert(
      fc.property(convexRing, (ring) => {
        const result = validateZoneGeometry(polygonOf(ring.slice(0, -1).concat([[ring[1]![0]!, ring[1]![1]!]])));
        expect(result).toMatchObject({ ok: false, problem: { key: "zones.geometry.notClosed" } });
      }),
    );
  });

  it("refuses a ring that crosses itself", () => {
    fc.assert(
      fc.property(convexRing.filter((r) => r.length >= 5), fc.nat(), (ring, seed) => {
        const open = ring.slice(0, -1);
        const i = seed % (open.length - 1);
        [open[i], open[i + 1]] = [open[i + 1]!, open[i]!];
        const result = validateZoneGeometry(polygonOf([...open, open[0]!]));
        expect(result).toMatchObject({ ok: false, problem: { key: "zones.geometry.selfIntersection" } });
      }),
    );
  });

  it("refuses coordinates out of range", () => {
    fc.assert(
      fc.property(convexRing, fc.constantFrom([360, 0], [0, 180], [-360, 0], [0, -180]), (ring, shift) => {
        const moved = ring.map(([x, y]) => [x! + shift[0]!, y! + shift[1]!]);
        const result = validateZoneGeometry(polygonOf(moved));
        expect(result).toMatchObject({ ok: false, problem: { key: "zones.geometry.outOfRange" } });
      }),
    );
  });

  it.each([
    ["not JSON", "{nope", "zones.geometry.invalidJson"],
    ["a point", { type: "Point", coordinates: [0, 0] }, "zones.geometry.wrongType"],
    ["null", null, "zones.geometry.wrongType"],
    ["strings for numbers", { type: "Polygon", coordinates: [[["0", "0"], [1, 0], [1, 1], ["0", "0"]]] }, "zones.geometry.malformed"],
    ["a triangle with a missing corner", { type: "Polygon", coordinates: [[[0, 0], [1, 0], [0, 0]]] }, "zones.geometry.tooFewPoints"],
    ["a ring of one repeated point", { type: "Polygon", coordinates: [[[0, 0], [0, 0], [0, 0], [0, 0]]] }, "zones.geometry.tooFewPoints"],
    ["no rings", { type: "Polygon", coordinates: [] }, "zones.geometry.malformed"],
    ["a flat ring", { type: "Polygon", coordinates: [[[0, 0], [1, 1], [2, 2], [0, 0]]] }, "zones.geometry.noArea"],
    [
      "a hole outside its shell",
      { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], [[2, 2], [3, 2], [3, 3], [2, 2]]] },
      "zones.geometry.holeOutside",
    ],
    [
      "too many polygons",
      { type: "MultiPolygon", coordinates: Array.from({ length: 21 }, (_, i) => [[[i, 0], [i + 0.5, 0], [i + 0.5, 0.5], [i, 0]]]) },
      "zones.geometry.tooManyPolygons",
    ],
  ])("refuses %s with a reason", (_name, input, key) => {
    expect(validateZoneGeometry(input)).toMatchObject({ ok: false, problem: { key } });
  });

  it("accepts a hole inside its shell", () => {
    const withHole = { type: "Polygon" as const, coordinates: [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 1]]] };
    expect(validateZoneGeometry(withHole)).toEqual({ ok: true, geometry: withHole });
  });

  it("drops a repeated neighbour instead of calling it a crossing", () => {
    const result = validateZoneGeometry({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] });
    expect(result).toEqual({ ok: true, geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] } });
  });

  it(`refuses more than ${MAX_VERTICES} vertices`, () => {
    const n = MAX_VERTICES + 1;
    const ring: Position[] = Array.from({ length: n }, (_, i) => [Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)]);
    ring.push(ring[0]!);
    expect(validateZoneGeometry(polygonOf(ring))).toMatchObject({ ok: false, problem: { key: "zones.geometry.tooManyVertices" } });
  });
});
