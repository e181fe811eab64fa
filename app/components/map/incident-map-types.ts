import type { MultiPolygon, Polygon } from "geojson";
import type { ReportStatus } from "~/modules/review/filters";
import type { MapPoint, Urgency } from "~/modules/review/map";

export interface IncidentMapLabels {
  region: string;
  noTiles: string;
  zoomIn: string;
  zoomOut: string;
  urgency: string;
  status: string;
  when: string;
  open: string;
  /** One letter per urgency, shown on markers and clusters and explained by the legend. */
  letter: Record<Urgency, string>;
  urgencyName: Record<Urgency, string>;
  statusName: Record<ReportStatus, string>;
  markerName: (urgency: Urgency, status: ReportStatus) => string;
  clusterName: (count: number, mostUrgent: Urgency) => string;
}

export interface IncidentMapProps {
  points: MapPoint[];
  /** Outlines for orientation (not clickable). */
  zones: { id: string; colour: string; geometry: Polygon | MultiPolygon }[];
  tileUrl: string;
  attribution: string;
  labels: IncidentMapLabels;
  /** The organisation's time zone, for the popups' times. */
  timeZone: string;
  language: "en" | "es";
  height?: number;
}
