/// <reference types="@geoman-io/leaflet-geoman-free" />
// Geoman itself is loaded only by zone-map-editor.client.tsx: read-only maps never download it.
import L from "./leaflet-global.client";
import type { MultiPolygon, Polygon } from "geojson";
import { useEffect, useMemo, useRef, useState } from "react";
import { CircleMarker, GeoJSON, MapContainer, TileLayer, Tooltip, useMap, useMapEvents, ZoomControl } from "react-leaflet";
import type { MapZone, ZoneMapProps } from "./types";

/** Chicago, for an empty map. */
const DEFAULT_CENTER: L.LatLngExpression = [41.86, -87.7];

/** A short fingerprint of a geometry: react-leaflet's GeoJSON ignores new data, so a change must remount it. */
function fingerprint(value: unknown) {
  const text = JSON.stringify(value);
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return `${text.length}-${hash}`;
}

function geometryOf(layer: L.Layer): Polygon | MultiPolygon | null {
  const feature = (layer as L.Polygon).toGeoJSON?.();
  const geometry = feature && "geometry" in feature ? feature.geometry : null;
  return geometry && (geometry.type === "Polygon" || geometry.type === "MultiPolygon") ? geometry : null;
}

function FitToZones({ zones }: { zones: MapZone[] }) {
  const map = useMap();
  const fitted = useRef(false);
  useEffect(() => {
    if (fitted.current || zones.length === 0) return;
    const bounds = L.geoJSON(zones.map((z) => ({ type: "Feature", properties: {}, geometry: z.geometry })) as never).getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16] });
      fitted.current = true;
    }
  }, [map, zones]);
  return null;
}

/**
 * Leaflet and Geoman make buttons and draggable corners without accessible names; name them
 * (the toolbar from Geoman's own translated titles) whenever they appear.
 */
function AccessibleNames({ vertexLabel }: { vertexLabel: string }) {
  const map = useMap();
  useEffect(() => {
    const container = map.getContainer();
    const name = () => {
      // Corners are for the mouse; keyboard users edit the GeoJSON text, so corners take no tab stops.
      container.querySelectorAll<HTMLElement>(".marker-icon:not([aria-label])").forEach((el) => {
        el.setAttribute("aria-label", vertexLabel);
        el.setAttribute("tabindex", "-1");
      });
      container.querySelectorAll<HTMLElement>(".leaflet-buttons-control-button:not([aria-label])").forEach((el) => {
        const title = el.parentElement?.getAttribute("title");
        if (title) el.setAttribute("aria-label", title);
      });
    };
    name();
    const observer = new MutationObserver(name);
    observer.observe(container, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [map, vertexLabel]);
  return null;
}

function Drawing({ onDraw, language }: { onDraw: NonNullable<ZoneMapProps["onDraw"]>; language: "en" | "es" }) {
  const map = useMap();
  useEffect(() => {
    map.pm.setLang(language);
    map.pm.addControls({
      position: "topleft",
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawRectangle: true,
      drawCircle: false,
      drawText: false,
      editMode: false,
      dragMode: false,
      cutPolygon: false,
      removalMode: false,
      rotateMode: false,
    });
    const created = (event: { layer: L.Layer }) => {
      const geometry = geometryOf(event.layer);
      // One draft at a time: the latest shape replaces the previous one.
      map.eachLayer((layer) => {
        if ((layer as { _testigoDraft?: boolean })._testigoDraft) map.removeLayer(layer);
      });
      (event.layer as { _testigoDraft?: boolean })._testigoDraft = true;
      if (geometry) onDraw(geometry);
    };
    map.on("pm:create", created);
    return () => {
      map.off("pm:create", created);
      map.pm.removeControls();
    };
  }, [map, onDraw, language]);
  return null;
}

function ZoneLayer({ zone, editable, onEdit, labelled }: { zone: MapZone; editable: boolean; onEdit?: ZoneMapProps["onEdit"]; labelled?: boolean }) {
  const ref = useRef<L.GeoJSON>(null);
  useEffect(() => {
    const group = ref.current;
    if (!group || !editable || !onEdit) return;
    const layers = group.getLayers() as L.Polygon[];
    const report = () => {
      const polygons = layers.map(geometryOf).filter((g): g is Polygon | MultiPolygon => g !== null);
      if (polygons.length === 1) onEdit(polygons[0]!);
    };
    for (const layer of layers) {
      layer.pm.enable({ allowSelfIntersection: false, draggable: true });
      layer.on("pm:edit pm:dragend pm:markerdragend", report);
    }
    return () => {
      for (const layer of layers) {
        layer.off("pm:edit pm:dragend pm:markerdragend", report);
        layer.pm.disable();
      }
    };
  }, [editable, onEdit]);
  const data = useMemo(() => ({ type: "Feature" as const, properties: { name: zone.name }, geometry: zone.geometry }), [zone]);
  return (
    <GeoJSON
      ref={ref}
      data={data}
      style={{
        color: zone.colour,
        weight: zone.emphasis || editable ? 4 : 2,
        fillColor: zone.fill ?? zone.colour,
        fillOpacity: zone.fill ? 0.55 : 0.2,
      }}
      onEachFeature={(_feature, layer) => {
        // Leaflet reads a string as HTML: the name (typed by a coordinator) goes in as a text node.
        const label = document.createElement("span");
        label.textContent = labelled ? zone.name : (zone.tooltip ?? zone.name);
        layer.bindTooltip(label, labelled ? { permanent: true, direction: "center", className: "zone-label" } : { sticky: true });
        if (zone.href) layer.on("click", () => window.location.assign(zone.href!));
      }}
    />
  );
}

/** Taps pick a point; the map follows the pin when it moves (e.g. "Use my location"). */
function Picker({ pin, onPick }: { pin: ZoneMapProps["pin"]; onPick?: ZoneMapProps["onPick"] }) {
  const map = useMap();
  useMapEvents({
    click(event) {
      onPick?.({ lat: Math.round(event.latlng.lat * 1e6) / 1e6, lng: Math.round(event.latlng.lng * 1e6) / 1e6 });
    },
  });
  useEffect(() => {
    if (pin) map.setView([pin.lat, pin.lng], Math.max(map.getZoom(), 15));
  }, [map, pin]);
  return null;
}

export default function ZoneMap(props: ZoneMapProps) {
  const { zones, tileUrl, attribution, label, noTilesMessage, onDraw, editableZoneId, onEdit, height = 420, vertexLabel, language, zoomIn, zoomOut } =
    props;
  const [tilesFailed, setTilesFailed] = useState(!tileUrl);
  const tileEvents = useMemo(() => ({ tileerror: () => setTilesFailed(true) }), []);
  return (
    <div className="map-frame" style={{ "--map-height": `${height}px` } as React.CSSProperties} role="region" aria-label={label}>
      <MapContainer center={DEFAULT_CENTER} zoom={11} style={{ height: "100%" }} attributionControl keyboard zoomControl={false}>
        <ZoomControl position="topleft" zoomInTitle={zoomIn} zoomOutTitle={zoomOut} />
        {tileUrl ? <TileLayer url={tileUrl} attribution={attribution} eventHandlers={tileEvents} /> : null}
        {zones.map((zone) => (
          <ZoneLayer key={`${zone.id}-${fingerprint(zone.geometry)}-${zone.fill ?? ""}`} zone={zone} editable={zone.id === editableZoneId} onEdit={onEdit} labelled={props.labelZones} />
        ))}
        {props.pin ? null : <FitToZones zones={zones} />}
        {onDraw ? <Drawing onDraw={onDraw} language={language} /> : null}
        {props.onPick || props.pin ? <Picker pin={props.pin} onPick={props.onPick} /> : null}
        {props.pin ? (
          // A circle, not Leaflet's marker image: nothing to fetch, and it scales on any screen.
          <CircleMarker center={[props.pin.lat, props.pin.lng]} radius={10} pathOptions={{ color: "#111827", weight: 3, fillColor: "#dc2626", fillOpacity: 0.9 }} />
        ) : null}
        {props.markers?.map((m) => (
          <CircleMarker key={m.id} center={[m.lat, m.lng]} radius={7} pathOptions={{ color: "#111827", weight: 2, fillColor: "#dc2626", fillOpacity: 0.9 }}>
            <Tooltip>{m.label}</Tooltip>
          </CircleMarker>
        ))}
        <AccessibleNames vertexLabel={vertexLabel} />
      </MapContainer>
      {tilesFailed ? (
        <p className="map-note" role="note">
          {noTilesMessage}
        </p>
      ) : null}
    </div>
  );
}
