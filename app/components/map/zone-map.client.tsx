// A read-only map: Leaflet without the drawing tools.
export { default } from "./zone-map-core.client";
