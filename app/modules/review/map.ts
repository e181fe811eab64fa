import type { ReportStatus } from "./filters";
import { URGENCIES } from "./filters";

export type Urgency = (typeof URGENCIES)[number];

/**
 * One report on the map, as an array to keep the payload small:
 * [id, latitude, longitude, urgency, status, occurred_at in seconds since the epoch].
 */
export type MapPoint = [id: string, lat: number, lon: number, urgency: Urgency, status: ReportStatus, occurredAt: number];

export interface ReviewMapData {
  points: MapPoint[];
  /** Reports matching the filters that have a place (all of them, even past the limit). */
  located: number;
  /** Reports matching the filters without a place: only in the list. */
  unlocated: number;
  /** Located reports per urgency. */
  byUrgency: Record<Urgency, number>;
  limit: number;
  /** More located reports match than the map carries. */
  capped: boolean;
}
