import type { LinkDescriptor } from "@remix-run/node";
import geomanCss from "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css?url";
import leafletCss from "leaflet/dist/leaflet.css?url";

/** Leaflet's and Geoman's CSS, served by the app (never a CDN); only map pages link them. */
export const mapLinks = (): LinkDescriptor[] => [
  { rel: "stylesheet", href: leafletCss },
  { rel: "stylesheet", href: geomanCss },
];
