// Leaflet.markercluster patches the global `L`: importing leaflet-global first gives it one.
import L from "./leaflet-global.client";
import "leaflet.markercluster";
import { useEffect, useMemo, useRef, useState } from "react";
import { GeoJSON, MapContainer, TileLayer, useMap, ZoomControl } from "react-leaflet";
import { formatDay, formatTime } from "~/modules/clock/format";
import { URGENCIES } from "~/modules/review/filters";
import type { MapPoint, Urgency } from "~/modules/review/map";
import type { IncidentMapProps } from "./incident-map-types";

/** Chicago, for an empty map. */
const DEFAULT_CENTER: L.LatLngExpression = [41.86, -87.7];
// Most urgent first: a cluster shows the most urgent report it holds.
const RANK: Record<Urgency, number> = Object.fromEntries(URGENCIES.map((u, i) => [u, i])) as Record<Urgency, number>;

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

interface UrgentMarkerOptions extends L.MarkerOptions {
  urgency: Urgency;
}

/** The popup, built as elements (no HTML strings): urgency, status, local time, and the report's link. */
function popupContent(point: MapPoint, labels: IncidentMapProps["labels"], timeZone: string, language: string) {
  const [id, , , urgency, status, seconds] = point;
  const iso = new Date(seconds * 1000).toISOString();
  const root = document.createElement("div");
  root.className = "incident-popup";
  const facts = document.createElement("dl");
  for (const [term, value] of [
    [labels.urgency, labels.urgencyName[urgency]],
    [labels.status, labels.statusName[status]],
    [labels.when, `${formatDay(iso, timeZone, language, true)}, ${formatTime(iso, timeZone, language)}`],
  ] as const) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    facts.append(dt, dd);
  }
  const link = document.createElement("a");
  link.href = `/review/${encodeURIComponent(id)}`;
  link.textContent = labels.open;
  root.append(facts, link);
  return root;
}

/** One icon per urgency and status: a coloured disc with the urgency's letter, named for screen readers. */
function markerIcons(labels: IncidentMapProps["labels"]) {
  const icons = new Map<string, L.DivIcon>();
  return (urgency: Urgency, status: string) => {
    const key = `${urgency}:${status}`;
    let icon = icons.get(key);
    if (!icon) {
      icon = L.divIcon({
        className: `incident-marker incident-u-${urgency}`,
        html: `<span aria-hidden="true">${escape(labels.letter[urgency])}</span><span class="sr-only">${escape(
          labels.markerName(urgency, status as MapPoint[4]),
        )}</span>`,
        iconSize: [26, 26],
        popupAnchor: [0, -10],
      });
      icons.set(key, icon);
    }
    return icon;
  };
}

function clusterIcon(cluster: L.MarkerCluster, labels: IncidentMapProps["labels"]) {
  const count = cluster.getChildCount();
  let top = URGENCIES.length - 1;
  for (const marker of cluster.getAllChildMarkers()) {
    top = Math.min(top, RANK[(marker.options as UrgentMarkerOptions).urgency] ?? top);
    if (top === 0) break;
  }
  const urgency = URGENCIES[top]!;
  const size = count < 10 ? 34 : count < 100 ? 40 : 48;
  return L.divIcon({
    className: `marker-cluster incident-cluster incident-u-${urgency}`,
    html: `<span aria-hidden="true">${count}</span><span class="incident-cluster-top" aria-hidden="true">${escape(
      labels.letter[urgency],
    )}</span><span class="sr-only">${escape(labels.clusterName(count, urgency))}</span>`,
    iconSize: [size, size],
  });
}

/** The clustered markers; the map frame gets data-markers and data-render-ms when all are in. */
function Clusters({ points, labels, timeZone, language, onLoaded }: Pick<IncidentMapProps, "points" | "labels" | "timeZone" | "language"> & { onLoaded: (ms: number) => void }) {
  const map = useMap();
  useEffect(() => {
    const started = performance.now();
    let reported = false;
    const done = () => {
      if (reported) return;
      reported = true;
      onLoaded(performance.now() - started);
    };
    const group = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 60,
      iconCreateFunction: (cluster) => clusterIcon(cluster, labels),
      chunkProgress: (processed, total) => {
        if (processed >= total) done();
      },
    });
    const icon = markerIcons(labels);
    const markers = points.map((point) => {
      const marker = L.marker([point[1], point[2]], { icon: icon(point[3], point[4]), keyboard: true, urgency: point[3] } as UrgentMarkerOptions);
      // Built when opened, so 2,000 markers cost 2,000 closures, not 2,000 popups.
      marker.bindPopup(() => popupContent(point, labels, timeZone, language));
      return marker;
    });
    // Fitted before the group joins the map: clustered once at the final zoom, with no animation
    // from the previous view.
    if (points.length) {
      const bounds = L.latLngBounds(points.map((p) => [p[1], p[2]] as L.LatLngTuple));
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15, animate: false });
    }
    map.addLayer(group);
    group.addLayers(markers);
    if (points.length === 0) done();
    return () => {
      map.removeLayer(group);
    };
  }, [map, points, labels, timeZone, language, onLoaded]);
  return null;
}

/**
 * Puts the zoom level on the frame (tests read it). Subscribed once: useMapEvents would resubscribe
 * on every render and miss the zoom that the markers' fitting makes in the same commit.
 */
function ZoomWatch({ onZoom }: { onZoom: (zoom: number) => void }) {
  const map = useMap();
  useEffect(() => {
    const report = () => onZoom(map.getZoom());
    report();
    map.on("zoomend", report);
    return () => {
      map.off("zoomend", report);
    };
  }, [map, onZoom]);
  return null;
}

export default function IncidentMap(props: IncidentMapProps) {
  const { points, zones, tileUrl, attribution, labels, timeZone, language, height = 480 } = props;
  const frame = useRef<HTMLDivElement>(null);
  const [tilesFailed, setTilesFailed] = useState(!tileUrl);
  const tileEvents = useMemo(() => ({ tileerror: () => setTilesFailed(true) }), []);
  // Written straight to the element: a state change here would re-render the map for nothing.
  const onLoaded = useMemo(
    () => (ms: number) => {
      if (!frame.current) return;
      frame.current.dataset.markers = String(points.length);
      frame.current.dataset.renderMs = ms.toFixed(1);
    },
    [points],
  );
  const onZoom = useMemo(
    () => (zoom: number) => {
      if (frame.current) frame.current.dataset.zoom = String(zoom);
    },
    [],
  );
  const zoneData = useMemo(
    () => zones.map((z) => ({ id: z.id, colour: z.colour, data: { type: "Feature" as const, properties: {}, geometry: z.geometry } })),
    [zones],
  );
  return (
    <div ref={frame} className="map-frame incident-map" style={{ "--map-height": `${height}px` } as React.CSSProperties} role="region" aria-label={labels.region}>
      <MapContainer center={DEFAULT_CENTER} zoom={11} maxZoom={19} style={{ height: "100%" }} attributionControl keyboard zoomControl={false}>
        <ZoomControl position="topleft" zoomInTitle={labels.zoomIn} zoomOutTitle={labels.zoomOut} />
        {tileUrl ? <TileLayer url={tileUrl} attribution={attribution} maxZoom={19} eventHandlers={tileEvents} /> : null}
        {zoneData.map((z) => (
          <GeoJSON key={z.id} data={z.data} interactive={false} style={{ color: z.colour, weight: 2, fillOpacity: 0.06 }} />
        ))}
        <Clusters points={points} labels={labels} timeZone={timeZone} language={language} onLoaded={onLoaded} />
        <ZoomWatch onZoom={onZoom} />
      </MapContainer>
      {tilesFailed ? (
        <p className="map-note" role="note">
          {labels.noTiles}
        </p>
      ) : null}
    </div>
  );
}
