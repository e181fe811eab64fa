// A map that draws and edits: Geoman patches the global `L` before the map is created.
import "./leaflet-global.client";
import "@geoman-io/leaflet-geoman-free";

export { default } from "./zone-map-core.client";
