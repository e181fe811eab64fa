import kinks from "@turf/kinks";
import type { MultiPolygon, Polygon, Position } from "geojson";

export type ZoneGeometry = Polygon | MultiPolygon;

/** Bounds that keep a zone drawable on a phone and the validation cheap. */
export const MAX_VERTICES = 2000;
export const MAX_POLYGONS = 20;

/** Why a geometry was refused: an i18n key, and where (polygon / ring / position) when it helps. */
export interface GeometryProblem {
  key:
    | "zones.geometry.invalidJson"
    | "zones.geometry.wrongType"
    | "zones.geometry.malformed"
    | "zones.geometry.tooFewPoints"
    | "zones.geometry.notClosed"
    | "zones.geometry.outOfRange"
    | "zones.geometry.tooManyVertices"
    | "zones.geometry.tooManyPolygons"
    | "zones.geometry.noArea"
    | "zones.geometry.holeOutside"
    | "zones.geometry.selfIntersection";
  values?: Record<string, number>;
}

export type GeometryResult = { ok: true; geometry: ZoneGeometry } | { ok: false; problem: GeometryProblem };

const fail = (key: GeometryProblem["key"], values?: Record<string, number>): GeometryResult => ({
  ok: false,
  problem: { key, values },
});

/** Shoelace area in square degrees: enough to tell a flat ring from a real one. */
function ringArea(ring: Position[]) {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) sum += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return sum / 2;
}

/** Ray casting: is the point inside the ring? */
function insideRing([x, y]: Position, ring: Position[]) {
  let inside = false;
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi! > y! !== yj! > y! && x! < ((xj! - xi!) * (y! - yi!)) / (yj! - yi!) + xi!) inside = !inside;
  }
  return inside;
}

const isPosition = (p: unknown): p is Position =>
  Array.isArray(p) && (p.length === 2 || p.length === 3) && p.every((n) => typeof n === "number" && Number.isFinite(n));

/** Rounds to ~1 cm and drops altitude, so the stored text is small and stable. */
const clean = (p: Position): Position => [Math.round(p[0]! * 1e7) / 1e7 || 0, Math.round(p[1]! * 1e7) / 1e7 || 0];

/**
 * Validates a GeoJSON Polygon or MultiPolygon (a bare geometry, or a Feature holding one):
 * closed rings of at least four positions, longitudes and latitudes in range, a bounded
 * number of vertices, and no ring crossing itself or another.
 */
export function validateZoneGeometry(input: unknown): GeometryResult {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return fail("zones.geometry.invalidJson");
    }
  }
  if (value && typeof value === "object" && (value as { type?: unknown }).type === "Feature") {
    value = (value as { geometry?: unknown }).geometry;
  }
  if (!value || typeof value !== "object") return fail("zones.geometry.wrongType");
  const { type, coordinates } = value as { type?: unknown; coordinates?: unknown };
  if (type !== "Polygon" && type !== "MultiPolygon") return fail("zones.geometry.wrongType");
  if (!Array.isArray(coordinates) || coordinates.length === 0) return fail("zones.geometry.malformed");
  const polygons = (type === "Polygon" ? [coordinates] : coordinates) as unknown[];
  if (polygons.length > MAX_POLYGONS) return fail("zones.geometry.tooManyPolygons", { max: MAX_POLYGONS });

  let vertices = 0;
  // A crossing ring can also sum to no area (a symmetric bow tie): report the crossing first.
  let flat: Record<string, number> | null = null;
  const cleaned: Position[][][] = [];
  for (const [polygonIndex, polygon] of polygons.entries()) {
    if (!Array.isArray(polygon) || polygon.length === 0) return fail("zones.geometry.malformed");
    const rings: Position[][] = [];
    for (const [ringIndex, ring] of polygon.entries()) {
      if (!Array.isArray(ring) || !ring.every(isPosition)) return fail("zones.geometry.malformed");
      const where = { polygon: polygonIndex + 1, ring: ringIndex + 1 };
      if (ring.length < 4) return fail("zones.geometry.tooFewPoints", where);
      const first = ring[0]!;
      const last = ring[ring.length - 1]!;
      if (first[0] !== last[0] || first[1] !== last[1]) return fail("zones.geometry.notClosed", where);
      for (const position of ring) {
        if (Math.abs(position[0]!) > 180 || Math.abs(position[1]!) > 90) return fail("zones.geometry.outOfRange", where);
      }
      vertices += ring.length - 1;
      if (vertices > MAX_VERTICES) return fail("zones.geometry.tooManyVertices", { max: MAX_VERTICES });
      // Rounding can make neighbours equal; a repeated point is not a crossing, so drop it.
      const cleanRing = ring.map(clean).filter((p, i, all) => i === 0 || p[0] !== all[i - 1]![0] || p[1] !== all[i - 1]![1]);
      if (new Set(cleanRing.slice(0, -1).map((p) => `${p[0]},${p[1]}`)).size < 3 || cleanRing.length < 4) {
        return fail("zones.geometry.tooFewPoints", where);
      }
      if (!flat && Math.abs(ringArea(cleanRing)) < 1e-12) flat = where;
      rings.push(cleanRing);
    }
    cleaned.push(rings);
  }

  const geometry: ZoneGeometry =
    type === "Polygon" ? { type: "Polygon", coordinates: cleaned[0]! } : { type: "MultiPolygon", coordinates: cleaned };
  const crossings = kinks(geometry);
  if (crossings.features.length > 0) return fail("zones.geometry.selfIntersection");
  if (flat) return fail("zones.geometry.noArea", flat);
  // Rings do not cross (checked above), so a hole is wholly inside its shell or wholly outside:
  // one of its corners tells which.
  for (const [polygonIndex, rings] of cleaned.entries()) {
    for (const [ringIndex, hole] of rings.slice(1).entries()) {
      if (!insideRing(hole[0]!, rings[0]!)) return fail("zones.geometry.holeOutside", { polygon: polygonIndex + 1, ring: ringIndex + 2 });
    }
  }
  return { ok: true, geometry };
}
