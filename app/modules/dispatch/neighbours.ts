import booleanPointInPolygon from "@turf/boolean-point-in-polygon";
import type { Position } from "geojson";
import type { ZoneGeometry } from "~/modules/zones/geometry";

// Which zones a dispatch alerts: the zone the place falls in and its neighbours, the zones that
// touch it or come within NEIGHBOUR_DISTANCE_M of it (docs/decisions/011-dispatch.md). PostGIS is not
// available, so this is computed here, at the time of the dispatch, from the zones as they are
// drawn then (nothing precomputed to go stale when a zone is redrawn). Distances are measured on a
// local flat projection (equirectangular around the place's latitude): at city scale the error is
// far below a metre per kilometre, well inside what "about 1.5 km" means.

export const NEIGHBOUR_DISTANCE_M = 1500;

export interface ZoneShape {
  id: string;
  name: string;
  /** 1 is the highest; a point on two zones belongs to the higher one (as reports do). */
  priority: number;
  geometry: ZoneGeometry;
}

export interface LatLng {
  lat: number;
  lng: number;
}

type XY = [number, number];
type Segment = [XY, XY];
interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

const METRES_PER_DEGREE_LAT = 110_574;
const metresPerDegreeLng = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);

/** Projects longitude/latitude to metres on a plane tangent near `lat0`. */
const projector = (lat0: number) => {
  const kx = metresPerDegreeLng(lat0);
  return ([lng, lat]: Position): XY => [lng! * kx, lat! * METRES_PER_DEGREE_LAT];
};

const ringsOf = (geometry: ZoneGeometry): Position[][] => (geometry.type === "Polygon" ? geometry.coordinates : geometry.coordinates.flat());

interface Projected {
  segments: Segment[];
  /** One corner of each outer ring: enough to test "wholly inside" once no boundaries cross. */
  corners: XY[];
  box: Box;
  geometry: ZoneGeometry;
}

function project(geometry: ZoneGeometry, toXY: (p: Position) => XY): Projected {
  const segments: Segment[] = [];
  const box: Box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const ring of ringsOf(geometry)) {
    const points = ring.map(toXY);
    for (let i = 0; i < points.length - 1; i++) segments.push([points[i]!, points[i + 1]!]);
    for (const [x, y] of points) {
      box.minX = Math.min(box.minX, x);
      box.minY = Math.min(box.minY, y);
      box.maxX = Math.max(box.maxX, x);
      box.maxY = Math.max(box.maxY, y);
    }
  }
  const outer = geometry.type === "Polygon" ? [geometry.coordinates[0]!] : geometry.coordinates.map((p) => p[0]!);
  return { segments, corners: outer.map((ring) => toXY(ring[0]!)), box, geometry };
}

const boxGap = (a: Box, b: Box) => {
  const dx = Math.max(0, a.minX - b.maxX, b.minX - a.maxX);
  const dy = Math.max(0, a.minY - b.maxY, b.minY - a.maxY);
  return Math.hypot(dx, dy);
};

const segmentBox = ([a, b]: Segment): Box => ({
  minX: Math.min(a[0], b[0]),
  minY: Math.min(a[1], b[1]),
  maxX: Math.max(a[0], b[0]),
  maxY: Math.max(a[1], b[1]),
});

function pointSegment([px, py]: XY, [[ax, ay], [bx, by]]: Segment) {
  const dx = bx - ax;
  const dy = by - ay;
  const length = dx * dx + dy * dy;
  const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const cross = (o: XY, a: XY, b: XY) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

function segmentsCross([a, b]: Segment, [c, d]: Segment) {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

function segmentSegment(s: Segment, t: Segment) {
  if (segmentsCross(s, t)) return 0;
  return Math.min(pointSegment(s[0], t), pointSegment(s[1], t), pointSegment(t[0], s), pointSegment(t[1], s));
}

/** Ray casting over every ring (holes included), on projected points. */
function insideProjected([x, y]: XY, segments: Segment[]) {
  let inside = false;
  for (const [[xi, yi], [xj, yj]] of segments) {
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Metres between two zones (0 when they touch, overlap or one holds the other); Infinity beyond `limit`. */
function zoneGap(a: Projected, b: Projected, limit: number) {
  if (boxGap(a.box, b.box) > limit) return Infinity;
  if (a.corners.some((c) => insideProjected(c, b.segments)) || b.corners.some((c) => insideProjected(c, a.segments))) return 0;
  let best = Infinity;
  // Only the parts of B's boundary near A, sorted west to east so each of A's segments scans a window.
  const near = b.segments
    .map((t) => ({ t, box: segmentBox(t) }))
    .filter(({ box }) => boxGap(box, a.box) <= limit)
    .sort((x, y) => x.box.minX - y.box.minX);
  const widest = near.reduce((w, { box }) => Math.max(w, box.maxX - box.minX), 0);
  for (const s of a.segments) {
    const box = segmentBox(s);
    const reach = Math.min(best, limit);
    if (boxGap(box, b.box) > reach) continue;
    // Segments starting further west than this cannot come within reach.
    const from = box.minX - reach - widest;
    let lo = 0;
    let hi = near.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (near[mid]!.box.minX < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < near.length && near[i]!.box.minX <= box.maxX + reach; i++) {
      const other = near[i]!;
      if (boxGap(box, other.box) > Math.min(best, limit)) continue;
      best = Math.min(best, segmentSegment(s, other.t));
      if (best === 0) return 0;
    }
  }
  return best;
}

/** Metres from a point to a zone: 0 inside it. */
function pointGap(point: XY, zone: Projected) {
  if (insideProjected(point, zone.segments)) return 0;
  let best = Infinity;
  for (const s of zone.segments) best = Math.min(best, pointSegment(point, s));
  return best;
}

const byPriority = (a: ZoneShape, b: ZoneShape) => a.priority - b.priority || a.name.localeCompare(b.name);

/** The zone a point falls in: the highest-priority one when zones overlap; null outside them all. */
export function zoneAt(zones: ZoneShape[], point: LatLng): ZoneShape | null {
  return [...zones].sort(byPriority).find((z) => booleanPointInPolygon([point.lng, point.lat], z.geometry)) ?? null;
}

const centreLat = (geometry: ZoneGeometry) => {
  const lats = ringsOf(geometry).flatMap((ring) => ring.map((p) => p[1]!));
  return (Math.min(...lats) + Math.max(...lats)) / 2;
};

/** The other zones that touch `zone` or come within `distance` metres of it. */
export function neighboursOf(zones: ZoneShape[], zone: ZoneShape, distance = NEIGHBOUR_DISTANCE_M): ZoneShape[] {
  const toXY = projector(centreLat(zone.geometry));
  const target = project(zone.geometry, toXY);
  return zones.filter((other) => other.id !== zone.id && zoneGap(target, project(other.geometry, toXY), distance) <= distance).sort(byPriority);
}

/** The zones within `distance` metres of a point (the one it falls in included). */
export function zonesNearPoint(zones: ZoneShape[], point: LatLng, distance = NEIGHBOUR_DISTANCE_M): ZoneShape[] {
  const toXY = projector(point.lat);
  const at = toXY([point.lng, point.lat]);
  return zones
    .filter((zone) => {
      const projected = project(zone.geometry, toXY);
      return boxGap({ minX: at[0], minY: at[1], maxX: at[0], maxY: at[1] }, projected.box) <= distance && pointGap(at, projected) <= distance;
    })
    .sort(byPriority);
}

/** As many zones as a dispatch records (dispatches.zone_ids' check): a city of tiny zones keeps the first by priority. */
export const MAX_ALERTED_ZONES = 200;

export interface AlertedZones {
  /** The zone the place falls in; null outside every zone. */
  zone: ZoneShape | null;
  /** Every zone to alert: the zone first, then its neighbours (or, outside every zone, the zones near the point). */
  zones: ZoneShape[];
}

/**
 * The zones a dispatch alerts. `zoneId` is a report's zone when it has one (a report knows its
 * zone, even one filed on a shift without a location); otherwise the point decides.
 */
export function zonesToAlert(zones: ZoneShape[], place: { zoneId?: string | null; point?: LatLng | null }): AlertedZones {
  const zone = (place.zoneId ? zones.find((z) => z.id === place.zoneId) : undefined) ?? (place.point ? zoneAt(zones, place.point) : null);
  if (zone) return { zone, zones: [zone, ...neighboursOf(zones, zone)].slice(0, MAX_ALERTED_ZONES) };
  if (place.point) return { zone: null, zones: zonesNearPoint(zones, place.point).slice(0, MAX_ALERTED_ZONES) };
  return { zone: null, zones: [] };
}
