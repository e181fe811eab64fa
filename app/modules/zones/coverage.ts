import type { ZoneGeometry } from "./geometry";

export interface ZoneCoverage {
  id: string;
  name: string;
  colour: string;
  priority: number;
  geometry: ZoneGeometry;
  capacity: number;
  claimed: number;
  /** Minutes of the window in which nobody is scheduled in this zone. */
  uncoveredMinutes: number;
}

/** Gaps: zones short of staff, most urgent first (priority, then longest uncovered). */
export function gapsOf(zones: ZoneCoverage[]) {
  return zones
    .filter((z) => z.capacity === 0 || z.claimed < z.capacity)
    .sort((a, b) => a.priority - b.priority || b.uncoveredMinutes - a.uncoveredMinutes || a.name.localeCompare(b.name));
}

export type Staffing = "uncovered" | "partly" | "full";

export const staffingOf = (zone: Pick<ZoneCoverage, "capacity" | "claimed">): Staffing =>
  zone.capacity === 0 || zone.claimed === 0 ? "uncovered" : zone.claimed < zone.capacity ? "partly" : "full";
