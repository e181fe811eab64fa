import L from "leaflet";

// Leaflet-Geoman patches the global `L`; ES modules evaluate in import order, so importing this
// module before Geoman gives it one.
(globalThis as unknown as { L: typeof L }).L = L;

export default L;
