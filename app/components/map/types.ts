import type { MultiPolygon, Point, Polygon } from "geojson";

export interface MapZone {
  id: string;
  name: string;
  colour: string;
  geometry: Polygon | MultiPolygon;
  meetingPoint?: Point | null;
  /** Fill opacity override, e.g. for coverage colouring. */
  fill?: string;
  href?: string;
  /** Text shown on hover, e.g. the zone's staffing, so nothing is told by colour alone. */
  tooltip?: string;
  emphasis?: boolean;
}

export interface ZoneMapProps {
  zones: MapZone[];
  tileUrl: string;
  attribution: string;
  label: string;
  noTilesMessage: string;
  /** Draw new polygons; each finished shape is reported as GeoJSON. */
  onDraw?: (geometry: Polygon | MultiPolygon) => void;
  /** The zone whose vertices can be edited and which can be dragged. */
  editableZoneId?: string;
  onEdit?: (geometry: Polygon | MultiPolygon) => void;
  height?: number;
  /** Accessible name of the draggable corners when a zone is being edited. */
  vertexLabel: string;
  language: "en" | "es";
  zoomIn: string;
  zoomOut: string;
  /** A pin to show (an incident's place). */
  pin?: { lat: number; lng: number } | null;
  /** Tapping the map reports the point (with the pin following it). */
  onPick?: (point: { lat: number; lng: number }) => void;
  /** Small dots with a tooltip (e.g. the live board's incoming reports); the page lists them too. */
  markers?: { id: string; lat: number; lng: number; label: string }[];
  /** Each zone's name always on the map (e.g. /shifts, where colour says open or full), not only on hover. */
  labelZones?: boolean;
}
